/**
 * `mcp-slo monitor`: continuous probes of the local stack, served as
 * Prometheus metrics. Registered by main.ts; errors go back to main.ts, which
 * alone maps them to exit codes (a non-loopback --host without
 * --allow-non-loopback is invalid input: exit 2).
 */
import path from "node:path";
import { type Command, Option } from "commander";
import { HarnessError } from "../errors.js";
import { PROJECT_ROOT } from "../project-root.js";
import { DURATION_BOUNDS } from "../contracts/scenario-fields.js";
import { durationFlag, parsePort } from "./flags.js";
import { DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT, checkListenAddress } from "../monitoring/exporter.js";
import { loadProbeFile } from "../monitoring/probes.js";
import { newRunId } from "../run/run-id.js";
import { reapLeftovers } from "../run/reap-leftovers.js";
import { lastScanReader, loadLastRun } from "../trend/load-input.js";

export const DEFAULT_PROBE_FILE = path.join(PROJECT_ROOT, "probes", "default.yaml");

/** How long `monitor --duration` may run: a month; without --duration it runs until stopped. */
const MONITOR_DURATION = { min: 1000, max: 30 * 24 * 3_600_000 };

export function registerMonitorCommand(program: Command): void {
  program
    .command("monitor")
    .description("probe the MCP servers of the local stack on an interval and serve Prometheus metrics (SLO compliance, error budget, burn rate)")
    .argument("[probe-file]", "probe definitions", path.relative(process.cwd(), DEFAULT_PROBE_FILE) || DEFAULT_PROBE_FILE)
    .option("--interval <duration>", "time between probe rounds (overrides the file's interval)")
    .option("--duration <duration>", "stop after this long (default: run until SIGINT/SIGTERM)")
    .option("--host <address>", "address to serve /metrics on; loopback only unless --allow-non-loopback", DEFAULT_METRICS_HOST)
    .addOption(new Option("--port <port>", "port to serve /metrics on (0: any free port)").default(String(DEFAULT_METRICS_PORT)))
    .option("--allow-non-loopback", "allow --host to be a non-loopback address (the metrics have no authentication)", false)
    .option(
      "--history <dir|postgres-url>",
      "the history whose newest run is exported as mcp_slo_run_*, and its newest security scan as mcp_security_* (default: reports/)",
    )
    .action(
      async (file: string, commandFlags: { interval?: string; duration?: string; host: string; port: string; allowNonLoopback: boolean; history?: string }) => {
        const listen = { host: commandFlags.host, port: parsePort(commandFlags.port, "--port"), allowNonLoopback: commandFlags.allowNonLoopback };
        // Before anything is read or started: a refused address must not cost a stack start.
        checkListenAddress(listen, "--host");
        const durationMs = commandFlags.duration === undefined ? undefined : durationFlag("--duration", commandFlags.duration, MONITOR_DURATION);
        const intervalMs = commandFlags.interval === undefined ? undefined : durationFlag("--interval", commandFlags.interval, DURATION_BOUNDS.probeInterval);
        const plan = await loadProbeFile(file);
        if (intervalMs !== undefined) {
          const tooLong = plan.probes.filter((p) => p.timeoutMs > intervalMs);
          if (tooLong.length)
            throw new HarnessError(
              "invalid_input",
              `--interval ${commandFlags.interval} is shorter than the timeout of ${tooLong.map((p) => p.name).join(", ")}: rounds would overlap`,
            );
          plan.intervalMs = intervalMs;
        }
        // What runs killed outright left behind, before the monitor starts its own stack.
        await reapLeftovers();
        const controller = new AbortController();
        let signals = 0;
        const onSignal = (sig: NodeJS.Signals) => {
          if (++signals === 1) {
            process.stderr.write(`${sig}: stopping the monitor (send it again to stop at once)\n`);
            controller.abort();
          } else process.exit(130); // the monitor's exit handler SIGKILLs what it started
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        try {
          // Loaded only once the flags and the probe file passed: refusing bad input needs none of it.
          const { runMonitor } = await import("../monitoring/monitor.js");
          const summary = await runMonitor({
            plan,
            listen,
            durationMs,
            signal: controller.signal,
            runId: `monitor-${newRunId()}`,
            log: (line) => process.stdout.write(`${line}\n`),
            // The history's newest run, read at each scrape, as mcp_slo_run_*.
            lastRun: () => loadLastRun(commandFlags.history ?? path.join(PROJECT_ROOT, "reports"), path.join(PROJECT_ROOT, "reports")),
            // The newest security scan of the same history, as mcp_security_validation_score and mcp_vulnerability_count.
            securityScans: lastScanReader(commandFlags.history ?? path.join(PROJECT_ROOT, "reports"), path.join(PROJECT_ROOT, "reports")),
          });
          process.stdout.write(`monitor stopped after ${summary.rounds} round(s)\n`);
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
      },
    );
}
