/**
 * A phase lasts its whole duration on performance.now(), the clock its window is measured on: the
 * recorder's window ends when runPhase returns, and a window planned for 12 s that measured
 * 11.9999 s (a timer firing a millisecond early) or 11.9 s (an open loop ending at its last
 * arrival's answer) would overstate throughput and break "measured >= planned" gates.
 */
import { describe, expect, it } from "vitest";
import { runPhase } from "./sdk-driver.js";

const ROUNDS = 30;
const DURATION_MS = 40;

describe("runPhase ends no earlier than its duration", () => {
  it("closed model with think time: every phase's elapsed time is at least its duration", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      const stats = await runPhase({
        load: { model: "closed", thinkTimeMs: 7 },
        workers: 2,
        operation: async () => {},
        durationMs: DURATION_MS + round / 10,
        count: undefined,
        signal: new AbortController().signal,
        t0,
      });
      const ended = performance.now() - t0;
      expect(stats.elapsedMs, `round ${round}`).toBeGreaterThanOrEqual(DURATION_MS + round / 10);
      expect(ended).toBeGreaterThanOrEqual(stats.elapsedMs);
    }
  });

  it("open model: the phase runs to its end, not to its last arrival's answer", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      // At 30/s over 40 ms the last arrival is due at 33.3 ms and answers at once.
      const stats = await runPhase({
        load: { model: "open", rate: 30, maxInFlight: 100 },
        workers: 1,
        operation: async () => {},
        durationMs: DURATION_MS + round / 10,
        count: undefined,
        signal: new AbortController().signal,
        t0,
      });
      expect(stats.offered).toBe(2);
      expect(stats.elapsedMs, `round ${round}`).toBeGreaterThanOrEqual(DURATION_MS + round / 10);
    }
  });

  it("a phase stopped by its signal (a halt) ends then, not at its planned end", async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    const t0 = performance.now();
    const stats = await runPhase({
      load: { model: "open", rate: 10, maxInFlight: 100 },
      workers: 1,
      operation: async () => {},
      durationMs: 5_000,
      count: undefined,
      signal: stop.signal,
      t0,
    });
    expect(stats.elapsedMs).toBeLessThan(1_000);
  });
});
