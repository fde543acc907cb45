import { describe, expect, it } from "vitest";
import { baseRunRecord, baseScenario, withScenarios } from "../../test/support/records.js";
import { HarnessError } from "../errors.js";
import { encodeHistogram, meanMs, newHistogram, percentileMs, recordMs } from "../metrics/histogram.js";
import type { LatencySummary, RunRecord } from "../results/types.js";
import { seededRng } from "../util/random.js";
import { compareRuns, materialFloor } from "./compare.js";

interface RunSpec {
  runId?: string;
  /** ms of each ok redis/get call */
  latencies: number[];
  /** ok / failed calls of redis/get (failed: transport) */
  ok?: number;
  failed?: number;
  /** per-interval ok counts and p50s of the timeline (20 intervals of 1 s by default: steady) */
  timeline?: { ok: number; p50: number }[];
  eventLoopDelayP99Ms?: number;
  profile?: string;
  /** cores busy outside the run during the window, of 2 */
  outside?: number;
}

/** Latencies around `centre` ms, spread like a real server's (lognormal-ish), seeded. */
function sample(n: number, centre: number, seed: number, shift = 0): number[] {
  const random = seededRng(seed);
  return Array.from({ length: n }, () => centre * Math.exp(0.3 * (random() + random() + random() - 1.5)) + shift);
}

function latencyRow(ms: number[]): LatencySummary {
  const h = newHistogram();
  for (const x of ms) recordMs(h, x);
  const p = (q: number) => percentileMs(h, q);
  return {
    server: "redis",
    tool: "get",
    outcome: "ok",
    count: ms.length,
    mean: meanMs(h),
    p50: p(50),
    p95: p(95),
    p99: p(99),
    p99_9: p(99.9),
    max: p(100),
    histogram: encodeHistogram(h),
  };
}

function run(spec: RunSpec): RunRecord {
  const row = latencyRow(spec.latencies);
  const ok = spec.ok ?? spec.latencies.length;
  const failed = spec.failed ?? 0;
  const timeline = spec.timeline ?? Array.from({ length: 20 }, () => ({ ok: ok / 20, p50: row.p50 }));
  const s = {
    ...baseScenario("redis-mix", "scenarios/redis-mix.yaml", "2025-11-22T03:30:00.000Z", "2025-11-22T03:30:30.000Z"),
    load: {
      model: "closed" as const,
      agents: 4,
      warmupMs: 0,
      durationMs: 20_000,
      measuredMs: 20_000,
      offered: ok + failed,
      completed: ok + failed,
      lateSends: 0,
      dropped: 0,
      lateThresholdMs: 10,
      throughput: ((ok + failed) * 1000) / 20_000,
      generatorCpu: 0.2,
      eventLoopDelayP99Ms: spec.eventLoopDelayP99Ms ?? 0,
      ...(spec.outside !== undefined && { outsideCpu: { cores: spec.outside, cpus: 2 } }),
    },
    latency: [row],
    timeline: {
      intervalMs: 1000,
      points: timeline.map((x, i) => ({ t: i * 1000, server: "redis", ok: x.ok, error: 0, timeout: 0, p50: x.p50, p99: x.p50 * 3 })),
    },
    calls: [
      {
        server: "redis",
        tool: "get",
        ok,
        failed: { tool: 0, protocol: 0, transport: failed },
        timeouts: 0,
        missed: 0,
        successRate: { raw: ok / (ok + failed), corrected: ok / (ok + failed) },
      },
    ],
  };
  return { ...withScenarios(baseRunRecord(), [s]), runId: spec.runId ?? "run", profile: spec.profile ?? "ci" };
}

const get = (c: ReturnType<typeof compareRuns>, metric: string) => {
  const m = c.metrics.find((x) => x.key === `redis-mix|${metric}|redis|get`);
  if (!m) throw new Error(`no ${metric}`);
  return m;
};

