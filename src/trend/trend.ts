/**
 * The trend over runs: per scenario, a series per SLO and per key metric, with the SLO's target,
 * each run's verdict, and the change points E-divisive means finds in it (src/compare/change-points.ts,
 * as Apache Otava finds them). Pure: it takes the runs as data, oldest first, so where they come
 * from (the directory history, PostgreSQL) is the caller's business.
 */
import { type ChangePoint, detectChangePoints, OTAVA_DEFAULTS } from "../compare/change-points.js";
import type { MetricIdentity, MetricValue } from "../compare/types.js";
import type { HistoryEntry } from "../history/types.js";
import type { Verdict } from "../results/types.js";

/** One run as the trend needs it. */
export interface TrendRun {
  entry: HistoryEntry;
  /** Its figures (SLOs and measured metrics), keyed across runs. */
  metrics: MetricValue[];
  /** Its report.html, relative to the directory trend.html is written to (a URL path, segments encoded); "" when there is none (a PostgreSQL history). */
  reportHref: string;
}

export interface TrendFilters {
  /** Only the newest N runs (after the other filters). */
  last?: number;
  /** Only this scenario: its name, or "name[variant]". */
  scenario?: string;
  /** Only runs started at or after this instant. */
  since?: Date;
}

export interface TrendPoint {
  runId: string;
  startedAt: string;
  /** null: the run did not measure it. */
  value: number | null;
  /** For an SLO: its verdict in that run. */
  verdict?: Verdict;
  /** For an SLO: its target in that run (targets can change between runs). */
  target?: number;
  href: string;
}

export interface TrendChange {
  /** Index into the series' points of the first run after the change. */
  pointIndex: number;
  runId: string;
  startedAt: string;
  meanBefore: number;
  meanAfter: number;
  /** meanAfter / meanBefore - 1; null when meanBefore is 0. */
  relativeChange: number | null;
  pValue: number;
  /** Worse, better or neither (a figure with no better direction never is). */
  direction: "worse" | "better";
}

export interface TrendSeries extends MetricIdentity {
  objective?: string;
  points: TrendPoint[];
  changes: TrendChange[];
  /** The newest measured value, and the run it is from. */
  last: { value: number; runId: string } | null;
}

export interface Trend {
  runs: { runId: string; startedAt: string; verdict: HistoryEntry["verdict"]; href: string }[];
  filters: { last?: number; scenario?: string; since?: string };
  /** How change points were found, in one sentence for the page. */
  method: string;
  series: TrendSeries[];
}

/**
 * The measured metrics a trend charts (besides every SLO): latency p50/p99 per server x tool,
 * throughput, success rate, availability, coordination latency, cache hit ratio, RTO, lost writes.
 * p95 and mean stay in `compare`: one chart per figure is already many.
 */
const KEY_METRIC = /^(latency\.p50|latency\.p99|throughput|success_rate|availability|coordination_latency\.(p50|p99)|cache_hit_ratio|rto|lost_writes)$/;

export const TREND_METHOD =
  `Change points: E-divisive means as Apache Otava finds them (windows of ${OTAVA_DEFAULTS.windowLength} runs, ` +
  `Student t-test p <= ${OTAVA_DEFAULTS.maxPValue} after the merge step), on the runs that measured the figure.`;

/** Runs kept by the filters, oldest first. */
export function filterRuns(runs: readonly TrendRun[], filters: TrendFilters): TrendRun[] {
  let kept = [...runs].sort((a, b) => a.entry.startedAt.localeCompare(b.entry.startedAt));
  const since = filters.since;
  if (since !== undefined) kept = kept.filter((r) => Date.parse(r.entry.startedAt) >= since.getTime());
  const scenario = filters.scenario;
  if (scenario !== undefined) kept = kept.filter((r) => r.metrics.some((m) => matchesScenario(m.scenario, scenario)));
  if (filters.last !== undefined) kept = kept.slice(Math.max(0, kept.length - filters.last));
  return kept;
}

