import { describe, expect, it } from "vitest";
import { allSettledOrThrow, Limiter } from "./concurrency.js";

/** A promise and the functions that settle it. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("allSettledOrThrow", () => {
  it("gives the values in order", async () => {
    expect(await allSettledOrThrow([Promise.resolve(1), Promise.resolve("a")])).toEqual([1, "a"]);
  });

  it("throws the first failure in order, only after every promise settled", async () => {
    const slow = deferred<number>();
    let settled = false;
    const all = allSettledOrThrow([
      Promise.reject(new Error("first")),
      slow.promise.finally(() => {
        settled = true;
      }),
      Promise.reject(new Error("second")),
    ]);
    let thrown: unknown;
    const done = all.catch((err: unknown) => {
      thrown = err;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(thrown).toBeUndefined();
    slow.resolve(1);
    await done;
    expect(settled).toBe(true);
    expect((thrown as Error).message).toBe("first");
  });
});

describe("Limiter", () => {
  it("runs at most `limit` tasks at once, the others in the order asked", async () => {
    const limiter = new Limiter(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const startedOrder: number[] = [];
    let running = 0;
    let peak = 0;
    const runs = gates.map((gate, i) =>
      limiter.run(async () => {
        startedOrder.push(i);
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
        return i;
      }),
    );
    await new Promise((r) => setTimeout(r, 0));
    expect(startedOrder).toEqual([0, 1]);
    gates[1]!.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(startedOrder).toEqual([0, 1, 2]);
    for (const g of gates) g.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(peak).toBe(2);
  });

  it("frees the slot of a task that failed", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("no")))).rejects.toThrow("no");
    expect(await limiter.run(async () => "next")).toBe("next");
  });
});
