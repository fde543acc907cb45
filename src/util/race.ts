/**
 * Promises that only ever reject, for `Promise.race` against work that must not outlast a deadline
 * or an interruption. Each comes with `dispose`, which stops its timer or listener: a race that won
 * must leave nothing behind that keeps the loop alive or fires later. Their rejections are marked
 * handled, since nobody may be racing them any more when they fire.
 */

export interface Rejection {
  readonly promise: Promise<never>;
  dispose(): void;
}

const never: Rejection = { promise: new Promise<never>(() => undefined), dispose: () => undefined };

/** Rejects with `error()` when `signal` aborts (at once when it has); never without a signal. */
export function rejectOnAbort(signal: AbortSignal | undefined, error: () => Error): Rejection {
  if (!signal) return never;
  let onAbort: () => void = () => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(error());
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => signal.removeEventListener("abort", onAbort) };
}

/** Rejects with "the run was interrupted" when the run's signal aborts. */
export function interruption(signal: AbortSignal | undefined): Rejection {
  return rejectOnAbort(signal, () => new Error("the run was interrupted"));
}

/** Rejects with `error()` once `ms` have passed; `error` is called then, so it can say what was still awaited. */
export function deadline(ms: number, error: () => Error): Rejection {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => clearTimeout(timer) };
}
