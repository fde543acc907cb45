/** SLOs scoped to the method initialize (session churn's setups): judged on the setups, never on the calls. */
import { describe, expect, it } from "vitest";
import type { ResolvedSlo } from "../contracts/plan.js";
import { parseMetric } from "../contracts/metric-names.js";
import { parseThreshold } from "../contracts/units.js";
import { newHistogram, recordMs, type Histogram } from "../metrics/histogram.js";
import { evaluateSlos, noCallMeasurements, type Measurements } from "./evaluate.js";

function slo(metric: string, objective: string): ResolvedSlo {
  return {
    id: `init.${metric}`,
    title: metric,
    metricName: metric,
    metric: parseMetric(metric)!,
    threshold: parseThreshold(objective)!,
    objectiveText: objective,
    scope: { server: "redis", method: "initialize" },
    source: { document: "test", lines: "1" },
  };
}

function histogramOf(values: number[]): Histogram {
  const h = newHistogram();
  for (const v of values) recordMs(h, v);
  return h;
}

/** Calls of 2 ms; setups of 300 ms (and `failed` failed ones). */
function measurements(setups: number, failed = 0): Measurements {
  return {
    ...noCallMeasurements(["redis"]),
    latency: () => histogramOf(Array(500).fill(2)),
    calls: () => ({ ok: 500, failed: 0 }),
    initialize: (scope) => (scope.server === "redis" ? { latency: histogramOf(Array(setups).fill(300)), ok: setups, failed } : undefined),
  };
}

describe("SLO scope method: initialize", () => {
  it("judges the setups' latency, not the calls'", () => {
    const [r] = evaluateSlos([slo("latency.p50", "< 1s")], measurements(40));
    expect(r).toMatchObject({ verdict: "pass", samples: 40, scope: { server: "redis", method: "initialize" } });
    expect(r!.measured).toBeCloseTo(300, 0);
    const [tooSlow] = evaluateSlos([slo("latency.p50", "< 100ms")], measurements(40));
    expect(tooSlow!.verdict).toBe("fail");
  });

  it("judges the share of ok setups", () => {
    const [ok] = evaluateSlos([slo("success_rate", ">= 80%")], measurements(40));
    expect(ok).toMatchObject({ verdict: "pass", samples: 40 });
    const [bad] = evaluateSlos([slo("error_rate", "< 5%")], measurements(20, 20));
    expect(bad).toMatchObject({ verdict: "fail", samples: 40, measured: 0.5 });
  });

  it("without churn no setup was measured: inconclusive, saying why", () => {
    const [r] = evaluateSlos([slo("latency.p95", "< 1s")], noCallMeasurements(["redis"]));
    expect(r!.verdict).toBe("inconclusive");
    expect(r!.reason).toMatch(/no session was set up during the measurement window .*sessions\.churn/);
  });

  it("a family that does not describe a setup is not judged", () => {
    const [r] = evaluateSlos([slo("throughput", ">= 10/s")], measurements(40));
    expect(r!.verdict).toBe("inconclusive");
    expect(r!.reason).toBe("method initialize is judged by latency, success_rate or error_rate, not throughput");
  });
});
