/**
 * Runs a scenario's capacity search on a started stack (src/run/run-scenario.ts
 * calls it instead of the single measurement window). Each step: a fresh
 * Recorder, CallContext and workload (so nothing of one step leaks into the
 * next), a settle period at the step's rate (recorded apart, never judged; the
 * first step also carries the scenario's warm-up), then the step's window,
 * judged with the same evaluateSlos as any scenario.
 */
import type { Scenario } from "../contracts/plan.js";
import { CallContext, type Agent } from "../drivers/sdk-driver.js";
import type { DriverPhase } from "../drivers/driver.js";
import { driverNamed } from "../drivers/index.js";
import { percentileMs } from "../metrics/histogram.js";
import { Recorder } from "../metrics/recorder.js";
import type { CacheSummary, CoordinationSummary, ErrorSummary, LatencySummary, LoadSummary, ScenarioResult, TimelinePoint } from "../results/types.js";
import { evaluateSlos } from "../slo/evaluate.js";
import { recorderMeasurements } from "../window/measurements.js";
import type { CallHooks } from "../telemetry/call-hooks.js";
import type { WorkloadEnv } from "../contracts/workload-env.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { measureWindow, unjudgedLoad } from "../window/measure-window.js";
import { generatorLimitOf, searchCapacity, type StepMeasurement } from "./search.js";

interface CapacityStepData extends StepMeasurement {
  load: LoadSummary;
  latency: LatencySummary[];
  timeline: { intervalMs: number; points: TimelinePoint[] };
  errors: ErrorSummary[];
  coordination?: CoordinationSummary;
  cache?: CacheSummary;
}

export interface CapacityRunOptions {
  scenario: Scenario;
  base: ScenarioResult;
  agents: readonly Agent[];
  runId: string;
  registry: ResourceRegistry;
  signal: AbortSignal;
  say: (line: string) => void;
  sandbox: string;
  redisInfo?: WorkloadEnv["redisInfo"];
  hooks?: CallHooks;
}

