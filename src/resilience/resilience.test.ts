import { describe, expect, it } from "vitest";
import type { ResiliencePlan } from "../contracts/plan.js";
import type { AttemptOptions, CallResult, CallSender, Phase } from "../contracts/workload-env.js";
import type { FaultResult } from "../results/types.js";
import { judgeChange } from "../slo/degradation.js";
import { seededRng } from "../util/random.js";
import { CircuitBreaker, type BreakerTransition } from "./breaker.js";
import { CallLog, ROUTE, type LoggedCall } from "./call-log.js";
import { DegradedCache } from "./degraded-cache.js";
import { mapArguments } from "./map-arguments.js";
import { measureFallbacks } from "./measure.js";
import { ResilientCalls } from "./router.js";
import { compareVersions } from "./switch.js";

const BREAKER = { failureRate: 0.5, windowCalls: 10, minCalls: 4, openMs: 1000, halfOpenProbes: 2 };

describe("CircuitBreaker", () => {
  it("opens at the failure rate once the window holds minCalls, lets probes through after openMs, and closes only when all succeed", () => {
    const moves: BreakerTransition[] = [];
    const b = new CircuitBreaker(BREAKER, (t) => moves.push(t));
    for (const ok of [true, false, true]) {
      expect(b.admit(0)).toBe(true);
      b.record(ok, 0);
    }
    expect(b.current).toBe("closed"); // 1 of 3 failed, under minCalls
    expect(b.admit(1)).toBe(true);
    b.record(false, 1); // 2 of 4: 50 %
    expect(b.current).toBe("open");
    expect(b.admit(500)).toBe(false);
    expect(b.nextAdmitAt(500)).toBe(1001);
    expect(b.admit(1001)).toBe(true); // half open: first probe
    expect(b.current).toBe("half-open");
    expect(b.admit(1001)).toBe(true); // second probe
    expect(b.admit(1001)).toBe(false); // no third
    b.record(true, 1002);
    expect(b.current).toBe("half-open");
    b.record(true, 1003);
    expect(b.current).toBe("closed");
    expect(moves.map((m) => m.to)).toEqual(["open", "half-open", "closed"]);
    expect(moves[0]!.detail).toContain("2 of the last 4 calls failed");
  });

  it("opens again when a half-open probe fails", () => {
    const moves: string[] = [];
    const b = new CircuitBreaker({ ...BREAKER, minCalls: 1, failureRate: 1 }, (t) => moves.push(t.to));
    b.admit(0);
    b.record(false, 0);
    expect(b.admit(2000)).toBe(true);
    b.record(false, 2000);
    expect(b.current).toBe("open");
    expect(b.admit(2500)).toBe(false);
    expect(moves).toEqual(["open", "half-open", "open"]);
  });

  it("forgets failures that slid out of its window", () => {
    const b = new CircuitBreaker({ ...BREAKER, windowCalls: 4, minCalls: 4 }, () => undefined);
    for (const ok of [false, true, true, true, true, true, false]) b.record(ok, 0);
    expect(b.current).toBe("closed"); // the first failure slid out: 1 of the last 4
  });
});

describe("DegradedCache", () => {
  const plan: ResiliencePlan["fallback"] = { kind: "degraded", tools: ["get"], maxEntries: 2 };
  it("keeps the last good answer per tool and arguments, whatever their order, for the listed tools only", () => {
    const c = new DegradedCache(2);
    c.store("get", { key: "a", db: 0 }, "A", plan);
    c.store("set", { key: "a" }, "stored", plan);
    expect(c.lookup("get", { db: 0, key: "a" })).toBe("A");
    expect(c.lookup("set", { key: "a" })).toBeUndefined();
  });
  it("drops the least recently stored answer beyond maxEntries", () => {
    const c = new DegradedCache(2);
    c.store("get", { key: "a" }, "A", plan);
    c.store("get", { key: "b" }, "B", plan);
    c.store("get", { key: "a" }, "A2", plan);
    c.store("get", { key: "c" }, "C", plan);
    expect(c.lookup("get", { key: "b" })).toBeUndefined();
    expect(c.lookup("get", { key: "a" })).toBe("A2");
    expect(c.size).toBe(2);
  });
});

describe("mapArguments", () => {
  it("keeps a whole reference's value as it is and interpolates a reference inside a string", () => {
    expect(mapArguments({ key: "{{args.key}}", n: "{{ args.n }}", label: "k={{args.key}} n={{args.n}}", fixed: 3 }, { key: "x", n: 7 })).toEqual({
      key: "x",
      n: 7,
      label: "k=x n=7",
      fixed: 3,
    });
    expect(mapArguments({ names: ["{{args.key}}"] }, { key: "x" })).toEqual({ names: ["x"] });
  });
});

