/** Resolves after `ms`, or at once when `signal` aborts; leaves no timer or listener behind either way. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Resolves once performance.now() has reached `deadline` (or at once when `signal` aborts). Node's
 * timers run on the event loop's cached millisecond clock and may fire up to a millisecond before
 * the deadline on performance.now(); a fault "for 1 s" must last at least 1 s, so the rest is slept
 * again. Bounded: each round sleeps what remains (at least 1 ms), so it ends after a few rounds.
 */
export async function sleepUntil(deadline: number, signal?: AbortSignal): Promise<void> {
  for (let round = 0; round < 10 && !signal?.aborted; round++) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) return;
    await sleep(Math.max(1, Math.ceil(remaining)), signal);
  }
}
