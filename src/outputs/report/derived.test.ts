import { describe, expect, it } from "vitest";
import { encodeHistogram, newHistogram, recordMs } from "../../metrics/histogram.js";
import { baseScenario, latency, slo } from "../../../test/support/records.js";
import { chartTargets, scenarioDerived, sloTarget, spectrumOf } from "./derived.js";
import { headlineFigures, keyChart, worstSlo } from "./glance.js";

const src = { document: "doc", lines: "1" };

describe("sloTarget: the number a chart draws an SLO's target at", () => {
  it("is measured ± margin when both are known, whichever way the objective points", () => {
    const upper = slo({
      id: "a",
      title: "a",
      metric: "latency.p99",
      objective: "latency p99 < 25.0 ms",
      source: src,
      measured: 31.5,
      unit: "ms",
      measuredText: "31.5 ms",
      samples: 900,
      margin: -6.5,
      marginText: "",
      verdict: "fail",
      reason: "",
    });
    expect(sloTarget(upper)).toEqual({ op: "<", value: 25 });
    const lower = slo({
      id: "b",
      title: "b",
      metric: "cache_hit_ratio",
      objective: "cache hit ratio >= 99.3 %",
      source: src,
      measured: 0.98,
      unit: "ratio",
      measuredText: "98 %",
      samples: 900,
      margin: -0.013,
      marginText: "",
      verdict: "fail",
      reason: "",
    });
    expect(sloTarget(lower)?.op).toBe(">=");
    expect(sloTarget(lower)?.value).toBeCloseTo(0.993, 10);
  });

  it("reads the objective back when nothing was measured, and gives up on an objective without a number", () => {
    const base = {
      id: "c",
      title: "c",
      source: src,
      measured: null,
      measuredText: "not measured",
      samples: 0,
      margin: null,
      marginText: "",
      verdict: "inconclusive" as const,
      reason: "",
    };
    expect(sloTarget(slo({ ...base, metric: "latency.p50", objective: "latency p50 < 0.800 ms", unit: "ms" }))).toEqual({ op: "<", value: 0.8 });
    expect(sloTarget(slo({ ...base, metric: "throughput", objective: "throughput >= 10000 ops/s", unit: "ops/s" }))).toEqual({ op: ">=", value: 10_000 });
    expect(sloTarget(slo({ ...base, metric: "success_rate", objective: "success rate >= 99.8 %", unit: "ratio" }))?.value).toBeCloseTo(0.998, 10);
    expect(sloTarget(slo({ ...base, metric: "rto", objective: "recovers", unit: "ms" }))).toBeUndefined();
  });

  it("keeps only what a chart of the report shows: latency, coordination, throughput and cache targets, not per-tool ones", () => {
    const s = baseScenario("x", "x.yaml", "2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z");
    const mk = (id: string, metric: string, objective: string, scope = {}) =>
      slo({
        id,
        title: id,
        metric,
        objective,
        source: src,
        measured: 1,
        unit: "ms",
        measuredText: "1",
        samples: 1000,
        margin: 1,
        marginText: "",
        verdict: "pass",
        reason: "",
        scope,
      });
    s.slos = [
      mk("p99@redis", "latency.p99", "latency p99 < 2.00 ms", { server: "redis" }),
      mk("p99-get", "latency.p99", "latency p99 < 2.00 ms", { server: "redis", tool: "get" }),
      mk("ok", "success_rate", "success rate >= 99 %"),
      mk("coord", "coordination_latency.p50", "coordination latency p50 < 7.00 ms"),
      mk("mean", "coordination_latency.mean", "coordination latency mean < 10.0 ms"),
    ];
    expect(chartTargets(s).map((t) => [t.sloId, t.server ?? null, t.label])).toEqual([
      ["p99@redis", "redis", "p99 < 2.00 ms"],
      ["coord", null, "p50 < 7.00 ms"],
    ]);
  });
});

