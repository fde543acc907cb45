/**
 * Starting independent things at once without losing what started: every start is awaited (settled)
 * before a failure is thrown, so a caller that stops "everything that started" after a failure finds
 * every piece made, none made a moment later; and a bound on how many run at once.
 */

/**
 * Awaits every promise; when one or more rejected, throws the first rejection in `promises` order
 * (after all have settled), else returns the values in order.
 */
export async function allSettledOrThrow<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  for (const x of settled) if (x.status === "rejected") throw x.reason;
  return settled.map((x) => (x as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** At most `limit` tasks at once; the others wait their turn in the order they were asked for. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`Limiter: limit must be at least 1, got ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter: `active` stays counted for it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