/** "name" matches "name" and every "name[variant]"; "name[variant]" matches only itself. */
export function matchesScenario(seriesScenario: string, wanted: string): boolean {
  return seriesScenario === wanted || (!wanted.includes("[") && seriesScenario.startsWith(`${wanted}[`));
}

export function buildTrend(allRuns: readonly TrendRun[], filters: TrendFilters = {}): Trend {
  const runs = filterRuns(allRuns, filters);
  const byKey = new Map<string, { first: MetricValue; values: (MetricValue | undefined)[] }>();
  runs.forEach((run, i) => {
    for (const m of run.metrics) {
      if (filters.scenario !== undefined && !matchesScenario(m.scenario, filters.scenario)) continue;
      if (m.source === "metric" && !KEY_METRIC.test(m.metric)) continue;
      let series = byKey.get(m.key);
      if (series === undefined) {
        series = { first: m, values: new Array(runs.length).fill(undefined) };
        byKey.set(m.key, series);
      }
      series.values[i] = m;
    }
  });
  const series = [...byKey.values()].map(({ first, values }) => {
    const newest = [...values].reverse().find((v) => v !== undefined) ?? first;
    const points: TrendPoint[] = runs.map((run, i) => {
      const v = values[i];
      const point: TrendPoint = { runId: run.entry.runId, startedAt: run.entry.startedAt, value: v?.value ?? null, href: run.reportHref };
      if (v?.verdict !== undefined) point.verdict = v.verdict;
      if (v?.target !== undefined) point.target = v.target;
      return point;
    });
    const measured = points.flatMap((p, i) => (p.value === null ? [] : [{ i, value: p.value }]));
    // Only runs that measured the figure: a run without it is no evidence either way.
    const changes = detectChangePoints(measured.map((m) => m.value)).map((cp) => changeOf(cp, measured[cp.index]!.i, points, newest.better));
    const lastMeasured = measured[measured.length - 1];
    const out: TrendSeries = {
      key: newest.key,
      scenario: newest.scenario,
      source: newest.source,
      metric: newest.metric,
      title: newest.title,
      unit: newest.unit,
      better: newest.better,
      points,
      changes,
      last: lastMeasured === undefined ? null : { value: lastMeasured.value, runId: points[lastMeasured.i]!.runId },
    };
    if (newest.server !== undefined) out.server = newest.server;
    if (newest.tool !== undefined) out.tool = newest.tool;
    if (newest.objective !== undefined) out.objective = newest.objective;
    return out;
  });
  // Per scenario, SLOs first, then metrics, each in a stable order.
  series.sort((a, b) => a.scenario.localeCompare(b.scenario) || (a.source === b.source ? 0 : a.source === "slo" ? -1 : 1) || a.key.localeCompare(b.key));
  const applied: Trend["filters"] = {};
  if (filters.last !== undefined) applied.last = filters.last;
  if (filters.scenario !== undefined) applied.scenario = filters.scenario;
  if (filters.since !== undefined) applied.since = filters.since.toISOString();
  return {
    runs: runs.map((r) => ({ runId: r.entry.runId, startedAt: r.entry.startedAt, verdict: r.entry.verdict, href: r.reportHref })),
    filters: applied,
    method: TREND_METHOD,
    series,
  };
}

function changeOf(cp: ChangePoint, pointIndex: number, points: TrendPoint[], better: MetricValue["better"]): TrendChange {
  const up = cp.meanAfter > cp.meanBefore;
  return {
    pointIndex,
    runId: points[pointIndex]!.runId,
    startedAt: points[pointIndex]!.startedAt,
    meanBefore: cp.meanBefore,
    meanAfter: cp.meanAfter,
    relativeChange: cp.meanBefore === 0 ? null : cp.relativeChange,
    pValue: cp.pValue,
    direction: up === (better === "higher") ? "better" : "worse",
  };
}

/** "+12.5 %" / "-3 %" / "from 0" */
export function changeText(change: TrendChange): string {
  if (change.relativeChange === null) return "from 0";
  const pct = change.relativeChange * 100;
  const rounded = Math.abs(pct) >= 10 ? pct.toFixed(0) : pct.toFixed(1);
  return `${pct >= 0 ? "+" : ""}${rounded} %`;
}
