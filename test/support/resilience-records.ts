/**
 * Run records with the agents' resilience policies and a version switch (ScenarioResult.resilience), for
 * the output tests: a fallback to an alternative server while the Redis MCP server is killed, run with
 * and without the policies (matrix `resilience: [true, false]`), and a canary of a slower version that is
 * rolled back. Values are invented but consistent: the agents' counts add up, the fallback window lies
 * inside the fault, the side-by-side figures follow from the counts.
 */
import type { CallCounts, FaultResult, ResilienceEvent, ResilienceResult, RunRecord, ScenarioResult, TimelinePoint } from "../../src/results/types.js";
import { baseRunRecord, baseScenario, openLoad, server, slo, withScenarios } from "./records.js";

const FILE = "scenarios/redis-fallback.yaml";
const CANARY_FILE = "scenarios/redis-canary-slow.yaml";
const MODULE = "Design module (000_02bc345255a0a23a.txt)";

/** The fault both variants inject: the Redis MCP server's process killed at 20 s, spawned again at 50 s. */
export const KILL: FaultResult = {
  id: "redis-mcp-kill",
  kind: "process",
  target: "redis",
  description: "SIGKILL the Redis MCP server",
  injected: true,
  injectedAtMs: 20_000,
  healedAtMs: 50_000,
  readyAtMs: 50_300,
  timeToDetectMs: 400,
  rtoMs: 30_600,
  afterHealMs: 600,
  recovered: true,
  limitMs: 60_000,
  supervisor: true,
  observations: ["redis#0 exited (signal SIGKILL)"],
};

function timeline(okDuringFault: number): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  for (let t = 0; t < 60_000; t += 5_000) {
    const inFault = t >= 20_000 && t < 50_000;
    points.push({ t, server: "redis", ok: inFault ? okDuringFault : 500, error: inFault ? 500 - okDuringFault : 0, timeout: 0, p50: 1.5, p99: 6.1 });
  }
  return points;
}

/** 230 decisions: the breaker flapping while the fault lasts, then the fallback and the fail-back (more than the report shows). */
function flappingEvents(): ResilienceEvent[] {
  const events: ResilienceEvent[] = [
    { atMs: 20_150, kind: "breaker-opened", server: "redis", detail: "12 of 20 calls failed (60 %)" },
    { atMs: 20_180, kind: "fallback-started", server: "redis", detail: "answered by redis-official" },
  ];
  for (let i = 0; i < 114; i++) {
    events.push({ atMs: 25_200 + i * 200, kind: "breaker-half-open", server: "redis", detail: "1 probe admitted" });
    events.push({ atMs: 25_250 + i * 200, kind: "breaker-opened", server: "redis", detail: "the half-open probe failed" });
  }
  events.push({ atMs: 50_400, kind: "breaker-closed", server: "redis", detail: "the half-open probe succeeded" });
  events.push({ atMs: 50_420, kind: "failed-back", server: "redis", detail: "answered by redis again" });
  return events;
}

export function fallbackResilience(): ResilienceResult {
  return {
    policies: [
      {
        server: "redis",
        retries: { count: 2, backoffMs: 50, jitter: 0.2 },
        deadlineMs: 2_000,
        breaker: { failureRate: 0.5, windowCalls: 20, minCalls: 10, openMs: 5_000, halfOpenProbes: 1 },
        fallback: { kind: "alternative-server", server: "redis-official", tools: ["get", "set"] },
      },
    ],
    calls: [{ server: "redis", calls: 6_000, ok: 5_988, failed: 12, primary: 2_980, fallback: 3_020, degraded: 0, retried: 41, shortCircuited: 2_870 }],
    events: flappingEvents(),
    eventsNotKept: 37,
    fallbacks: [
      {
        server: "redis",
        fallbackServer: "redis-official",
        kind: "alternative-server",
        faultId: "redis-mcp-kill",
        faultAtMs: 20_000,
        healedAtMs: 50_000,
        baseline: { fromMs: 0, toMs: 20_000, calls: 2_000, ok: 2_000, p50Ms: 1.5, throughput: 100 },
        during: { fromMs: 20_180, toMs: 50_400, calls: 3_020, ok: 3_008, p50Ms: 1.58, throughput: 99.5, degraded: 0, successRate: 3_008 / 3_020 },
        latency: {
          relative: 0.0533,
          band: 0.041,
          method: "p50 interval from the HDR counts, widened for dependence",
          verdict: "inconclusive",
          reason: "+5.3 % is above 5 % but within the noise band",
        },
        throughput: { relative: 0.005, band: 0.02, method: "ok calls per second, batch means", verdict: "pass", reason: "0.5 % is below 5 % beyond the noise" },
        timeToFailOverMs: 180,
        timeToFailBackMs: 420,
        failedDuringFault: 12,
        callsDuringFault: 3_020,
      },
    ],
  };
}

function availability(ratio: number): ScenarioResult["availability"] {
  return {
    definition: "good time / observed time of the agents' timelines",
    figures: [{ server: "redis", load: { goodMs: ratio * 60_000, badMs: (1 - ratio) * 60_000, ratio, trials: 6_000 }, probe: null, judgedBy: "load" }],
    probe: null,
    countsCorrected: true,
    correctionNote: "closed model: corrected",
  };
}

function counts(ok: number, transport: number, missed: number): CallCounts {
  const calls = ok + transport;
  return {
    server: "redis",
    tool: "get",
    ok,
    failed: { tool: 0, protocol: 0, transport },
    timeouts: 0,
    missed,
    successRate: { raw: ok / calls, corrected: ok / (calls + missed) },
  };
}

