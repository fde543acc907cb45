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
 *    sample at or before `from` (none: zero). Exact integers, no
 *    extrapolation, unlike PromQL's increase(). When k6's heartbeat (k6_vus)
 *    shows a run already writing at the start of what was fetched, the fetch
 *    reaches further back (up to a day), so a rare series' value at `from`
 *    is never missed.
 *  - Before any count is used, src/slo/prometheus-integrity.ts checks what
 *    breaks it: a series that goes down (two k6 writing the same labels, or
 *    a restarted one), a sample before `from` from an earlier run with the
 *    same labels, calls counter and latency histogram disagreeing, k6's
 *    heartbeat silent inside the window or written by two processes at once,
 *    and remote writes Prometheus rejected (its own counters, read through its
 *    self-scrape or /metrics). Each finding is a warning naming the series;
 *    the verdicts resting on counts in its scope are inconclusive.
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
import {
  checkBaseline,
  checkHeartbeatGaps,
  checkHeartbeatWriters,
  checkMismatch,
  counterDecreases,
  decreaseProblem,
  heartbeatsOf,
  labelsCover,
  problemPhrase,
  rejectedProblem,
  runSpans,
  warningLines,
  type CountProblem,
  type Heartbeat,
  type Labels,
  type RejectedWrites,
} from "./prometheus-integrity.js";
import type { ResolvedSlo } from "../contracts/plan.js";
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
  /** How far before `from` to look for the baseline sample (default 5 min, Prometheus' lookback); extended while k6's heartbeat shows a run spanning it. */
  lookbackMs?: number;
  /** The time of evaluation (default now): how recent Prometheus's own counters of rejected writes are. */
  nowMs?: number;
  fetch?: typeof fetch;
}

interface Bucket {
  lo: number;
  hi: number;
  count: number;
}
interface HistogramDelta {
  count: number;
  sum: number;
  buckets: Bucket[];
}
interface RawHistogram {
  count: string;
  sum: string;
  buckets?: [number, string, string, string][];
}
interface MatrixSeries {
  metric: Labels;
  values?: [number, string][];
  histograms?: [number, RawHistogram][];
}

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
  const json = (await res.json().catch(() => undefined)) as
    | { status?: string; error?: string; data?: { resultType: string; result: MatrixSeries[] } }
    | undefined;
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

/**
 * Increase of a native histogram over (from, to], per bucket. A sample whose count or any bucket
 * is below the one before is listed as a decrease: one k6 never writes one (its histograms only
 * grow), two writing the same labels do, and reading such a drop as a reset would count the
 * other writer's calls again.
 */
function histogramIncrease(samples: readonly [number, RawHistogram][], fromS: number): { delta: HistogramDelta; decreases: { t: number; what: string }[] } {
  let prev: HistogramDelta = { count: 0, sum: 0, buckets: [] };
  const total: HistogramDelta = { count: 0, sum: 0, buckets: [] };
  const decreases: { t: number; what: string }[] = [];
  for (const [t, raw] of samples) {
    const h = parseHistogram(raw);
    if (t > fromS) {
      const d = minus(h, prev);
      if (d === undefined) {
        decreases.push({
          t,
          what: h.count < prev.count ? `count ${prev.count} to ${h.count}` : `a bucket fell while the count went from ${prev.count} to ${h.count}`,
        });
      } else {
        total.count += d.count;
        total.sum += d.sum;
        total.buckets.push(...d.buckets);
      }
    }
    prev = h;
  }
  return { delta: total, decreases };
}

