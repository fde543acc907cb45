/**
 * What the report's charts need beyond the run record itself, worked out once
 * at render time in Node and embedded beside it (#report-data): the numeric
 * target of every SLO a chart can show as a line, and percentile spectra from
 * the stored HDR histograms (decoding compressed histograms in the page would
 * mean inlining a second library; Node already has one).
 */
import { parseThreshold, type Comparator } from "../../contracts/units.js";
import { decodeHistogram, mergeInto, newHistogram, percentileMs, maxMs, type Histogram } from "../../metrics/histogram.js";
import type { RunRecord, ScenarioResult, SloResult, Verdict } from "../../results/types.js";

/** One SLO as a line on a chart, in the chart's unit (ms, ops/s, or a ratio 0..1). */
export interface ChartTarget {
  sloId: string;
  /** "latency.p99", "throughput", "coordination_latency.p50", "cache_hit_ratio", ... */
  metric: string;
  /** The server it is scoped to; absent for the whole scenario. */
  server?: string;
  op: Comparator;
  value: number;
  verdict: Verdict;
  /** e.g. "p99 < 25 ms" */
  label: string;
}

/** A percentile spectrum: latency at each percentile, from an HDR histogram. */
export interface Spectrum {
  name: string;
  count: number;
  /** `x` = 1 / (1 - percentile), so p50 is 2, p99 100, p99.9 1000 (the usual HDR plot); the max sits at x = count. */
  points: { percentile: number; x: number; ms: number }[];
  maxMs: number;
}

export interface ScenarioDerived {
  targets: ChartTarget[];
  /** One per server: ok calls and timeouts (a timeout at its deadline), as the latency verdicts count them. */
  spectra: Spectrum[];
  coordinationSpectrum: Spectrum | null;
  /** Histograms that could not be decoded: said on the page, never a silent gap. */
  problems: string[];
}

export interface ReportData {
  scenarios: ScenarioDerived[];
}

/**
 * The target of an SLO as a number in its unit, or undefined when the objective has none a chart
 * can draw. The operator comes from the objective text ("latency p99 < 25.0 ms"); the value is
 * measured ± margin when both are known (exact, the evaluator's own figure), else the objective's
 * number read back (rounded as printed).
 */
export function sloTarget(slo: SloResult): { op: Comparator; value: number } | undefined {
  const m = /(<=|>=|<|>)\s*\d.*$/.exec(slo.objective);
  if (!m) return undefined;
  const parsed = parseThreshold(m[0]);
  const op = (m[1] ?? "<") as Comparator;
  if (slo.measured !== null && slo.margin !== null && Number.isFinite(slo.measured) && Number.isFinite(slo.margin)) {
    const value = op === "<" || op === "<=" ? slo.measured + slo.margin : slo.measured - slo.margin;
    return { op, value };
  }
  if (!parsed) return undefined;
  return { op, value: parsed.value };
}

/** Metrics a chart of the report draws against. */
const CHARTED = /^(latency\.(p50|p95|p99|p99_9)|throughput|coordination_latency\.(p50|p95|p99|p99_9)|cache_hit_ratio)$/;

export function chartTargets(s: ScenarioResult): ChartTarget[] {
  const out: ChartTarget[] = [];
  for (const slo of s.slos) {
    // The charts draw a server's calls of every tool and method: a target of one tool or one method is not theirs.
    if (!CHARTED.test(slo.metric) || slo.scope.tool !== undefined || slo.scope.method !== undefined) continue;
    const t = sloTarget(slo);
    if (!t) continue;
    const label = slo.objective.replace(/^(latency|coordination latency|throughput|cache hit ratio)\s+/, "");
    out.push({
      sloId: slo.id,
      metric: slo.metric,
      ...(slo.scope.server !== undefined ? { server: slo.scope.server } : {}),
      op: t.op,
      value: t.value,
      verdict: slo.verdict,
      label,
    });
  }
  return out;
}

/** 1/8 of a decade per step: a smooth curve with few points. */
const STEPS_PER_DECADE = 8;

export function spectrumOf(name: string, h: Histogram): Spectrum | null {
  const count = h.totalCount;
  if (count === 0) return null;
  const points: Spectrum["points"] = [];
  // Beyond x = count a percentile says nothing more than the max does.
  for (let k = 0; k <= 7 * STEPS_PER_DECADE; k++) {
    const x = 10 ** (k / STEPS_PER_DECADE);
    if (x > count) break;
    const percentile = 100 * (1 - 1 / x);
    points.push({ percentile, x, ms: percentileMs(h, percentile) });
  }
  const max = maxMs(h);
  const last = points.at(-1);
  // The curve always ends at the slowest call, at x = count (a step up when the ladder ended there).
  if (!last || last.x < count || last.ms < max) points.push({ percentile: 100, x: count, ms: max });
  return { name, count, points, maxMs: max };
}

function decode(base64: string, what: string, problems: string[]): Histogram | undefined {
  try {
    return decodeHistogram(base64);
  } catch (error) {
    problems.push(`${what}: the stored histogram could not be decoded (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
}

export function scenarioDerived(s: ScenarioResult): ScenarioDerived {
  const problems: string[] = [];
  const byServer = new Map<string, Histogram>();
  for (const l of s.latency) {
    if (l.outcome === "error") continue;
    const h = decode(l.histogram, `${s.name}: latency of ${l.server} ${l.tool} (${l.outcome})`, problems);
    if (!h) continue;
    let merged = byServer.get(l.server);
    if (!merged) {
      merged = newHistogram();
      byServer.set(l.server, merged);
    }
    mergeInto(merged, h);
  }
  const spectra = [...byServer.entries()].flatMap(([server, h]) => spectrumOf(server, h) ?? []);
  const ch = s.coordination ? decode(s.coordination.histogram, `${s.name}: coordination latency`, problems) : undefined;
  return { targets: chartTargets(s), spectra, coordinationSpectrum: ch ? spectrumOf("coordination", ch) : null, problems };
}

export function reportData(run: RunRecord): ReportData {
  return { scenarios: run.scenarios.map(scenarioDerived) };
}
