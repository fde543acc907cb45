/**
 * Change points in a series of runs by E-divisive means, the way Apache Otava (formerly Hunter)
 * finds them by default (otava 0.8.0: otava/analysis.py `compute_change_points`, with
 * otava/change_point_divisive/{calculator,detector}.py). The method is Matteson & James, "A
 * Nonparametric Approach for Multiple Change Point Analysis of Multivariate Data" (2014), with the
 * window / weak-change-point / merge steps of Fleming et al., "Hunter: Using Change Point Detection
 * to Hunt for Performance Regressions" (ICPE 2023, https://doi.org/10.1145/3578244.3583719).
 *
 * Written by hand because no npm package implements E-divisive (the registry's list holds only
 * "bayesian-changepoint", a different method), and because the point is to find what Otava finds,
 * step for step; the test src/compare/change-points.otava.integration.test.ts runs Otava itself on the same
 * series and asserts the same indices.
 *
 * Steps (each as Otava does it):
 * 1. Split: slide a window of `windowLength` points (step half a window) over the series. In each
 *    window, repeatedly take the split tau (and end kappa) maximising the energy-distance statistic
 *    Q(X = Z[start, tau), Y = Z[tau, kappa)) inside one of the current segments, and keep it when a
 *    two-sided Student t-test between the two sides of the split gives p <= the first-pass p-value
 *    (10 x `maxPValue` when that is below 0.05); stop at the first split that is not significant.
 *    The union over windows are the "weak" change points.
 * 2. Merge: recompute every weak point's t-test between its neighbouring change points, then
 *    repeatedly drop the weakest (largest p-value while one is >= `maxPValue`, else the smallest
 *    relative change while one is <= `minMagnitude`) and recompute the points beside it.
 *
 * Significance is a t-test, not Matteson & James' permutation test: that is Otava's default
 * (its permutation test is the opt-in "--orig-edivisive"), and it needs no randomness, so the
 * result is deterministic without a seed. Minimum segment size: 1 point on each side, as Otava
 * (its Q is defined for any non-empty X and Y; a 1-point side has no variance and its t-test
 * decides).
 */

/** Otava's defaults (otava/series.py AnalysisOptions): window 50, p <= 0.001, any magnitude. */
export interface ChangePointOptions {
  /** Points analysed at once in the split step (Otava `--window`, default 50). */
  windowLength: number;
  /** Largest p-value of a kept change point (Otava `--pvalue`, default 0.001). */
  maxPValue: number;
  /** Smallest |relative change of the mean| a kept change point must exceed when its p-value is low (Otava `--magnitude`, default 0). */
  minMagnitude: number;
}

export const OTAVA_DEFAULTS: ChangePointOptions = { windowLength: 50, maxPValue: 0.001, minMagnitude: 0 };

export interface ChangePoint {
  /** Index of the first point after the change (the change is between index - 1 and index). */
  index: number;
  /** Two-sided Student t-test p-value between the segments either side. */
  pValue: number;
  /** Mean and population standard deviation of the segment before (from the previous change point) and after (to the next). */
  meanBefore: number;
  meanAfter: number;
  stdDevBefore: number;
  stdDevAfter: number;
  /** meanAfter / meanBefore - 1 (0 when meanBefore is 0, as Otava). */
  relativeChange: number;
}

/** A segment [start, stop) of the series. */
interface Interval {
  start: number;
  stop: number;
}

interface Candidate {
  index: number;
  qhat: number;
}

/**
 * Change points of `series` (oldest first), sorted by index. Missing values (null) are filled
 * from the previous value (leading ones from the next), as Otava's fill_missing does; a series with
 * no value at all has no change point.
 */
export function detectChangePoints(series: readonly (number | null)[], options: Partial<ChangePointOptions> = {}): ChangePoint[] {
  const opts = { ...OTAVA_DEFAULTS, ...options };
  if (!(opts.windowLength >= 2)) throw new Error(`change points: windowLength must be at least 2, got ${opts.windowLength}`);
  const values = fillMissing(series);
  if (values === null || values.length < 2) return [];
  const p = opts.maxPValue;
  const firstPassPValue = p < 0.05 ? p * 10 : p < 0.5 ? p * 2 : p;
  const weak = split(values, opts.windowLength, firstPassPValue);
  return merge(weak, values, opts.maxPValue, opts.minMagnitude);
}

function fillMissing(series: readonly (number | null)[]): number[] | null {
  const out = [...series];
  let previous: number | null = null;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === null && previous !== null) out[i] = previous;
    previous = out[i] ?? null;
  }
  previous = null;
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === null && previous !== null) out[i] = previous;
    previous = out[i] ?? null;
  }
  return out.some((v) => v === null) ? null : (out as number[]);
}

