import { describe, expect, it } from "vitest";
import { StopWaiting, WaitTimeoutError, waitFor, waitUpTo } from "./wait-for.js";

describe("waitFor", () => {
  it("returns the first value that is not undefined or false, after as many attempts as it took", async () => {
    const seen: number[] = [];
    const value = await waitFor(
      (attempt) => {
        seen.push(attempt);
        return attempt === 3 ? "ready" : attempt === 2 ? false : undefined;
      },
      { what: "the third attempt", timeoutMs: 10_000, intervalMs: 1 },
    );
    expect(value).toBe("ready");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("counts a throwing probe as not yet, and quotes the last error when the time is up", async () => {
    let attempts = 0;
    const failed = await waitFor(
      () => {
        attempts++;
        throw new Error(`connect ECONNREFUSED (attempt ${attempts})`);
      },
      { what: "a server to answer", timeoutMs: 150, intervalMs: 10 },
    ).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(WaitTimeoutError);
    const timeout = failed as WaitTimeoutError;
    expect(timeout.message).toBe(`a server to answer: not within 150 ms (last: connect ECONNREFUSED (attempt ${attempts}))`);
    expect(timeout.lastProblem).toBe(`connect ECONNREFUSED (attempt ${attempts})`);
    expect(timeout.attempts).toBe(attempts);
    // Attempts at least 10 ms apart within 150 ms: more than one, and bounded.
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThanOrEqual(17);
  });

  it("keeps the last error across later attempts that only say 'not yet'; without any error the message has no 'last'", async () => {
    const failed = (await waitFor((attempt) => (attempt === 1 ? Promise.reject(new Error("refused")) : undefined), {
      what: "x",
      timeoutMs: 30,
      intervalMs: 5,
    }).catch((err: unknown) => err)) as WaitTimeoutError;
    expect(failed.lastProblem).toBe("refused");
    const plain = (await waitFor(() => false, { what: "a socket to appear", timeoutMs: 0, intervalMs: 5 }).catch((err: unknown) => err)) as WaitTimeoutError;
    expect(plain.message).toBe("a socket to appear: not within 0 ms");
    expect(plain.attempts).toBe(1);
  });

  it("stops at once with the reason a probe gives through StopWaiting", async () => {
    const exited = new Error("redis-server exited (code 1) before answering PING");
    let attempts = 0;
    const started = performance.now();
    const failed = await waitFor(
      (attempt) => {
        attempts = attempt;
        if (attempt === 2) throw new StopWaiting(exited);
        return undefined;
      },
      { what: "redis", timeoutMs: 60_000, intervalMs: 1 },
    ).catch((err: unknown) => err);
    expect(failed).toBe(exited);
    expect(attempts).toBe(2);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("ends at once when its signal aborts, with the signal's reason, mid-pause", async () => {
    const controller = new AbortController();
    const reason = new Error("interrupted");
    setTimeout(() => controller.abort(reason), 50);
    const started = performance.now();
    const failed = await waitFor(() => undefined, { what: "never", timeoutMs: 60_000, intervalMs: 30_000, signal: controller.signal }).catch(
      (err: unknown) => err,
    );
    expect(failed).toBe(reason);
    expect(performance.now() - started).toBeLessThan(20_000);
    const already = await waitFor(() => "value", { what: "x", timeoutMs: 1000, intervalMs: 1, signal: AbortSignal.abort(reason) }).catch((err: unknown) => err);
    expect(already).toBe(reason);
  });

  it("tells onNotYet each failed attempt that another will follow, with its own problem", async () => {
    const told: string[] = [];
    await waitFor(
      (attempt) => {
        if (attempt === 1) throw new Error("starting up");
        return attempt === 3 ? true : undefined;
      },
      { what: "x", timeoutMs: 10_000, intervalMs: 1, onNotYet: (problem, attempt) => told.push(`${attempt}: ${problem}`) },
    );
    expect(told).toEqual(["1: starting up", "2: not ready"]);
  });

  it("refuses an interval under 1 ms or a timeout that is not a finite number, naming what it waits for", async () => {
    await expect(waitFor(() => true, { what: "postgres", timeoutMs: 100, intervalMs: 0 })).rejects.toThrow(
      "waitFor postgres: intervalMs must be a finite number >= 1, got 0",
    );
    await expect(waitFor(() => true, { what: "postgres", timeoutMs: Number.NaN, intervalMs: 10 })).rejects.toThrow(
      "timeoutMs must be a finite number >= 0, got NaN",
    );
  });
});

describe("waitUpTo", () => {
  it("returns the value when ready, undefined when the time is up; an abort or StopWaiting still rejects", async () => {
    expect(await waitUpTo((attempt) => attempt === 2 && "ready", { what: "x", timeoutMs: 10_000, intervalMs: 1 })).toBe("ready");
    let attempts = 0;
    expect(
      await waitUpTo(
        () => {
          attempts++;
          return false;
        },
        { what: "x", timeoutMs: 40, intervalMs: 10 },
      ),
    ).toBeUndefined();
    expect(attempts).toBeGreaterThan(1);
    const reason = new Error("interrupted");
    await expect(waitUpTo(() => false, { what: "x", timeoutMs: 1000, intervalMs: 1, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const gone = new Error("gone");
    await expect(
      waitUpTo(
        () => {
          throw new StopWaiting(gone);
        },
        { what: "x", timeoutMs: 1000, intervalMs: 1 },
      ),
    ).rejects.toBe(gone);
  });
});
