/**
 * The sdk driver's scheduler under a load shape (runPhase with load.shape), on an operation of its
 * own process that only notes when and by whom it was started: what is checked is the schedule
 * itself (which arrivals were due when, which agents ran when), not a server.
 */
import { describe, expect, it } from "vitest";
import { activeAgents, shapeDurationMs, ShapedArrivals, type LoadShape } from "../contracts/load-shape.js";
import { sleep } from "../util/sleep.js";
import { runPhase } from "./sdk-driver.js";

describe("runPhase with a load shape", () => {
  it("open model: sends every arrival of the integrated schedule, each timed from its own due time", async () => {
    const shape: LoadShape = {
      start: 200,
      stages: [
        { durationMs: 300, target: 200 },
        { durationMs: 100, target: 1000 },
        { durationMs: 300, target: 1000 },
        { durationMs: 100, target: 0 },
        { durationMs: 200, target: 0 },
      ],
    };
    const due: number[] = [];
    const arrivals = new ShapedArrivals(shape);
    for (let k = 0; k < 10_000; k++) {
      const t = arrivals.timeOf(k);
      if (t === undefined || t >= shapeDurationMs(shape)) break;
      due.push(t);
    }
    const sent: number[] = [];
    const t0 = performance.now();
    const stats = await runPhase({
      load: { model: "open", rate: 200, maxInFlight: 100_000, shape },
      workers: 4,
      operation: async (_worker, _seq, intendedAt) => {
        sent.push(intendedAt! - t0);
      },
      durationMs: shapeDurationMs(shape),
      count: undefined,
      signal: new AbortController().signal,
      t0,
    });
    // 60 + 60 + 300 + 50 arrivals: the area under the rate.
    expect(due).toHaveLength(470);
    expect(sent).toHaveLength(due.length);
    for (const [k, t] of sent.entries()) expect(t).toBeCloseTo(due[k]!, 6);
    expect(stats.offered).toBe(due.length);
    expect(stats.dropped).toBe(0);
  });

  it("closed model: an agent runs only while the shape counts it, and joins when the shape reaches it", async () => {
    const shape: LoadShape = {
      start: 1,
      stages: [
        { durationMs: 300, target: 1 },
        { durationMs: 1, target: 4 },
        { durationMs: 300, target: 4 },
        { durationMs: 1, target: 1 },
        { durationMs: 300, target: 1 },
      ],
    };
    const starts: { worker: number; at: number }[] = [];
    const t0 = performance.now();
    await runPhase({
      load: { model: "closed", thinkTimeMs: 0, shape },
      workers: 4,
      operation: async (worker) => {
        starts.push({ worker, at: performance.now() - t0 });
        await sleep(10);
      },
      durationMs: shapeDurationMs(shape),
      count: undefined,
      signal: new AbortController().signal,
      t0,
    });
    // Every start was by an agent the shape counted then (the check is a moment before the start).
    for (const s of starts)
      expect(s.worker, `agent ${s.worker} at ${s.at.toFixed(1)} ms`).toBeLessThan(Math.max(activeAgents(shape, s.at - 2), activeAgents(shape, s.at)));
    // Agents 1..3 waited for the step up, ran during it, and were let go after it.
    for (const w of [1, 2, 3]) {
      const own = starts.filter((s) => s.worker === w);
      expect(own.length, `agent ${w}`).toBeGreaterThan(0);
      expect(Math.min(...own.map((s) => s.at)), `agent ${w}`).toBeGreaterThanOrEqual(300);
      expect(Math.max(...own.map((s) => s.at)), `agent ${w}`).toBeLessThan(603);
    }
    // Agent 0 ran throughout.
    expect(starts.some((s) => s.worker === 0 && s.at < 300)).toBe(true);
    expect(starts.some((s) => s.worker === 0 && s.at > 610)).toBe(true);
  });
});
