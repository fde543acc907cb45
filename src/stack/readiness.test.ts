import { describe, expect, it } from "vitest";
import { waitUntilReady } from "./readiness.js";

describe("waitUntilReady", () => {
  it("returns the first answer; earlier rejections mean 'not yet'", async () => {
    let attempts = 0;
    const value = await waitUntilReady(
      async () => {
        attempts++;
        if (attempts < 3) throw new Error(`refused ${attempts}`);
        return "PONG";
      },
      { what: "did not answer", timeoutMs: 10_000, intervalMs: 1 },
    );
    expect(value).toBe("PONG");
    expect(attempts).toBe(3);
  });

  it("gives up after the deadline, naming what did not happen and the last problem", async () => {
    let attempts = 0;
    const t0 = performance.now();
    const err = await waitUntilReady(
      async () => {
        attempts++;
        throw new Error(`ECONNREFUSED (attempt ${attempts})`);
      },
      { what: "did not answer PING", timeoutMs: 200, intervalMs: 20 },
    ).catch((e: unknown) => e as Error);
    const elapsed = performance.now() - t0;
    expect(err.message).toBe(`did not answer PING within 200 ms (last: ECONNREFUSED (attempt ${attempts}))`);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    // Bounded by the interval: about 200/20 attempts (fewer when the machine is busy), never unbounded.
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(12);
  });

  it("stops at once when alive() throws, with its error, and hands it the last problem", async () => {
    const seen: string[] = [];
    let attempts = 0;
    const err = await waitUntilReady(
      async () => {
        attempts++;
        throw new Error("starting up");
      },
      {
        what: "did not answer",
        timeoutMs: 60_000,
        intervalMs: 1,
        alive: (last) => {
          seen.push(last);
          if (attempts >= 2) throw new Error(`exited (code 1) (last: ${last})`);
        },
      },
    ).catch((e: unknown) => e as Error);
    expect(err.message).toBe("exited (code 1) (last: starting up)");
    expect(attempts).toBe(2);
    expect(seen).toEqual(["no answer yet", "starting up", "starting up"]);
  });

  it("an aborted signal ends the wait with its reason", async () => {
    const controller = new AbortController();
    const waiting = waitUntilReady(
      async () => {
        throw new Error("not yet");
      },
      { what: "did not answer", timeoutMs: 60_000, intervalMs: 10_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error("interrupted")), 20);
    await expect(waiting).rejects.toThrow("interrupted");
  });
});
