/**
 * Halt on burn (issue 19): while the measurement window runs, an SLO with a halt condition
 * (scenario `slos[].halt`) has its error-budget burn rate computed over a short sliding window of
 * the live samples, every `every`; when the rate stays at or above `burnRate`, with at least
 * `minSamples` calls in the window, for `grace`, the run halts. This module is the arithmetic, on
 * explicit times (a fake clock in its tests); src/window/halt-monitor.ts feeds it the recorder's
 * samples and a timer.
 *
 * The error budget is the share of bad calls the objective allows (../shared/measurement.md):
 *  - success_rate and availability ">= T": a failed or timed-out call is bad, budget 1 - T. In the
 *    closed model the calls a stall kept an agent from sending (the expected-interval correction the
 *    recorder applies to counts) are bad calls too, as in the verdict. Availability is judged on
 *    time; its halt reads the calls, since a budget is a share of events (said in the README).
 *  - error_rate "< T": the same bad calls, budget T.
 *  - latency pQ "< T": a call at or over T is bad (timeouts included at their deadline, failed
 *    calls not: the verdict judges the same calls), budget 1 - Q. A latency a driver inferred for a
 *    call it could not send (autocannon's coordinated-omission correction) counts, as in the verdict.
 * burn rate = (bad / calls in the window) / budget: 1 spends the budget exactly at the rate the
 * objective allows; 10 spends it ten times as fast (the multiwindow burn-rate alerts of the SRE
 * workbook page at 14.4 over one hour).
 *
 * For a latency SLO, a call still in flight past the threshold is already known to be bad (its
 * latency counts from its start, the intended send in the open model, as in the verdict): it counts
 * as one bad call in every evaluation while it is in flight, so a server that stops answering shows
 * before the calls' deadlines pass. For the ratio SLOs a stuck call is bad only once its deadline
 * passed, and the driver records it as a timeout then.
 */
import type { HaltPlan } from "../contracts/plan.js";
import { QUANTILE_OF, type ParsedMetric } from "../contracts/metric-names.js";
import { formatMs, type Threshold } from "../contracts/units.js";
import type { HaltedResult, Outcome, SloResult } from "../results/types.js";

/** What makes a call bad for an SLO, and the share of bad calls its objective allows. */
export type BadRule =
  /** A call that failed or timed out, and the closed model's missed calls. */
  | { kind: "failed"; budget: number }
  /** A call whose latency is over the threshold (at or over it for "<"); failed calls are not latency samples. */
  | { kind: "slow"; budget: number; thresholdMs: number; atThresholdIsBad: boolean };

/** The metrics a halt applies to, as the README and the bad-input messages say them. */
export const HALT_METRICS_TEXT = "latency.p50/p95/p99/p99_9 (< or <=), success_rate and availability (>= or >), error_rate (< or <=)";

/**
 * 1 - 0.99 is 0.010000000000000009 in binary floating point: a window exactly at the allowed burn
 * rate would read 9.999999999999991 and miss a condition of 10. The budget is a target written in
 * a few digits, so 12 significant digits give it back exactly.
 */
