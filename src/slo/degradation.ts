/**
 * A relative change held to a limit by the comparison rules (../shared/measurement.md, "Comparing runs"
 * and "Fallback degradation"): `relative` is how much worse the candidate is (0.08 = 8 % worse), `band`
 * the half-width of what noise alone could make of it (95 %). It passes only when even the worst the
 * band allows stays under the limit; it fails when the change is significant (outside the band) and
 * material (above the limit and above the absolute floor), as a regression is; otherwise the noise
 * decides and it is inconclusive.
 */
export interface ChangeToJudge {
  relative: number | null;
  band: number | null;
  /** e.g. 0.05 for "< 5 %" */
  limit: number;
  /** |candidate - baseline| in the figure's unit, and the smallest that matters (0.1 ms for latency). */
  absolute: number;
  absoluteFloor: number;
  /**
   * The relative change the harness's own timing error could account for (its event-loop delay over the
   * baseline's value, measurement.md "Harness timing error"): a fail stands only without it.
   */
  harnessSlack?: number;
  /** What is judged, for the reason: "p50 latency". */
  what: string;
  /** Why there is no value or band, when there is none. */
  missing?: string;
}

export function judgeChange(c: ChangeToJudge): { verdict: "pass" | "fail" | "inconclusive"; reason: string } {
  if (c.relative === null || c.band === null) return { verdict: "inconclusive", reason: c.missing ?? `${c.what}: not measured` };
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const range = `${pct(c.relative - c.band)} to ${pct(c.relative + c.band)}`;
  const measured = `${c.what} ${c.relative < 0 ? `${pct(-c.relative)} better` : `${pct(c.relative)} worse`}`;
  if (c.relative + c.band < c.limit) return { verdict: "pass", reason: `${measured}: under ${pct(c.limit)} worse even at the noise band's end (${range})` };
  const significant = c.relative - c.band > 0;
  const material = c.relative > c.limit && c.absolute > c.absoluteFloor;
  if (significant && material) {
    const slack = c.harnessSlack ?? 0;
    if (slack > 0 && c.relative - slack <= c.limit)
      return {
        verdict: "inconclusive",
        reason: `${measured} (band ${range}), but the harness's own event-loop delay could account for ${pct(slack)} of it`,
      };
    return { verdict: "fail", reason: `${measured}: outside the noise band (${range}) and above ${pct(c.limit)}` };
  }
  return {
    verdict: "inconclusive",
    reason: significant
      ? `${measured} (band ${range}): outside the noise but not above ${pct(c.limit)} by more than the absolute floor`
      : `${measured}, but the noise band (${range}) reaches past ${pct(c.limit)} worse: the run cannot tell`,
  };
}

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (a short table rather than a statistics library for 30 numbers). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(df: number): number {
  if (df < 1) return Number.POSITIVE_INFINITY;
  return df <= 30 ? T975[Math.floor(df) - 1]! : 1.96 + 2.4 / df;
}