describe("judgeChange", () => {
  const base = { limit: 0.05, absolute: 1, absoluteFloor: 0.1, what: "p50 latency" };
  it("passes only when the band's worst end stays under the limit", () => {
    expect(judgeChange({ ...base, relative: 0.01, band: 0.03 }).verdict).toBe("pass");
    expect(judgeChange({ ...base, relative: -0.5, band: 0.2 }).reason).toContain("50.0 % better");
    expect(judgeChange({ ...base, relative: 0.03, band: 0.03 }).verdict).toBe("inconclusive");
  });
  it("fails a significant and material degradation, unless the harness's own delay could account for it", () => {
    expect(judgeChange({ ...base, relative: 0.2, band: 0.05 }).verdict).toBe("fail");
    expect(judgeChange({ ...base, relative: 0.2, band: 0.05, harnessSlack: 0.18 }).verdict).toBe("inconclusive");
    expect(judgeChange({ ...base, relative: 0.2, band: 0.3 }).verdict).toBe("inconclusive"); // not significant
    expect(judgeChange({ ...base, relative: 0.2, band: 0.05, absolute: 0.05 }).verdict).toBe("inconclusive"); // under the absolute floor
  });
  it("is inconclusive without a value or a band, saying why", () => {
    expect(judgeChange({ ...base, relative: null, band: null, missing: "no ok call" })).toEqual({ verdict: "inconclusive", reason: "no ok call" });
  });
});

/** Calls of `agents` agents over [from, to), one every `everyMs` each, latency drawn around `p50` by agent. */
function calls(opts: {
  agents: number[];
  from: number;
  to: number;
  everyMs: number;
  p50: number;
  spread: number;
  route: number;
  seed: number;
  failEvery?: number;
}): LoggedCall[] {
  const rng = seededRng(opts.seed);
  const out: LoggedCall[] = [];
  for (const agent of opts.agents) {
    const level = opts.p50 * (1 + opts.spread * (rng() - 0.5));
    let n = 0;
    for (let t = opts.from + rng() * opts.everyMs; t < opts.to; t += opts.everyMs) {
      const ok = !(opts.failEvery && ++n % opts.failEvery === 0);
      out.push({
        agent,
        startedAt: t,
        endedAt: t + level * (0.8 + 0.4 * rng()),
        ok,
        route: opts.route as LoggedCall["route"],
        retried: false,
        shortCircuited: false,
      });
    }
  }
  return out;
}

describe("compareVersions (canary analysis)", () => {
  const plan = { minSamples: 50, relativeFloor: 0.05, repeatInconclusive: 1, settleMs: 0 };
  const A = (seed: number, p50 = 4) => calls({ agents: [0, 1, 2, 3, 4], from: 0, to: 5000, everyMs: 10, p50, spread: 0.1, route: ROUTE.primary, seed });
  const B = (seed: number, p50 = 4, failEvery?: number) =>
    calls({ agents: [5, 6, 7, 8, 9], from: 0, to: 5000, everyMs: 10, p50, spread: 0.1, route: ROUTE.versionB, seed, ...(failEvery && { failEvery }) });
  it("calls a version 50 % slower regressed and the same version unchanged", () => {
    expect(compareVersions(A(1), B(2, 6), plan).verdict).toBe("regressed");
    for (let seed = 10; seed < 30; seed += 2) expect(compareVersions(A(seed), B(seed + 1), plan).verdict).toBe("unchanged");
  });
  it("calls a version that fails more often regressed, whatever its latency", () => {
    const c = compareVersions(A(3), B(4, 3, 20), plan);
    expect(c.verdict).toBe("regressed");
    expect(c.reason).toContain("B failed 5.00 %");
  });
  it("is inconclusive with too few calls or no second agent to tell the spread between agents", () => {
    expect(compareVersions(A(5).slice(0, 10), B(6), plan).verdict).toBe("inconclusive");
    const one = (route: number, seed: number) => calls({ agents: [seed], from: 0, to: 5000, everyMs: 10, p50: 4, spread: 0, route, seed });
    expect(compareVersions(one(ROUTE.baseline, 1), one(ROUTE.versionB, 2), plan).reason).toContain("spread between agents");
    // With A's agents to tell the spread, one agent each side can be compared.
    expect(compareVersions(one(ROUTE.baseline, 1), one(ROUTE.versionB, 2), plan, A(7)).verdict).toBe("unchanged");
  });
});

function logOf(xs: readonly LoggedCall[]): CallLog {
  const log = new CallLog();
  for (const c of [...xs].sort((a, b) => a.endedAt - b.endedAt)) log.add(c);
  return log;
}

const FAULT: FaultResult = {
  id: "f1",
  kind: "process",
  target: "server:redis",
  description: "kill",
  injected: true,
  injectedAtMs: 5000,
  healedAtMs: 8000,
  timeToDetectMs: null,
  rtoMs: null,
  afterHealMs: null,
  recovered: true,
  limitMs: 10_000,
  supervisor: false,
  observations: [],
};