function budgetOf(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * The bad-call rule of an SLO, or why a halt cannot apply to it (a figure with no stream of calls
 * behind it, an objective with no error budget).
 */
export function haltRule(metric: ParsedMetric, t: Threshold): { rule: BadRule } | { problem: string } {
  const upper = t.op === "<" || t.op === "<=";
  const name = `${metric.family}${metric.statistic ? `.${metric.statistic}` : ""}`;
  switch (metric.family) {
    case "latency": {
      const stat = metric.statistic;
      if (stat === undefined || stat === "mean" || stat === "max")
        return {
          problem: `a halt needs an error budget, which ${name} has none of (a mean or a maximum is no share of calls); halt applies to ${HALT_METRICS_TEXT}`,
        };
      if (!upper) return { problem: `a halt needs an objective that bounds slow calls ("< T" or "<= T"), found "${t.op}"` };
      return { rule: { kind: "slow", budget: budgetOf(1 - QUANTILE_OF[stat]), thresholdMs: t.value, atThresholdIsBad: t.op === "<" } };
    }
    case "success_rate":
    case "availability": {
      if (upper) return { problem: `a halt needs an objective that bounds failed calls (">= T" or "> T"), found "${t.op}"` };
      if (t.value >= 1) return { problem: "an objective of 100 % leaves no error budget to burn: no burn rate can be computed" };
      return { rule: { kind: "failed", budget: budgetOf(1 - t.value) } };
    }
    case "error_rate": {
      if (!upper) return { problem: `a halt needs an objective that bounds failed calls ("< T" or "<= T"), found "${t.op}"` };
      if (t.value <= 0) return { problem: "an objective of 0 % leaves no error budget to burn: no burn rate can be computed" };
      return { rule: { kind: "failed", budget: t.value } };
    }
    default:
      return {
        problem: `${name} is not a share of calls measured as they come (it is known only at the end of the run, or is not about calls): halt applies to ${HALT_METRICS_TEXT}`,
      };
  }
}

/** One event of the live stream, as the recorder hands it over (src/metrics/recorder.ts). */
export type BurnEvent =
  /** A finished call; `missed`: calls the closed model's correction counts as failed with it. */
  | { kind: "call"; outcome: Outcome; latencyMs: number; missed: number }
  /** A backoff before calling a lost session again: calls the agent could not send. */
  | { kind: "missed"; missed: number }
  /** A latency a driver inferred for a call it could not send: a latency sample, no call. */
  | { kind: "inferred-latency"; latencyMs: number };

/** How `event` counts for `rule`: calls (samples) and how many of them are bad. */
export function classify(rule: BadRule, e: BurnEvent): { samples: number; bad: number } {
  if (rule.kind === "failed") {
    if (e.kind === "call") return { samples: 1 + e.missed, bad: (e.outcome === "ok" ? 0 : 1) + e.missed };
    if (e.kind === "missed") return { samples: e.missed, bad: e.missed };
    return { samples: 0, bad: 0 };
  }
  if (e.kind === "missed") return { samples: 0, bad: 0 };
  if (e.kind === "call" && e.outcome === "error") return { samples: 0, bad: 0 };
  return { samples: 1, bad: isSlow(rule, e.latencyMs) ? 1 : 0 };
}

function isSlow(rule: Extract<BadRule, { kind: "slow" }>, latencyMs: number): boolean {
  return rule.atThresholdIsBad ? latencyMs >= rule.thresholdMs : latencyMs > rule.thresholdMs;
}

/**
 * How long a call may be in flight before it is known to be bad for `rule`: the latency threshold;
 * undefined for the ratio SLOs, whose stuck calls count when the driver times them out.
 */
export function badAfterMs(rule: BadRule): number | undefined {
  return rule.kind === "slow" ? rule.thresholdMs : undefined;
}

/** One evaluation of a burn rate. */
export interface BurnReading {
  /** When, on the clock the tracker is fed. */
  at: number;
  /** Calls in the window (finished, plus in flight past their limit). */
  samples: number;
  bad: number;
  /** Of those, calls still in flight past their limit. */
  inFlight: number;
  /** (bad / samples) / budget; null with no call in the window. */
  burnRate: number | null;
  /** burnRate >= the condition's, with at least minSamples. */
  over: boolean;
  /** When the condition started to hold at every evaluation since; undefined when it does not hold now. */
  overSince: number | undefined;
  /** This evaluation halts the run (the condition held for `grace`). */
  trips: boolean;
}

/** Buckets per window: the window's edge is this fine (5 % of the window). */
const BUCKETS_PER_WINDOW = 20;

/**
 * The burn rate of one SLO scope over a sliding window, and the grace before it trips. Bounded
 * whatever the rate of calls: an evaluation drops the buckets that left the window, so with one
 * evaluation per window or more often (the scenario's checks ask every <= window) it holds at most
 * 2 x BUCKETS_PER_WINDOW + 1 buckets.
 */
export class BurnTracker {
  private readonly bucketMs: number;
  /** bucket index (floor(at / bucketMs)) -> counts */
  private readonly buckets = new Map<number, { samples: number; bad: number }>();
  private overSince: number | undefined;
  private trippedAt: number | undefined;

  constructor(
    readonly plan: HaltPlan,
    readonly rule: BadRule,
  ) {
    this.bucketMs = Math.max(1, plan.windowMs / BUCKETS_PER_WINDOW);
  }

  /** An event at `at` (when its outcome became known). */
  add(at: number, e: BurnEvent): void {
    const c = classify(this.rule, e);
    if (c.samples === 0) return;
    const slot = Math.floor(at / this.bucketMs);
    const b = this.buckets.get(slot);
    if (b) {
      b.samples += c.samples;
      b.bad += c.bad;
    } else this.buckets.set(slot, { samples: c.samples, bad: c.bad });
  }

  get tripped(): boolean {
    return this.trippedAt !== undefined;
  }

  /**
   * The burn rate at `now` over (now - window, now], with `inFlightBad` calls in scope still in
   * flight past their limit; whether it trips (once: later readings keep the trip's overSince and
   * never trip again).
   */
  evaluate(now: number, inFlightBad: number): BurnReading {
    const oldest = Math.floor((now - this.plan.windowMs) / this.bucketMs);
    let samples = inFlightBad;
    let bad = inFlightBad;
    for (const [slot, b] of this.buckets) {
      // A bucket that ends at or before the window's start is out; the one the start falls in is
      // in, so the window is at most one bucket (5 %) longer than asked, never shorter.
      if (slot < oldest) this.buckets.delete(slot);
      else {
        samples += b.samples;
        bad += b.bad;
      }
    }
    const burnRate = samples > 0 ? bad / samples / this.rule.budget : null;
    const over = burnRate !== null && samples >= this.plan.minSamples && burnRate >= this.plan.burnRate;
    if (this.trippedAt === undefined) {
      if (over) {
        this.overSince ??= now;
        if (now - this.overSince >= this.plan.graceMs) this.trippedAt = now;
      } else this.overSince = undefined;
    }
    return {
      at: now,
      samples,
      bad,
      inFlight: inFlightBad,
      burnRate,
      over,
      overSince: over || this.trippedAt !== undefined ? this.overSince : undefined,
      trips: this.trippedAt === now,
    };
  }
}

/** "950 ms", "6.25 s": the halt's times, to the hundredth of a second above one. */
export function secondsText(ms: number): string {
  return Math.abs(ms) < 1000 ? formatMs(ms) : `${(ms / 1000).toFixed(2)} s`;
}

/** "3.20x" */
export function burnText(rate: number): string {
  return `${rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2)}x`;
}

/** The one sentence results.json, the report, summary.md, junit.xml and the terminal say about a halt. */
export function haltedText(h: Omit<HaltedResult, "text">): string {
  const c = h.condition;
  const planned = h.plannedMs === null ? "" : ` of ${secondsText(h.plannedMs)} planned`;
  const flight = h.inFlight > 0 ? `, ${h.inFlight} of them still in flight past their limit` : "";
  return (
    `halted ${secondsText(h.atMs)} into the measurement window${planned}: ${h.slo} burned its error budget at ${burnText(h.burnRate)} ` +
    `over the last ${secondsText(c.windowMs)} (${h.bad} of ${h.samples} calls bad${flight}; the objective allows ${+(h.budget * 100).toPrecision(3)} % bad), ` +
    `at or above ${burnText(c.burnRate)} with at least ${c.minSamples} calls for ${secondsText(h.atMs - h.overSinceMs)} (grace ${secondsText(c.graceMs)}, evaluated every ${secondsText(c.everyMs)}); ` +
    `the load stopped, faults were healed, and the window ended after the calls in flight answered or timed out (${secondsText(h.measuredMs)} measured)`
  );
}

/**
 * The verdicts after a halt: the SLO that halted the run fails on the halt itself (its budget was
 * burning too fast to go on), whatever its figure over the shortened window would say, and its
 * reason says both; the others stand as judged on what was measured before the halt.
 */
export function judgeHalted(slos: readonly SloResult[], h: HaltedResult): SloResult[] {
  return slos.map((slo) =>
    slo.id !== h.slo
      ? slo
      : {
          ...slo,
          verdict: "fail",
          reason: `judged fail on the halt: ${h.text}. Over the ${secondsText(h.measuredMs)} measured, ${slo.measuredText} alone would be ${slo.verdict}: ${slo.reason}`,
        },
  );
}