describe("compareRuns", () => {
  const base = run({ runId: "a", latencies: sample(20_000, 1.2, 1) });

  it("finds nothing changed between a run and itself", () => {
    const c = compareRuns(base, { ...base, runId: "b" });
    expect(c.counts.regressed + c.counts.improved + c.counts.inconclusive).toBe(0);
    expect(c.counts.unchanged).toBe(c.metrics.length);
    expect(c.historyRuns).toBe(0);
    expect(c.metrics.every((m) => m.lowConfidence)).toBe(true);
  });

  it("calls +2 ms on a 1.2 ms p50 regressed, -2 ms improved, from the runs' own intervals", () => {
    const slower = run({ runId: "b", latencies: sample(20_000, 1.2, 2, 2) });
    const c = compareRuns(base, slower);
    const p50 = get(c, "latency.p50");
    expect(p50.verdict).toBe("regressed");
    expect(p50.difference).toBeGreaterThan(1.8);
    expect(p50.noise?.high).toBeLessThan(p50.difference as number);
    expect(p50.method).toMatch(/own intervals/);
    expect(get(c, "latency.mean").verdict).toBe("regressed");
    expect(get(compareRuns(slower, base), "latency.p50").verdict).toBe("improved");
  });

  it("calls +0.05 ms unchanged: below the material floor even where significant", () => {
    const shifted = run({ runId: "b", latencies: sample(20_000, 1.2, 1, 0.05) });
    const c = compareRuns(base, shifted, { widening: 1 });
    const p50 = get(c, "latency.p50");
    expect(p50.difference).toBeGreaterThan(0.03);
    expect(p50.verdict).toBe("unchanged");
    expect(p50.materialFloor).toBeCloseTo(Math.max(0.1, 0.05 * (p50.baseline as number)), 9);
    expect(p50.reason).toMatch(/material floor/);
  });

  it("--min-effect: a 20 % relative floor keeps a +15 % change unchanged", () => {
    const slower = run({ runId: "b", latencies: sample(20_000, 1.2, 1).map((x) => x * 1.15) });
    expect(get(compareRuns(base, slower), "latency.p50").verdict).toBe("regressed");
    expect(get(compareRuns(base, slower, { relativeFloor: 0.2 }), "latency.p50").verdict).toBe("unchanged");
  });

  it("is inconclusive when a percentile has too few samples for its interval, or a value is missing", () => {
    const few = run({ runId: "a", latencies: sample(100, 1.2, 1) });
    const fewSlower = run({ runId: "b", latencies: sample(100, 1.2, 2, 5) });
    const p99 = get(compareRuns(few, fewSlower), "latency.p99");
    expect(p99.verdict).toBe("inconclusive");
    expect(p99.reason).toMatch(/100 samples: too few for a p99/);
    // p50 of the same 100 samples has an interval, and +5 ms is far outside it
    expect(get(compareRuns(few, fewSlower), "latency.p50").verdict).toBe("regressed");
    const nothing = run({ runId: "b", latencies: [] });
    const gone = get(compareRuns(base, nothing), "latency.p50");
    expect(gone.verdict).toBe("inconclusive");
    expect(gone.reason).toMatch(/no value in the candidate/);
  });

  it("judges ratios with Wilson and a floor on the smaller side: 99.9 % -> 99.0 % success is regressed", () => {
    const good = run({ runId: "a", latencies: sample(2000, 1.2, 1), ok: 19_980, failed: 20 });
    const worse = run({ runId: "b", latencies: sample(2000, 1.2, 1), ok: 19_800, failed: 200 });
    // widening 1: the Wilson rule alone (the between-run factor is tested with latency below)
    const sr = get(compareRuns(good, worse, { widening: 1 }), "success_rate");
    expect(sr.verdict).toBe("regressed");
    expect(sr.method).toMatch(/Wilson/);
    // 5 % of 99.9 % would be 5 pp: the floor is taken on the 0.1 % failing, never under 0.1 pp
    expect(sr.materialFloor).toBeCloseTo(0.001, 9);
    expect(materialFloor("ratio", 0.6, { relativeFloor: 0.05, absoluteFloor: { ms: 0.1, ratio: 0.001, "ops/s": 0.1, count: 1, s: 0.1 } })).toBeCloseTo(0.02, 9);
    // 6 more failures in 20000 is within Wilson's noise
    const slightly = run({ runId: "b", latencies: sample(2000, 1.2, 1), ok: 19_974, failed: 26 });
    const small = get(compareRuns(good, slightly, { widening: 1 }), "success_rate");
    expect(small.verdict).toBe("unchanged");
    expect(small.reason).toMatch(/within the noise band/);
  });

  it("widens own intervals between runs: a change inside 14x the batch-means band is unchanged, outside it regressed", () => {
    const wobble = Array.from({ length: 20 }, (_, i) => ({ ok: 1000, p50: i % 2 ? 1.1 : 1.3 }));
    const a = run({ runId: "a", latencies: sample(20_000, 1.2, 1), timeline: wobble });
    const b = run({ runId: "b", latencies: sample(20_000, 1.2, 2).map((x) => x * 1.3), timeline: wobble });
    const narrow = get(compareRuns(a, b, { widening: 1 }), "latency.p50");
    const wide = get(compareRuns(a, b), "latency.p50");
    expect(narrow.verdict).toBe("regressed");
    expect(wide.verdict).toBe("unchanged");
    expect(wide.method).toMatch(/widened x14 between runs/);
    expect((wide.noise?.high ?? 0) / (narrow.noise?.high ?? 1)).toBeCloseTo(14, 6);
  });

  it("widens by batch means: a run whose p50 wandered during the window cannot show a small change as significant", () => {
    const wandering = Array.from({ length: 20 }, (_, i) => ({ ok: 1000, p50: i % 2 ? 0.6 : 2.4 }));
    const a = run({ runId: "a", latencies: sample(20_000, 1.2, 1), timeline: wandering });
    const b = run({ runId: "b", latencies: sample(20_000, 1.2, 2).map((x) => x * 1.3), timeline: wandering });
    const steadyA = run({ runId: "a", latencies: sample(20_000, 1.2, 1) });
    const steadyB = run({ runId: "b", latencies: sample(20_000, 1.2, 2).map((x) => x * 1.3) });
    expect(get(compareRuns(steadyA, steadyB, { widening: 1 }), "latency.p50").verdict).toBe("regressed");
    const p50 = get(compareRuns(a, b, { widening: 1 }), "latency.p50");
    expect(p50.verdict).toBe("unchanged");
    expect(p50.method).toMatch(/batch means/);
    // throughput: ok counts swinging 10x between intervals
    const swinging = Array.from({ length: 20 }, (_, i) => ({ ok: i % 2 ? 100 : 1000, p50: 1.2 }));
    const t1 = run({ runId: "a", latencies: sample(11_000, 1.2, 1), timeline: swinging });
    const t2 = run({ runId: "b", latencies: sample(9_000, 1.2, 1), timeline: swinging });
    expect(get(compareRuns(t1, t2, { widening: 1 }), "throughput").verdict).toBe("unchanged");
  });

  it("a change in the direction of the machine's outside load is inconclusive without history; against it, it stands", () => {
    const quiet = run({ runId: "a", latencies: sample(20_000, 1.2, 1), outside: 0.05 });
    const busySlower = run({ runId: "b", latencies: sample(20_000, 1.2, 2, 2), outside: 1.1 });
    const p50 = get(compareRuns(quiet, busySlower), "latency.p50");
    expect(p50.verdict).toBe("inconclusive");
    expect(p50.reason).toMatch(/busier outside the run in the candidate \(1\.10 of 2 cores vs 0\.05 of 2 cores/);
    // the band and difference are still shown
    expect(p50.noise?.high).toBeLessThan(p50.difference as number);
    // quieter baseline -> the candidate improved on a quieter machine: inconclusive too
    expect(get(compareRuns(busySlower, quiet), "latency.p50").verdict).toBe("inconclusive");
    // slower although the candidate's machine was quieter: the regression stands
    const busyBase = run({ runId: "a", latencies: sample(20_000, 1.2, 1), outside: 1.1 });
    const quietSlower = run({ runId: "b", latencies: sample(20_000, 1.2, 2, 2), outside: 0.05 });
    expect(get(compareRuns(busyBase, quietSlower), "latency.p50").verdict).toBe("regressed");
    // within the tolerance (0.1 of the machine: 0.2 of 2 cores) the machine is the same
    const alike = run({ runId: "b", latencies: sample(20_000, 1.2, 2, 2), outside: 0.2 });
    expect(get(compareRuns(quiet, alike), "latency.p50").verdict).toBe("regressed");
    // both busy (half a core or more of 2), alike: the worse-looking run's machine was busy, so no verdict from two runs
    const busyA = run({ runId: "a", latencies: sample(20_000, 1.2, 1), outside: 0.9 });
    const busyB = run({ runId: "b", latencies: sample(20_000, 1.2, 2, 2), outside: 0.95 });
    const both = get(compareRuns(busyA, busyB), "latency.p50");
    expect(both.verdict).toBe("inconclusive");
    expect(both.reason).toMatch(/busy outside the run in the candidate \(0\.95 of 2 cores; 0\.90 of 2 cores in the baseline\)/);
    // ... but a candidate that is worse on a quiet machine is a regression even after a busy baseline (above), and
    // one just under half a core is not "busy"
    const nearlyBusy = run({ runId: "b", latencies: sample(20_000, 1.2, 2, 2), outside: 0.45 });
    expect(get(compareRuns(run({ runId: "a", latencies: sample(20_000, 1.2, 1), outside: 0.4 }), nearlyBusy), "latency.p50").verdict).toBe("regressed");
    // a record without the figure (older, or no /proc) is judged as before
    const unknown = run({ runId: "b", latencies: sample(20_000, 1.2, 2, 2) });
    expect(get(compareRuns(quiet, unknown), "latency.p50").verdict).toBe("regressed");
    // with 5 earlier runs their spread is the noise: the machine's load is no excuse
    const history = [1, 2, 3, 4, 5].map((i) => run({ runId: `h${i}`, latencies: sample(20_000, 1.2 + (i % 3) * 0.1, 10 + i) }));
    expect(get(compareRuns(quiet, busySlower, { history }), "latency.p50").verdict).toBe("regressed");
  });

  it("takes the noise from 5 or more earlier runs: their spread, not low confidence", () => {
    const history = [1, 2, 3, 4, 5, 6].map((i) => run({ runId: `h${i}`, latencies: sample(20_000, 1.2 + (i % 3) * 0.1, 10 + i) }));
    const within = run({ runId: "b", latencies: sample(20_000, 1.35, 20) });
    const c = compareRuns(base, within, { history });
    const p50 = get(c, "latency.p50");
    expect(c.historyRuns).toBe(6);
    expect(p50.lowConfidence).toBe(false);
    expect(p50.method).toMatch(/history: standard deviation of 6 earlier runs less the oddest/);
    expect(p50.verdict).toBe("unchanged");
    const far = run({ runId: "b", latencies: sample(20_000, 3.2, 20) });
    expect(get(compareRuns(base, far, { history }), "latency.p50").verdict).toBe("regressed");
    // the baseline and candidate themselves are never their own noise
    const c4 = compareRuns(base, far, { history: [...history.slice(0, 4), base, far] });
    expect(c4.historyRuns).toBe(0);
  });

  it("a history where three of five runs happen to agree does not shrink the band to nothing (an untouched server's p50 seen 'improved' with the MAD)", () => {
    // The p50s of an A/B's five base runs of PostgreSQL (ms), one of them on a busy machine, and
    // the baseline and a toxic run's values: the candidate lies 0.17 ms below every base run, within
    // the 0.19 ms the quiet runs spread over.
    const history = [3.375, 2.689, 2.709, 2.673, 2.517].map((p50, i) => run({ runId: `h${i}`, latencies: sample(600, p50, 30 + i) }));
    const base = run({ runId: "a", latencies: sample(600, 2.575, 40) });
    const cand = run({ runId: "b", latencies: sample(600, 2.347, 41) });
    const p50 = get(compareRuns(base, cand, { history }), "latency.p50");
    expect(p50.verdict).toBe("unchanged");
    // and a change of a size the runs never showed still stands out
    const slower = run({ runId: "b", latencies: sample(600, 3.4, 41) });
    expect(get(compareRuns(base, slower, { history }), "latency.p50").verdict).toBe("regressed");
  });

  it("refuses runs that are not comparable, unless forced", () => {
    const other = run({ runId: "b", latencies: sample(2000, 1.2, 1), profile: "nightly" });
    let error: unknown;
    try {
      compareRuns(base, other);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe("invalid_input");
    expect((error as HarnessError).message).toMatch(/profile: ci in a, nightly in b/);
    const forced = compareRuns(base, other, { force: true });
    expect(forced.comparable).toMatchObject({ ok: false, forced: true });
  });
});
