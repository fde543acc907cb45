/**
 * (In results/ because a run record carries a comparison; compare/types.ts re-exports them.)
 * What two runs are compared on, and what a comparison says (../shared/measurement.md, "Comparing
 * runs"). Shared by compare (the engine), history (what it keeps), trend (series over runs) and the
 * outputs that show a comparison.
 */
import type { SloResult, Verdict } from "./types.js";

/** Which way is better for a metric: latency and lost writes go down, throughput and ratios go up. */
export type Better = "lower" | "higher";

/**
 * One figure of one run, keyed so the same figure of another run of the same scenario has the
 * same key: "<scenario>[<variant>]|slo|<slo id>" or "<scenario>[<variant>]|<metric>|<server>|<tool>".
 */
export interface MetricValue {
  key: string;
  /** Scenario name, with "[variant]" when the scenario has a matrix. */
  scenario: string;
  /** "slo": a judged SLO of the run; "metric": a figure measured per server x tool or per scenario. */
  source: "slo" | "metric";
  /** e.g. "latency.p50", "throughput", "success_rate", "availability", "coordination_latency.p99", "cache_hit_ratio", "rto", "lost_writes" */
  metric: string;
  server?: string;
  tool?: string;
  /** Human name, e.g. "redis/get latency p50" or "redis.latency.p50@redis". */
  title: string;
  unit: SloResult["unit"];
  better: Better;
  /** null when the run measured nothing for it. */
  value: number | null;
  /** Samples behind the value (calls, trials, probes). */
  samples: number;
  /** For ratios: successes of `samples` (a Wilson interval can be made from them). */
  successes?: number;
  /** For latency percentiles: the HDR histogram the value was read from (results.json encoding), and which quantile (0..1). */
  histogram?: string;
  quantile?: number;
  /**
   * Batch means over the run's timeline (one batch per timeline interval of the measurement window):
   * the standard error of the figure relative to its value, from how much the per-interval figure of
   * its server (p50 for latency, ok calls for throughput) moved during the run. Captures what an
   * i.i.d. interval misses: samples close in time are alike. Absent with fewer than 5 intervals.
   */
  batchRelSe?: number;
  /** For an SLO: its verdict in that run, its target in `unit` (when numeric) and its objective text. */
  verdict?: Verdict;
  target?: number;
  objective?: string;
}

export type ChangeVerdict = "improved" | "unchanged" | "regressed" | "inconclusive";

/** What names a figure across runs, wherever it is shown (a comparison, a trend series). */
export type MetricIdentity = Pick<MetricValue, "key" | "scenario" | "source" | "metric" | "server" | "tool" | "title" | "unit" | "better">;

export interface MetricComparison extends MetricIdentity {
  baseline: number | null;
  candidate: number | null;
  /** candidate - baseline, in `unit` */
  difference: number | null;
  /** difference / baseline */
  relative: number | null;
  /** The band of differences noise alone explains, in `unit` (low <= 0 <= high); null when it could not be made. */
  noise: { low: number; high: number } | null;
  /** The smallest difference that matters: max(relative floor x baseline, absolute floor of the unit). */
  materialFloor: number | null;
  /** e.g. "history: standard deviation of 7 earlier runs less the oddest, ...", "own intervals: Wilson 95 %" */
  method: string;
  /** True when the noise came from the two runs' own intervals (fewer than 5 earlier comparable runs). */
  lowConfidence: boolean;
  verdict: ChangeVerdict;
  /** One sentence: why this verdict. */
  reason: string;
}

export interface RunRef {
  runId: string;
  startedAt: string;
  /** Where it was read from: a run directory, a results.json, or a history reference ("postgres:<run id>"). */
  location: string;
  /** The reference the user gave, e.g. "latest-pass", "main~1", "reports/runs/2026-...". */
  ref?: string;
}

export interface Comparison {
  baseline: RunRef;
  candidate: RunRef;
  /** Comparable: same scenario hashes, profile and provider. `notes` say what differs that is allowed (another machine). */
  comparable: { ok: boolean; differences: string[]; notes: string[]; forced: boolean };
  /** Earlier comparable runs the noise was taken from (0: the runs' own intervals). */
  historyRuns: number;
  /** The rules used: the relative floor (0.05) and absolute floors per unit. */
  rules: { relativeFloor: number; absoluteFloor: Record<MetricValue["unit"], number> };
  metrics: MetricComparison[];
  counts: Record<ChangeVerdict, number>;
}
