import { beforeAll, describe, expect, it } from "vitest";
import { preparePreciseWait, waitUntilPrecise } from "./precise-wait.js";

describe("waitUntilPrecise", () => {
  it("before its thread was started, waits on timers, never ending early", async () => {
    const deadline = performance.now() + 2.5;
    await waitUntilPrecise(deadline);
    expect(performance.now()).toBeGreaterThanOrEqual(deadline);
  });
});

describe("waitUntilPrecise with its thread", () => {
  beforeAll(() => preparePreciseWait());

  it("never ends before its deadline, for waits shorter and longer than a timer's granularity", async () => {
    for (const ms of [0.02, 0.3, 0.9, 2.5, 7]) {
      for (let i = 0; i < 20; i++) {
        const deadline = performance.now() + ms;
        await waitUntilPrecise(deadline);
        expect(performance.now()).toBeGreaterThanOrEqual(deadline);
      }
    }
  });

  it("ends at once when its signal aborts", async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    await waitUntilPrecise(started + 60_000, controller.signal);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("a wait that a second one replaced still ends no earlier than its deadline", async () => {
    const now = performance.now();
    const first = now + 2;
    const second = now + 1;
    await Promise.all([
      waitUntilPrecise(first).then(() => expect(performance.now()).toBeGreaterThanOrEqual(first)),
      waitUntilPrecise(second).then(() => expect(performance.now()).toBeGreaterThanOrEqual(second)),
    ]);
  });
});
