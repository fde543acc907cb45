import { describe, expect, it } from "vitest";
import type { HaltPlan } from "../contracts/plan.js";
import { parseMetric } from "../contracts/metric-names.js";
import { parseThreshold } from "../contracts/units.js";
import type { SloResult } from "../results/types.js";
import { BurnTracker, classify, haltRule, judgeHalted, type BadRule, type BurnEvent } from "./burn-rate.js";

const rule = (metric: string, objective: string) => {
  const r = haltRule(parseMetric(metric)!, parseThreshold(objective)!);
  if ("problem" in r) throw new Error(r.problem);
  return r.rule;
};
const problem = (metric: string, objective: string) => {
  const r = haltRule(parseMetric(metric)!, parseThreshold(objective)!);
  return "problem" in r ? r.problem : undefined;
};

const ok = (latencyMs = 2): BurnEvent => ({ kind: "call", outcome: "ok", latencyMs, missed: 0 });
const timeout = (latencyMs: number, missed = 0): BurnEvent => ({ kind: "call", outcome: "timeout", latencyMs, missed });
const failed: BurnEvent = { kind: "call", outcome: "error", latencyMs: 3, missed: 0 };

describe("haltRule: the error budget of an SLO", () => {
  it("is 1 - target for success rate and availability, the target for an error rate, 1 - quantile for a percentile", () => {
    expect(rule("success_rate", ">= 99.7%")).toEqual({ kind: "failed", budget: 0.003 });
    expect(rule("availability", "> 99.9%")).toEqual({ kind: "failed", budget: 0.001 });
    expect(rule("error_rate", "< 5%")).toEqual({ kind: "failed", budget: 0.05 });
    expect(rule("latency.p99", "< 25ms")).toEqual({ kind: "slow", budget: 0.01, thresholdMs: 25, atThresholdIsBad: true });
    expect(rule("latency.p95", "<= 1s")).toEqual({ kind: "slow", budget: 0.05, thresholdMs: 1000, atThresholdIsBad: false });
  });

  it("gives the budget exactly, so a window exactly at the allowed rate meets the condition", () => {
    const t = new BurnTracker(plan({ graceMs: 0, minSamples: 1 }), rule("success_rate", ">= 99%"));
    feed(t, 0, 1000, 90, ok());
    feed(t, 0, 1000, 10, failed);
    const x = t.evaluate(1000, 0);
    expect(x.burnRate).toBe(10);
    expect(x.trips).toBe(true);
  });

  it("refuses figures with no stream of calls, no budget, or the wrong direction, saying why", () => {
    expect(problem("rto", "< 5m")).toMatch(/^rto is not a share of calls/);
    expect(problem("cache_hit_ratio", ">= 99%")).toMatch(/^cache_hit_ratio is not a share of calls/);
    expect(problem("throughput", ">= 10/s")).toMatch(/not a share of calls/);
    expect(problem("latency.mean", "< 10ms")).toMatch(/latency.mean has none/);
    expect(problem("latency.max", "< 10ms")).toMatch(/latency.max has none/);
    expect(problem("success_rate", ">= 100%")).toMatch(/no error budget/);
    expect(problem("error_rate", "< 0%")).toMatch(/no error budget/);
    expect(problem("success_rate", "< 50%")).toMatch(/bounds failed calls/);
    expect(problem("latency.p99", "> 5ms")).toMatch(/bounds slow calls/);
  });
});

