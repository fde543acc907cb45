/** Small order statistics over plain arrays (few values: sessions, batches, runs), where a histogram would be overkill. */

/** The median (mean of the two middle values for an even count); undefined for no values. */
export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The sample standard deviation of the values after setting aside the one farthest from their median:
 * the spread of a handful of runs, robust to one odd run (a night the machine was busy) without
 * hanging on three of them. The MAD and Rousseeuw and Croux's Qn were tried first: with five runs
 * both are decided by the three closest values, so when three runs happen to agree within 0.04 ms
 * they call the spread nearly nothing (an A/B of a Redis toxic then had an untouched PostgreSQL p50
 * "improved" by 0.23 ms, where its quiet runs spread over 0.19 ms). Undefined for fewer than three values.
 */
export function spreadWithoutOddest(xs: readonly number[]): number | undefined {
  if (xs.length < 3) return undefined;
  const m = median(xs)!;
  let oddest = 0;
  for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i]! - m) > Math.abs(xs[oddest]! - m)) oddest = i;
  const rest = xs.filter((_, i) => i !== oddest);
  const mean = rest.reduce((a, x) => a + x, 0) / rest.length;
  return Math.sqrt(rest.reduce((a, x) => a + (x - mean) ** 2, 0) / (rest.length - 1));
}
