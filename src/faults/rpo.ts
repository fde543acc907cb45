/**
 * RPO, measured like Jepsen: every write is unique and sequence-numbered, its
 * send and acknowledgement times logged; after recovery everything is read
 * back (../shared/measurement.md, RPO).
 *   lost = acknowledged - present
 *   RPO  = t0 - acknowledgement time of the oldest lost record (0 when none)
 * Never-acknowledged writes that landed are counted apart: they are not loss.
 *
 * Which fault lost a record: the store is read right after each fault was
 * healed (a snapshot), so a record is charged to the first fault that began
 * after it was sent and after which it was gone. A record no fault can account
 * for (none was injected, or it was still there after every fault that came
 * after it) was lost without a fault: a consistency failure, e.g. concurrent
 * writers overwriting each other.
 *
 * Censoring: when nothing older than the oldest lost record was left in the
 * store (it is the writer's first acknowledged write, or everything older was
 * already lost to an earlier fault), the loss may reach back further than the
 * writer can see. The true RPO is then at least t0 - that acknowledgement (the
 * writer's age at the fault), not that value: a lower bound can fail a target
 * but never prove one.
 */
import type { Scenario } from "../contracts/plan.js";
export interface WriteRecord {
  /** when the write was sent, ms on the experiment's clock */
  sentAt: number;
  /** when its acknowledgement came */
  ackAt: number;
}

export interface WriteLog {
  /** seq -> send and ack times; writes that failed or timed out are absent */
  acknowledged: Map<number, WriteRecord>;
  /** every seq that was attempted */
  attempted: number;
  /** when the first write was sent; undefined before any */
  startedAt?: number;
}

/** An injected fault as the loss accounting sees it. */
export interface FaultForLoss {
  id: string;
  /** t0: when it was injected, on the same clock as the write log */
  at: number;
  /**
   * For a process fault (kill, restart): when its cause was removed. A write acknowledged before then and
   * missing after it may have been lost to the fault even if it was sent after `at`: a kill is an
   * API call and a signal, and the store may still answer a write sent a few milliseconds after the
   * injection began (seen with a container kill through Podman's API).
   */
  healedAt?: number;
  /** what the store held right after the fault was healed; undefined when it was never healed or could not be read */
  presentAfter?: ReadonlySet<number>;
}

export interface FaultLoss {
  faultId: string;
  faultAt: number;
  lost: number;
  /** t0 - ack of the oldest record this fault lost; 0 when it was still in flight at t0 */
  rpoMs: number;
  /** true when rpoMs is only a lower bound (nothing older was left to lose) */
  censored: boolean;
  /** ms the writer had been writing at t0 (from its first acknowledged write), or since the oldest record the store still held */
  writerAgeMs: number;
}

export interface LossResult {
  acknowledged: number;
  present: number;
  lost: number;
  unacknowledgedPresent: number;
  /** acknowledged writes lost that no injected fault accounts for */
  lostWithoutFault: number;
  /** worst RPO over the faults; 0 when no fault lost anything; null when only loss without a fault (no t0 to date it) */
  rpoMs: number | null;
  /** true when the worst RPO, or any fault's, is a lower bound */
  censored: boolean;
  /** the fault whose loss is the worst, null when none */
  worst: FaultLoss | null;
  byFault: FaultLoss[];
}

