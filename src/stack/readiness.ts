/**
 * The stack's starters (Redis, PostgreSQL, Toxiproxy, containers, the podman service) wait on
 * util/wait-for's waitFor, the harness's one polling loop. What this adds is theirs alone: a
 * liveness check before each attempt that ends the wait at once (the process exited: waiting on is
 * pointless), and the timeout worded as the starters' errors read ("did not answer PING within
 * 5000 ms (last: ...)").
 */
import { StopWaiting, WaitTimeoutError, waitFor } from "../util/wait-for.js";

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
  let last = "no answer yet";
  try {
    return await waitFor(
      async () => {
        try {
          await wait.alive?.(last);
        } catch (err) {
          throw new StopWaiting(err);
        }
        return { value: await attempt() };
      },
      {
        what: wait.what,
        timeoutMs: wait.timeoutMs,
        intervalMs: wait.intervalMs,
        signal: wait.signal,
        onNotYet: (problem) => {
          last = problem;
        },
      },
    ).then((ready) => ready.value);
  } catch (err) {
    if (err instanceof WaitTimeoutError) throw new Error(`${wait.what} within ${wait.timeoutMs} ms (last: ${err.lastProblem ?? last})`);
    throw err;
  }
}