/** Otava analysis.split: E-divisive in sliding windows; the union of what each window finds. */
function split(series: number[], windowLength: number, maxPValue: number): ChangePoint[] {
  const step = Math.floor(windowLength / 2);
  const found = new Map<number, true>();
  let start = 0;
  // Bounded: start grows by at least `step` >= 1 each round.
  while (start < series.length) {
    const end = Math.min(start + windowLength, series.length);
    const inWindow = windowChangePoints(series.slice(start, end), maxPValue).map((index) => index + start);
    const last = inWindow.length > 0 ? inWindow[inWindow.length - 1]! : 0;
    start = Math.max(last, start + step);
    for (const index of inWindow) found.set(index, true);
  }
  const indices = [...found.keys()].sort((a, b) => a - b);
  const intervals = intervalsOf(indices, series.length);
  return indices.map((index) => tTestAt(index, series, intervals));
}

/** Otava ChangePointDetector.get_change_points on one window: indices relative to the window, sorted. */
function windowChangePoints(window: number[], maxPValue: number): number[] {
  const points: number[] = [];
  // Bounded: each round adds a point, and there are fewer than window.length possible points.
  for (let round = 0; round < window.length; round++) {
    const intervals = intervalsOf(points, window.length);
    let best: Candidate | null = null;
    for (const interval of intervals) {
      if (interval.stop - interval.start <= 1) continue;
      const candidate = bestSplit(window, interval);
      if (best === null || candidate.qhat > best.qhat) best = candidate;
    }
    if (best === null) break;
    const stats = tTestAt(best.index, window, intervals);
    if (!(stats.pValue <= maxPValue)) break;
    points.push(best.index);
    points.sort((a, b) => a - b);
  }
  return points;
}

/**
 * Otava PairDistanceCalculator.get_candidate_change_point (power 1): the tau maximising
 *   Q(tau, kappa) = 2/(m+n) sum_ij |X_i - Y_j| - 2m/((m+n)(n-1)) sum_{i<k} |X_i - X_k| - 2n/((m+n)(m-1)) sum_{j<k} |Y_j - Y_k|
 * over start < tau < kappa <= stop, X = Z[start, tau) (n points), Y = Z[tau, kappa) (m points); a
 * term whose denominator is 0 (a 1-point side) is 0, as in Otava. Ties go to the smallest tau, then
 * kappa (numpy argmax order). Otava fills the rest of its Q matrix with 0, so the maximum is never
 * below 0; the first valid pair (tau = start + 1, kappa = start + 2) is >= 0 and comes first, so
 * taking the largest valid value gives the same tau.
 */
function bestSplit(z: number[], { start, stop }: Interval): Candidate {
  let best: Candidate = { index: start + 1, qhat: Number.NEGATIVE_INFINITY };
  for (let tau = start + 1; tau < stop; tau++) {
    const n = tau - start;
    let withinX = 0;
    for (let i = start; i < tau; i++) for (let k = i + 1; k < tau; k++) withinX += Math.abs(z[i]! - z[k]!);
    let cross = 0;
    let withinY = 0;
    for (let kappa = tau + 1; kappa <= stop; kappa++) {
      const added = z[kappa - 1]!;
      for (let i = start; i < tau; i++) cross += Math.abs(z[i]! - added);
      for (let j = tau; j < kappa - 1; j++) withinY += Math.abs(z[j]! - added);
      const m = kappa - tau;
      const total = m + n;
      const a = (2 / total) * cross;
      const b = n > 1 ? ((2 * m) / (total * (n - 1))) * withinX : 0;
      const c = m > 1 ? ((2 * n) / (total * (m - 1))) * withinY : 0;
      const q = a - b - c;
      if (q > best.qhat) best = { index: tau, qhat: q };
    }
  }
  return best;
}

/** Otava SignificanceTester.get_intervals: the segments between sorted change points, empty ones dropped. */
function intervalsOf(sortedIndices: readonly number[], length: number): Interval[] {
  const intervals: Interval[] = [];
  for (let i = 0; i <= sortedIndices.length; i++) {
    const start = i === 0 ? 0 : sortedIndices[i - 1]!;
    const stop = i === sortedIndices.length ? length : sortedIndices[i]!;
    if (start !== stop) intervals.push({ start, stop });
  }
  return intervals;
}

/**
 * Otava TTestSignificanceTester.change_point: the t-test either side of `index`. When `index` ends
 * a segment (an existing point, merge step) the two segments beside it; when it lies inside one
 * (a new candidate, split step) that segment split at it.
 */
