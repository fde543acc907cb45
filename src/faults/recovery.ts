/**
 * RTO from probe results, as ../shared/measurement.md defines it. Pure, so the
 * arithmetic is tested without faults or sleeping. A probe is dated by when
 * its answer (or its deadline) came: that is when the harness knew. A probe
 * sent during an outage and answered just inside its deadline after it must
 * not date the recovery back to its sending.
 *   time to detect = first failed probe after t0 - t0
 *   RTO            = start of the first run of k successes after the outage - t0
 *   after heal     = that same end point - the moment the cause was removed
 * A fault whose probes never failed recovered at once (RTO 0, nothing detected).
 * Only probes sent at or after t0 count: one sent before the fault began is no
 * part of its window, however late its answer came. Likewise a probe sent after
 * the next fault began cannot detect this one: a fault no probe failed before
 * the next began went unnoticed, rather than inheriting the next one's outage.
 *
 * While a healed fault still acts, its outage is not over: a fault that lets
 * some probes through (a flapping link, frames dropped at random) can give k
 * successes in a row and fail again. So the recovery run is made of probes
 * sent after the last failed probe that was sent before the heal (that one's
 * own late failure says nothing about the time after the heal). "After heal" is then negative only
 * when the stack truly worked again while the fault was still on (it worked
 * around it), never because of when the harness dated the heal.
 */
export interface ProbePoint {
  /** when the probe was sent, ms on the scenario's clock */
  t: number;
  ok: boolean;
  /** when its answer or its deadline came; defaults to `t` */
  done?: number;
}

const doneAt = (p: ProbePoint) => p.done ?? p.t;

export interface RecoveryResult {
  timeToDetectMs: number | null;
  rtoMs: number | null;
  afterHealMs: number | null;
  recovered: boolean;
}

export function measureRecovery(
  points: readonly ProbePoint[],
  opts: { injectedAt: number; healedAt: number | null; consecutive: number; limitMs: number; nextFaultAt?: number },
): RecoveryResult {
  const { injectedAt, consecutive, limitMs } = opts;
  const nextFaultAt = opts.nextFaultAt ?? Number.POSITIVE_INFINITY;
  const after = points.filter((p) => p.t >= injectedAt && doneAt(p) <= injectedAt + limitMs).sort((a, b) => doneAt(a) - doneAt(b));
  const firstFailure = after.find((p) => !p.ok && p.t < nextFaultAt);
  if (!firstFailure) return { timeToDetectMs: null, rtoMs: 0, afterHealMs: null, recovered: true };
  const { healedAt } = opts;
  const lastFailedWhileOn =
    healedAt === null ? Number.NEGATIVE_INFINITY : Math.max(Number.NEGATIVE_INFINITY, ...after.filter((p) => !p.ok && p.t < healedAt).map((p) => p.t));
  let run = 0;
  let runStart: ProbePoint | undefined;
  for (const p of after) {
    if (doneAt(p) < doneAt(firstFailure) || p.t <= lastFailedWhileOn) continue;
    if (!p.ok) {
      run = 0;
      runStart = undefined;
      continue;
    }
    if (run === 0) runStart = p;
    run++;
    if (run >= consecutive) {
      const recoveredAt = doneAt(runStart!);
      return {
        timeToDetectMs: doneAt(firstFailure) - injectedAt,
        rtoMs: recoveredAt - injectedAt,
        afterHealMs: opts.healedAt === null ? null : recoveredAt - opts.healedAt,
        recovered: true,
      };
    }
  }
  return { timeToDetectMs: doneAt(firstFailure) - injectedAt, rtoMs: null, afterHealMs: null, recovered: false };
}

/** The steady-state hypothesis holds over a span when its last k probes all succeeded. */
export function steadyStateMet(points: readonly ProbePoint[], consecutive: number): boolean {
  if (points.length < consecutive) return false;
  return points.slice(-consecutive).every((p) => p.ok);
}
