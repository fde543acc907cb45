/**
 * HDR histograms in microseconds, 1 us .. 1 h, 3 significant digits, as
 * ../shared/measurement.md fixes them. Thin helpers over hdr-histogram-js so
 * the rest of the code never touches its builder options.
 */
import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

const HIGHEST_US = 3_600_000_000;

export function newHistogram(opts: { significantDigits?: 1 | 2 | 3; packed?: boolean } = {}): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: opts.significantDigits ?? 3,
    bitBucketSize: opts.packed ? "packed" : 32,
    useWebAssembly: false,
  });
}

export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(base64: string): Histogram {
  return hdr.decodeFromCompressedBase64(base64, 32, false);
}

/** Percentile in milliseconds; 0 for an empty histogram. */
export function percentileMs(h: Histogram, percentile: number): number {
  return h.totalCount === 0 ? 0 : h.getValueAtPercentile(percentile) / 1000;
}

export function meanMs(h: Histogram): number {
  return h.totalCount === 0 ? 0 : h.mean / 1000;
}

export function stdDevMs(h: Histogram): number {
  return h.totalCount === 0 ? 0 : h.stdDeviation / 1000;
}

export function maxMs(h: Histogram): number {
  return h.totalCount === 0 ? 0 : h.maxValue / 1000;
}

/**
 * How many recorded samples are below (or, inclusive, at or below) a threshold.
 * Each recorded value stands for its whole equivalent range (3 significant
 * digits); a range is counted as below only when its highest value is, so the
 * count never flatters the server.
 */
export function countBelow(h: Histogram, thresholdMs: number, inclusive: boolean): number {
  const thresholdUs = thresholdMs * 1000;
  const js = h as unknown as hdr.JsHistogram;
  const it = js.recordedValuesIterator;
  it.reset();
  let below = 0;
  while (it.hasNext()) {
    const v = it.next();
    const top = js.highestEquivalentValue(v.valueIteratedTo);
    if (inclusive ? top <= thresholdUs : top < thresholdUs) below += v.countAddedInThisIterationStep;
    else break;
  }
  return below;
}

export function mergeInto(target: Histogram, source: Histogram): void {
  target.add(source);
}