describe("latency distributions from the stored HDR histograms", () => {
  it("gives the latency at each percentile up to the max, never beyond what the count supports", () => {
    const h = newHistogram();
    for (let ms = 1; ms <= 1000; ms++) recordMs(h, ms);
    const sp = spectrumOf("redis", h)!;
    expect(sp.count).toBe(1000);
    const p90 = sp.points.find((p) => Math.abs(p.x - 10) < 1e-9)!;
    expect(p90.ms).toBeGreaterThan(895);
    expect(p90.ms).toBeLessThan(905);
    expect(sp.points.every((p) => p.x <= 1000)).toBe(true);
    expect(sp.points.at(-1)).toMatchObject({ percentile: 100, x: 1000 });
    expect(sp.maxMs).toBeGreaterThanOrEqual(999);
    // Monotonic: a distribution never goes down.
    for (let i = 1; i < sp.points.length; i++) expect(sp.points[i]!.ms).toBeGreaterThanOrEqual(sp.points[i - 1]!.ms);
  });

  it("merges a server's tools, ok calls and timeouts (as the verdicts count them), leaves out errors, and names a histogram it cannot read", () => {
    const s = baseScenario("x", "x.yaml", "2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z");
    s.latency = [
      latency("redis", "get", "ok", [1000, 2, 2, 4, 6, 8, 9]),
      latency("redis", "set", "timeout", [10, 5000, 5000, 5000, 5000, 5000, 5000]),
      latency("redis", "set", "error", [500, 1, 1, 1, 1, 1, 1]),
      { ...latency("postgres", "query", "ok", [100, 3, 3, 4, 5, 6, 7]), histogram: "not a histogram" },
    ];
    const d = scenarioDerived(s);
    expect(d.spectra.map((x) => [x.name, x.count])).toEqual([["redis", 1010]]);
    expect(d.spectra[0]!.maxMs).toBeGreaterThan(4900);
    expect(d.problems).toHaveLength(1);
    expect(d.problems[0]).toMatch(/^x: latency of postgres query \(ok\): the stored histogram could not be decoded/);
  });

  it("draws the coordination latency from its own histogram", () => {
    const s = baseScenario("x", "x.yaml", "2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z");
    const h = newHistogram();
    for (let i = 0; i < 300; i++) recordMs(h, 5 + (i % 30));
    s.coordination = { definition: "d", samples: 300, timeouts: 0, p50: 20, p95: 33, p99: 34, mean: 20, meanReadLatencyMs: 1, histogram: encodeHistogram(h) };
    expect(scenarioDerived(s).coordinationSpectrum?.count).toBe(300);
  });
});

describe("the manager's headline and key chart", () => {
  it("names the worst failed SLO first and picks the chart that shows it", () => {
    const s = baseScenario("x", "x.yaml", "2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z");
    s.servers = [{ ...s.servers[0]!, name: "redis" }].filter((x) => x.name);
    s.latency = [latency("redis", "get", "ok", [1000, 2, 2, 4, 6, 8, 9])];
    s.timeline = { intervalMs: 1000, points: [{ t: 0, server: "redis", ok: 10, error: 0, timeout: 0, p50: 2, p99: 6 }] };
    const mk = (id: string, metric: string, verdict: "pass" | "fail" | "inconclusive", measured: number, margin: number) =>
      slo({
        id,
        title: id,
        metric,
        objective: `${metric} < ${measured + margin} ms`,
        source: src,
        measured,
        unit: "ms",
        measuredText: `${measured} ms`,
        samples: 1000,
        margin,
        marginText: "",
        verdict,
        reason: "",
        scope: { server: "redis" },
      });
    s.slos = [mk("small-miss", "latency.p99", "fail", 11, -1), mk("big-miss", "latency.p95", "fail", 20, -10), mk("ok", "latency.p50", "pass", 2, 3)];
    expect(worstSlo(s)?.id).toBe("big-miss");
    // p95 is not on the timeline (it has p50 and p99): its chart is the distribution, where p95 is a mark.
    expect(keyChart(s)).toMatchObject({ chart: "spectrum", server: "redis" });
    s.slos = [mk("small-miss", "latency.p99", "fail", 11, -1), mk("ok", "latency.p50", "pass", 2, 3)];
    expect(keyChart(s)).toMatchObject({ chart: "latency", server: "redis" });
    expect(headlineFigures(s)[0]).toBe("1 of 2 SLOs met, 1 failed");
    expect(headlineFigures(s)[1]).toBe("worst: small-miss 11 ms against latency.p99 < 10 ms");
  });

  it("says first when a scenario did not run to the end", () => {
    const s = { ...baseScenario("x", "x.yaml", "2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z"), status: "error" as const, error: "redis did not start" };
    expect(headlineFigures(s)).toEqual(["did not run to the end: redis did not start", "0 of 0 SLOs met"]);
    expect(keyChart(s)).toBeNull();
  });
});
