/**
 * What can break the counts `mcp-slo evaluate` reads from Prometheus, detected from the raw
 * samples (pure: src/slo/prometheus-source.ts fetches, this module judges). A k6 run's counters and
 * native histograms are cumulative from the k6 process's start, so the increase over a window is
 * exact only when every sample of a series comes from one k6 process and the sample taken as the
 * window's start belongs to the same run. Labels are all Prometheus has to tell runs apart; when
 * two runs share them:
 *  - run at once (two runners with the same testid), their samples interleave in one series: the
 *    values jump between two counters (a "decrease"), a native histogram's buckets go down while
 *    its count goes up, Prometheus rejects whole remote-write requests whose timestamps collide
 *    (out of order, duplicate), and k6's heartbeat gets two samples per push instead of one;
 *  - one after the other (a rerun within the lookback), the earlier run's last sample sits before
 *    the window and would be taken as the new run's start, while k6's heartbeat shows that nothing
 *    was written between them.
 * Every finding becomes a problem naming the series; `breaksCounts` problems make the verdicts
 * that rest on the counts in their scope inconclusive (never a wrong total, never a pass or fail
 * built on one).
 *
 * The heartbeat: k6 emits its `vus` gauge every second from a ticker started with the test, with
 * the run's tags only (testid, the operator's instance_id, ...), and the remote-write output sends
 * it on every push (`k6_vus`). One k6 process therefore writes it at a steady cadence, about a
 * second apart or more.
 */

export type Labels = Record<string, string>;
/** A Prometheus sample: unix seconds, value. */
export type Point<T> = readonly [number, T];

export type ProblemKind = "earlier_run" | "out_of_reach" | "writers" | "mismatch" | "rejected" | "gap" | "unchecked";

export interface CountProblem {
  kind: ProblemKind;
  /** The series concerned; undefined when it concerns every series read. */
  series?: Labels;
  /** What was seen, one clause, for the reader. */
  detail: string;
  /** true: the counts in its scope cannot be trusted, so verdicts built on them are inconclusive; false: a caveat. */
  breaksCounts: boolean;
}

export interface Heartbeat {
  labels: Labels;
  /** Sample times, unix seconds, ascending. */
  times: number[];
}

