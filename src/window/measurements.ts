/**
 * The evaluator's view of one measurement window kept by a Recorder: used for
 * a scenario's window and for every step of a capacity search, so both judge
 * SLOs from exactly the same definitions (./measure-window.ts opens the window).
 */
import type { Scenario } from "../contracts/plan.js";
import type { AgentTally } from "../drivers/sdk-driver.js";
import type { FaultsOutcome } from "../faults/experiment.js";
import type { Histogram } from "../metrics/histogram.js";
import type { Recorder } from "../metrics/recorder.js";
import type { SessionStarts } from "../metrics/session-starts.js";
import type { AvailabilityFigure, AvailabilitySummary, CacheSummary, FallbackMeasurement, ServerInfo } from "../results/types.js";
import type { AvailabilityMeasure, Measurements, Scope } from "../slo/evaluate.js";

/** Probes of one server over a window: the always-on availability probe's (src/run/availability-probe.ts) or the fault experiment's. */
export interface ProbeCount {
  server: string;
  tool: string;
  intervalMs: number;
  timeoutMs: number;
  probes: number;
  ok: number;
  source: "availability-probe" | "fault-probe";
}

export const AVAILABILITY_DEFINITION =
  "Availability is time-based: good time / observed time, per server and overall. Each agent's time with each server is cut into good and bad: " +
  "time inside a call that succeeded, and the time after it until the agent's next call to that server, is good; time inside a call that failed or passed its deadline, " +
  "and from then until the agent's next success, is bad (a backoff after a lost session included). Clipped to the measurement window; time before an agent's first call is not observed. " +
  "The always-on probe (its own session, one call with a deadline per interval) measures the same independently of the load: ok probes / probes. " +
  "The load's figure judges the SLO whenever the load called the scope, the probe's otherwise; a verdict uses the 95 % Wilson interval over the corrected count of intended calls " +
  "(availability x calls successes), or over the probes when the probe judges.";

/** Load-based and probe-based availability of one scope, as the evaluator sees it. */
function availabilityIn(scope: Scope, recorder: Recorder, probes: readonly ProbeCount[]): AvailabilityMeasure {
  const time = recorder.availabilityTime(scope);
  const c = recorder.callCounts(scope);
  const trials = c.ok + c.failed.tool + c.failed.protocol + c.failed.transport + c.missed;
  // A tool scope has no probe of its own unless the probe calls that very tool; a method scope has none (the probe calls a tool or pings).
  const own = probes.filter(
    (p) => scope.method === undefined && (scope.server === undefined || p.server === scope.server) && (scope.tool === undefined || p.tool === scope.tool),
  );
  const probe =
    own.length === 0
      ? undefined
      : {
          ok: own.reduce((a, p) => a + p.ok, 0),
          probes: own.reduce((a, p) => a + p.probes, 0),
          tool: [...new Set(own.map((p) => p.tool))].join(", "),
          intervalMs: Math.max(...own.map((p) => p.intervalMs)),
        };
  return { load: time.goodMs + time.badMs > 0 ? { ...time, trials } : undefined, probe };
}

/** The availability block of results.json: every server and "*" (all), load and probe side by side. */
export function availabilitySummary(inputs: {
  servers: readonly string[];
  recorder: Recorder;
  probes: readonly ProbeCount[];
  probe: { intervalMs: number; timeoutMs: number } | null;
  correctionNote: string;
}): AvailabilitySummary {
  const figure = (server: string | undefined): AvailabilityFigure => {
    const a = availabilityIn(server === undefined ? {} : { server }, inputs.recorder, inputs.probes);
    const own = inputs.probes.filter((p) => server === undefined || p.server === server);
    const load = a.load ? { goodMs: a.load.goodMs, badMs: a.load.badMs, ratio: a.load.goodMs / (a.load.goodMs + a.load.badMs), trials: a.load.trials } : null;
    const probe =
      a.probe && own.length > 0
        ? {
            tool: a.probe.tool,
            intervalMs: a.probe.intervalMs,
            timeoutMs: Math.max(...own.map((p) => p.timeoutMs)),
            probes: a.probe.probes,
            ok: a.probe.ok,
            ratio: a.probe.probes > 0 ? a.probe.ok / a.probe.probes : null,
            source: own.every((p) => p.source === "fault-probe") ? ("fault-probe" as const) : ("availability-probe" as const),
          }
        : null;
    return { server: server ?? "*", load, probe, judgedBy: load && load.trials > 0 ? "load" : probe && probe.probes > 0 ? "probe" : null };
  };
  return {
    definition: AVAILABILITY_DEFINITION,
    figures: [...inputs.servers.map((x) => figure(x)), figure(undefined)],
    probe: inputs.probe,
    countsCorrected: inputs.recorder.countsCorrected,
    correctionNote: inputs.correctionNote,
  };
}

