/**
 * `mcp-slo monitor`: starts the local stack and one MCP session per probed
 * server, runs every probe each interval (each with its own deadline), and
 * serves the results as Prometheus metrics until stopped (signal) or for a
 * given duration. Everything it starts is tracked in a ResourceRegistry and
 * stopped on the way out; a server that dies is restarted at the next round.
 */
import { deadline } from "../util/race.js";
import { sleep } from "../util/sleep.js";
import { HarnessError } from "../errors.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { localProvider } from "../providers/local.js";
import type { Stack, StackProvider } from "../providers/provider.js";
import type { Outcome, SecurityScanResult } from "../results/types.js";
import { startSession, writeServerFiles, type McpSession } from "../stack/mcp-session.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { checkListenAddress, startMetricsExporter, type ExporterListenOptions } from "./exporter.js";
import { McpMetrics } from "./metrics.js";
import { type LastRun, registerLastRunMetrics } from "./run-metrics.js";
import { unexpectedAnswer, type Probe, type ProbePlan } from "./probes.js";

/** Deadline for starting (or restarting) one server's session. */
const SESSION_START_TIMEOUT_MS = 20_000;
/** Slack past a probe's own deadline before the monitor stops waiting for the SDK to give up. */
const DEADLINE_SLACK_MS = 250;

/** Where the monitored copy of a server was installed: the monitor times its start, not an install. */
function installedFrom(def: ServerDefinition): string {
  return def.registry === "go" ? ".tools/bin" : def.registry === "pypi" ? ".tools/venv" : "node_modules";
}

export type ProbeResult = "success" | "unexpected" | "error" | "timeout";

export interface MonitorOptions {
  plan: ProbePlan;
  listen: ExporterListenOptions;
  /** Stop after this long; undefined: until the signal. */
  durationMs: number | undefined;
  signal: AbortSignal;
  runId: string;
  log: (line: string) => void;
  provider?: StackProvider;
  /** The last run of the harness, exported as mcp_slo_run_* (run-metrics.ts); read at each scrape. */
  lastRun?: () => Promise<LastRun | null>;
  /** The newest security scan of the history, for mcp_security_validation_score and mcp_vulnerability_count; read at each scrape. */
  securityScans?: () => Promise<readonly SecurityScanResult[] | null>;
  /** Called once metrics are served and the first round has run. */
  onReady?: (info: { url: string; runId: string }) => void;
}

export interface MonitorSummary {
  rounds: number;
  url: string;
}

function textOf(result: Record<string, unknown>): string {
  const content = Array.isArray(result.content) ? (result.content as { type: string; text?: string }[]) : [];
  return content
    .filter((c) => c.type === "text" && typeof c.text === "string")
    .map((c) => c.text)
    .join("\n");
}