/** Fills `base` (load, latency, timeline, errors, slos, capacity) from the search. */
export async function runCapacityScenario(capacityRun: CapacityRunOptions): Promise<void> {
  const s = capacityRun.scenario;
  const plan = s.capacity!;
  if (s.load.model !== "open") throw new Error("a capacity search needs the open model");
  const maxInFlight = s.load.maxInFlight;
  // The scenario's driver, which the loader checked can search (src/drivers: capacitySearch).
  const driver = driverNamed(s.driver);
  const runStep = async (rate: number, index: number): Promise<CapacityStepData> => {
    const settleMs = plan.settleMs + (index === 0 ? s.warmupMs : 0);
    const recorder = new Recorder({ plannedMeasureMs: plan.stepDurationMs, warmupMs: settleMs, now: performance.now() });
    const calls = new CallContext(recorder, capacityRun.agents, s.callTimeoutMs, { backoff: false });
    calls.signal = capacityRun.signal;
    if (capacityRun.hooks) calls.hooks = capacityRun.hooks;
    const workload = s.workload.prepare({
      calls,
      runId: `${capacityRun.runId}-c${index}`,
      seed: s.seed + index,
      agents: s.agents,
      sandbox: capacityRun.sandbox,
      ...(capacityRun.redisInfo && { redisInfo: capacityRun.redisInfo }),
    });
    const load = { model: "open" as const, rate, maxInFlight };
    const phase = (name: DriverPhase["phase"], durationMs: number): DriverPhase => ({
      scenario: s,
      phase: name,
      durationMs,
      count: undefined,
      load,
      recorder,
      workload,
      urls: new Map(),
      registry: capacityRun.registry,
      runId: capacityRun.runId,
      signal: capacityRun.signal,
    });
    if (settleMs > 0 && !capacityRun.signal.aborted) {
      calls.phase = "warmup";
      await unjudgedLoad(driver, phase("warmup", settleMs));
    }
    await workload.beforeMeasure?.();
    const stats = await measureWindow(driver, phase("measure", plan.stepDurationMs), {
      open: async () => {
        calls.phase = "measure";
      },
    });
    calls.phase = "warmup";
    await workload.afterMeasure?.();

    const measuredMs = recorder.measuredMs;
    const generator = {
      offered: stats.offered,
      lateSends: stats.lateSends,
      dropped: stats.dropped,
      cpu: stats.cpu,
      eventLoopDelayP99Ms: stats.eventLoopDelayP99Ms,
    };
    const limit = generatorLimitOf(generator);
    const okCalls = recorder.count({}, ["ok"]);
    const failedCalls = recorder.count({}, ["error", "timeout"]);
    const coordination = workload.coordination?.();
    const cache = workload.cache?.();
    // Each step is judged against its own harness delay; the open model needs no count correction.
    const measurements = recorderMeasurements({
      scenario: s,
      recorder,
      agentTallies: calls.tallies,
      knowsAgents: driver.knowsAgents,
      servers: capacityRun.base.servers,
      measuredMs,
      generatorLimit: limit,
      coordination,
      cache,
      harnessDelayMs: stats.eventLoopDelayP99Ms,
    });
    const slos = evaluateSlos(s.slos, measurements);
    let basis: "calls" | "coordination" = "calls";
    let achievedThroughput = measuredMs > 0 ? (okCalls * 1000) / measuredMs : 0;
    const all = recorder.select({}, ["ok", "timeout"]);
    let p50: number | null = all.totalCount > 0 ? percentileMs(all, 50) : null;
    let p99: number | null = all.totalCount > 0 ? percentileMs(all, 99) : null;
    if (coordination) {
      basis = "coordination";
      const c = coordination.summary;
      achievedThroughput = measuredMs > 0 ? ((c.samples - c.timeouts) * 1000) / measuredMs : 0;
      p50 = c.samples > 0 ? c.p50 : null;
      p99 = c.samples > 0 ? c.p99 : null;
    }
    const summary: LoadSummary = {
      model: "open",
      agents: s.agents,
      rate,
      warmupMs: settleMs,
      durationMs: plan.stepDurationMs,
      measuredMs,
      offered: stats.offered,
      completed: stats.completed,
      lateSends: stats.lateSends,
      dropped: stats.dropped,
      lateThresholdMs: 10,
      throughput: measuredMs > 0 ? (okCalls * 1000) / measuredMs : 0,
      generatorCpu: stats.cpu,
      eventLoopDelayP99Ms: stats.eventLoopDelayP99Ms,
    };
    const fmt = (x: number | null) => (x === null ? "-" : `${x.toFixed(2)} ms`);
    capacityRun.say(
      `  ${rate}/s: achieved ${achievedThroughput.toFixed(1)}/s, p50 ${fmt(p50)}, p99 ${fmt(p99)}, ${slos.filter((x) => x.verdict === "fail").length} SLO(s) failed${limit ? `; generator limit: ${limit}` : ""}`,
    );
    return {
      offeredRate: rate,
      achievedThroughput,
      basis,
      p50,
      p99,
      okCalls,
      failedCalls,
      measuredMs,
      generator,
      slos,
      interrupted: capacityRun.signal.aborted,
      load: summary,
      latency: recorder.latencySummaries(),
      timeline: recorder.timelinePoints(),
      errors: recorder.errorSummaries(),
      ...(coordination && { coordination: coordination.summary }),
      ...(cache && { cache }),
    };
  };
  const { result, verdictStep } = await searchCapacity(plan, runStep, { signal: capacityRun.signal, say: capacityRun.say });
  capacityRun.say(`capacity: ${result.stopReason}; sustained ${result.sustainedRate ?? "none"}/s`);
  capacityRun.base.capacity = result;
  if (verdictStep) {
    capacityRun.base.load = verdictStep.load;
    capacityRun.base.latency = verdictStep.latency;
    capacityRun.base.timeline = verdictStep.timeline;
    capacityRun.base.errors = verdictStep.errors;
    if (verdictStep.coordination) capacityRun.base.coordination = verdictStep.coordination;
    if (verdictStep.cache) capacityRun.base.cache = verdictStep.cache;
    // When no step held because the generator could not keep up, even the first step's passes
    // prove nothing about the server: they are reported, but as inconclusive.
    capacityRun.base.slos =
      result.sustainedRate === null && result.limitedByGenerator
        ? verdictStep.slos.map((x) =>
            x.verdict === "inconclusive"
              ? x
              : {
                  ...x,
                  verdict: "inconclusive" as const,
                  reason: `the load generator was the limit from the first step, so this ${x.verdict} proves nothing about the server (${x.reason})`,
                },
          )
        : verdictStep.slos;
  }
}
