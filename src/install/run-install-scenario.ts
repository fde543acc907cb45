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
import type { Scenario } from "../contracts/plan.js";
import { HarnessError } from "../errors.js";
import type { InstallResult, ScenarioResult, ServerInfo } from "../results/types.js";
import { evaluateSlos, noCallMeasurements, type Measurements } from "../slo/evaluate.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { formatMs } from "../contracts/units.js";
import { measureInstall } from "./measure-install.js";

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

/**
 * The install run mode (src/run/run-scenario.ts): every server installed cold, one after another,
 * and judged. Fills `base` with what was installed even when it stops early (a failure or an
 * interruption, which the run's error mapper then records); an install that failed makes the
 * scenario's status an environment error.
 */
export async function runInstallMode(run: {
  scenario: Scenario;
  base: ScenarioResult;
  registry: ResourceRegistry;
  signal: AbortSignal;
  say: (line: string) => void;
}): Promise<void> {
  const { scenario: s, base, signal, say } = run;
  const install = s.workload.install;
  if (!install) throw new HarnessError("internal", `runInstallMode: ${s.name} is a ${s.workload.kind} scenario`);
  const installs: InstallResult[] = [];
  try {
    for (const def of s.servers) {
      if (signal.aborted) throw new HarnessError("interrupted", "interrupted");
      say(`cold install of ${def.name} (${def.package}) from its registry, limit ${formatMs(install.limitMs)}`);
      const r = await measureInstall({
        def,
        registry: run.registry,
        limitMs: install.limitMs,
        startToReady: install.startToReady,
        startTimeoutMs: s.startTimeoutMs,
        signal,
      });
      installs.push(r);
      say(`${def.name}: ${r.outcome} in ${formatMs(r.installMs)}${r.startToReadyMs !== null ? `, ready ${formatMs(r.startToReadyMs)} after start` : ""}`);
    }
  } finally {
    base.install = installs;
    base.servers = installs.map(
      (i): ServerInfo => ({
        name: i.server,
        package: i.package,
        version: i.version,
        transport: "stdio",
        startToReadyMs: i.startToReadyMs === null ? { p50: 0, max: 0, sessions: 0 } : { p50: i.startToReadyMs, max: i.startToReadyMs, sessions: 1 },
        upstream: "none",
        tools: [],
      }),
    );
    base.slos = evaluateSlos(
      s.slos,
      installMeasurements(
        s.servers.map((d) => d.name),
        installs,
      ),
    );
  }
  const failed = installs.filter((i) => i.outcome === "failed");
  if (failed.length > 0) throw new HarnessError("environment", failed.map((f) => f.error ?? `${f.server}: install failed`).join("\n"));
}
