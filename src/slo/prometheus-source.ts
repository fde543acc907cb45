/**
 * SLO measurements read back from Prometheus, for load that ran elsewhere:
 * k6 scripts under the k6 operator on Kubernetes, their results sent with
 * k6's remote-write output (`k6 run -o experimental-prometheus-rw`). The same
 * verdict rules as for in-process samples apply (src/slo/evaluate.ts).
 *
 * What k6 v1.4.2 writes (checked against a real Prometheus, see
 * prometheus-source.integration.test.ts): every metric gets the prefix `k6_`,
 * every tag becomes a label (`scenario`, `method`, `status`, `url`, `name`,
 * `expected_response`, and the script's own, here `server`, `tool`, `outcome`).
 *  - Counters: `k6_<name>_total` (k6_http_reqs_total, k6_iterations_total,
 *    k6_dropped_iterations_total, a custom Counter("mcp_calls") -> k6_mcp_calls_total).
 *  - Rates: `k6_<name>_rate` (k6_checks_rate, k6_http_req_failed_rate). Gauges: `k6_<name>` (k6_vus).
 *  - Trends, by default: one gauge per K6_PROMETHEUS_RW_TREND_STATS entry
 *    (default "p(99)"): `k6_http_req_duration_p99`, in seconds, computed by k6
 *    over everything since it started. Point estimates: no verdict can rest on them.
 *  - Trends with K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true (Prometheus
 *    needs --enable-feature=native-histograms): one native histogram per series,
 *    `k6_<name>_seconds` for time trends (k6_http_req_duration_seconds), cumulative
 *    since k6 started.
 * Remote write needs Prometheus' --web.enable-remote-write-receiver.
 *
 * How the figures are formed, for a window [from, to]:
 *  - Every series' samples over [from - lookback, to] are fetched raw; the
 *    increase over the window is its last sample at `to` minus its last
 *    sample at or before `from` (none: zero), with counter resets (a restarted
 *    k6) detected sample by sample. Exact integers, no extrapolation, unlike
 *    PromQL's increase().
 *  - Percentiles: m = samples in buckets lying wholly below the target (never
 *    interpolated inside a bucket, unlike histogram_fraction, so m never
 *    flatters the server), n = histogram count; then the Wilson rule. The
 *    percentile printed beside the verdict is the upper bound of the bucket it
 *    falls into. With trend stats only, every latency verdict is inconclusive.
 *  - Mean: histogram sum / count, its spread bounded from above by the bucket
 *    bounds (a wider interval, never a narrower one). Max: the bounds of the
 *    highest non-empty bucket.
 *  - Calls: the calls counter split by `outcome` ("ok" is ok), or, without that
 *    label, by k6's `expected_response` ("true" is ok), or by `status` (2xx/3xx).
 *    Latency counts series whose outcome is "ok" or "timeout" (as in-process), or
 *    all series when there is no outcome label.
 *  - Throughput: ok calls over the window; k6_dropped_iterations_total growing
 *    in the window marks the generator as the limit.
 * Scope: `server` and `tool` labels (names configurable).
 */
import { evaluateSlos, type LatencyCounts, type Measurements, type Scope } from "./evaluate.js";
import type { ResolvedSlo } from "../config/load-scenario.js";
import type { SloResult } from "../results/types.js";
import { HarnessError } from "../errors.js";

export interface PrometheusSourceOptions {
  /** Base URL, e.g. http://127.0.0.1:9090 */
  url: string;
  fromMs: number;
  toMs: number;
  /** Native histogram of latency in seconds (default k6_mcp_call_duration_seconds, the Trend mcp_call_duration of scenarios/k6/mcp-streamable-http.js; k6_http_req_duration_seconds for plain HTTP). */
  latencyMetric?: string;
  /** Counter of calls carrying an outcome (default k6_mcp_calls_total, the script's Counter mcp_calls; or k6_http_reqs_total). */
  callsMetric?: string;
  /** Extra label matchers for every query, e.g. `testid="nightly-42"` (no braces). */
  matchers?: string;
  labels?: { server?: string; tool?: string; outcome?: string };
  /** How far before `from` to look for the baseline sample (default 5 min, Prometheus' lookback). */
  lookbackMs?: number;
  fetch?: typeof fetch;
}

type Labels = Record<string, string>;
interface Bucket { lo: number; hi: number; count: number }
interface HistogramDelta { count: number; sum: number; buckets: Bucket[] }
interface RawHistogram { count: string; sum: string; buckets?: [number, string, string, string][] }
interface MatrixSeries { metric: Labels; values?: [number, string][]; histograms?: [number, RawHistogram][] }

