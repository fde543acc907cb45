/**
 * Figures of the agents' calls over a stretch of the window, and their noise from batches: the stretch
 * cut into equal batches of time, the figure taken per batch, the spread of the batch values giving its
 * standard error. Batches keep what drifts within the stretch (the machine's load of the
 * moment, a server warming up) in the noise, which one interval over all calls would call signal.
 */
import type { SegmentFigures } from "../results/types.js";
import type { LoggedCall } from "./call-log.js";
import { median } from "../util/stats.js";

/** Batches a stretch is cut into. */
export const BATCHES = 10;
/** Ok calls a batch needs for its p50 to count. */
export const MIN_BATCH_CALLS = 3;
/** Batches with a value each side needs before a band is given. */
export const MIN_BATCHES = 4;

export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, sd: Math.sqrt(v) };
}

/** Calls, ok, p50 of the ok calls and ok calls per second; times relative to `origin` (the window's start). */
export function segmentFigures(calls: readonly LoggedCall[], from: number, to: number, origin: number): SegmentFigures {
  const ok = calls.filter((c) => c.ok);
  const seconds = (to - from) / 1000;
  return {
    fromMs: from - origin,
    toMs: to - origin,
    calls: calls.length,
    ok: ok.length,
    p50Ms: median(ok.map((c) => c.endedAt - c.startedAt)) ?? null,
    throughput: seconds > 0 ? ok.length / seconds : 0,
  };
}

/** Per batch of [from, to): the p50 of its ok calls (null under MIN_BATCH_CALLS) and its ok calls per second. */
export function batches(calls: readonly LoggedCall[], from: number, to: number, k = BATCHES): { p50: (number | null)[]; rate: number[] } {
  const width = (to - from) / k;
  const lat: number[][] = Array.from({ length: k }, () => []);
  for (const c of calls) {
    if (!c.ok) continue;
    const i = Math.min(k - 1, Math.max(0, Math.floor((c.startedAt - from) / width)));
    lat[i]!.push(c.endedAt - c.startedAt);
  }
  return {
    p50: lat.map((l) => (l.length >= MIN_BATCH_CALLS ? median(l)! : null)),
    rate: lat.map((l) => (width > 0 ? (l.length * 1000) / width : 0)),
  };
}

/**
 * Standard error of a stretch's figure from its batch values, robustly: 1.2533 x 1.4826 x MAD / sqrt(n)
 * (the MAD scaled to a standard deviation, times the median's efficiency factor sqrt(pi/2)), the same
 * median-and-MAD rule the comparison of runs uses (src/compare). The mean and standard deviation of the
 * batch values would not do: a fallback's first batch holds the calls that waited out the primary's
 * deadline (seen: one batch at 250 ms among batches under 1 ms), which barely moves the stretch's p50
 * but made a mean-based band 25 times the baseline's p50.
 */
export function batchError(values: readonly (number | null)[]): { se: number; n: number } | undefined {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length < MIN_BATCHES) return undefined;
  const m = median(xs)!;
  const mad = median(xs.map((x) => Math.abs(x - m)))!;
  return { se: (Math.sqrt(Math.PI / 2) * 1.4826 * mad) / Math.sqrt(xs.length), n: xs.length };
}