/** `name{a="x",b="y"}`, label values quoted as JSON (so control characters never reach a terminal raw). */
export function seriesText(labels: Labels): string {
  const { __name__: name, ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`);
  return `${name ?? ""}{${pairs.join(",")}}`;
}

/** Every label of `sub` (but the name) has the same value in `labels`. */
export function labelsCover(labels: Labels, sub: Labels): boolean {
  return Object.entries(sub).every(([k, v]) => k === "__name__" || labels[k] === v);
}

function isoSeconds(t: number): string {
  return new Date(t * 1000).toISOString().replace(/\.\d+Z$/, "Z");
}

function secondsText(s: number): string {
  return s >= 10 ? `${Math.round(s)} s` : `${s.toFixed(1)} s`;
}

/**
 * The heartbeat's usual interval: its push interval (k6's default 5 s), as the lower median of the
 * gaps between its samples. Not the plain median: the silence being looked for is itself one of the
 * gaps, and a k6 starved of CPU pushes few times, so with three samples (a run that pushed once, a
 * rerun that pushed twice) the mean of the two middle gaps, (16 + 1) / 2, made a 16 s silence read as
 * the push interval and no rerun was found (seen in CI). The lower median is the silence only when
 * there is no other gap to compare it with.
 */
export function pushInterval(h: Heartbeat): number | undefined {
  const gaps: number[] = [];
  for (let i = 1; i < h.times.length; i++) gaps.push(h.times[i]! - h.times[i - 1]!);
  if (gaps.length === 0) return undefined;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor((gaps.length - 1) / 2)];
}

/**
 * Longer than this between two heartbeat samples, k6 wrote nothing: the run had ended (or had not
 * begun), or its writes were lost. Three push intervals, and at least 5 s more than one: a k6
 * starved of CPU for a few seconds on a loaded machine must not read as a new run.
 */
export function silenceThreshold(interval: number): number {
  return Math.max(3 * interval, interval + 5);
}

/**
 * The heartbeats of a data series' run: those whose labels it carries (the run's tags are on every
 * series of the run), the most specific only, so an untagged k6's heartbeat (no labels but the
 * name, carried by every series) is not taken for a tagged run's.
 */
export function heartbeatsOf(labels: Labels, heartbeats: readonly Heartbeat[]): Heartbeat[] {
  const covering = heartbeats.filter((h) => labelsCover(labels, h.labels));
  const size = (h: Heartbeat) => Object.keys(h.labels).length;
  return covering.filter((h) => !covering.some((inputs) => inputs !== h && size(inputs) > size(h) && labelsCover(inputs.labels, h.labels)));
}

/** The longest stretch without a heartbeat sample over [a, b]; undefined when the heartbeat does not reach both ends. */
function longestSilence(h: Heartbeat, a: number, b: number): { start: number; length: number } | undefined {
  const before = h.times.filter((t) => t <= a).at(-1);
  const after = h.times.find((t) => t >= b);
  if (before === undefined || after === undefined) return undefined;
  const inside = h.times.filter((t) => t >= before && t <= after);
  let worst = { start: before, length: 0 };
  for (let i = 1; i < inside.length; i++) {
    const length = inside[i]! - inside[i - 1]!;
    if (length > worst.length) worst = { start: inside[i - 1]!, length };
  }
  return worst;
}

/**
 * The heartbeat shows one run writing from `startS` (the start of what was fetched) through
 * `fromS` without a silence: the values of its series at --from may then lie before `startS`.
 */
export function runSpans(h: Heartbeat, startS: number, fromS: number): boolean {
  const interval = pushInterval(h);
  const first = h.times[0];
  if (interval === undefined || first === undefined) return false;
  const limit = silenceThreshold(interval);
  if (first - startS > limit) return false;
  const silence = longestSilence(h, first, fromS);
  return silence !== undefined && silence.length <= limit;
}

/**
 * A sample before the window is a valid start only if the same k6 process wrote it: the heartbeat
 * with the series' run labels must run without a silence from that sample to the series' first
 * sample in the window. Otherwise it belongs to an earlier run with the same labels (or cannot be
 * told apart from one), and the increase read from it would be short by that run's last value.
 */
export function checkBaseline(
  labels: Labels,
  baseline: Point<string | number> | undefined,
  firstInWindow: Point<string | number> | undefined,
  heartbeats: readonly Heartbeat[],
): CountProblem | undefined {
  if (baseline === undefined || firstInWindow === undefined) return undefined;
  const [tb, vb] = baseline;
  const value = typeof vb === "number" ? vb : Number(vb);
  const mine = heartbeatsOf(labels, heartbeats);
  const problem = (why: string): CountProblem => ({
    kind: "earlier_run",
    series: labels,
    detail: `its sample at ${isoSeconds(tb)} (value ${value}), before --from, would be this window's start, but ${why}`,
    breaksCounts: true,
  });
  if (mine.length === 0) return problem("no k6 heartbeat (k6_vus) with its labels shows whether the same k6 run wrote it");
  for (const h of mine) {
    const interval = pushInterval(h);
    const silence = longestSilence(h, tb, firstInWindow[0]);
    if (interval === undefined || silence === undefined) return problem("k6's heartbeat (k6_vus) does not cover the time between that sample and the window");
    if (silence.length > silenceThreshold(interval)) {
      return problem(
        `k6 wrote nothing for ${secondsText(silence.length)} after ${isoSeconds(silence.start)} (heartbeat k6_vus): it belongs to an earlier run with the same labels`,
      );
    }
  }
  return undefined;
}

/** Within one k6 process a counter never goes down: a decrease is a second writer or a restarted k6. Only decreases into the window count. */
export function counterDecreases(values: readonly Point<string>[], fromS: number): { t: number; from: number; to: number }[] {
  const out: { t: number; from: number; to: number }[] = [];
  let prev: number | undefined;
  for (const [t, v] of values) {
    const x = Number(v);
    if (prev !== undefined && x < prev && t > fromS) out.push({ t, from: prev, to: x });
    prev = x;
  }
  return out;
}

