/** Dividing a whole number of things (agents, arrivals per second, operations) among parts by weight. */

/** Splits `total` by `weights` (largest remainder), every part at least `min`. */
export function splitByWeight(total: number, weights: readonly number[], min: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i]!++;
    left--;
  }
  return parts.map((p) => Math.max(min, p));
}