describe("measureFallbacks", () => {
  const plan: ResiliencePlan = {
    server: "redis",
    retries: { count: 0, backoffMs: 0, jitter: 0 },
    deadlineMs: undefined,
    breaker: undefined,
    fallback: { kind: "server", server: "redis-official", tools: new Map() },
  };
  const agents = [0, 1, 2, 3];
  const run = (fallbackP50: number) =>
    measureFallbacks({
      plan,
      kind: "alternative-server",
      log: logOf([
        ...calls({ agents, from: 0, to: 5000, everyMs: 5, p50: 1, spread: 0, route: ROUTE.primary, seed: 1 }),
        ...calls({ agents, from: 5030, to: 8000, everyMs: 5, p50: fallbackP50, spread: 0, route: ROUTE.fallback, seed: 2 }),
        ...calls({ agents, from: 8040, to: 10_000, everyMs: 5, p50: 1, spread: 0, route: ROUTE.primary, seed: 3 }),
      ]),
      faults: [FAULT],
      windowStart: 0,
      windowEnd: 10_000,
      limit: 0.05,
      harnessDelayMs: 0,
    });

  it("measures the window from the first call routed to the fallback to the last, time to fail over and back, and passes a fallback as fast as the primary", () => {
    const [m] = run(1);
    expect(m).toBeDefined();
    expect(m!.during!.fromMs).toBeGreaterThanOrEqual(5030);
    expect(m!.during!.toMs).toBeLessThan(8010);
    expect(m!.timeToFailOverMs).toBeGreaterThan(30);
    expect(m!.timeToFailOverMs).toBeLessThan(40);
    expect(m!.timeToFailBackMs).toBeGreaterThan(40);
    expect(m!.timeToFailBackMs).toBeLessThan(50);
    expect(m!.latency.verdict).toBe("pass");
    expect(m!.throughput.verdict).toBe("pass");
    expect(m!.failedDuringFault).toBe(0);
  });

  it("fails a fallback 20 times slower, on latency", () => {
    const [m] = run(20);
    expect(m!.latency.verdict).toBe("fail");
    expect(m!.latency.relative).toBeGreaterThan(10);
  });
});

/** A CallSender that answers from a script: which servers fail, and what it was asked. */
class ScriptedCalls implements CallSender {
  phase: Phase = "measure";
  readonly asked: { server: string; tool: string; args: Record<string, unknown>; attempt?: AttemptOptions }[] = [];
  constructor(private readonly failing: Set<string>) {}
  async call(_agent: number, server: string, tool: string, args: Record<string, unknown>, _intendedAt?: number, attempt?: AttemptOptions): Promise<CallResult> {
    this.asked.push({ server, tool, args, ...(attempt && { attempt }) });
    const now = performance.now();
    return this.failing.has(server)
      ? { outcome: "error", kind: "transport", text: "", startedAt: now, endedAt: now, error: "gone" }
      : { outcome: "ok", text: `${server}:${tool}`, startedAt: now, endedAt: now };
  }
}

describe("ResilientCalls", () => {
  const plan: ResiliencePlan = {
    server: "redis",
    retries: { count: 1, backoffMs: 1, jitter: 0 },
    deadlineMs: 500,
    breaker: { failureRate: 0.5, windowCalls: 4, minCalls: 2, openMs: 60_000, halfOpenProbes: 1 },
    fallback: { kind: "server", server: "redis-official", tools: new Map([["get", { tool: "get", args: { key: "{{args.key}}", extra: "x" } }]]) },
  };

  it("retries the primary, then calls the fallback with the mapped arguments, and once the breaker opened does not try the primary at all", async () => {
    const inner = new ScriptedCalls(new Set(["redis"]));
    const r = new ResilientCalls(inner, [plan], 1, 1, { windowStart: () => 0 }, true);
    const first = await r.call(0, "redis", "get", { key: "k" });
    expect(first.outcome).toBe("ok");
    expect(first.text).toBe("redis-official:get");
    expect(inner.asked.map((a) => a.server)).toEqual(["redis", "redis", "redis-official"]);
    expect(inner.asked[0]!.attempt?.noBackoff).toBe(true);
    expect(inner.asked[0]!.attempt?.timeoutMs).toBeLessThanOrEqual(500);
    expect(inner.asked[2]!.args).toEqual({ key: "k", extra: "x" });
    inner.asked.length = 0;
    await r.call(0, "redis", "get", { key: "k2" });
    expect(inner.asked.map((a) => a.server)).toEqual(["redis-official"]);
    expect(r.events.map((e) => e.kind)).toEqual(["breaker-opened", "fallback-started"]);
    const [c1, c2] = [...r.logs.get("redis")!.calls()];
    expect(c1!.route).toBe(ROUTE.fallback);
    expect(c1!.retried).toBe(true);
    expect(c2!.shortCircuited).toBe(true);
  });

  it("routes an agent's calls to version B while the switch holds it there", async () => {
    const inner = new ScriptedCalls(new Set());
    const r = new ResilientCalls(inner, [], 2, 1, { windowStart: () => 0 }, true);
    r.watch("redis");
    r.routing = { from: "redis", to: "redis-next", agentsOnB: new Set([1]), baseline: undefined, agentsOnBaseline: new Set() };
    await r.call(0, "redis", "get", {});
    await r.call(1, "redis", "get", {});
    await r.call(1, "memory", "read_graph", {});
    expect(inner.asked.map((a) => a.server)).toEqual(["redis", "redis-next", "memory"]);
    expect([...r.logs.get("redis")!.calls()].map((c) => c.route)).toEqual([ROUTE.primary, ROUTE.versionB]);
  });
});
