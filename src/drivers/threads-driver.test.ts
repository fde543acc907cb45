import { describe, expect, it } from "vitest";
import { generatorLimit } from "./generator-health.js";
import { clockOffsetMs } from "./threads/messages.js";
import type { ThreadStats } from "./threads/messages.js";
import { agentBlocks, combineThreadStats, defaultThreads, scheduleShiftMs, threadLoad } from "./threads-driver.js";

describe("threads driver: splitting the load", () => {
  it("gives every agent to exactly one thread, in blocks that differ by at most one", () => {
    for (const [agents, threads] of [
      [5, 2],
      [4, 4],
      [1, 4],
      [64, 3],
      [7, 1],
    ] as const) {
      const blocks = agentBlocks(agents, threads);
      expect(blocks.length, `${agents} agents on ${threads} threads`).toBe(Math.min(agents, threads));
      expect(blocks.flat()).toEqual(Array.from({ length: agents }, (_, i) => i));
      const sizes = blocks.map((b) => b.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(Math.min(...sizes)).toBeGreaterThan(0);
    }
    expect(agentBlocks(5, 2)).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
  });

  it("splits the open model's rate and in-flight bound by the thread's share of agents, and leaves the closed model alone", () => {
    expect(threadLoad({ model: "open", rate: 300, maxInFlight: 10 }, 1 / 3)).toEqual({ model: "open", rate: 100, maxInFlight: 4 });
    expect(threadLoad({ model: "open", rate: 5, maxInFlight: 1 }, 0.25)).toEqual({ model: "open", rate: 1.25, maxInFlight: 1 });
    const closed = { model: "closed" as const, thinkTimeMs: 5 };
    expect(threadLoad(closed, 0.5)).toBe(closed);
  });

  it("interleaves the threads' open-model schedules one arrival of the whole rate apart; the closed model starts all at t0", () => {
    const open = { model: "open" as const, rate: 200, maxInFlight: 10 };
    expect([0, 1, 2].map((i) => scheduleShiftMs(open, i))).toEqual([0, 5, 10]);
    expect(scheduleShiftMs({ model: "closed", thinkTimeMs: 0 }, 3)).toBe(0);
  });

  it("defaults to one thread per two cores, at least one", () => {
    expect([1, 2, 3, 8, 64].map((cores) => defaultThreads(cores))).toEqual([1, 1, 1, 4, 32]);
  });
});

describe("threads driver: generator health", () => {
  const thread = (thread: number, over: Partial<ThreadStats>): ThreadStats => ({
    thread,
    agents: 2,
    offered: 1000,
    completed: 1000,
    lateSends: 0,
    dropped: 0,
    cpu: 0.3,
    eventLoopDelayP99Ms: 1,
    elapsedMs: 5000,
    tallies: [],
    ...over,
  });

  it("sums sends over the threads and keeps the worst thread's CPU and delay", () => {
    const stats = combineThreadStats([
      thread(0, { offered: 10, completed: 9, lateSends: 1, cpu: 0.2, eventLoopDelayP99Ms: 7 }),
      thread(1, { offered: 20, dropped: 2, cpu: 0.6, elapsedMs: 5100 }),
    ]);
    expect(stats).toMatchObject({ offered: 30, completed: 1009, lateSends: 1, dropped: 2, cpu: 0.6, eventLoopDelayP99Ms: 7, elapsedMs: 5100 });
    expect(stats.threads?.map((t) => [t.thread, t.offered])).toEqual([
      [0, 10],
      [1, 20],
    ]);
  });

  it("judges each thread on its own: one late thread limits the load however punctual the others were", () => {
    // Over all sends, 50 late of 20 100 is 0.25 %, under the 1 % slack; thread 0 alone sent 50 of 100 late.
    const stats = combineThreadStats([thread(0, { offered: 100, lateSends: 50 }), thread(1, { offered: 20_000 })]);
    expect(stats.lateSends / stats.offered).toBeLessThan(0.01);
    expect(generatorLimit(stats, { droppedIsBacklog: false })).toMatch(/^load thread 0 \(2 agents\): 50 late and 0 dropped sends out of 100/);
    const saturated = combineThreadStats([thread(0, {}), thread(1, { cpu: 0.97 })]);
    expect(generatorLimit(saturated, { droppedIsBacklog: false })).toBe("load thread 1 (2 agents): the harness used 97 % of a core");
    expect(generatorLimit(combineThreadStats([thread(0, {}), thread(1, {})]), { droppedIsBacklog: false })).toBeUndefined();
  });
});

describe("threads driver: one clock", () => {
  it("maps a thread's instants onto the other thread's through the shared monotonic clock", () => {
    // Read 10 ms after the main thread's reading: a main instant m is m + offset on this thread.
    const main = { perf: 100, hr: 1_000_000_000n };
    const here = { perf: 50, hr: 1_010_000_000n };
    const offset = clockOffsetMs(main, here);
    expect(offset).toBe(-60);
    // The main thread's reading itself, seen from here, is 10 ms before here's reading.
    expect(main.perf + offset).toBe(here.perf - 10);
  });
});
