/**
 * Polling until something outside this process is ready: a server answers, a socket appears, a
 * process is gone. Every readiness loop of the harness and its tests uses this one, so each has a
 * deadline, an interval, an abort signal and says in its timeout what went wrong last.
 *
 * Written here rather than taken from p-wait-for: there a probe that throws ends the wait at once
 * (a refused connection is the normal "not yet" of a starting server), its timeout message cannot
 * quote the last problem, and "stop at once, this will never be ready" (the process died) has no
 * way through; wrapping each of those around it would be longer than this loop.
 */
import { sleepUntil } from "./sleep.js";

/** What a probe returns when it is not ready yet; anything else is the awaited value. */
export type NotYet = undefined | false;

export interface WaitForOptions {
  /** What is awaited, for the timeout message: "redis-server to answer PING". */
  what: string;
  /** The wait fails after this long (on performance.now()); one last attempt is made at the deadline. */
  timeoutMs: number;
  /** Pause between attempts (at least 1 ms, so the loop is bounded in count too). */
  intervalMs: number;
  /** Aborting ends the wait at once, rejecting with the signal's reason. */
  signal?: AbortSignal;
  /** Called after an attempt that was not ready when another will follow, with its problem (its error's message, else "not ready"). */
  onNotYet?: (problem: string, attempt: number) => void;
}

/** The deadline passed: `lastProblem` is the message of the last error a probe threw, if any did. */
export class WaitTimeoutError extends Error {
  readonly what: string;
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly lastError: unknown;
  readonly lastProblem: string | undefined;

  constructor(what: string, timeoutMs: number, attempts: number, lastError: unknown) {
    const lastProblem = lastError === undefined ? undefined : problemOf(lastError);
    super(`${what}: not within ${timeoutMs} ms${lastProblem === undefined ? "" : ` (last: ${lastProblem})`}`);
    this.name = "WaitTimeoutError";
    this.what = what;
    this.timeoutMs = timeoutMs;
    this.attempts = attempts;
    this.lastError = lastError;
    this.lastProblem = lastProblem;
  }
}

/**
 * Thrown by a probe when waiting longer cannot help (the process being waited for has exited, its
 * port is taken): waitFor stops at once and rejects with `reason`, not with a timeout.
 */
export class StopWaiting extends Error {
  readonly reason: unknown;

  constructor(reason: unknown) {
    super(`stopped waiting: ${problemOf(reason)}`);
    this.name = "StopWaiting";
    this.reason = reason;
  }
}

/**
 * Calls `probe` until it returns something other than undefined or false, and returns that. A probe
 * that throws counts as "not yet" (its error is the last problem), except with StopWaiting. Attempts
 * are `intervalMs` apart and never overlap: a slow attempt delays the next, and the deadline is
 * checked after each, so the wait ends within about timeoutMs plus one attempt.
 */
export async function waitFor<T>(probe: (attempt: number) => Promise<T | NotYet> | T | NotYet, options: WaitForOptions): Promise<T> {
  const { what, timeoutMs, signal, onNotYet } = options;
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) throw new RangeError(`waitFor ${what}: timeoutMs must be a finite number >= 0, got ${timeoutMs}`);
  if (!(Number.isFinite(options.intervalMs) && options.intervalMs >= 1))
    throw new RangeError(`waitFor ${what}: intervalMs must be a finite number >= 1, got ${options.intervalMs}`);
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    let problem = "not ready";
    try {
      const value = await probe(attempt);
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      if (err instanceof StopWaiting) throw err.reason;
      lastError = err;
      problem = problemOf(err);
    }
    signal?.throwIfAborted();
    const remaining = deadline - performance.now();
    if (remaining <= 0) throw new WaitTimeoutError(what, timeoutMs, attempt, lastError);
    onNotYet?.(problem, attempt);
    // Until the pause has passed on performance.now(), not a timer's word for it: timers fire up to a
    // millisecond early, and ten early pauses gave 13 attempts where a 200 ms wait at 20 ms allows 11.
    await sleepUntil(performance.now() + Math.max(1, Math.min(options.intervalMs, remaining)), signal);
  }
}

function problemOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * As waitFor, but when the time is up it resolves undefined instead of rejecting: for a caller that
 * looks again itself afterwards (a reaper that reports what is still there, a test whose expect then
 * names what is left). An abort or a StopWaiting still rejects.
 */
export async function waitUpTo<T>(probe: (attempt: number) => Promise<T | NotYet> | T | NotYet, options: WaitForOptions): Promise<T | undefined> {
  try {
    return await waitFor(probe, options);
  } catch (err) {
    if (err instanceof WaitTimeoutError) return undefined;
    throw err;
  }
}
