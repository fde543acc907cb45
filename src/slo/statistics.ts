/** z for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/** 95 % Wilson score interval for `successes` out of `trials`. */
export function wilsonInterval(successes: number, trials: number, z = Z95): { low: number; high: number } {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Fewest trials, all successful, whose Wilson lower bound reaches `target`:
 * n / (n + z^2) >= target  <=>  n >= z^2 * target / (1 - target).
 * This is what "a p99 needs well over 100 samples" means in numbers.
 */
export function minimumTrialsToProve(target: number, z = Z95): number {
  if (target >= 1) return Infinity;
  return Math.ceil((z * z * target) / (1 - target));
}

/** 95 % interval of a mean from the sample standard deviation (normal approximation). */
export function meanInterval(mean: number, stdDev: number, n: number, z = Z95): { low: number; high: number } {
  const half = n > 1 ? (z * stdDev) / Math.sqrt(n) : Infinity;
  return { low: mean - half, high: mean + half };
}
