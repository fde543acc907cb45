import { describe, expect, it } from "vitest";
import type { ResolvedCapacity } from "../contracts/plan.js";
import type { SloResult, Verdict } from "../results/types.js";
import { generatorLimitOf, judgeStep, plannedRates, searchCapacity, type StepMeasurement } from "./search.js";

const plan: ResolvedCapacity = { startRate: 100, factor: 2, stepRate: undefined, maxRate: 1600, stepDurationMs: 1000, settleMs: 0 };

function slo(id: string, verdict: Verdict): SloResult {
  return {
    id,
    title: id,
    metric: "latency.p95",
    objective: "p95 < 5 ms",
    source: { document: "guide", lines: "270" },
    scope: {},
    measured: 1,
    unit: "ms",
    measuredText: "1 ms",
    samples: 100,
    interval: null,
    margin: 0,
    marginText: "",
    verdict,
    reason: "",
    standIn: false,
  };
}

const healthy = { offered: 1000, lateSends: 0, dropped: 0, cpu: 0.3, eventLoopDelayP99Ms: 2 };

function step(rate: number, verdicts: Record<string, Verdict>, over: Partial<StepMeasurement> = {}): StepMeasurement {
  return {
    offeredRate: rate,
    achievedThroughput: rate,
    basis: "calls",
    p50: 1,
    p99: 3,
    okCalls: rate,
    failedCalls: 0,
    measuredMs: 1000,
    generator: healthy,
    slos: Object.entries(verdicts).map(([id, v]) => slo(id, v)),
    interrupted: false,
    ...over,
  };
}

/** A fake step runner: the verdicts of each step come from a table indexed by rate. */
function fake(table: Record<number, Record<string, Verdict>>, over: Record<number, Partial<StepMeasurement>> = {}) {
  const ran: number[] = [];
  const run = async (rate: number) => {
    ran.push(rate);
    return step(rate, table[rate] ?? { a: "pass" }, over[rate]);
  };
  return { ran, run };
}

describe("plannedRates", () => {
  it("multiplies by the factor and ends exactly at max", () => {
    expect(plannedRates(plan)).toEqual([100, 200, 400, 800, 1600]);
    expect(plannedRates({ ...plan, maxRate: 1000 })).toEqual([100, 200, 400, 800, 1000]);
    expect(plannedRates({ startRate: 100, factor: 1.5, stepRate: undefined, maxRate: 400 })).toEqual([100, 150, 225, 338, 400]);
  });
  it("adds the step instead when given", () => {
    expect(plannedRates({ startRate: 50, factor: undefined, stepRate: 50, maxRate: 200 })).toEqual([50, 100, 150, 200]);
  });
  it("runs one step when start equals max", () => {
    expect(plannedRates({ startRate: 300, factor: 2, stepRate: undefined, maxRate: 300 })).toEqual([300]);
  });
});

describe("searchCapacity", () => {
  it("stops at the first step where an SLO fails; the sustained rate is the step before", async () => {
    const f = fake({ 400: { a: "pass", b: "fail" } });
    const { result, verdictStep } = await searchCapacity(plan, f.run);
    expect(f.ran).toEqual([100, 200, 400]);
    expect(result.sustainedRate).toBe(200);
    expect(result.breakingRate).toBe(400);
    expect(result.brokenBy).toEqual(["b"]);
    expect(result.limitedByGenerator).toBe(false);
    expect(result.reachedMax).toBe(false);
    expect(result.steps.map((s) => s.outcome)).toEqual(["sustained", "sustained", "broken"]);
    expect(result.verdictsFromStep).toBe(1);
    expect(verdictStep?.offeredRate).toBe(200);
    expect(result.stopReason).toMatch(/broke at 400\/s: b failed/);
  });

  it("inconclusive verdicts do not break a step but are noted", async () => {
    const f = fake({ 100: { a: "inconclusive" }, 200: { a: "inconclusive" } });
    const { result } = await searchCapacity(plan, f.run);
    expect(f.ran).toEqual([100, 200, 400, 800, 1600]);
    expect(result.steps[0]!.inconclusive).toEqual(["a"]);
    expect(result.steps[0]!.outcome).toBe("sustained");
    expect(result.sustainedRate).toBe(1600);
    expect(result.reachedMax).toBe(true);
    expect(result.breakingRate).toBeNull();
    expect(result.note).toMatch(/inconclusive verdict does not break/);
  });

  it("a generator-limited step ends the search without blaming the server", async () => {
    const f = fake({ 800: { a: "fail" } }, { 800: { generator: { ...healthy, lateSends: 50 } } });
    const { result } = await searchCapacity(plan, f.run);
    expect(f.ran).toEqual([100, 200, 400, 800]);
    expect(result.limitedByGenerator).toBe(true);
    expect(result.breakingRate).toBeNull();
    expect(result.brokenBy).toEqual([]);
    expect(result.sustainedRate).toBe(400);
    const last = result.steps[3]!;
    expect(last.outcome).toBe("generator-limited");
    expect(last.brokenBy).toEqual(["a"]); // kept for the record
    expect(last.generatorLimit).toMatch(/50 of 1000 arrivals sent more than 10 ms late/);
    expect(result.stopReason).toMatch(/load generator was the limit/);
  });

  it("a saturated harness CPU is a generator limit; dropped arrivals are the server's backlog", () => {
    expect(generatorLimitOf({ ...healthy, cpu: 0.97 })).toMatch(/97 % of a core/);
    expect(generatorLimitOf({ ...healthy, dropped: 500 })).toBeUndefined();
    expect(generatorLimitOf({ ...healthy, lateSends: 10 })).toBeUndefined(); // exactly 1 %: within the slack
    expect(judgeStep(step(100, { a: "pass" }, { generator: { ...healthy, dropped: 500 } }), 0).outcome).toBe("sustained");
  });

  it("when the first step breaks there is no sustained rate and its verdicts are the scenario's", async () => {
    const f = fake({ 100: { a: "fail", b: "pass" } });
    const { result, verdictStep } = await searchCapacity(plan, f.run);
    expect(f.ran).toEqual([100]);
    expect(result.sustainedRate).toBeNull();
    expect(result.breakingRate).toBe(100);
    expect(result.verdictsFromStep).toBe(0);
    expect(verdictStep?.slos.find((s) => s.id === "a")?.verdict).toBe("fail");
  });

  it("stops when interrupted", async () => {
    const controller = new AbortController();
    const run = async (rate: number) => {
      if (rate === 200) controller.abort();
      return step(rate, { a: "pass" }, { interrupted: controller.signal.aborted });
    };
    const { result } = await searchCapacity(plan, run, { signal: controller.signal });
    expect(result.steps.map((s) => s.outcome)).toEqual(["sustained", "interrupted"]);
    expect(result.sustainedRate).toBe(100);
    expect(result.stopReason).toMatch(/interrupted/);
  });
});