describe("classify", () => {
  const failedRule = rule("success_rate", ">= 99%");
  const slowRule = rule("latency.p99", "< 25ms");
  it("counts failed and timed-out calls, and the closed model's missed calls, as bad calls of a ratio SLO", () => {
    expect(classify(failedRule, ok())).toEqual({ samples: 1, bad: 0 });
    expect(classify(failedRule, failed)).toEqual({ samples: 1, bad: 1 });
    expect(classify(failedRule, timeout(1000, 40))).toEqual({ samples: 41, bad: 41 });
    expect(classify(failedRule, { kind: "missed", missed: 7 })).toEqual({ samples: 7, bad: 7 });
    expect(classify(failedRule, { kind: "inferred-latency", latencyMs: 900 })).toEqual({ samples: 0, bad: 0 });
  });
  it("counts latency samples of a percentile SLO as the verdict does: ok and timed-out calls and inferred latencies, not failed calls", () => {
    expect(classify(slowRule, ok(24.9))).toEqual({ samples: 1, bad: 0 });
    expect(classify(slowRule, ok(25))).toEqual({ samples: 1, bad: 1 });
    expect(classify(rule("latency.p99", "<= 25ms"), ok(25))).toEqual({ samples: 1, bad: 0 });
    expect(classify(slowRule, timeout(1000, 40))).toEqual({ samples: 1, bad: 1 });
    expect(classify(slowRule, failed)).toEqual({ samples: 0, bad: 0 });
    expect(classify(slowRule, { kind: "missed", missed: 7 })).toEqual({ samples: 0, bad: 0 });
    expect(classify(slowRule, { kind: "inferred-latency", latencyMs: 30 })).toEqual({ samples: 1, bad: 1 });
  });
});

const plan = (over: Partial<HaltPlan> = {}): HaltPlan => ({ burnRate: 10, windowMs: 2000, minSamples: 20, graceMs: 1000, everyMs: 250, ...over });

/** `n` events spread evenly over [from, to). */
function feed(t: BurnTracker, from: number, to: number, n: number, e: BurnEvent): void {
  for (let i = 0; i < n; i++) t.add(from + ((to - from) * i) / n, e);
}

describe("BurnTracker on a fake clock", () => {
  const r: BadRule = { kind: "failed", budget: 0.01 };

  it("computes (bad / calls) / budget over the last window only", () => {
    const t = new BurnTracker(plan({ graceMs: 0 }), r);
    feed(t, 0, 1000, 100, ok());
    feed(t, 1000, 2000, 85, ok());
    feed(t, 1000, 2000, 15, failed);
    // (0, 2000]: 200 calls, 15 bad: 7.5 % of calls against a 1 % budget.
    const a = t.evaluate(2000, 0);
    expect(a.samples).toBe(200);
    expect(a.bad).toBe(15);
    expect(a.burnRate).toBeCloseTo(7.5, 9);
    expect(a.over).toBe(false);
    // At 3000 the first second has left the window: 15 of 100.
    const b = t.evaluate(3000, 0);
    expect(b.samples).toBe(100);
    expect(b.burnRate).toBeCloseTo(15, 9);
    expect(b.over).toBe(true);
    expect(b.trips).toBe(true);
    // Nothing in the window: no rate at all, not 0.
    const c = new BurnTracker(plan(), r).evaluate(5000, 0);
    expect(c.burnRate).toBeNull();
    expect(c.over).toBe(false);
  });

  it("needs minSamples calls in the window before a rate counts", () => {
    const t = new BurnTracker(plan({ graceMs: 0, minSamples: 20 }), r);
    feed(t, 0, 1000, 19, failed);
    const a = t.evaluate(1000, 0);
    expect(a.burnRate).toBeCloseTo(100, 12);
    expect(a.over).toBe(false);
    t.add(1100, failed);
    expect(t.evaluate(1250, 0).trips).toBe(true);
  });

  it("trips only when the rate held at every evaluation for the grace, and starts the grace again after a dip", () => {
    const t = new BurnTracker(plan({ graceMs: 1000, everyMs: 250 }), r);
    const readings: { at: number; over: boolean; trips: boolean }[] = [];
    // A burst of failures at 0..500 ms, then healthy calls; then failures again from 3000 ms on.
    feed(t, 0, 500, 50, failed);
    let tripAt: number | undefined;
    for (let now = 250; now <= 6000 && tripAt === undefined; now += 250) {
      if (now > 500 && now <= 3000) feed(t, now - 250, now, 500, ok());
      if (now > 3000) feed(t, now - 250, now, 25, failed);
      const x = t.evaluate(now, 0);
      readings.push({ at: now, over: x.over, trips: x.trips });
      if (x.trips) tripAt = now;
    }
    // The first burst is over the condition from its first evaluation, until the ok calls dilute it below 10 %, before the grace ran out: no trip then.
    const firstOver = readings.find((x) => x.over)!.at;
    const firstDip = readings.find((x) => x.at > firstOver && !x.over)!.at;
    expect(firstDip - firstOver).toBeLessThan(1000);
    expect(readings.filter((x) => x.at < 3000).some((x) => x.trips)).toBe(false);
    // The second one is over from its first evaluation and trips exactly one grace later.
    const secondOver = readings.find((x) => x.at > 3000 && x.over)!.at;
    expect(tripAt).toBe(secondOver + 1000);
    const at = t.evaluate(tripAt!, 0);
    expect(at.overSince).toBe(secondOver);
  });

  it("counts calls in flight past their limit as bad calls while they are in flight", () => {
    const t = new BurnTracker(plan({ graceMs: 0, minSamples: 20 }), { kind: "slow", budget: 0.01, thresholdMs: 25, atThresholdIsBad: true });
    feed(t, 0, 1000, 100, ok());
    // A hang: 5 calls stuck past 25 ms. 5 of 105: 4.8 % = 4.76x.
    const a = t.evaluate(1000, 5);
    expect(a.samples).toBe(105);
    expect(a.inFlight).toBe(5);
    expect(a.burnRate).toBeCloseTo(5 / 105 / 0.01, 9);
    // The ok calls leave the window, the stuck calls do not: 100 % bad, 5 calls, below minSamples.
    const b = t.evaluate(3100, 5);
    expect(b.samples).toBe(5);
    expect(b.over).toBe(false);
    expect(t.evaluate(3100, 25).trips).toBe(true);
  });

  it("keeps a bounded number of buckets whatever the rate and length", () => {
    const t = new BurnTracker(plan({ windowMs: 1000 }), r);
    for (let now = 0; now < 60_000; now += 10) {
      t.add(now, ok());
      if (now % 1000 === 0) t.evaluate(now, 0);
    }
    const x = t.evaluate(60_000, 0);
    // (59000, 60000] holds 100 calls; the bucket the window's start falls in adds at most 5 % more.
    expect(x.samples).toBeGreaterThanOrEqual(100);
    expect(x.samples).toBeLessThanOrEqual(105);
    expect((t as unknown as { buckets: Map<number, unknown> }).buckets.size).toBeLessThanOrEqual(21);
  });
});

