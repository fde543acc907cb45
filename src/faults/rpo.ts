/**
 * RPO, measured like Jepsen: every write is unique and sequence-numbered, its
 * acknowledgement time logged; after recovery everything is read back.
 *   lost = acknowledged - present
 *   RPO  = t0 - acknowledgement time of the oldest lost record (0 when none)
 * Never-acknowledged writes that landed are counted apart: they are not loss.
 */
export interface WriteLog {
  /** seq -> ack time (ms on the scenario clock); writes that failed or timed out are absent */
  acknowledged: Map<number, number>;
  /** every seq that was attempted */
  attempted: number;
}

export interface LossResult {
  acknowledged: number;
  present: number;
  lost: number;
  unacknowledgedPresent: number;
  rpoMs: number | null;
}

export function measureLoss(log: WriteLog, present: ReadonlySet<number>, faultAt: number | null): LossResult {
  let lost = 0;
  let oldestLostAck = Number.POSITIVE_INFINITY;
  for (const [seq, ackAt] of log.acknowledged) {
    if (present.has(seq)) continue;
    lost++;
    oldestLostAck = Math.min(oldestLostAck, ackAt);
  }
  let unacknowledgedPresent = 0;
  for (const seq of present) if (!log.acknowledged.has(seq)) unacknowledgedPresent++;
  const rpoMs = lost === 0 ? 0 : faultAt === null ? null : Math.max(0, faultAt - oldestLostAck);
  return { acknowledged: log.acknowledged.size, present: present.size, lost, unacknowledgedPresent, rpoMs };
}