function tTestAt(index: number, series: number[], intervals: Interval[]): ChangePoint {
  let left: Interval | undefined;
  let right: Interval | undefined;
  for (let i = 0; i < intervals.length; i++) {
    const interval = intervals[i]!;
    if (interval.stop === index) {
      left = interval;
      right = intervals[i + 1];
      break;
    }
    if (interval.start < index && index < interval.stop) {
      left = { start: interval.start, stop: index };
      right = { start: index, stop: interval.stop };
      break;
    }
  }
  if (left === undefined || right === undefined) throw new Error(`change points: index ${index} is in no segment`);
  return { index, ...compareSides(series.slice(left.start, left.stop), series.slice(right.start, right.stop)) };
}

/**
 * Otava TTestSignificanceTester.compare: scipy ttest_ind_from_stats (equal variances, two-sided)
 * fed numpy's population standard deviation (ddof 0), as Otava does.
 */
function compareSides(left: number[], right: number[]): Omit<ChangePoint, "index"> {
  const meanBefore = mean(left);
  const meanAfter = mean(right);
  const stdDevBefore = left.length >= 2 ? populationStdDev(left, meanBefore) : 0;
  const stdDevAfter = right.length >= 2 ? populationStdDev(right, meanAfter) : 0;
  const n1 = left.length;
  const n2 = right.length;
  let pValue = 1;
  if (n1 + n2 > 2) {
    const df = n1 + n2 - 2;
    const pooled = ((n1 - 1) * stdDevBefore ** 2 + (n2 - 1) * stdDevAfter ** 2) / df;
    const se = Math.sqrt(pooled * (1 / n1 + 1 / n2));
    const t = (meanBefore - meanAfter) / se;
    // 0/0 (two constant sides, same mean) is NaN in scipy, which Otava never keeps: p = 1 here.
    pValue = Number.isNaN(t) ? 1 : studentTTwoSidedP(t, df);
  }
  const relativeChange = meanBefore === 0 ? 0 : meanAfter / meanBefore - 1;
  return { pValue, meanBefore, meanAfter, stdDevBefore, stdDevAfter, relativeChange };
}

/** Otava TTestStats.change_magnitude: the larger of the forward and backward relative changes. */
function magnitude(point: ChangePoint): number {
  const forward = point.meanBefore === 0 ? 0 : point.meanAfter / point.meanBefore - 1;
  const backward = point.meanAfter === 0 ? 0 : point.meanBefore / point.meanAfter - 1;
  return Math.max(Math.abs(forward), Math.abs(backward));
}

/**
 * Otava analysis.merge. Like Otava, after removing a point it recomputes the point that took its
 * place and the one after that (not the one before): kept as is so the indices match Otava's.
 */
function merge(weak: ChangePoint[], series: number[], maxPValue: number, minMagnitude: number): ChangePoint[] {
  const points = [...weak];
  // Bounded: every round removes a point or returns.
  while (points.length > 0) {
    let weakest = 0;
    for (let i = 1; i < points.length; i++) if (points[i]!.pValue > points[weakest]!.pValue) weakest = i;
    if (points[weakest]!.pValue < maxPValue) {
      weakest = 0;
      for (let i = 1; i < points.length; i++) if (magnitude(points[i]!) < magnitude(points[weakest]!)) weakest = i;
      if (magnitude(points[weakest]!) > minMagnitude) return points;
    }
    points.splice(weakest, 1);
    const intervals = intervalsOf(
      points.map((p) => p.index),
      series.length,
    );
    for (const i of [weakest, weakest + 1]) {
      if (i >= 0 && i < points.length) points[i] = tTestAt(points[i]!.index, series, intervals);
    }
  }
  return points;
}

function mean(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function populationStdDev(values: number[], m: number): number {
  let sum = 0;
  for (const v of values) sum += (v - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/**
 * P(|T| >= |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t^2)}(df/2, 1/2), the
 * regularized incomplete beta function. Hand-written (Numerical Recipes' continued fraction,
 * Lentz's method) rather than a dependency because it is the only distribution function needed
 * and adding a package to the shared lock file is out of this change's reach; the Otava test
 * checks the p-values against scipy's on real series.
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? 1 : 0;
  const x = df / (df + t * t);
  return regularizedIncompleteBeta(x, df / 2, 0.5);
}

function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a+1)/(a+b+2); otherwise use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 3e-16) break;
  }
  return h;
}

/** Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for the half-integers used here. */
function logGamma(z: number): number {
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const zz = z - 1;
  let x = coefficients[0]!;
  for (let i = 1; i < g + 2; i++) x += coefficients[i]! / (zz + i);
  const t = zz + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (zz + 0.5) * Math.log(t) - t + Math.log(x);
}
