import { describe, expect, it } from "vitest";
import type { ResolvedSlo } from "../contracts/plan.js";
import { parseThreshold } from "../contracts/units.js";
import { newHistogram, recordMs, type Histogram } from "../metrics/histogram.js";
import { evaluateSlos, judgeInterval, noCallMeasurements, overallVerdict, type Measurements } from "./evaluate.js";
import type { RpoResult } from "../results/types.js";
import { parseMetric } from "../contracts/metric-names.js";

function slo(metric: string, objective: string, scope: ResolvedSlo["scope"] = {}): ResolvedSlo {
  return {
    id: `t.${metric}`,
    title: metric,
    metricName: metric,
    metric: parseMetric(metric)!,
    threshold: parseThreshold(objective)!,
    objectiveText: objective,
    scope,
    source: { document: "test", lines: "1" },
  };
}

function histogramOf(values: number[]): Histogram {
  const h = newHistogram();
  for (const v of values) recordMs(h, v);
  return h;
}

function measurements(over: Partial<Measurements> = {}): Measurements {
  return { ...noCallMeasurements(["redis", "memory"]), ...over };
}

describe("judgeInterval", () => {
  it.each([
    [">=", 0.99, 0.991, 0.999, "pass"],
    [">=", 0.99, 0.98, 0.989, "fail"],
    [">=", 0.99, 0.985, 0.995, "inconclusive"],
    ["<", 10, 5, 9.9, "pass"],
    ["<", 10, 10, 12, "fail"],
    ["<", 10, 9, 11, "inconclusive"],
  ] as const)("%s %s with [%s, %s] is %s", (op, target, low, high, verdict) => {
    expect(judgeInterval(op, target, low, high)).toBe(verdict);
  });
});

