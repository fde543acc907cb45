import { describe, expect, it } from "vitest";
import { everySectionRunRecord, faultScenario, sampleRunRecord } from "../../test/support/records.js";
import { extractMetrics } from "./metrics.js";
import type { MetricValue } from "./types.js";

function byKey(values: MetricValue[]): Map<string, MetricValue> {
  return new Map(values.map((v) => [v.key, v]));
}

describe("extractMetrics", () => {
  const values = extractMetrics(everySectionRunRecord());
  const m = byKey(values);

  it("gives every figure a unique key", () => {
    expect(m.size).toBe(values.length);
  });

  it("reads an SLO's measured value, verdict and target (from its margin)", () => {
    const p99 = m.get("coordination-and-cache|slo|coordination.latency.p99");
    expect(p99).toMatchObject({ source: "slo", unit: "ms", better: "lower", value: 18.4, target: 25, verdict: "pass", quantile: 0.99 });
    // A coordination SLO carries the coordination histogram, so its interval can be read off it.
    expect(p99?.histogram).toBe(everySectionRunRecord().scenarios[0]?.coordination?.histogram);
    const hit = m.get("coordination-and-cache|slo|cache.hit_ratio");
    expect(hit).toMatchObject({ unit: "ratio", better: "higher", target: 0.99, samples: 39232 });
    // successes read from "(successes/trials)" in the measured text, not rounded from the ratio
    expect(hit?.successes).toBe(38451);
  });

  it("reads latency percentiles and mean of ok calls per server x tool, with histogram and quantile", () => {
    const p95 = m.get("coordination-and-cache|latency.p95|redis|get");
    expect(p95).toMatchObject({ source: "metric", server: "redis", tool: "get", value: 3.2, samples: 71200, quantile: 0.95, better: "lower" });
    expect(p95?.histogram).toBeTruthy();
    expect(m.get("coordination-and-cache|latency.mean|redis|get")).toMatchObject({ value: 1.62, samples: 71200 });
    expect(m.get("coordination-and-cache|latency.mean|redis|get")?.quantile).toBeUndefined();
    // error rows are not latency of the server's work
    expect(values.some((v) => v.metric.startsWith("latency.") && v.key.includes("error"))).toBe(false);
  });

  it("computes throughput of ok calls over the measured window, per tool and for the scenario", () => {
    const s = faultScenario();
    const measured = s.load?.measuredMs ?? 0;
    const fm = byKey(extractMetrics({ ...sampleRunRecord(), scenarios: [s] }));
    const key = "redis-durability[redis.persistence=none]";
    expect(fm.get(`${key}|throughput|redis|get`)?.value).toBeCloseTo((26_300 * 1000) / measured, 6);
    expect(fm.get(`${key}|throughput|*|*`)?.value).toBeCloseTo(((26_300 + 35_400) * 1000) / measured, 6);
  });

  it("takes success rate from the corrected counts and availability from the figure that judges it", () => {
    const sr = m.get("coordination-and-cache|success_rate|redis|get");
    expect(sr?.successes).toBe(71200);
    expect(sr?.samples).toBeGreaterThan(71200);
    expect(sr?.value).toBeCloseTo(71200 / (sr?.samples ?? 1), 12);
    const av = m.get("coordination-and-cache|availability|redis|*");
    expect(av?.unit).toBe("ratio");
    expect(av?.value).toBeGreaterThan(0.9);
  });

  it("reads coordination percentiles, client cache hit ratio, RTO per fault and lost writes per store", () => {
    expect(m.get("coordination-and-cache|coordination_latency.p99|*|*")).toMatchObject({ value: 18.4, samples: 2000, quantile: 0.99 });
    const cache = m.get("coordination-and-cache|cache_hit_ratio|*|*");
    expect(cache?.value).toBeCloseTo((cache?.successes ?? 0) / (cache?.samples ?? 1), 12);
    const d = "redis-durability[redis.persistence=none]";
    expect(m.get(`${d}|rto|*|redis-kill`)).toMatchObject({ value: 7120, samples: 1, unit: "ms" });
    // not recovered: no value, so a comparison of it is inconclusive rather than zero
    expect(m.get(`${d}|rto|*|redis-mcp-kill`)?.value).toBeNull();
    expect(m.get(`${d}|lost_writes|redis|*`)).toMatchObject({ value: 1842, samples: 2118, unit: "count", better: "lower" });
  });

  it("keys do not depend on what changes between runs (ports, times, run id)", () => {
    const a = faultScenario();
    const b = faultScenario();
    b.faults = (b.faults ?? []).map((f) => ({ ...f, target: f.target.replace(/\d+$/, "7777"), injectedAtMs: (f.injectedAtMs ?? 0) + 13 }));
    b.backends = b.backends.map((x) => ({ ...x, endpoint: "127.0.0.1:7777" }));
    const ka = extractMetrics({ ...sampleRunRecord(), scenarios: [a] }).map((v) => v.key);
    const kb = extractMetrics({ ...sampleRunRecord({ runId: "other" }), scenarios: [b] }).map((v) => v.key);
    expect(kb).toEqual(ka);
  });
});