export function decreaseProblem(labels: Labels, d: { t: number; what: string }): CountProblem {
  return {
    kind: "writers",
    series: labels,
    detail: `it went down at ${isoSeconds(d.t)} (${d.what}): a second k6 writing the same labels, or a restarted one, so no increase can be read from it`,
    breaksCounts: true,
  };
}

/**
 * The calls counter and the latency histogram count the same calls (the script adds one to each
 * per call, in one push): their increases must agree per label set. The counter's labels are a
 * subset of its histograms' (failed calls' histograms also carry mcp_error).
 */
export function checkMismatch(
  counters: readonly { labels: Labels; increase: number }[],
  histograms: readonly { labels: Labels; count: number }[],
): CountProblem[] {
  if (histograms.length === 0) return [];
  const out: CountProblem[] = [];
  const covered = new Set<number>();
  for (const c of counters) {
    let sum = 0;
    let n = 0;
    histograms.forEach((h, i) => {
      if (!labelsCover(h.labels, c.labels)) return;
      covered.add(i);
      sum += h.count;
      n++;
    });
    if (Math.round(sum) !== Math.round(c.increase)) {
      out.push({
        kind: "mismatch",
        series: c.labels,
        detail: `it counts ${Math.round(c.increase)} calls in the window but ${n === 0 ? "no latency histogram has its labels" : `the latency histogram${n > 1 ? "s" : ""} with its labels count${n > 1 ? "" : "s"} ${Math.round(sum)}`}: one of the two lost or gained samples`,
        breaksCounts: true,
      });
    }
  }
  histograms.forEach((h, i) => {
    if (!covered.has(i) && h.count > 0) {
      out.push({
        kind: "mismatch",
        series: h.labels,
        detail: `it counts ${Math.round(h.count)} calls in the window but no calls counter has its labels`,
        breaksCounts: true,
      });
    }
  });
  return out;
}

/**
 * k6 emits vus once a second (a 1 s ticker), and a push carries the latest emission: one process's
 * heartbeat samples are about a second apart or more, whatever its push interval. Closer than this
 * takes a tick delivered late by more than 0.3 s and then one on time, which a busy machine does
 * once in a while, not every few seconds.
 */
const ONE_WRITER_MIN_INTERVAL_S = 0.7;
/** Short intervals needed, in count and as a share of the window's, to call it a second writer. */
const SECOND_WRITER_MIN_SHORT = 2;
const SECOND_WRITER_MIN_SHARE = 0.2;

/**
 * Two k6 processes writing one heartbeat (the same run labels at once): their samples interleave,
 * so every push interval holds two, a fraction of a second apart.
 */
export function checkHeartbeatWriters(h: Heartbeat, fromS: number, toS: number): CountProblem | undefined {
  const inside = h.times.filter((t) => t > fromS && t <= toS);
  const intervals: number[] = [];
  for (let i = 1; i < inside.length; i++) intervals.push(inside[i]! - inside[i - 1]!);
  const short = intervals.filter((x) => x < ONE_WRITER_MIN_INTERVAL_S);
  if (short.length < SECOND_WRITER_MIN_SHORT || short.length < SECOND_WRITER_MIN_SHARE * intervals.length) return undefined;
  return {
    kind: "writers",
    series: h.labels,
    detail: `k6's heartbeat with these labels (k6_vus, emitted once a second) has ${short.length} of ${intervals.length} samples less than ${ONE_WRITER_MIN_INTERVAL_S} s after the one before: two k6 processes wrote the same labels at once`,
    breaksCounts: true,
  };
}

/**
 * Silences inside the window: k6 pushes every interval while it runs, so a silence longer than
 * the threshold means pushes were lost (rejected, unsent) or one run ended and another began with
 * the same labels; either way the counts of the run's series cannot be vouched for.
 */
