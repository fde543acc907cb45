/**
 * The one poll-until-ready loop of the stack's starters (Redis, PostgreSQL, Toxiproxy, containers,
 * the podman service): an attempt every `intervalMs` until one answers, a deadline, and the last
 * problem in the timeout error. Written here rather than taken from p-wait-for because the callers
 * need two things it lacks: the last attempt's error in the message, and a check that gives up at
 * once (the process exited: waiting on is pointless).
 */
import { sleep } from "../util/sleep.js";

export interface ReadinessWait {
  /** What did not happen, as the timeout error says it: `${what} within ${timeoutMs} ms (last: <the last problem>)`. */
  what: string;
  timeoutMs: number;
  intervalMs: number;
  /** Before each attempt, with the last attempt's problem: throws to stop waiting at once with that error (the process exited, the container stopped). */
  alive?: (lastProblem: string) => void | Promise<void>;
  signal?: AbortSignal;
}

/** Calls `attempt` until it resolves (its value is returned); a rejection means "not yet", and its message is the last problem. */
export async function waitUntilReady<T>(attempt: () => Promise<T>, wait: ReadinessWait): Promise<T> {
  const deadline = performance.now() + wait.timeoutMs;
  let last = "no answer yet";
  for (;;) {
    wait.signal?.throwIfAborted();
    await wait.alive?.(last);
    try {
      return await attempt();
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (performance.now() >= deadline) throw new Error(`${wait.what} within ${wait.timeoutMs} ms (last: ${last})`);
    await sleep(wait.intervalMs, wait.signal);
  }
}