function fallbackScenario(variant: string, withPolicies: boolean): ScenarioResult {
  return {
    ...baseScenario("redis-fallback", FILE, "2025-11-22T03:30:10.000Z", "2025-11-22T03:31:20.000Z"),
    variant,
    description: "Agents fall back to Redis's official MCP server while the npm one is killed.",
    servers: [server("redis", [420, 610, 4], ["get", "set"])],
    load: openLoad({
      agents: 4,
      rate: 100,
      warmupMs: 5_000,
      durationMs: 60_000,
      measuredMs: 60_000,
      offered: 6_000,
      completed: 6_000,
      lateSends: 0,
      throughput: withPolicies ? 99.8 : 90,
      generatorCpu: 0.1,
      eventLoopDelayP99Ms: 1.2,
    }),
    timeline: { intervalMs: 5_000, points: timeline(withPolicies ? 499 : 300) },
    faults: [KILL],
    availability: availability(withPolicies ? 0.998 : 0.5),
    // With the policies the server's own counts show its outage (the agents did not see it); without, they are the agents'.
    calls: [withPolicies ? counts(2_980, 2_870, 0) : counts(5_400, 600, 50)],
    ...(withPolicies ? { resilience: fallbackResilience() } : {}),
    slos: withPolicies
      ? [
          slo({
            id: "fallback.degradation@redis",
            title: "Degradation during a fallback",
            metric: "fallback.degradation",
            objective: "degradation < 5 %",
            source: { document: MODULE, lines: "488" },
            scope: { server: "redis" },
            measured: 0.0533,
            unit: "ratio",
            measuredText: "+5.3 %",
            samples: 3_020,
            margin: null,
            marginText: "-",
            verdict: "inconclusive",
            reason: "latency +5.3 % ± 4.1 %: within the noise band of 5 %",
          }),
        ]
      : [],
  };
}

/** A canary of a deliberately slower Redis release: 10 % is unchanged, 25 % is regressed and rolls back. */
export function canaryScenario(): ScenarioResult {
  return {
    ...baseScenario("redis-canary-slow", CANARY_FILE, "2025-11-22T03:31:30.000Z", "2025-11-22T03:32:40.000Z"),
    description: "A slower Redis MCP release is canaried under load and must be rolled back.",
    servers: [server("redis", [420, 610, 4], ["get", "set"])],
    timeline: { intervalMs: 5_000, points: timeline(500).map((p) => ({ ...p, error: 0 })) },
    resilience: {
      policies: [],
      calls: [{ server: "redis", calls: 4_000, ok: 4_000, failed: 0, primary: 3_400, fallback: 0, degraded: 0, retried: 0, shortCircuited: 0 }],
      events: [
        { atMs: 10_000, kind: "switch-step", server: "redis", detail: "10 % to redis-slow" },
        { atMs: 25_000, kind: "canary-analysis", server: "redis", detail: "unchanged" },
        { atMs: 25_000, kind: "switch-step", server: "redis", detail: "25 % to redis-slow" },
        { atMs: 40_000, kind: "canary-analysis", server: "redis", detail: "regressed +41.0 %" },
        { atMs: 40_000, kind: "rolled-back", server: "redis", detail: "all traffic back on redis@2025.4.25" },
      ],
      eventsNotKept: 0,
      fallbacks: [],
      switch: {
        from: { server: "redis", version: "2025.4.25" },
        to: { server: "redis-slow", version: "2025.4.26", standIn: "adds 2 ms to every answer" },
        baseline: null,
        mode: "canary",
        atMs: 10_000,
        steps: [
          {
            index: 0,
            shareTo: 0.1,
            startedMs: 10_000,
            endedMs: 25_000,
            from: { fromMs: 10_000, toMs: 25_000, calls: 1_350, ok: 1_350, p50Ms: 1.5, throughput: 90, failed: 0 },
            to: { fromMs: 10_000, toMs: 25_000, calls: 150, ok: 150, p50Ms: 1.52, throughput: 10, failed: 0 },
            comparison: {
              statistic: "p50",
              verdict: "unchanged",
              relative: 0.013,
              band: 0.09,
              method: "p50 intervals from the HDR counts",
              reason: "within the noise band",
            },
            decision: "next",
          },
          {
            index: 1,
            shareTo: 0.25,
            startedMs: 25_000,
            endedMs: 40_000,
            from: { fromMs: 25_000, toMs: 40_000, calls: 1_125, ok: 1_125, p50Ms: 1.5, throughput: 75, failed: 0 },
            to: { fromMs: 25_000, toMs: 40_000, calls: 375, ok: 375, p50Ms: 2.115, throughput: 25, failed: 0 },
            comparison: {
              statistic: "p50",
              verdict: "regressed",
              relative: 0.41,
              band: 0.06,
              method: "p50 intervals from the HDR counts",
              reason: "+41.0 % is outside the noise band and above 5 %",
            },
            decision: "rolled-back",
          },
        ],
        outcome: "rolled-back",
        failedCalls: 0,
        calls: 3_000,
      },
    },
    slos: [],
  };
}

/** Both variants of the fallback scenario and the canary: a run to render. */
export function resilienceRunRecord(): RunRecord {
  return withScenarios(baseRunRecord(), [fallbackScenario("resilience=true", true), fallbackScenario("resilience=false", false), canaryScenario()]);
}