/** The last sample at or before `fromS` and the first after it. */
function around<T>(
  samples: readonly (readonly [number, T])[],
  fromS: number,
): { baseline: readonly [number, T] | undefined; first: readonly [number, T] | undefined } {
  let baseline: readonly [number, T] | undefined;
  for (const x of samples) {
    if (x[0] > fromS) return { baseline, first: x };
    baseline = x;
  }
  return { baseline, first: undefined };
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

interface Series<T> {
  labels: Labels;
  value: T;
}

/** Everything fetched once; answers the evaluator's questions from memory. */
export class PrometheusMeasurements implements Measurements {
  readonly servers: readonly string[];

  constructor(
    private readonly opts: PrometheusSourceOptions,
    private readonly calls_: Series<number>[],
    private readonly histograms: Series<HistogramDelta>[],
    private readonly trendStats: Series<number>[],
    private readonly dropped: number,
    /** What breaks the counts (src/slo/prometheus-integrity.ts); empty when nothing was found. */
    readonly problems: readonly CountProblem[] = [],
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

  /** One line per kind of problem found, naming the series: for the notes and the terminal. */
  warnings(): string[] {
    return warningLines(this.problems);
  }

  /**
   * The problems that break the counts a verdict of this scope rests on: those concerning every
   * series, and those whose series' labels a calls or latency series in scope carries.
   */
  problemsIn(scope: Scope): CountProblem[] {
    const inScope = [...this.calls_, ...this.histograms].filter((s) => this.inScope(s.labels, scope)).map((s) => s.labels);
    return this.problems.filter((p) => p.breaksCounts && (p.series === undefined || inScope.some((labels) => labelsCover(labels, p.series!))));
  }

  private inScope(labels: Labels, scope: Scope): boolean {
    const l = this.opts.labels ?? {};
    if (scope.server !== undefined && labels[l.server ?? "server"] !== scope.server) return false;
    if (scope.tool !== undefined && labels[l.tool ?? "tool"] !== scope.tool) return false;
    // A method scope (issue 19) needs series that say their method; without such a label nothing is in scope (no data, not a wrong figure).
    if (scope.method !== undefined && labels.method !== scope.method) return false;
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
      generatorLimit:
        this.dropped > 0 ? `k6 dropped ${this.dropped} iterations in the window (k6_dropped_iterations_total): it could not keep the arrival rate` : undefined,
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

/** Fetching further back than this for a run's start would read a day of samples: the window starts too far into a run. */
const MAX_LOOKBACK_MS = 24 * 3600_000;
/** Each step back multiplies the lookback by this (bounded by MAX_LOOKBACK_MS: at most 5 steps from 5 min). */
const LOOKBACK_STEP = 4;
/**
 * Prometheus counts a rejected write when it arrives, and its self-scrape sees the count up to a
 * scrape interval later (1 min at most, usually): rejections are read up to this long after --to.
 * (A k6 pushes its last samples when it stops, before --to if the window covers the run.)
 */
const REJECTION_GRACE_MS = 120_000;

const REJECTED_SAMPLES = "prometheus_tsdb_(?:out_of_order|out_of_bound|too_old)_samples_total";
const REJECTED_SELECTOR = `{__name__=~"${REJECTED_SAMPLES}"}`;
const REJECTED_REQUESTS_SELECTOR = 'prometheus_http_requests_total{handler="/api/v1/write",code!~"2.."}';

/** The metric's own labels: what a self-scrape adds (job, instance) left out, to match /metrics lines. */
function ownKey(labels: Labels): string {
  const { job: _job, instance: _instance, ...own } = labels;
  return JSON.stringify(
    Object.keys(own)
      .sort()
      .map((k) => [k, own[k]]),
  );
}

/**
 * The counters of rejected samples and requests from Prometheus's /metrics (its totals since it
 * started). A small reader for the few lines needed: `name{a="b",...} value`; label values here
 * are Prometheus's own (type, handler, code), never escaped text.
 */
async function rejectedFromMetricsPage(opts: PrometheusSourceOptions): Promise<Series<number>[] | undefined> {
  const f = opts.fetch ?? fetch;
  let text: string;
  try {
    const res = await f(`${opts.url.replace(/\/+$/, "")}/metrics`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return undefined;
    text = await res.text();
  } catch {
    return undefined;
  }
  const out: Series<number>[] = [];
  const wanted = new RegExp(`^(${REJECTED_SAMPLES}|prometheus_http_requests_total)(?:\\{([^}]*)\\})? (\\S+)`);
  for (const line of text.split("\n")) {
    const m = wanted.exec(line);
    if (!m) continue;
    const labels: Labels = { __name__: m[1]! };
    for (const pair of (m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1]!] = pair[2]!;
    if (labels.__name__ === "prometheus_http_requests_total" && (labels.handler !== "/api/v1/write" || /^2/.test(labels.code ?? ""))) continue;
    out.push({ labels, value: Number(m[3]) });
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Samples Prometheus rejected over the window: the increase of its own counters from --from to
 * --to plus a grace, read from its self-scrape (any job scraping it), the end value taken from
 * /metrics while that is still current. Without a self-scrape, /metrics' totals since it started;
 * without either, undefined (not checked).
 */
async function rejectedWrites(opts: PrometheusSourceOptions, fromS: number, rangeMs: number): Promise<{ rejected: RejectedWrites | undefined; endS: number }> {
  const nowMs = opts.nowMs ?? Date.now();
  const endMs = Math.min(nowMs, opts.toMs + REJECTION_GRACE_MS);
  const at = { ...opts, toMs: endMs };
  const span = rangeMs + (endMs - opts.toMs);
  const [samples, requests, page] = await Promise.all([
    queryMatrix(at, REJECTED_SELECTOR, span),
    queryMatrix(at, REJECTED_REQUESTS_SELECTOR, span),
    // Totals as of now: they describe the window only while now is within the grace.
    nowMs <= opts.toMs + REJECTION_GRACE_MS ? rejectedFromMetricsPage(opts) : Promise.resolve(undefined),
  ]);
  const scraped = [...samples, ...requests].filter((s) => s.values?.length);
  const endS = endMs / 1000;
  if (scraped.length === 0) {
    return {
      rejected: page ? { increases: page.map((p) => ({ series: p.labels, increase: p.value })), source: `${opts.url}/metrics`, localized: false } : undefined,
      endS,
    };
  }
  const current = new Map((page ?? []).map((p) => [ownKey(p.labels), p.value]));
  const increases = scraped.map((s) => {
    const values = s.values!.map(([t, v]) => [t, Number(v)] as const);
    const { baseline } = around(values, fromS);
    const lastScraped = values.at(-1)![1];
    const end = Math.max(lastScraped, current.get(ownKey(s.metric)) ?? lastScraped);
    const start = baseline?.[1] ?? 0;
    // Prometheus restarted in between: everything it counted since is in the window.
    return { series: s.metric, increase: end >= start ? end - start : end };
  });
  return { rejected: { increases, source: `its self-scrape${page ? " and /metrics" : ""}`, localized: true }, endS };
}

/** k6's heartbeat: the vus gauge, written on every push, with the run's tags only. */
async function heartbeats(opts: PrometheusSourceOptions, rangeMs: number): Promise<Heartbeat[]> {
  const series = await queryMatrix(opts, selectorOf("k6_vus", opts.matchers), rangeMs);
  return series.filter((s) => s.values?.length).map((s) => ({ labels: s.metric, times: s.values!.map(([t]) => t) }));
}

/** Fetches the window's series once, checks what could break their counts, and returns measurements over them. */
export async function prometheusMeasurements(opts: PrometheusSourceOptions): Promise<PrometheusMeasurements> {
  if (!(opts.toMs > opts.fromMs))
    throw new HarnessError(
      "invalid_input",
      `the window must end after it starts (from ${new Date(opts.fromMs).toISOString()}, to ${new Date(opts.toMs).toISOString()})`,
    );
  const latencyMetric = opts.latencyMetric ?? "k6_mcp_call_duration_seconds";
  const callsMetric = opts.callsMetric ?? "k6_mcp_calls_total";
  for (const [flag, name] of [
    ["latency metric", latencyMetric],
    ["calls metric", callsMetric],
  ]) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name!)) throw new HarnessError("invalid_input", `${flag}: ${JSON.stringify(name)} is not a Prometheus metric name`);
  }
  const fromS = opts.fromMs / 1000;
  const toS = opts.toMs / 1000;
  const windowMs = opts.toMs - opts.fromMs;
  // Reach back to the start of any run still writing at --from: a series written rarely may have
  // its value at --from long before it. Bounded: at most log4(24 h / lookback) steps.
  let lookbackMs = opts.lookbackMs ?? 300_000;
  let beats = await heartbeats(opts, windowMs + lookbackMs);
  while (lookbackMs < MAX_LOOKBACK_MS && beats.some((h) => runSpans(h, fromS - lookbackMs / 1000, fromS))) {
    lookbackMs = Math.min(MAX_LOOKBACK_MS, lookbackMs * LOOKBACK_STEP);
    beats = await heartbeats(opts, windowMs + lookbackMs);
  }
  const startS = fromS - lookbackMs / 1000;
  const rangeMs = windowMs + lookbackMs;
  const base = latencyMetric.replace(/_seconds$/, "");
  const [callSeries, latencySeries, trendSeries, droppedSeries, rejection] = await Promise.all([
    queryMatrix(opts, selectorOf(callsMetric, opts.matchers), rangeMs),
    queryMatrix(opts, selectorOf(latencyMetric, opts.matchers), rangeMs),
    queryMatrix(opts, `{__name__=~"${base}_(p[0-9]+|med|avg|min|max)"${opts.matchers ? `,${opts.matchers}` : ""}}`, rangeMs),
    queryMatrix(opts, selectorOf("k6_dropped_iterations_total", opts.matchers), rangeMs),
    rejectedWrites(opts, fromS, rangeMs),
  ]);
  const outcomeLabel = opts.labels?.outcome ?? "outcome";
  const unclassified = callSeries.filter((s) => isOk(s.metric, outcomeLabel) === undefined);
  if (unclassified.length > 0) {
    throw new HarnessError(
      "invalid_input",
      `${callsMetric}: ${unclassified.length} series carry no ${outcomeLabel}, expected_response or status label, so ok and failed calls cannot be told apart`,
      {
        details: unclassified.slice(0, 3).map((s) => JSON.stringify(s.metric)),
      },
    );
  }

  const problems: CountProblem[] = [];
  /** Series whose increase is already known to be wrong: not compared with each other. */
  const broken = new Set<Labels>();
  const note = (p: CountProblem | undefined, labels?: Labels) => {
    if (!p) return;
    problems.push(p);
    if (labels) broken.add(labels);
  };
  const spansReach = (labels: Labels) => heartbeatsOf(labels, beats).some((h) => runSpans(h, startS, fromS));
  const reachProblem = (labels: Labels): CountProblem => ({
    kind: "out_of_reach",
    series: labels,
    detail: `its run was already writing ${Math.round(lookbackMs / 3600_000)} h before --from, so its value at --from may lie further back than was read`,
    breaksCounts: true,
  });

  const calls = callSeries.map((s) => {
    const values = s.values ?? [];
    const { baseline, first } = around(values, fromS);
    note(checkBaseline(s.metric, baseline, first, beats), s.metric);
    for (const d of counterDecreases(values, fromS).slice(0, 1)) note(decreaseProblem(s.metric, { t: d.t, what: `${d.from} to ${d.to}` }), s.metric);
    if (!baseline && first && spansReach(s.metric)) note(reachProblem(s.metric), s.metric);
    return { labels: s.metric, value: counterIncrease(values, fromS) };
  });
  const histograms = latencySeries
    .filter((s) => s.histograms?.length)
    .map((s) => {
      const { delta, decreases } = histogramIncrease(s.histograms!, fromS);
      const { baseline, first } = around(s.histograms!, fromS);
      note(checkBaseline(s.metric, baseline && [baseline[0], Number(baseline[1].count)], first && [first[0], Number(first[1].count)], beats), s.metric);
      for (const d of decreases.slice(0, 1)) note(decreaseProblem(s.metric, d), s.metric);
      if (!baseline && first && spansReach(s.metric)) note(reachProblem(s.metric), s.metric);
      return { labels: s.metric, value: delta };
    });
  for (const p of checkMismatch(
    calls.filter((c) => !broken.has(c.labels)).map((c) => ({ labels: c.labels, increase: c.value })),
    histograms.filter((h) => !broken.has(h.labels)).map((h) => ({ labels: h.labels, count: h.value.count })),
  )) {
    note(p);
  }
  for (const h of beats) {
    note(checkHeartbeatWriters(h, fromS, toS));
    note(checkHeartbeatGaps(h, fromS, toS));
  }
  note(rejectedProblem(rejection.rejected, fromS, rejection.endS));

  const trendStats = trendSeries.filter((s) => s.values?.some(([t]) => t > fromS)).map((s) => ({ labels: s.metric, value: Number(s.values!.at(-1)![1]) }));
  const dropped = droppedSeries.reduce((a, s) => a + counterIncrease(s.values ?? [], fromS), 0);
  return new PrometheusMeasurements(opts, calls, histograms, trendStats, Math.round(dropped), problems);
}

/**
 * The scenario's SLOs judged from Prometheus; families it cannot measure are inconclusive, saying
 * why, and so is every verdict resting on counts that the integrity checks found broken.
 */
export function evaluateFromPrometheus(slos: readonly ResolvedSlo[], m: PrometheusMeasurements): SloResult[] {
  return slos.flatMap((slo) => {
    const results = evaluateSlos([slo], m);
    if (PROMETHEUS_FAMILIES.has(slo.metric.family)) return results.map((r) => untrusted(r, m));
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

/** A verdict whose counts are broken: inconclusive, with no figure (a figure read from broken counts may be wrong). */
function untrusted(r: SloResult, m: PrometheusMeasurements): SloResult {
  const found = m.problemsIn(r.scope);
  if (found.length === 0) return r;
  const kinds = [...new Set(found.map((p) => problemPhrase(p.kind)))];
  return {
    ...r,
    measured: null,
    measuredText: "not measured (counts not trusted)",
    samples: 0,
    interval: null,
    margin: null,
    marginText: "",
    verdict: "inconclusive",
    reason: `the counts this verdict rests on cannot be trusted (${kinds.join("; ")}): see the warnings, which name the series`,
  };
}
