/**
 * The evaluator's view of one measurement window kept by a Recorder: used for
 * a scenario's window and for every step of a capacity search, so both judge
 * SLOs from exactly the same definitions.
 */
import type { Scenario } from "../config/load-scenario.js";
import type { CallContext } from "../drivers/sdk-driver.js";
import type { FaultsOutcome } from "../faults/experiment.js";
import type { Histogram } from "../metrics/histogram.js";
import type { Recorder } from "../metrics/recorder.js";
import type { CacheSummary, ServerInfo } from "../results/types.js";
import type { Measurements } from "../slo/evaluate.js";

export function recorderMeasurements(o: {
  scenario: Scenario;
  recorder: Recorder;
  calls: CallContext;
  servers: readonly ServerInfo[];
  measuredMs: number;
  /** Why the load generator, not the server, set the pace; undefined when it kept up. */
  generatorLimit: string | undefined;
  coordination?: { histogram: Histogram } | undefined;
  cache?: CacheSummary | undefined;
  faults?: FaultsOutcome | undefined;
}): Measurements {
  const { scenario: s, recorder, calls } = o;
  return {
    servers: s.servers.map((d) => d.name),
    latency: (scope) => recorder.select(scope, ["ok", "timeout"]),
    calls: (scope) => ({ ok: recorder.count(scope, ["ok"]), failed: recorder.count(scope, ["error", "timeout"]) }),
    throughput: (scope) => ({ okCalls: recorder.count(scope, ["ok"]), windowMs: o.measuredMs, generatorLimit: o.generatorLimit }),
    coordination: () => o.coordination?.histogram,
    cache: () => (o.cache ? { hits: o.cache.client.hits, misses: o.cache.client.misses } : undefined),
    // Only the SDK driver knows which agent made which call.
    concurrentAgents: () => (s.driver === "sdk" ? { held: calls.tallies.filter((t) => t.ok > 0 && t.failed === 0).length, agents: s.agents } : undefined),
    peakConcurrency: (server) => ({ peak: recorder.peakConcurrency(server), failed: recorder.count({ server }, ["error", "timeout"]) }),
    startTimeMs: (server) => {
      const info = o.servers.find((x) => x.name === server);
      return info ? { max: info.startToReadyMs.max, sessions: info.startToReadyMs.sessions } : undefined;
    },
    // An SLO over every server counts as measured against a stand-in when any of them used one.
    standIn: (server) => o.servers.some((x) => (server === undefined || x.name === server) && x.upstream === "stand-in"),
    recovery: () => o.faults?.faults,
    rpo: () => o.faults?.rpo,
  };
}
