/**
 * A scenario whose workload is `kind: install`: no backing services, no load; each server of the
 * scenario is installed cold from its registry, one after another (two at once would share the
 * network and the 2 cores and time each other), and its install time judged per server (SLO
 * install.time, scope "*"). The fresh copy's start-to-ready feeds the start_time metric, so
 * server.start_to_ready is judged here too.
 *
 * A failed install is an environment error (the scenario's status "error", exit 3) naming the
 * server and what failed, typically an unreachable registry: the harness could not measure, which
 * says nothing about the server. An install slower than the scenario's limit is a result, a miss.
 */
import type { Scenario } from "../config/load-scenario.js";
import { HarnessError } from "../errors.js";
import type { InstallResult, ScenarioResult, ServerInfo } from "../results/types.js";
import { emptyScenarioResult } from "../results/empty.js";
import { evaluateSlos, noCallMeasurements, type Measurements } from "../slo/evaluate.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { formatMs } from "../contracts/units.js";
import { measureInstall } from "./measure-install.js";

export interface InstallScenarioOptions {
  scenario: Scenario;
  registry: ResourceRegistry;
  signal: AbortSignal;
  progress: (line: string) => void;
}

/** The evaluator's view of a set of installs: install and start times per server, no calls. */
export function installMeasurements(servers: readonly string[], installs: readonly InstallResult[]): Measurements {
  const of = (server: string) => installs.find((i) => i.server === server);
  return {
    ...noCallMeasurements(servers),
    startTimeMs: (server) => {
      const ms = of(server)?.startToReadyMs;
      return ms === null || ms === undefined ? undefined : { max: ms, sessions: 1 };
    },
    installTime: (server) => {
      const i = of(server);
      if (!i || i.outcome === "failed") return undefined;
      return { ms: i.installMs, finished: i.outcome === "installed", limitMs: i.limitMs, from: `${i.registry} (${i.package}@${i.version})` };
    },
  };
}

export async function runInstallScenario(opts: InstallScenarioOptions): Promise<ScenarioResult> {
  const { scenario: s, signal } = opts;
  if (s.workload.kind !== "install") throw new HarnessError("internal", `runInstallScenario: ${s.name} is a ${s.workload.kind} scenario`);
  const w = s.workload;
  const base = emptyScenarioResult(s, new Date().toISOString());
  const say = (line: string) => opts.progress(`[${s.name}] ${line}`);
  const installs: InstallResult[] = [];
  try {
    for (const def of s.servers) {
      if (signal.aborted) throw new HarnessError("interrupted", "interrupted");
      say(`cold install of ${def.name} (${def.package}) from its registry, limit ${formatMs(w.limitMs)}`);
      const r = await measureInstall({ def, registry: opts.registry, limitMs: w.limitMs, startToReady: w.startToReady, startTimeoutMs: s.startTimeoutMs, signal });
      installs.push(r);
      say(`${def.name}: ${r.outcome} in ${formatMs(r.installMs)}${r.startToReadyMs !== null ? `, ready ${formatMs(r.startToReadyMs)} after start` : ""}`);
    }
  } catch (err) {
    if (err instanceof HarnessError && err.code === "interrupted") base.status = "interrupted";
    else if (err instanceof HarnessError && err.code === "invalid_input") throw err;
    else {
      base.status = "error";
      base.error = err instanceof HarnessError ? [err.message, ...err.details, ...(err.hint ? [`hint: ${err.hint}`] : [])].join("\n") : `harness error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    }
  }
  const failed = installs.filter((i) => i.outcome === "failed");
  if (failed.length > 0 && base.status === "completed") {
    base.status = "error";
    base.error = failed.map((f) => f.error ?? `${f.server}: install failed`).join("\n");
  }
  base.install = installs;
  base.servers = installs.map((i): ServerInfo => ({
    name: i.server,
    package: i.package,
    version: i.version,
    transport: "stdio",
    startToReadyMs: i.startToReadyMs === null ? { p50: 0, max: 0, sessions: 0 } : { p50: i.startToReadyMs, max: i.startToReadyMs, sessions: 1 },
    upstream: "none",
    tools: [],
  }));
  base.slos = evaluateSlos(s.slos, installMeasurements(s.servers.map((d) => d.name), installs));
  base.endedAt = new Date().toISOString();
  return base;
}