export function measureLoss(log: WriteLog, present: ReadonlySet<number>, faults: readonly FaultForLoss[]): LossResult {
  const ordered = [...faults].sort((a, b) => a.at - b.at);
  const acked = [...log.acknowledged].sort((a, b) => a[1].ackAt - b[1].ackAt);
  // Each lost record is charged to at most one fault (index into `ordered`), or to none.
  const chargedTo = new Map<number, number>();
  let lostWithoutFault = 0;
  let lost = 0;
  for (const [seq, w] of acked) {
    if (present.has(seq)) continue;
    lost++;
    // A fault can have lost a write sent before it began, or acknowledged while it acted (before its cause was
    // removed); a write the store acknowledged after the heal is no loss of this fault.
    const k = ordered.findIndex(
      (f) => (f.at > w.sentAt || (f.healedAt !== undefined && w.ackAt < f.healedAt)) && (f.presentAfter === undefined || !f.presentAfter.has(seq)),
    );
    if (k < 0) lostWithoutFault++;
    else chargedTo.set(seq, k);
  }
  let unacknowledgedPresent = 0;
  for (const seq of present) if (!log.acknowledged.has(seq)) unacknowledgedPresent++;

  const byFault: FaultLoss[] = [];
  ordered.forEach((f, k) => {
    const mine = acked.filter(([seq]) => chargedTo.get(seq) === k);
    if (mine.length === 0) return;
    const [, oldest] = mine[0]!;
    // Censored when every record acknowledged before the oldest lost one was already gone (lost to an earlier fault), or there was none.
    const older = acked.filter(([, w]) => w.ackAt < oldest.ackAt);
    const censored = older.every(([seq]) => (chargedTo.get(seq) ?? Number.POSITIVE_INFINITY) < k);
    const heldSince = older.find(([seq]) => !((chargedTo.get(seq) ?? Number.POSITIVE_INFINITY) < k))?.[1].ackAt ?? oldest.ackAt;
    byFault.push({
      faultId: f.id,
      faultAt: f.at,
      lost: mine.length,
      rpoMs: Math.max(0, f.at - oldest.ackAt),
      censored,
      writerAgeMs: Math.max(0, f.at - heldSince),
    });
  });
  const worst = byFault.reduce<FaultLoss | null>(
    (a, x) => (a === null || x.rpoMs > a.rpoMs || (x.rpoMs === a.rpoMs && x.censored && !a.censored) ? x : a),
    null,
  );
  const rpoMs = worst ? worst.rpoMs : lostWithoutFault > 0 ? null : 0;
  return {
    acknowledged: log.acknowledged.size,
    present: present.size,
    lost,
    unacknowledgedPresent,
    lostWithoutFault,
    rpoMs,
    censored: byFault.some((x) => x.censored),
    worst,
    byFault,
  };
}

/** Seconds as people read an RPO: "6.02 s", "35.1 s", "2 min 5 s" from 125 000 ms. */
export function formatSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${+(ms / 1000).toFixed(2)} s`;
  if (ms < 120_000) return `${+(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
}

/** The loss of one store in words, for results.json and the reports. */
export function describeLoss(l: LossResult & { faultInjected: boolean }): string {
  if (l.lost === 0) return "no loss";
  const parts: string[] = [];
  if (l.lostWithoutFault > 0) {
    parts.push(
      `acknowledged writes lost without a fault: ${l.lostWithoutFault} of ${l.acknowledged}${l.faultInjected ? " (no injected fault accounts for them)" : " (no fault was injected)"}`,
    );
  }
  const w = l.worst;
  if (w) {
    const lostToFaults = l.lost - l.lostWithoutFault;
    const value = w.rpoMs === 0 ? "> 0 s (lost writes were acknowledged as the fault hit)" : `${l.censored ? ">= " : ""}${formatSeconds(w.rpoMs)}`;
    const why = l.censored ? `; censored: nothing older than the oldest lost write was left to lose, so the true RPO is at least that` : "";
    parts.push(`RPO ${value} (${lostToFaults} lost, dated against ${w.faultId}${why})`);
  }
  return parts.join("; ");
}

/**
 * Scenarios whose RPO writers cannot be old enough at a fault to prove an RPO target: if that fault
 * loses everything the writers wrote, the run can only say "RPO >= their age", which never proves a
 * target above it. Only a process that is killed or restarted is taken to be able to lose
 * acknowledged writes (a link cut or a pause delays them). Writers start before the warm-up, so
 * their age at a fault is at least max(warm-up, rpo.lead) + the fault's `at`.
 */
export function censoringWarnings(s: Pick<Scenario, "file" | "faults" | "slos" | "rpo" | "warmupMs">): string[] {
  if (!s.rpo) return [];
  const head = Math.max(s.warmupMs, s.rpo.leadMs);
  const targets = s.slos.filter((slo) => slo.metric.family === "rpo" && (slo.threshold.op === "<" || slo.threshold.op === "<="));
  const out: string[] = [];
  for (const f of s.faults) {
    if (!f.canLoseWrites) continue;
    const age = head + f.atMs;
    // ">= age" fails "<= T" only when age > T, and "< T" when age >= T.
    const unprovable = targets.filter((t) => (t.threshold.op === "<=" ? age <= t.threshold.value : age < t.threshold.value));
    if (unprovable.length === 0) continue;
    const need = Math.max(...unprovable.map((t) => t.threshold.value)) - f.atMs;
    out.push(
      `${s.file}: rpo.lead: the RPO writers will be only about ${formatSeconds(age)} old at fault ${f.id} (${f.description}): if it loses everything they wrote, the RPO is known only as ">= ${formatSeconds(age)}", which cannot show ${unprovable.map((t) => `${t.id} (${t.objectiveText})`).join(", ")}; set rpo.lead to more than ${formatSeconds(need)}`,
    );
  }
  return out;
}
