/** Polling for something outside the test process (a server's readiness, a query's answer). */

/**
 * Calls `probe` every `everyMs` until it returns something other than undefined, and returns that.
 * A probe that throws counts as "not yet"; the last error is quoted when the time is up.
 */
export async function waitFor<T>(what: string, withinMs: number, probe: () => Promise<T | undefined>, everyMs = 200): Promise<T> {
  const until = performance.now() + withinMs;
  let last: unknown;
  while (performance.now() < until) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not within ${withinMs} ms${last ? ` (last error: ${String(last)})` : ""}`);
}