/** Families this source can measure; the others get an inconclusive verdict saying so. */
export const PROMETHEUS_FAMILIES = new Set(["latency", "success_rate", "availability", "error_rate", "throughput"]);

const TREND_STAT_SUFFIX: Record<number, string> = { 50: "med", 90: "p90", 95: "p95", 99: "p99", 99.9: "p999" };

async function queryMatrix(opts: PrometheusSourceOptions, selector: string, rangeMs: number): Promise<MatrixSeries[]> {
  const f = opts.fetch ?? fetch;
  const body = new URLSearchParams({ query: `${selector}[${Math.ceil(rangeMs / 1000)}s]`, time: String(opts.toMs / 1000) });
  const url = `${opts.url.replace(/\/+$/, "")}/api/v1/query`;
  let res: Response;
  try {
    res = await f(url, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" }, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new HarnessError("environment", `Prometheus at ${opts.url} did not answer: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const json = (await res.json().catch(() => undefined)) as { status?: string; error?: string; data?: { resultType: string; result: MatrixSeries[] } } | undefined;
  if (!res.ok || json?.status !== "success" || !json.data) {
    throw new HarnessError("environment", `Prometheus query ${body.get("query")} failed: HTTP ${res.status}${json?.error ? `: ${json.error}` : ""}`);
  }
  return json.data.result;
}

function selectorOf(name: string, matchers: string | undefined): string {
  return `${name}{${matchers ?? ""}}`;
}

/** Increase of a float counter over (from, to], resets detected. */
function counterIncrease(values: readonly [number, string][], fromS: number): number {
  let prev = 0;
  let total = 0;
  for (const [t, v] of values) {
    const x = Number(v);
    if (t <= fromS) {
      prev = x;
      continue;
    }
    total += x >= prev ? x - prev : x;
    prev = x;
  }
  return total;
}

function parseHistogram(h: RawHistogram): HistogramDelta {
  return {
    count: Number(h.count),
    sum: Number(h.sum),
    buckets: (h.buckets ?? []).map(([, lo, hi, c]) => ({ lo: Number(lo), hi: Number(hi), count: Number(c) })),
  };
}

function minus(a: HistogramDelta, b: HistogramDelta): HistogramDelta | undefined {
  if (a.count < b.count) return undefined;
  const before = new Map(b.buckets.map((x) => [`${x.lo}|${x.hi}`, x.count]));
  const buckets: Bucket[] = [];
  for (const x of a.buckets) {
    const d = x.count - (before.get(`${x.lo}|${x.hi}`) ?? 0);
    if (d < 0) return undefined;
    if (d > 0) buckets.push({ ...x, count: d });
  }
  return { count: a.count - b.count, sum: a.sum - b.sum, buckets };
}

/** Increase of a native histogram over (from, to], per bucket, resets detected. */
function histogramIncrease(samples: readonly [number, RawHistogram][], fromS: number): HistogramDelta {
  let prev: HistogramDelta = { count: 0, sum: 0, buckets: [] };
  const total: HistogramDelta = { count: 0, sum: 0, buckets: [] };
  for (const [t, raw] of samples) {
    const h = parseHistogram(raw);
    if (t > fromS) {
      const d = minus(h, prev) ?? h; // a reset: everything since is new
      total.count += d.count;
      total.sum += d.sum;
      total.buckets.push(...d.buckets);
    }
    prev = h;
  }
  return total;
}

function isOk(labels: Labels, outcomeLabel: string): boolean | undefined {
  const outcome = labels[outcomeLabel];
  if (outcome !== undefined) return outcome === "ok";
  if (labels.expected_response !== undefined) return labels.expected_response === "true";
  if (labels.status !== undefined) return /^[23]\d\d$/.test(labels.status);
  return undefined;
}

/** Latency counts from native-histogram increases, all figures conservative. */
export function countsFromHistogram(h: HistogramDelta): LatencyCounts {
  const buckets = h.buckets.filter((b) => b.count > 0).map((b) => ({ lo: b.lo * 1000, hi: b.hi * 1000, count: b.count }));
  buckets.sort((a, b) => a.hi - b.hi || a.lo - b.lo);
  const n = h.count;
  const meanMs = n > 0 ? (h.sum * 1000) / n : 0;
  let spread = 0;
  for (const b of buckets) spread += b.count * Math.max((b.lo - meanMs) ** 2, (b.hi - meanMs) ** 2);
  const top = buckets.reduce<(typeof buckets)[number] | undefined>((a, b) => (a === undefined || b.hi > a.hi ? b : a), undefined);
  return {
    kind: "counts",
    totalCount: n,
    countBelow: (thresholdMs, inclusive) => buckets.reduce((s, b) => s + ((inclusive ? b.hi <= thresholdMs : b.hi < thresholdMs) ? b.count : 0), 0),
    percentileMs: (percentile) => {
      if (n === 0) return undefined;
      const want = (percentile / 100) * n;
      let seen = 0;
      for (const b of buckets) {
        seen += b.count;
        if (seen >= want) return b.hi;
      }
      return buckets.at(-1)?.hi;
    },
    mean: n > 1 ? { ms: meanMs, stdDevMs: Math.sqrt(spread / (n - 1)) } : undefined,
    max: top ? { lowMs: Math.max(0, top.lo), highMs: top.hi } : undefined,
  };
}

interface Series<T> { labels: Labels; value: T }

/** Everything fetched once; answers the evaluator's questions from memory. */
export class PrometheusMeasurements implements Measurements {
  readonly servers: readonly string[];

  constructor(
    private readonly opts: PrometheusSourceOptions,
    private readonly calls_: Series<number>[],
    private readonly histograms: Series<HistogramDelta>[],
    private readonly trendStats: Series<number>[],
    private readonly dropped: number,
  ) {
    const serverLabel = opts.labels?.server ?? "server";
    const names = new Set<string>();
    for (const s of calls_) if (s.value > 0 && s.labels[serverLabel] !== undefined) names.add(s.labels[serverLabel]);
    for (const s of histograms) if (s.value.count > 0 && s.labels[serverLabel] !== undefined) names.add(s.labels[serverLabel]);
    this.servers = [...names].sort();
  }

  get windowMs(): number {
    return this.opts.toMs - this.opts.fromMs;
  }

  private inScope(labels: Labels, scope: Scope): boolean {
    const l = this.opts.labels ?? {};
    if (scope.server !== undefined && labels[l.server ?? "server"] !== scope.server) return false;
    if (scope.tool !== undefined && labels[l.tool ?? "tool"] !== scope.tool) return false;
    return true;
  }

  latency(scope: Scope): LatencyCounts {
    const outcomeLabel = this.opts.labels?.outcome ?? "outcome";
    const series = this.histograms.filter((s) => this.inScope(s.labels, scope) && ["ok", "timeout", undefined].includes(s.labels[outcomeLabel]));
    if (series.length > 0 || this.trendStats.length === 0) {
      const merged: HistogramDelta = { count: 0, sum: 0, buckets: [] };
      for (const s of series) {
        merged.count += s.value.count;
        merged.sum += s.value.sum;
        merged.buckets.push(...s.value.buckets);
      }
      return countsFromHistogram(merged);
    }
    // Trend stats only: a point estimate per series, over k6's whole run, not the window.
    const stats = this.trendStats.filter((s) => this.inScope(s.labels, scope));
    const latencyMetric = this.opts.latencyMetric ?? "k6_mcp_call_duration_seconds";
    const base = latencyMetric.replace(/_seconds$/, "");
    const names = new Set(stats.map((s) => s.labels.__name__));
    return {
      kind: "counts",
      // k6 writes no sample count beside its trend stats; the calls counter stands in for it, for the report only.
      totalCount: this.calls(scope).ok + this.calls(scope).failed,
      countBelow: () => undefined,
      percentileMs: (percentile) => {
        const suffix = TREND_STAT_SUFFIX[percentile] ?? `p${String(percentile).replace(".", "")}`;
        const hits = stats.filter((s) => s.labels.__name__ === `${base}_${suffix}`);
        return hits.length === 1 ? hits[0]!.value * 1000 : undefined;
      },
      mean: undefined,
      max: undefined,
      limitation: `${latencyMetric} is not a native histogram in Prometheus (k6 wrote trend stats only: ${[...names].sort().join(", ") || "none"}); run k6 with K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true and Prometheus with --enable-feature=native-histograms`,
    };
  }

  calls(scope: Scope): { ok: number; failed: number } {
    let ok = 0;
    let failed = 0;
    const outcomeLabel = this.opts.labels?.outcome ?? "outcome";
    for (const s of this.calls_) {
      if (!this.inScope(s.labels, scope)) continue;
      if (isOk(s.labels, outcomeLabel)) ok += s.value;
      else failed += s.value;
    }
    return { ok: Math.round(ok), failed: Math.round(failed) };
  }

  throughput(scope: Scope): { okCalls: number; windowMs: number; generatorLimit: string | undefined } {
    return {
      okCalls: this.calls(scope).ok,
      windowMs: this.windowMs,
      generatorLimit: this.dropped > 0 ? `k6 dropped ${this.dropped} iterations in the window (k6_dropped_iterations_total): it could not keep the arrival rate` : undefined,
    };
  }

  coordination(): undefined {
    return undefined;
  }
  cache(): undefined {
    return undefined;
  }
  concurrentAgents(): undefined {
    return undefined;
  }
  peakConcurrency(): { peak: number; failed: number } {
    return { peak: 0, failed: 0 };
  }
  startTimeMs(): undefined {
    return undefined;
  }
  standIn(): boolean {
    return false;
  }
}

/** Fetches the window's series once and returns measurements over them. */
export async function prometheusMeasurements(opts: PrometheusSourceOptions): Promise<PrometheusMeasurements> {
  if (!(opts.toMs > opts.fromMs)) throw new HarnessError("invalid_input", `the window must end after it starts (from ${new Date(opts.fromMs).toISOString()}, to ${new Date(opts.toMs).toISOString()})`);
  const latencyMetric = opts.latencyMetric ?? "k6_mcp_call_duration_seconds";
  const callsMetric = opts.callsMetric ?? "k6_mcp_calls_total";
  for (const [flag, name] of [["latency metric", latencyMetric], ["calls metric", callsMetric]]) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name!)) throw new HarnessError("invalid_input", `${flag}: ${JSON.stringify(name)} is not a Prometheus metric name`);
  }
  const rangeMs = opts.toMs - opts.fromMs + (opts.lookbackMs ?? 300_000);
  const fromS = opts.fromMs / 1000;
  const base = latencyMetric.replace(/_seconds$/, "");
  const [callSeries, latencySeries, trendSeries, droppedSeries] = await Promise.all([
    queryMatrix(opts, selectorOf(callsMetric, opts.matchers), rangeMs),
    queryMatrix(opts, selectorOf(latencyMetric, opts.matchers), rangeMs),
    queryMatrix(opts, `{__name__=~"${base}_(p[0-9]+|med|avg|min|max)"${opts.matchers ? `,${opts.matchers}` : ""}}`, rangeMs),
    queryMatrix(opts, selectorOf("k6_dropped_iterations_total", opts.matchers), rangeMs),
  ]);
  const outcomeLabel = opts.labels?.outcome ?? "outcome";
  const unclassified = callSeries.filter((s) => isOk(s.metric, outcomeLabel) === undefined);
  if (unclassified.length > 0) {
    throw new HarnessError("invalid_input", `${callsMetric}: ${unclassified.length} series carry no ${outcomeLabel}, expected_response or status label, so ok and failed calls cannot be told apart`, {
      details: unclassified.slice(0, 3).map((s) => JSON.stringify(s.metric)),
    });
  }
  const calls = callSeries.map((s) => ({ labels: s.metric, value: counterIncrease(s.values ?? [], fromS) }));
  const histograms = latencySeries.filter((s) => s.histograms?.length).map((s) => ({ labels: s.metric, value: histogramIncrease(s.histograms!, fromS) }));
  const trendStats = trendSeries
    .filter((s) => s.values?.some(([t]) => t > fromS))
    .map((s) => ({ labels: s.metric, value: Number(s.values!.at(-1)![1]) }));
  const dropped = droppedSeries.reduce((a, s) => a + counterIncrease(s.values ?? [], fromS), 0);
  return new PrometheusMeasurements(opts, calls, histograms, trendStats, Math.round(dropped));
}

/** The scenario's SLOs judged from Prometheus; families it cannot measure are inconclusive, saying why. */
export function evaluateFromPrometheus(slos: readonly ResolvedSlo[], m: PrometheusMeasurements): SloResult[] {
  return slos.flatMap((slo) => {
    const results = evaluateSlos([slo], m);
    if (PROMETHEUS_FAMILIES.has(slo.metric.family)) return results;
    return results.map((r) => ({
      ...r,
      measured: null,
      measuredText: "not measured",
      samples: 0,
      interval: null,
      margin: null,
      marginText: "",
      verdict: "inconclusive" as const,
      reason: `${slo.metric.family.replace(/_/g, " ")} is not measured from Prometheus (k6 remote-write): only latency, success rate, availability, error rate and throughput are`,
    }));
  });
}
