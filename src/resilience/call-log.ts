/**
 * The agents' view of the calls to servers with a policy or a switch: one record per call an agent made
 * (whatever attempts, retries and fallbacks it took), kept in columns for the measurement window. The
 * per-server recorder (src/metrics/recorder.ts) keeps what each server itself answered; this keeps what
 * the agents got, which is what a fallback's degradation and a canary's comparison are about.
 */

/** Who answered a call. */
export const ROUTE = { primary: 0, fallback: 1, degraded: 2, versionB: 3, baseline: 4 } as const;
export type Route = (typeof ROUTE)[keyof typeof ROUTE];

/** At most this many calls are kept per server: far above a nightly window, far below the machine's memory (4 numbers each). */
export const MAX_LOGGED_CALLS = 5_000_000;

export interface LoggedCall {
  agent: number;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  route: Route;
  retried: boolean;
  shortCircuited: boolean;
}

const OK = 1;
const RETRIED = 2;
const SHORT = 4;

/** The calls of one server the agents call, in the order they ended. */
export class CallLog {
  private readonly agents: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly routes: number[] = [];
  private readonly flags: number[] = [];
  notKept = 0;

  add(c: LoggedCall): void {
    if (this.starts.length >= MAX_LOGGED_CALLS) {
      this.notKept++;
      return;
    }
    this.agents.push(c.agent);
    this.starts.push(c.startedAt);
    this.ends.push(c.endedAt);
    this.routes.push(c.route);
    this.flags.push((c.ok ? OK : 0) | (c.retried ? RETRIED : 0) | (c.shortCircuited ? SHORT : 0));
  }

  get size(): number {
    return this.starts.length;
  }

  /** Every call started in [from, to) (performance.now() times), optionally only those `keep` accepts. */
  *calls(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): Generator<LoggedCall> {
    for (let i = 0; i < this.starts.length; i++) {
      const s = this.starts[i]!;
      if (s < from || s >= to) continue;
      const f = this.flags[i]!;
      yield {
        agent: this.agents[i]!,
        startedAt: s,
        endedAt: this.ends[i]!,
        ok: (f & OK) !== 0,
        route: this.routes[i] as Route,
        retried: (f & RETRIED) !== 0,
        shortCircuited: (f & SHORT) !== 0,
      };
    }
  }
}