describe("judgeHalted", () => {
  const slo = (id: string, verdict: SloResult["verdict"]): SloResult => ({
    id,
    title: id,
    metric: "success_rate",
    objective: "success rate >= 99 %",
    source: { document: "x.yaml", lines: "1" },
    scope: {},
    measured: 0.995,
    unit: "ratio",
    measuredText: "99.5 % (995/1000)",
    samples: 1000,
    interval: null,
    margin: 0.005,
    marginText: "",
    verdict,
    reason: "the 95 % interval straddles the target",
    standIn: false,
  });
  it("fails the halting SLO on the halt, saying what its figure alone would be, and leaves the others as judged", () => {
    const halted = {
      slo: "a",
      title: "a",
      condition: { burnRate: 10, windowMs: 2000, minSamples: 20, graceMs: 1000, everyMs: 250 },
      budget: 0.01,
      atMs: 6000,
      overSinceMs: 5000,
      burnRate: 40,
      samples: 500,
      bad: 200,
      inFlight: 2,
      plannedMs: 12_000,
      measuredMs: 6900,
      text: "halted ...",
    };
    const out = judgeHalted([slo("a", "inconclusive"), slo("b", "inconclusive")], halted);
    expect(out[0]!.verdict).toBe("fail");
    expect(out[0]!.reason).toMatch(/^judged fail on the halt: halted \.\.\.\. Over the 6\.90 s measured, 99\.5 % \(995\/1000\) alone would be inconclusive: /);
    expect(out[1]).toEqual(slo("b", "inconclusive"));
  });
});