describe("latency verdicts allow for the harness's own delay (measurement.md, Harness timing error)", () => {
  // 95 % of samples at 20 ms, 5 % at 30 ms: p99 < 25 ms fails, by a 5 ms miss.
  const p99Miss = histogramOf([...Array(950).fill(20), ...Array(50).fill(30)]);
  // Mean 20 ms: "<= 18 ms" misses by 2 ms.
  const meanMiss = histogramOf(Array.from({ length: 400 }, (_, i) => 19 + (i % 3)));
  const judge = (metric: string, objective: string, h: Histogram, delay: number | undefined, family: "latency" | "coordination" = "latency") =>
    evaluateSlos(
      [slo(family === "latency" ? metric : metric.replace("latency", "coordination_latency"), objective)],
      measurements({ latency: () => h, coordination: () => h, harnessDelayMs: () => delay }),
    )[0]!;

  it.each(["latency", "coordination"] as const)("%s p99: a miss smaller than the delay is inconclusive, a larger one fails", (family) => {
    const small = judge("latency.p99", "< 25ms", p99Miss, 10, family);
    expect(small.verdict).toBe("inconclusive");
    expect(small.reason).toMatch(/harness's own event-loop delay \(p99 10(\.0)? ms/);
    expect(small.reason).toMatch(/could account for the miss/);
    const large = judge("latency.p99", "< 25ms", p99Miss, 2, family);
    expect(large.verdict).toBe("fail");
    expect(large.reason).toMatch(/stands against 27/);
    // The measured value and the margin stay those against the real target.
    expect(small.measured).toBe(large.measured);
    expect(small.margin).toBeLessThan(0);
  });

  it("mean: a 2 ms miss is inconclusive with a 5 ms delay, a fail with a 1 ms delay", () => {
    expect(judge("latency.mean", "<= 18ms", meanMiss, 0).verdict).toBe("fail");
    expect(judge("latency.mean", "<= 18ms", meanMiss, 5).verdict).toBe("inconclusive");
    expect(judge("latency.mean", "<= 18ms", meanMiss, 1).verdict).toBe("fail");
  });

  it("max: a 5 ms miss is inconclusive with a 10 ms delay, a fail with a 2 ms delay", () => {
    const h = histogramOf([...Array(100).fill(10), 30]);
    expect(judge("latency.max", "< 25ms", h, 10).verdict).toBe("inconclusive");
    expect(judge("latency.max", "< 25ms", h, 2).verdict).toBe("fail");
  });

  it("a pass stays a pass whatever the delay (percentile, mean, max)", () => {
    const fast = histogramOf(Array.from({ length: 1000 }, (_, i) => 5 + (i % 5)));
    for (const [metric, objective] of [
      ["latency.p99", "< 25ms"],
      ["latency.mean", "<= 18ms"],
      ["latency.max", "< 25ms"],
    ] as const) {
      for (const delay of [0, 3, 50]) {
        const r = judge(metric, objective, fast, delay);
        expect(r.verdict, `${metric} with a ${delay} ms delay`).toBe("pass");
      }
    }
  });

  it("a source with no known harness delay (Prometheus) is judged as before, and says so", () => {
    const r = judge("latency.p99", "< 25ms", p99Miss, undefined);
    expect(r.verdict).toBe("fail");
    expect(r.reason).toMatch(/not known for this source/);
  });
});

describe("success rate and availability: corrected counts, time-based availability", () => {
  it("judges success rate and error rate on the corrected counts, and shows the raw figure beside", () => {
    // The stall: 6 failures among 31 900 calls sent, and 30 000 calls the agents could not send while they waited.
    const calls = () => ({ ok: 31_894, failed: 6, missed: 30_000 });
    const success = evaluateSlos([slo("success_rate", ">= 99.7%")], measurements({ calls }))[0]!;
    expect(success.verdict).toBe("fail");
    expect(success.measured).toBeCloseTo(31_894 / 61_900, 6);
    expect(success.reason).toMatch(/raw 99\.98\d* % of 31900 calls sent; corrected for 30000 calls/);
    const errors = evaluateSlos([slo("error_rate", "< 5%")], measurements({ calls }))[0]!;
    expect(errors.verdict).toBe("fail");
    expect(errors.measured).toBeCloseTo(30_006 / 61_900, 6);
    // Without missed calls nothing changes.
    expect(evaluateSlos([slo("success_rate", ">= 99.7%")], measurements({ calls: () => ({ ok: 10_000, failed: 3 }) }))[0]!.verdict).toBe("pass");
  });

  it("judges availability on the load's good time, over the corrected count of intended calls, with the probe beside", () => {
    const availability = () => ({ load: { goodMs: 8_000, badMs: 8_000, trials: 60_000 }, probe: { ok: 4, probes: 8, tool: "work", intervalMs: 1000 } });
    const r = evaluateSlos([slo("availability", ">= 99.9%")], measurements({ availability, calls: () => ({ ok: 31_894, failed: 6, missed: 28_100 }) }))[0]!;
    expect(r.verdict).toBe("fail");
    expect(r.measured).toBeCloseTo(0.5, 9);
    expect(r.samples).toBe(60_000);
    expect(r.reason).toMatch(/judged on the load/);
    expect(r.reason).toMatch(/probe \(work every 1 s\): 4 of 8 ok, 50 %/);
  });

  it("a long, clean load proves 99.9 %; a short one cannot", () => {
    const judge = (trials: number) =>
      evaluateSlos(
        [slo("availability", ">= 99.9%")],
        measurements({ availability: () => ({ load: { goodMs: 10_000, badMs: 0, trials }, probe: undefined }) }),
      )[0]!.verdict;
    expect(judge(100)).toBe("inconclusive");
    expect(judge(10_000)).toBe("pass");
  });

  it("falls back to the probe for a server the load never called, and to call counts for a source without a timeline", () => {
    const probeOnly = evaluateSlos(
      [slo("availability", ">= 99%", { server: "memory" })],
      measurements({ availability: () => ({ load: { goodMs: 0, badMs: 0, trials: 0 }, probe: { ok: 10, probes: 20, tool: "ping", intervalMs: 1000 } }) }),
    )[0]!;
    expect(probeOnly.verdict).toBe("fail");
    expect(probeOnly.reason).toMatch(/judged on the probe/);
    const callBased = evaluateSlos([slo("availability", ">= 99.9%")], measurements({ calls: () => ({ ok: 990, failed: 10 }) }))[0]!;
    expect(callBased.verdict).toBe("fail");
    expect(callBased.reason).toMatch(/counted by calls/);
  });
});

describe("evaluateSlos", () => {
  it("never passes an SLO with no samples", () => {
    const [r] = evaluateSlos([slo("latency.p99", "< 25ms")], measurements());
    expect(r!.verdict).toBe("inconclusive");
    expect(r!.measured).toBeNull();
  });

  it("cannot prove a p99 from 100 fast samples, can from 1000", () => {
    const few = evaluateSlos([slo("latency.p99", "< 25ms")], measurements({ latency: () => histogramOf(Array(100).fill(1)) }))[0]!;
    expect(few.verdict).toBe("inconclusive");
    expect(few.reason).toMatch(/can be proven only from \d+ samples/);
    const many = evaluateSlos([slo("latency.p99", "< 25ms")], measurements({ latency: () => histogramOf(Array(1000).fill(1)) }))[0]!;
    expect(many.verdict).toBe("pass");
    expect(many.margin).toBeGreaterThan(23);
  });

  it("fails a p50 when most samples are over the threshold, and says by how much", () => {
    const r = evaluateSlos([slo("latency.p50", "< 0.8ms")], measurements({ latency: () => histogramOf(Array(500).fill(1.2)) }))[0]!;
    expect(r.verdict).toBe("fail");
    expect(r.measured).toBeCloseTo(1.2, 2);
    expect(r.margin).toBeLessThan(0);
    expect(r.marginText).toMatch(/over the target/);
  });

  it("judges the share under the threshold, not the point estimate: 98.5 % under T is not a proven p99", () => {
    const values = [...Array(985).fill(1), ...Array(15).fill(100)];
    const r = evaluateSlos([slo("latency.p99", "< 25ms")], measurements({ latency: () => histogramOf(values) }))[0]!;
    expect(r.verdict).not.toBe("pass");
    expect(r.interval?.kind).toBe("wilson95");
  });

  it("uses the Wilson rule on success rates", () => {
    const judge = (ok: number, failed: number) => evaluateSlos([slo("success_rate", ">= 99.7%")], measurements({ calls: () => ({ ok, failed }) }))[0]!.verdict;
    expect(judge(100, 0)).toBe("inconclusive");
    expect(judge(10_000, 3)).toBe("pass");
    expect(judge(1000, 20)).toBe("fail");
  });

  it("turns an error-rate objective into a judgement of the failed share", () => {
    const r = evaluateSlos([slo("error_rate", "< 5%")], measurements({ calls: () => ({ ok: 990, failed: 10 }) }))[0]!;
    expect(r.verdict).toBe("pass");
    expect(r.measured).toBeCloseTo(0.01, 5);
  });

  it("expands a '*' server scope into one verdict per server", () => {
    const rs = evaluateSlos([slo("latency.p50", "< 15ms", { server: "*" })], measurements({ latency: () => histogramOf(Array(50).fill(2)) }));
    expect(rs.map((r) => r.id)).toEqual(["t.latency.p50@redis", "t.latency.p50@memory"]);
    expect(rs.map((r) => r.scope.server)).toEqual(["redis", "memory"]);
  });

  it("calls a missed throughput inconclusive when the generator was the limit", () => {
    const tp = (generatorLimit: string | undefined) =>
      evaluateSlos([slo("throughput", ">= 10000/s")], measurements({ throughput: () => ({ okCalls: 5000, windowMs: 10_000, generatorLimit }) }))[0]!;
    expect(tp(undefined).verdict).toBe("fail");
    const limited = tp("30 % late sends");
    expect(limited.verdict).toBe("inconclusive");
    expect(limited.reason).toMatch(/load generator was the limit/);
  });

  it("says a metric the scenario does not measure is not measured", () => {
    const [r] = evaluateSlos([slo("install_time", "< 5min")], measurements());
    expect(r!.verdict).toBe("inconclusive");
    expect(r!.reason).toMatch(/not measured/);
  });

  it("fails an RTO when a fault did not recover, and dates RPO by the worst store", () => {
    const fault = {
      id: "f1",
      kind: "process",
      target: "redis",
      description: "kill",
      injected: true,
      injectedAtMs: 1000,
      healedAtMs: 2000,
      timeToDetectMs: 10,
      afterHealMs: null,
      limitMs: 60_000,
      supervisor: false,
      observations: [] as string[],
    } as const;
    const stuck = evaluateSlos([slo("rto", "<= 2min")], measurements({ recovery: () => [{ ...fault, rtoMs: null, recovered: false }] }))[0]!;
    expect(stuck.verdict).toBe("fail");
    expect(stuck.measuredText).toMatch(/not recovered within 60 s/);
    expect([stuck.margin, stuck.marginText]).toEqual([null, "did not recover"]);
    const quick = evaluateSlos([slo("rto", "<= 2min")], measurements({ recovery: () => [{ ...fault, rtoMs: 2100, recovered: true }] }))[0]!;
    expect([quick.verdict, quick.measured]).toEqual(["pass", 2100]);
    const rpo = (rpoMs: number) =>
      ({ store: "redis", durability: "none", acknowledged: 10, present: 5, lost: 5, unacknowledgedPresent: 0, faultAtMs: 40_000, rpoMs }) as const;
    const lost = evaluateSlos([slo("rpo", "<= 30s", { server: "redis" })], measurements({ rpo: () => [rpo(35_000)] }))[0]!;
    expect([lost.verdict, lost.measured]).toEqual(["fail", 35_000]);
    expect(evaluateSlos([slo("rpo", "<= 30s", { server: "redis" })], measurements({ rpo: () => [rpo(0)] }))[0]!.verdict).toBe("pass");
  });

  it("judges a mean with its confidence interval", () => {
    const r = evaluateSlos(
      [slo("latency.mean", "<= 18ms")],
      measurements({ latency: () => histogramOf(Array.from({ length: 400 }, (_, i) => 5 + (i % 10))) }),
    )[0]!;
    expect(r.verdict).toBe("pass");
    expect(r.interval?.kind).toBe("mean95");
  });

  it("rolls verdicts up: any fail fails, else any inconclusive", () => {
    const base = evaluateSlos([slo("latency.p50", "< 15ms")], measurements({ latency: () => histogramOf(Array(50).fill(2)) }))[0]!;
    expect(overallVerdict([base]).verdict).toBe("pass");
    expect(overallVerdict([base, { ...base, verdict: "inconclusive" }]).verdict).toBe("inconclusive");
    expect(overallVerdict([base, { ...base, verdict: "fail" }, { ...base, verdict: "inconclusive" }]).counts).toEqual({ pass: 1, fail: 1, inconclusive: 1 });
    expect(overallVerdict([]).verdict).toBe("inconclusive");
  });
});

describe("concurrent operations", () => {
  const judge = (peak: number, failed: number) =>
    evaluateSlos(
      [slo("concurrent_operations", ">= 1000", { server: "filesystem" })],
      measurements({ servers: ["filesystem"], peakConcurrency: () => ({ peak, failed }) }),
    )[0]!;
  it("passes a peak at the target with nothing failed, fails one where calls failed, and leaves an unchallenged server inconclusive", () => {
    expect(judge(1000, 0).verdict).toBe("pass");
    expect(judge(1000, 3).verdict).toBe("fail");
    expect(judge(40, 2).verdict).toBe("fail");
    const low = judge(13, 0);
    expect(low.verdict).toBe("inconclusive");
    expect(low.reason).toMatch(/never asked for more/);
  });
});

describe("RPO and RTO verdicts (loss is loss, censoring, read-back failures)", () => {
  const rpoSlo = (objective: string) => slo("rpo", objective, { server: "redis" });
  const store = (o: Partial<RpoResult> = {}): RpoResult => ({
    store: "redis",
    durability: "none",
    acknowledged: 300,
    present: 300,
    lost: 0,
    unacknowledgedPresent: 0,
    faultAtMs: 6000,
    faultId: "f1",
    rpoMs: 0,
    censored: false,
    lostWithoutFault: 0,
    ...o,
  });
  const judge = (objective: string, r: RpoResult) => evaluateSlos([rpoSlo(objective)], measurements({ rpo: () => [r] }))[0]!;

  it("fails every RPO objective when acknowledged writes were lost with no fault, however generous", () => {
    const memory = store({ store: "memory", acknowledged: 356, present: 171, lost: 185, lostWithoutFault: 185, faultAtMs: null, faultId: null, rpoMs: null });
    for (const objective of ["<= 0s", "<= 30s", "<= 1h"]) {
      const r = evaluateSlos([slo("rpo", objective, { server: "memory" })], measurements({ rpo: () => [memory] }))[0]!;
      expect(r.verdict).toBe("fail");
      expect(r.reason).toMatch(/^acknowledged writes lost without a fault: memory: 185 of 356/);
      expect(r.reason).not.toMatch(/could not read back/);
      expect(r.measuredText).toBe("acknowledged writes lost without a fault (185 of 356)");
    }
  });

  it("never passes a censored RPO: inconclusive under the target, saying the writer was too young", () => {
    const r = judge("<= 30s", store({ present: 0, lost: 300, rpoMs: 6020, censored: true, writerAgeMs: 6020 }));
    expect(r.verdict).toBe("inconclusive");
    expect(r.measuredText).toBe(">= 6.02 s");
    expect(r.reason).toMatch(/^the writer ran 6\.02 s before the fault: too short to show an RPO under 30 s/);
    expect(r.margin).toBeNull();
  });

  it("fails a censored RPO that already exceeds the target, as '>= N s'", () => {
    const r = judge("<= 5s", store({ present: 0, lost: 300, rpoMs: 6020, censored: true, writerAgeMs: 6020 }));
    expect(r.verdict).toBe("fail");
    expect(r.measuredText).toBe(">= 6.02 s");
    expect(r.reason).toMatch(/RPO is at least 6\.02 s, already over the target/);
  });

  it("leaves the verdict open only when the read-back really failed, and says why", () => {
    const r = judge("<= 30s", store({ present: 0, rpoMs: null, faultAtMs: null, readBackError: "connect ECONNREFUSED 127.0.0.1:6399" }));
    expect(r.verdict).toBe("inconclusive");
    expect(r.reason).toBe("could not read back redis (connect ECONNREFUSED 127.0.0.1:6399) after recovery");
  });

  it("judges an uncensored RPO exactly, and a write lost as the fault hit as above 0", () => {
    expect(judge("<= 30s", store({ present: 280, lost: 20, rpoMs: 1200 })).verdict).toBe("pass");
    expect(judge("<= 1s", store({ present: 280, lost: 20, rpoMs: 1200 })).verdict).toBe("fail");
    const inFlight = judge("<= 0s", store({ present: 299, lost: 1, rpoMs: 0 }));
    expect([inFlight.verdict, inFlight.measuredText]).toEqual(["fail", "> 0 ms (writes acknowledged as the fault hit were lost)"]);
    expect(judge("<= 0s", store()).verdict).toBe("pass");
  });

  it("says why there is no RTO when no fault was injected", () => {
    const skipped = {
      id: "f1",
      kind: "process",
      target: "redis",
      description: "kill",
      injected: false,
      notInjectedReason: "steady state not met before the measurement window opened",
      injectedAtMs: null,
      healedAtMs: null,
      timeToDetectMs: null,
      rtoMs: null,
      afterHealMs: null,
      recovered: false,
      limitMs: 60_000,
      supervisor: false,
      observations: [] as string[],
    } as const;
    const r = evaluateSlos([slo("rto", "<= 2min")], measurements({ recovery: () => [skipped] }))[0]!;
    expect(r.verdict).toBe("inconclusive");
    expect(r.reason).toBe("no fault was injected (steady state not met before the measurement window opened), so there is no recovery to time");
  });
});
