import { describe, expect, it } from "vitest";
import { AvailabilityTracker, type ObservedCall } from "./availability.js";

const call = (over: Partial<ObservedCall> & Pick<ObservedCall, "startedAt" | "endedAt">): ObservedCall => ({
  agent: 0,
  server: "s",
  tool: "t",
  ok: true,
  timedOut: false,
  measured: true,
  ...over,
});

describe("time-based availability", () => {
  it("a stall: 4 s of good calls, then three 2 s timeouts to the end of a 10 s window, is 40 % available", () => {
    const a = new AvailabilityTracker(true, 0);
    for (let t = 0; t < 4000; t++) a.observe(call({ startedAt: t, endedAt: t + 0.5 }));
    for (const t of [4000, 6000, 8000]) a.observe(call({ startedAt: t, endedAt: t + 2000, ok: false, timedOut: true }));
    a.close(10_000);
    const { goodMs, badMs } = a.time({}, 10_000);
    expect(goodMs).toBeCloseTo(4000, 6);
    expect(badMs).toBeCloseTo(6000, 6);
    // Pace: one call a millisecond, so each 2000 ms timeout stands for 1999 calls that were not sent.
    expect(a.missed({ server: "s" })).toBe(3 * 1999);
    // Raw: 4000 ok of 4003 calls. Corrected: 4000 ok of 10 000 intended calls, the share of good time.
    expect(4000 / (4003 + a.missed({}))).toBeCloseTo(goodMs / (goodMs + badMs), 6);
  });

  it("a crash and a backoff: everything after the first transport failure is bad time, and the backoff stands for the calls not sent", () => {
    const a = new AvailabilityTracker(true, 0);
    for (let t = 0; t < 1000; t += 2) a.observe(call({ startedAt: t, endedAt: t + 1 }));
    // The process dies: the call in flight fails at once, then retries back off 50, 100, 200, 400, 800, 1000 ms ...
    let t = 1000;
    a.observe(call({ startedAt: t, endedAt: t + 1, ok: false }));
    t += 1;
    let backoff = 50;
    let waitedMs = 0;
    let retries = 0;
    while (t + backoff < 3000) {
      a.waited({ agent: 0, server: "s", tool: "t", ms: backoff, measured: true });
      waitedMs += backoff;
      t += backoff;
      a.observe(call({ startedAt: t, endedAt: t + 0.1, ok: false }));
      t += 0.1;
      retries++;
      backoff = Math.min(1000, backoff * 2);
    }
    a.close(3000);
    const { goodMs, badMs } = a.time({ server: "s" }, 3000);
    expect(goodMs).toBeCloseTo(1000, 6);
    expect(badMs).toBeCloseTo(2000, 6);
    expect(retries).toBeLessThan(10); // a few retries, not thousands
    // Pace 2 ms: each backoff of B ms stands for floor(B / 2) calls.
    expect(a.missed({})).toBe(Math.floor(50 / 2) + Math.floor(100 / 2) + Math.floor(200 / 2) + Math.floor(400 / 2) + Math.floor(800 / 2));
    expect(waitedMs).toBe(1550);
  });

  it("overlapping open-model calls: each instant counts once, in completion order", () => {
    const a = new AvailabilityTracker(false, 0);
    // Completion order: [0,10) ok at 10, [8,12) ok at 12, [5,20) failed at 20.
    a.observe(call({ startedAt: 0, endedAt: 10 }));
    a.observe(call({ startedAt: 8, endedAt: 12 }));
    a.observe(call({ startedAt: 5, endedAt: 20, ok: false }));
    a.close(30);
    const { goodMs, badMs } = a.time({}, 30);
    expect(goodMs).toBe(12); // [0,12)
    expect(badMs).toBe(18); // [12,20) inside the failed call, [20,30) after it until the end
    expect(goodMs + badMs).toBe(30);
    // The open model counts scheduled calls: no correction.
    expect(a.missed({})).toBe(0);
  });

  it("a call still in flight at the window's end counts by its outcome, clipped to the window", () => {
    const a = new AvailabilityTracker(true, 0);
    a.observe(call({ startedAt: 0, endedAt: 50 }));
    a.close(100);
    a.observe(call({ startedAt: 90, endedAt: 150, ok: false, timedOut: true }));
    expect(a.time({}, 200)).toEqual({ goodMs: 90, badMs: 10 });
  });

  it("time before a pair's first call is not observed, unless warm-up left a state", () => {
    const fresh = new AvailabilityTracker(true, 0);
    fresh.observe(call({ startedAt: 20, endedAt: 30 }));
    fresh.close(40);
    expect(fresh.time({}, 40)).toEqual({ goodMs: 20, badMs: 0 });

    const carried = new AvailabilityTracker(true, 0);
    carried.observe(call({ startedAt: -20, endedAt: -10, ok: false, measured: false }));
    carried.open(100);
    carried.observe(call({ startedAt: 150, endedAt: 160 }));
    carried.close(200);
    expect(carried.time({}, 200)).toEqual({ goodMs: 50, badMs: 50 });
  });

  it("keeps agents, servers and tools apart, and sums them per scope", () => {
    const a = new AvailabilityTracker(true, 0);
    a.observe(call({ agent: 0, server: "a", tool: "x", startedAt: 0, endedAt: 10 }));
    a.observe(call({ agent: 1, server: "a", tool: "y", startedAt: 0, endedAt: 10, ok: false }));
    a.observe(call({ agent: 0, server: "b", tool: "x", startedAt: 0, endedAt: 10 }));
    a.close(20);
    expect(a.time({ server: "a" }, 20)).toEqual({ goodMs: 20, badMs: 20 });
    expect(a.time({ server: "a", tool: "y" }, 20)).toEqual({ goodMs: 0, badMs: 20 });
    expect(a.time({}, 20)).toEqual({ goodMs: 40, badMs: 20 });
  });

  it("takes the pace over about the last second: one hiccup just before a stall does not set it", () => {
    const a = new AvailabilityTracker(true, 0);
    let t = 0;
    for (; t < 2000; t++) a.observe(call({ startedAt: t, endedAt: t + 0.5 }));
    // One call answered after a 100 ms scheduling hiccup, then the stall.
    a.observe(call({ startedAt: t, endedAt: t + 100 }));
    t += 100;
    a.observe(call({ startedAt: t, endedAt: t + 2000, ok: false, timedOut: true }));
    // About 1000 calls of 1 ms and one of 100 ms in the last second: a pace near 1.1 ms, so
    // about 1800 calls missed (a moving average over a few calls would say 20 ms and 100).
    expect(a.missed({})).toBeGreaterThan(1700);
    expect(a.missed({})).toBeLessThan(2000);
  });

  it("does not correct counts without a known pace, or for calls whose sender is unknown", () => {
    const a = new AvailabilityTracker(true, 0);
    a.observe(call({ startedAt: 0, endedAt: 2000, ok: false, timedOut: true }));
    a.observe(call({ agent: undefined, startedAt: 0, endedAt: 1, ok: true }));
    a.observe(call({ agent: undefined, startedAt: 1, endedAt: 2, ok: true }));
    a.observe(call({ agent: undefined, startedAt: 2, endedAt: 2002, ok: false, timedOut: true }));
    expect(a.missed({})).toBe(0);
  });
});
