import { describe, expect, it } from "vitest";
import { startLoopDelayMonitor, startLoopDelayTimeline } from "./loop-delay.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Holds the event loop for `ms`, as a busy harness would. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin */
  }
}

describe("startLoopDelayTimeline", () => {
  it("gives one point per window from t0, and the window the loop was held in shows the delay", async () => {
    const t0 = performance.now();
    const timeline = startLoopDelayTimeline(t0, 200);
    await sleep(230); // into the second window
    busy(120);
    await sleep(250);
    const points = timeline.stop();
    // 0-200, 200-400 (held), 400-600, and the partial last one from 600 if it lasted a sample's interval.
    expect(points.map((p) => p.t).slice(0, 3)).toEqual([0, 200, 400]);
    expect(points.length).toBeLessThanOrEqual(4);
    // Held 120 ms: a 10 ms sample waited about 110 ms beyond its interval (more on a loaded machine, never less).
    expect(points[1]?.p99).toBeGreaterThanOrEqual(100);
    expect(timeline.stop()).toBe(points);
  });

  it("means what the per-phase figure means: the same delay over the same stretch", async () => {
    const t0 = performance.now();
    const timeline = startLoopDelayTimeline(t0, 10_000);
    const phase = startLoopDelayMonitor();
    await sleep(50);
    busy(80);
    await sleep(50);
    const whole = phase.stop();
    const [only] = timeline.stop();
    expect(whole).toBeGreaterThanOrEqual(60);
    // One window holding the whole stretch, read by a sampler of its own: two samplers tick at unaligned 10 ms
    // phases, so a held loop shows each a delay that differs by up to one sampling interval (plus 1 ms of
    // timer granularity), never more.
    expect(Math.abs(only!.p99! - whole)).toBeLessThanOrEqual(11);
  });

  it("follows the recorder's timeline when it coarsens: windows merged pairwise, each merged window as late as its worst half", async () => {
    const t0 = performance.now();
    let interval = 100;
    const timeline = startLoopDelayTimeline(t0, () => interval);
    await sleep(130); // into the second window
    busy(60);
    await sleep(200); // windows 0, 1 (held), 2 closed; 3 open
    interval = 200; // the recorder doubled its cells: 0+1 -> 0, 2+3 -> 1
    await sleep(150);
    interval = 400; // again: (0-400) and (400-800)
    await sleep(500);
    const points = timeline.stop();
    expect(points.map((p) => p.t)).toEqual(points.map((_, j) => j * 400));
    expect(points.length).toBeGreaterThanOrEqual(2);
    // The hold sat in the first 400 ms: the merged window keeps it, the next one does not.
    expect(points[0]?.p99).toBeGreaterThanOrEqual(40);
    expect(points[1]?.p99 ?? 0).toBeLessThan(points[0]!.p99!);
  });

  it("gives no point for a window too short to hold a sample", () => {
    const timeline = startLoopDelayTimeline(performance.now(), 1000);
    expect(timeline.stop()).toEqual([]);
  });
});