export function checkHeartbeatGaps(h: Heartbeat, fromS: number, toS: number): CountProblem | undefined {
  const interval = pushInterval(h);
  if (interval === undefined) return undefined;
  const inside = h.times.filter((t) => t > fromS && t <= toS);
  const limit = silenceThreshold(interval);
  let worst: { start: number; length: number } | undefined;
  for (let i = 1; i < inside.length; i++) {
    const length = inside[i]! - inside[i - 1]!;
    if (length > limit && (worst === undefined || length > worst.length)) worst = { start: inside[i - 1]!, length };
  }
  if (worst === undefined) return undefined;
  return {
    kind: "gap",
    series: h.labels,
    detail: `k6's heartbeat with these labels (k6_vus, pushed every ${secondsText(interval)}) has no sample for ${secondsText(worst.length)} after ${isoSeconds(worst.start)}: pushes were lost or rejected, or a second run with the same labels began`,
    breaksCounts: true,
  };
}

/** Remote-write samples Prometheus rejected (or its counters that say so), over the window. */
export interface RejectedWrites {
  /** metric{labels} -> increase over the window (or since Prometheus started, when not localized). */
  increases: { series: Labels; increase: number }[];
  /** Where the figures come from, for the reader. */
  source: string;
  /** false: only totals since Prometheus started were available, so they may predate the window. */
  localized: boolean;
}

export function rejectedProblem(r: RejectedWrites | undefined, fromS: number, endS: number): CountProblem | undefined {
  if (r === undefined) {
    return {
      kind: "unchecked",
      detail:
        'this Prometheus exposes no count of rejected samples (prometheus_tsdb_out_of_order_samples_total, prometheus_http_requests_total{handler="/api/v1/write"}), so writes rejected as out of order or duplicate could not be checked',
      breaksCounts: false,
    };
  }
  const hits = r.increases.filter((x) => x.increase > 0);
  if (hits.length === 0) return undefined;
  const list = hits.map((x) => `${Math.round(x.increase)} ${seriesText(x.series)}`).join(", ");
  const when = r.localized
    ? `between ${isoSeconds(fromS)} and ${isoSeconds(endS)}`
    : `since it started (it does not scrape itself, so whether in this window cannot be told: add a scrape job for its own /metrics)`;
  return {
    kind: "rejected",
    detail: `Prometheus rejected remote writes ${when} (${r.source}): ${list}; a rejected request loses every sample in it, as when two runs write the same labels at once`,
    breaksCounts: true,
  };
}

const KIND_HEADLINE: Record<ProblemKind, string> = {
  earlier_run: "samples of an earlier run with the same labels",
  out_of_reach: "the window starts too far into a run",
  writers: "series written by more than one k6",
  mismatch: "calls counter and latency histogram disagree",
  rejected: "writes rejected by Prometheus",
  gap: "k6 stopped writing inside the window",
  unchecked: "rejected writes not checked",
};

/** Short phrase for a verdict's reason. */
export function problemPhrase(kind: ProblemKind): string {
  return KIND_HEADLINE[kind];
}

/** How many series a warning lists by name before "and N more". */
const LISTED_SERIES = 6;

/** One warning per kind, naming the series; the first ones in full, then how many more. */
export function warningLines(problems: readonly CountProblem[]): string[] {
  const kinds: ProblemKind[] = ["rejected", "writers", "earlier_run", "out_of_reach", "mismatch", "gap", "unchecked"];
  const out: string[] = [];
  for (const kind of kinds) {
    const of = problems.filter((p) => p.kind === kind);
    if (of.length === 0) continue;
    const breaks = of.some((p) => p.breaksCounts);
    const global = of.some((p) => p.series === undefined);
    const effect = !breaks
      ? "the verdicts stand"
      : global
        ? "no count read can be trusted: every verdict resting on counts is inconclusive"
        : "the counts of these series are not trusted: the verdicts resting on them are inconclusive";
    const named = of.filter((p) => p.series !== undefined);
    const items = [
      ...of.filter((p) => p.series === undefined).map((p) => p.detail),
      ...named.slice(0, LISTED_SERIES).map((p) => `${seriesText(p.series!)}: ${p.detail}`),
      ...(named.length > LISTED_SERIES ? [`and ${named.length - LISTED_SERIES} more series`] : []),
    ];
    out.push(`${KIND_HEADLINE[kind]} (${effect}): ${items.join("; ")}`);
  }
  return out;
}
