/**
 * Time-based availability and the closed model's count correction, as
 * ../shared/measurement.md ("Availability and success rate") defines them.
 * Pure arithmetic on finished calls (and backoff waits), all on the
 * performance.now() clock, so it is tested with hand-made sequences.
 *
 * Availability. Every (agent, server) pair has a timeline that is cut into
 * good and bad time: time inside a call that succeeded, and the time after it
 * (think time, calls to other servers) until that agent's next call to the
 * server, is good; time inside a call that failed or passed its deadline, and
 * from then until the agent's next success, is bad. Time before the pair's
 * first call in the window is not observed (nothing is known of it) unless a
 * warm-up call left a state to carry over. Everything is clipped to the
 * measurement window. availability = good / (good + bad).
 *
 * A call still in flight when the window ends counts by its outcome, clipped
 * to the window. In the open model the calls of one worker overlap: each
 * finished call claims only the time after the end of the previous finished
 * one (a cursor moving in completion order), so no instant counts twice.
 *
 * Count correction (closed model). An agent stuck on a call sends nothing, so
 * raw counts hide a stall. A call that timed out after L ms also stands for
 * the floor(L / I) - 1 calls the agent would have sent to that server in that
 * time at its recent pace I (HdrHistogram's expected-interval correction,
 * applied to counts); a backoff of B ms after a transport failure stands for
 * floor(B / I). I is a moving average (over about the last second) of
 * start-to-start intervals between an agent's consecutive calls to the server,
 * taken only after successful calls so a stall never slows the pace it is
 * measured against. Every missed call
 * is a failure of the server that held the agent. No pace known yet (the very
 * first call timed out): no correction, rather than a guess.
 *
 * Memory: one small record per (agent, server) and (agent, server, tool),
 * which the scenario bounds; nothing grows with the run's length.
 */

export interface ObservedCall {
  /** Who sent it. Undefined when the driver does not say (k6, autocannon): then one timeline per server and no count correction. */
  agent: number | undefined;
  server: string;
  tool: string;
  /** Intended send (open model) or actual send (closed model). */
  startedAt: number;
  endedAt: number;
  ok: boolean;
  /** The call passed its deadline without an answer. */
  timedOut: boolean;
  /** False for warm-up calls: they only carry the state (and pace) into the window. */
  measured: boolean;
}

export interface TimeSplit {
  goodMs: number;
  badMs: number;
}

/**
 * Memory of the pace, in time rather than in calls: the pace is the agent's mean interval over
 * about the last second, whether it calls every millisecond or every few hundred. A count-based
 * average of a fast agent would remember a few milliseconds, so one scheduling hiccup just
 * before a stall would set the pace of the whole correction; and weighting intervals by the time
 * they cover would let rare long ones dominate (a time-weighted mean of intervals is
 * sum(I^2) / sum(I), not the mean).
 */
const PACE_MEMORY_MS = 1000;

class Timeline {
  /** Time before this instant is assigned; undefined before the first call. */
  private cursor: number | undefined;
  /** Whether the time after the cursor is good (last outcome); undefined when unknown. */
  private state: boolean | undefined;
  goodMs = 0;
  badMs = 0;

  constructor(
    readonly server: string,
    readonly tool: string | undefined,
  ) {}

  private add(from: number, to: number, good: boolean, windowStart: number, windowEnd: number | undefined): void {
    const a = Math.max(from, windowStart);
    const b = windowEnd === undefined ? to : Math.min(to, windowEnd);
    if (b <= a) return;
    if (good) this.goodMs += b - a;
    else this.badMs += b - a;
  }

  observe(c: ObservedCall, windowStart: number, windowEnd: number | undefined): void {
    if (!c.measured) {
      // Warm-up: no time is counted, but the outcome says what the first moments of the window were.
      if (this.cursor === undefined || c.endedAt >= this.cursor) {
        this.cursor = c.endedAt;
        this.state = c.ok;
      }
      return;
    }
    // Nothing is known of the time before the first call: it is not observed.
    this.cursor ??= c.startedAt;
    // Finished before the cursor (out-of-order report): its time was already assigned.
    if (c.endedAt < this.cursor) return;
    if (c.startedAt > this.cursor && this.state !== undefined) this.add(this.cursor, c.startedAt, this.state, windowStart, windowEnd);
    this.add(Math.max(c.startedAt, this.cursor), c.endedAt, c.ok, windowStart, windowEnd);
    this.cursor = c.endedAt;
    this.state = c.ok;
  }

  /** Good and bad time so far, with the time from the last call to the window's end counted by its outcome. */
  totals(windowStart: number, windowEnd: number): TimeSplit {
    let { goodMs, badMs } = this;
    if (this.cursor !== undefined && this.state !== undefined) {
      const a = Math.max(this.cursor, windowStart);
      if (windowEnd > a) {
        if (this.state) goodMs += windowEnd - a;
        else badMs += windowEnd - a;
      }
    }
    return { goodMs, badMs };
  }
}