export async function runMonitor(opts: MonitorOptions): Promise<MonitorSummary> {
  const { plan, signal, log } = opts;
  checkListenAddress(opts.listen, "--host");
  const registry = new ResourceRegistry({ runId: opts.runId });
  const onExit = () => registry.killAllSync();
  process.on("exit", onExit);
  const securityScans = opts.securityScans;
  const saidScan = new Set<string>();
  const metrics = new McpMetrics(
    securityScans === undefined
      ? {}
      : {
          securityScans: () =>
            securityScans().catch((err: unknown) => {
              const text = err instanceof Error ? err.message : String(err);
              if (!saidScan.has(text) && saidScan.size < 20) {
                saidScan.add(text);
                log(`the last security scan cannot be read for mcp_security_*: ${text}`);
              }
              return null;
            }),
        },
  );
  if (opts.lastRun !== undefined) {
    // Said once per distinct problem, not at every scrape.
    const said = new Set<string>();
    registerLastRunMetrics(metrics.registry, opts.lastRun, (err) => {
      const text = err instanceof Error ? err.message : String(err);
      if (!said.has(text) && said.size < 20) {
        said.add(text);
        log(`the last run cannot be read for mcp_slo_run_*: ${text}`);
      }
    });
  }
  const servers = [...new Map(plan.probes.map((p) => [p.server.name, p.server])).values()];
  const sessions = new Map<string, McpSession>();
  const lastState = new Map<string, ProbeResult>();
  let stack: Stack | undefined;
  let exporter: Awaited<ReturnType<typeof startMetricsExporter>> | undefined;
  let rounds = 0;
  try {
    exporter = await startMetricsExporter(metrics, opts.listen);
    log(`serving metrics on ${exporter.url} (monitor run id ${opts.runId})`);
    const provider = opts.provider ?? localProvider;
    try {
      stack = await provider.start({
        servers,
        extraNeeds: [],
        registry,
        seedRows: 100,
        proxied: false,
        redis: { persistence: "none" },
        postgres: { synchronousCommit: "on" },
      });
    } catch (err) {
      if (err instanceof HarnessError) throw err;
      throw new HarnessError("environment", `the stack could not start: ${(err as Error).message}`, { cause: err });
    }
    const endpoints = stack.endpoints;
    await writeServerFiles(servers, endpoints);
    const startedThisRound = new Set<string>();

    const ensureSession = async (def: ServerDefinition): Promise<McpSession | string> => {
      const current = sessions.get(def.name);
      // A session with no process of the harness (a url target) is kept: only a dead process of ours is restarted here.
      if (current && (current.process === undefined || current.process.isRunning())) return current;
      if (startedThisRound.has(def.name)) return "its session could not be started this round";
      startedThisRound.add(def.name);
      if (current) {
        sessions.delete(def.name);
        await current.close();
        log(`${def.name}: its server exited (${current.process?.exitInfo?.signal ?? `code ${current.process?.exitInfo?.code}`}); restarting it`);
      }
      const t0 = performance.now();
      try {
        const session = await startSession({ def, agent: 0, endpoints, registry, timeoutMs: SESSION_START_TIMEOUT_MS });
        metrics.installationDuration.observe({ mcp_name: def.name, source: installedFrom(def), environment: "local" }, (performance.now() - t0) / 1000);
        metrics.installationSuccess.inc({ mcp_name: def.name, source: installedFrom(def), result: "success" });
        sessions.set(def.name, session);
        return session;
      } catch (err) {
        metrics.installationSuccess.inc({ mcp_name: def.name, source: installedFrom(def), result: "failure" });
        const message = err instanceof Error ? err.message : String(err);
        log(`${def.name}: ${message}`);
        return message;
      }
    };

    const runProbe = async (probe: Probe): Promise<void> => {
      const session = await ensureSession(probe.server);
      const t0 = performance.now();
      let result: ProbeResult;
      let why: string | undefined;
      if (typeof session === "string") {
        result = "error";
        why = session;
      } else {
        const backstop = deadline(probe.timeoutMs + DEADLINE_SLACK_MS, () =>
          Object.assign(new Error(`no answer within ${probe.timeoutMs} ms`), { probeTimeout: true }),
        );
        try {
          // The SDK's own timeout first; the backstop guards against a transport that never settles.
          const answer = await Promise.race([
            session.client.callTool({ name: probe.tool, arguments: probe.args }, undefined, { timeout: probe.timeoutMs }),
            backstop.promise,
          ]);
          why = unexpectedAnswer(probe, { isError: answer.isError === true, text: textOf(answer) });
          result = why === undefined ? "success" : "unexpected";
        } catch (err) {
          const e = err as Error & { code?: unknown; probeTimeout?: boolean };
          const timedOut = e.probeTimeout === true || e.code === -32001 || /timed? ?out/i.test(e.message);
          result = timedOut ? "timeout" : "error";
          why = timedOut ? `no answer within ${probe.timeoutMs} ms` : e.message;
        } finally {
          backstop.dispose();
        }
      }
      const elapsedMs = performance.now() - t0;
      const labels = { mcp_name: probe.server.name, probe: probe.name };
      metrics.probeSuccess.set(labels, result === "success" ? 1 : 0);
      metrics.probes.inc({ ...labels, result });
      metrics.probeDuration.observe(labels, elapsedMs / 1000);
      const outcome: Outcome = result === "success" ? "ok" : result === "timeout" ? "timeout" : "error";
      metrics.observeCall(probe.server.name, probe.tool, outcome, result === "timeout" ? probe.timeoutMs : elapsedMs);
      const before = lastState.get(probe.name);
      lastState.set(probe.name, result);
      if (before !== result && (before !== undefined || result !== "success")) {
        log(`${probe.name}: ${result === "success" ? "answering again" : `${result}: ${why ?? ""}`}`);
      }
    };

    const endAt = opts.durationMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + opts.durationMs;
    log(
      `probing ${plan.probes.map((p) => p.name).join(", ")} every ${plan.intervalMs / 1000} s${opts.durationMs !== undefined ? ` for ${opts.durationMs / 1000} s` : " until stopped (Ctrl-C)"}`,
    );
    while (!signal.aborted && performance.now() < endAt) {
      const roundStart = performance.now();
      startedThisRound.clear();
      await Promise.all(plan.probes.map(runProbe));
      rounds++;
      if (rounds === 1) {
        const ok = plan.probes.filter((p) => lastState.get(p.name) === "success").length;
        log(`first round: ${ok}/${plan.probes.length} probes answered as expected`);
        opts.onReady?.({ url: exporter.url, runId: opts.runId });
      }
      await sleep(Math.min(roundStart + plan.intervalMs, endAt) - performance.now(), signal);
    }
    return { rounds, url: exporter.url };
  } finally {
    await Promise.allSettled([...sessions.values()].map((s) => s.close()));
    await stack?.stop().catch(() => undefined);
    await registry.disposeAll();
    await exporter?.stop();
    process.off("exit", onExit);
  }
}
