/**
 * A circuit breaker as the design module's resilience manager keeps one (lines 187-245): count-based over
 * the latest calls to a server, shared by all agents. Closed: calls go through and their outcomes are
 * counted; when the window holds at least minCalls and the failure rate reaches the limit it opens.
 * Open: calls are not sent (the fallback answers) until openMs passed; then half open: the next
 * `halfOpenProbes` calls go through, and all must succeed to close it; any failure opens it again.
 * Written here rather than with a breaker library (opossum, cockatiel) because each decision must be an
 * event on the run's timeline at the call's own time, with the counts that made it, and the harness
 * already owns the retries, deadlines and fallbacks around it.
 */
import type { ResiliencePlan } from "../contracts/plan.js";

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerTransition {
  to: BreakerState;
  at: number;
  detail: string;
}

export class CircuitBreaker {
  private state: BreakerState = "closed";
  private readonly outcomes: boolean[] = [];
  private failures = 0;
  private openedAt = 0;
  /** Probes let through since half open, and how many of them answered ok. */
  private probesSent = 0;
  private probesOk = 0;

  constructor(
    private readonly plan: NonNullable<ResiliencePlan["breaker"]>,
    private readonly onTransition: (t: BreakerTransition) => void,
  ) {}

  get current(): BreakerState {
    return this.state;
  }

  /** Whether a call may go to the server now (a half-open probe counts as sent). */
  admit(now: number): boolean {
    if (this.state === "open") {
      if (now - this.openedAt < this.plan.openMs) return false;
      this.move("half-open", now, `open for ${Math.round(now - this.openedAt)} ms: letting ${this.plan.halfOpenProbes} probe call(s) through`);
      this.probesSent = 0;
      this.probesOk = 0;
    }
    if (this.state === "half-open") {
      if (this.probesSent >= this.plan.halfOpenProbes) return false;
      this.probesSent++;
    }
    return true;
  }

  /** When the next call may be let through (open: the end of the open time). */
  nextAdmitAt(now: number): number {
    return this.state === "open" ? this.openedAt + this.plan.openMs : now;
  }

  /** The outcome of a call the breaker admitted. */
  record(ok: boolean, now: number): void {
    if (this.state === "half-open") {
      if (!ok) {
        this.open(now, "a half-open probe call failed");
        return;
      }
      this.probesOk++;
      if (this.probesOk >= this.plan.halfOpenProbes) {
        this.outcomes.length = 0;
        this.failures = 0;
        this.move("closed", now, `${this.probesOk} probe call(s) answered ok`);
      }
      return;
    }
    if (this.state !== "closed") return;
    this.outcomes.push(ok);
    if (!ok) this.failures++;
    if (this.outcomes.length > this.plan.windowCalls && !this.outcomes.shift()) this.failures--;
    const n = this.outcomes.length;
    if (n >= this.plan.minCalls && this.failures / n >= this.plan.failureRate)
      this.open(now, `${this.failures} of the last ${n} calls failed (limit ${Math.round(this.plan.failureRate * 100)} %)`);
  }

  private open(now: number, why: string): void {
    this.openedAt = now;
    this.outcomes.length = 0;
    this.failures = 0;
    this.move("open", now, `${why}; open for ${this.plan.openMs} ms`);
  }

  private move(to: BreakerState, at: number, detail: string): void {
    this.state = to;
    this.onTransition({ to, at, detail });
  }
}