export function recorderMeasurements(inputs: {
  scenario: Scenario;
  recorder: Recorder;
  /** Per agent, the window's ok and failed calls (the concurrent-agents SLO). */
  agentTallies: readonly AgentTally[];
  /** The driver said which agent sent each call (src/drivers/driver.ts LoadDriver.knowsAgents). */
  knowsAgents: boolean;
  servers: readonly ServerInfo[];
  measuredMs: number;
  /** Why the load generator, not the server, set the pace; undefined when it kept up. */
  generatorLimit: string | undefined;
  coordination?: { histogram: Histogram } | undefined;
  cache?: CacheSummary | undefined;
  faults?: FaultsOutcome | undefined;
  /** Probe counts per server over the window (availability probe and fault probe); none when off. */
  probes?: readonly ProbeCount[];
  /** The harness's event-loop delay p99 over the window, when the harness timed the samples. */
  harnessDelayMs: number | undefined;
  /** The agents' fallbacks and what they cost (src/resilience/measure.ts), when the scenario has resilience policies. */
  fallbacks?: readonly FallbackMeasurement[] | undefined;
  /** The session setups of session churn (method initialize), when the scenario's sessions churn. */
  sessionStarts?: SessionStarts | undefined;
}): Measurements {
  const { scenario: s, recorder, agentTallies } = inputs;
  return {
    servers: s.servers.map((d) => d.name),
    latency: (scope) => recorder.select(scope, ["ok", "timeout"]),
    calls: (scope) => {
      const c = recorder.callCounts(scope);
      return { ok: c.ok, failed: c.failed.tool + c.failed.protocol + c.failed.transport, missed: c.missed };
    },
    availability: (scope) => availabilityIn(scope, recorder, inputs.probes ?? []),
    harnessDelayMs: () => inputs.harnessDelayMs,
    throughput: (scope) => ({ okCalls: recorder.count(scope, ["ok"]), windowMs: inputs.measuredMs, generatorLimit: inputs.generatorLimit }),
    coordination: () => inputs.coordination?.histogram,
    cache: () => (inputs.cache ? { hits: inputs.cache.client.hits, misses: inputs.cache.client.misses } : undefined),
    // Only a driver that says which agent made which call counts the agents that held.
    concurrentAgents: () => (inputs.knowsAgents ? { held: agentTallies.filter((t) => t.ok > 0 && t.failed === 0).length, agents: s.agents } : undefined),
    peakConcurrency: (server) => ({ peak: recorder.peakConcurrency(server), failed: recorder.count({ server }, ["error", "timeout"]) }),
    startTimeMs: (server) => {
      const info = inputs.servers.find((x) => x.name === server);
      return info ? { max: info.startToReadyMs.max, sessions: info.startToReadyMs.sessions } : undefined;
    },
    // An SLO over every server counts as measured against a stand-in when any of them used one.
    standIn: (server) => inputs.servers.some((x) => (server === undefined || x.name === server) && x.upstream === "stand-in"),
    recovery: () => inputs.faults?.faults,
    rpo: () => inputs.faults?.rpo,
    fallbacks: () => inputs.fallbacks,
    initialize: (scope) => {
      const starts = inputs.sessionStarts;
      if (!starts) return undefined;
      return { latency: starts.select(scope, ["ok", "timeout"]), ...starts.counts(scope) };
    },
  };
}
