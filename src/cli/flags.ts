/**
 * Checks of command-line values that are not files: each wrong value is invalid input (exit 2) with a
 * message naming the flag, what it expects and what it got (escaped: a flag's value is shown, never
 * sent raw to the terminal).
 */
import { HarnessError } from "../errors.js";
import { printable } from "../util/control-chars.js";
import { MAX_THREADS, PROFILE_NAME_RE, PROFILE_NAME_RULE } from "../contracts/scenario-fields.js";
import { describeDurationBounds, durationProblem, parseDurationMs, type DurationBounds } from "../contracts/units.js";
import { checkListenAddress, type ExporterListenOptions } from "../monitoring/exporter.js";

export function shown(text: string): string {
  return printable(JSON.stringify(text));
}

/** ms of a duration flag within `bounds`. */
export function durationFlag(flag: string, text: string, bounds: DurationBounds): number {
  const why = durationProblem(text, bounds);
  if (why !== undefined)
    throw new HarnessError("invalid_input", `${flag}: ${why}, got ${shown(text)}`, { hint: `e.g. ${flag} 30s (${describeDurationBounds(bounds)})` });
  return parseDurationMs(text)!;
}

/** A whole number from `min` to `max`, written in digits. */
export function wholeNumberFlag(flag: string, text: string, min: number, max: number, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new HarnessError("invalid_input", `${flag}: expected ${what}, a whole number from ${min} to ${max}, got ${shown(text)}`);
  }
  return n;
}

/** `--threads <n|auto>`: the threads driver's worker threads. */
export function threadsFlag(text: string): number | "auto" {
  return text.trim() === "auto"
    ? "auto"
    : wholeNumberFlag("--threads", text, 1, MAX_THREADS, "the threads driver's worker threads (or auto: one per two cores)");
}

/** `--profile <name>`: any name a scenario file may define (PROFILE_NAME_RE); whether the files define it is checked when they load. */
export function profileFlag(text: string): string {
  if (!PROFILE_NAME_RE.test(text)) throw new HarnessError("invalid_input", `--profile: expected ${PROFILE_NAME_RULE}, got "${printable(text)}"`);
  return text;
}

export const ALLOW_HOSTS_HELP =
  "hosts a scenario's url: servers may name besides loopback, comma-separated (e.g. staging.example.com,10.0.0.5): load is sent there; the run is marked off-loopback in results.json and the report";

/** `--allow-hosts a,b`: host names or IP addresses (no scheme, port or path), lower case. */
export function parseAllowHosts(text: string | undefined): string[] {
  if (text === undefined) return [];
  const hosts = text.split(",").map((h) => h.trim());
  for (const h of hosts) {
    // A host as URL.hostname gives it: letters, digits, dots, hyphens; an IPv6 address in brackets or bare.
    if (!/^([a-z0-9.-]+|\[?[0-9a-f:.]+\]?)$/i.test(h) || h === "")
      throw new HarnessError(
        "invalid_input",
        `--allow-hosts: expected host names or IP addresses separated by commas (no scheme, port or path), got ${shown(h)}`,
        {
          hint: "e.g. --allow-hosts staging.example.com,10.0.0.5",
        },
      );
  }
  return hosts.map((h) => h.toLowerCase().replace(/^\[(.*)\]$/, "$1"));
}

export function parsePort(text: string, flag: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new HarnessError("invalid_input", `${flag}: expected a port number 0..65535, got ${shown(text)}`);
  return port;
}

/** Flags of `mcp-slo run` for its live metrics and trace, as commander hands them over. */
export interface RunTelemetryFlags {
  metricsPort?: string;
  metricsHost: string;
  allowNonLoopback: boolean;
  traceSample: string;
}

/** Turns `mcp-slo run`'s --metrics-* and --trace-sample flags into run() options; invalid ones are exit 2. */
export function runTelemetryOptions(commandFlags: RunTelemetryFlags): { metrics?: ExporterListenOptions; traceSampleEvery: number } {
  const traceSampleEvery = wholeNumberFlag("--trace-sample", commandFlags.traceSample, 0, 1_000_000_000, "N to trace one call in N (0 for no trace)");
  if (commandFlags.metricsPort === undefined) return { traceSampleEvery };
  const metrics = {
    host: commandFlags.metricsHost,
    port: parsePort(commandFlags.metricsPort, "--metrics-port"),
    allowNonLoopback: commandFlags.allowNonLoopback,
  };
  checkListenAddress(metrics, "--metrics-host");
  return { metrics, traceSampleEvery };
}