class Pace {
  private lastStart: number | undefined;
  private lastOk = false;
  /** Calls and time, each decayed by exp(-age / PACE_MEMORY_MS): their ratio is the recent mean interval. */
  private calls = 0;
  private timeMs = 0;

  get intervalMs(): number | undefined {
    return this.calls > 0 ? this.timeMs / this.calls : undefined;
  }

  sent(startedAt: number, ok: boolean): void {
    if (this.lastStart !== undefined && this.lastOk && startedAt > this.lastStart) {
      const interval = startedAt - this.lastStart;
      const decay = Math.exp(-interval / PACE_MEMORY_MS);
      this.calls = this.calls * decay + 1;
      this.timeMs = this.timeMs * decay + interval;
    }
    this.lastStart = startedAt;
    this.lastOk = ok;
  }
}

export class AvailabilityTracker {
  private readonly byServer = new Map<string, Timeline>();
  private readonly byTool = new Map<string, Timeline>();
  private readonly paces = new Map<string, Pace>();
  private readonly missedCalls = new Map<string, { server: string; tool: string; n: number }>();
  private windowStart: number;
  private windowEnd: number | undefined;

  /** `correctCounts`: the closed model (an agent waits for each answer); the open model sends on schedule and needs none. */
  constructor(
    readonly correctCounts: boolean,
    windowStart: number,
  ) {
    this.windowStart = windowStart;
  }

  /** The measurement window opens (again, when warm-up ended later than planned). */
  open(start: number): void {
    this.windowStart = start;
  }

  close(end: number): void {
    this.windowEnd ??= end;
  }

  private timeline(map: Map<string, Timeline>, key: string, server: string, tool: string | undefined): Timeline {
    let t = map.get(key);
    if (!t) {
      t = new Timeline(server, tool);
      map.set(key, t);
    }
    return t;
  }

  private pace(agent: number, server: string): Pace {
    const key = `${agent}\u0000${server}`;
    let p = this.paces.get(key);
    if (!p) {
      p = new Pace();
      this.paces.set(key, p);
    }
    return p;
  }

  /** Adds `n` missed calls (none when n <= 0); returns how many were added. */
  private addMissed(server: string, tool: string, n: number): number {
    if (n <= 0) return 0;
    const key = `${server}\u0000${tool}`;
    const m = this.missedCalls.get(key);
    if (m) m.n += n;
    else this.missedCalls.set(key, { server, tool, n });
    return n;
  }

  /** Takes a finished call into the timelines; returns the missed calls the correction counts with it (0 unless it timed out in the closed model). */
  observe(c: ObservedCall): number {
    const who = c.agent === undefined ? "-" : String(c.agent);
    this.timeline(this.byServer, `${who}\u0000${c.server}`, c.server, undefined).observe(c, this.windowStart, this.windowEnd);
    this.timeline(this.byTool, `${who}\u0000${c.server}\u0000${c.tool}`, c.server, c.tool).observe(c, this.windowStart, this.windowEnd);
    if (!this.correctCounts || c.agent === undefined) return 0;
    const pace = this.pace(c.agent, c.server);
    pace.sent(c.startedAt, c.ok);
    if (c.measured && c.timedOut && pace.intervalMs !== undefined) {
      return this.addMissed(c.server, c.tool, Math.floor((c.endedAt - c.startedAt) / pace.intervalMs) - 1);
    }
    return 0;
  }

  /**
   * An agent waited `ms` before its next call to a server it had lost (backoff after a
   * transport failure). The time is already bad (the last outcome was a failure); in the
   * closed model it also stands for the calls the agent would have sent meanwhile (returned).
   */
  waited(w: { agent: number; server: string; tool: string; ms: number; measured: boolean }): number {
    if (!this.correctCounts || !w.measured) return 0;
    const interval = this.pace(w.agent, w.server).intervalMs;
    return interval === undefined ? 0 : this.addMissed(w.server, w.tool, Math.floor(w.ms / interval));
  }

  /** Good and bad time in scope, summed over agents (a tool scope uses per-tool timelines). */
  time(scope: { server?: string; tool?: string }, now: number): TimeSplit {
    const end = this.windowEnd ?? now;
    const map = scope.tool === undefined ? this.byServer : this.byTool;
    let goodMs = 0;
    let badMs = 0;
    for (const t of map.values()) {
      if (scope.server !== undefined && t.server !== scope.server) continue;
      if (scope.tool !== undefined && t.tool !== scope.tool) continue;
      const s = t.totals(this.windowStart, end);
      goodMs += s.goodMs;
      badMs += s.badMs;
    }
    return { goodMs, badMs };
  }

  /** Calls the closed model's agents would have sent in scope but could not (all failures). */
  missed(scope: { server?: string; tool?: string }): number {
    let n = 0;
    for (const m of this.missedCalls.values()) {
      if (scope.server !== undefined && m.server !== scope.server) continue;
      if (scope.tool !== undefined && m.tool !== scope.tool) continue;
      n += m.n;
    }
    return n;
  }
}
