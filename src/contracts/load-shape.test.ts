import { describe, expect, it } from "vitest";
import {
  activeAgents,
  areaUntil,
  firstTimeAtLeast,
  flatShape,
  plannedPerBucket,
  shapeDurationMs,
  ShapedArrivals,
  targetAt,
  type LoadShape,
} from "./load-shape.js";

/** Every arrival's time (ms) of a shape, in order. */
function schedule(shape: LoadShape): number[] {
  const arrivals = new ShapedArrivals(shape);
  const out: number[] = [];
  for (let k = 0; k < 1_000_000; k++) {
    const t = arrivals.timeOf(k);
    if (t === undefined || t >= shapeDurationMs(shape)) break;
    out.push(t);
  }
  return out;
}

/** Rises, falls to 0, stays there, rises from 0; rates that are no whole number per stage. */
const WAVE: LoadShape = {
  start: 20,
  stages: [
    { durationMs: 10_000, target: 20 },
    { durationMs: 1_000, target: 100 },
    { durationMs: 10_000, target: 100 },
    { durationMs: 700, target: 0 },
    { durationMs: 2_300, target: 0 },
    { durationMs: 3_300, target: 37.5 },
    { durationMs: 4_100, target: 3.3 },
  ],
};

describe("a load shape's target", () => {
  it("goes linearly from the start through each stage's target", () => {
    expect(targetAt(WAVE, -5)).toBe(20);
    expect(targetAt(WAVE, 5_000)).toBe(20);
    expect(targetAt(WAVE, 10_500)).toBeCloseTo(60, 10);
    expect(targetAt(WAVE, 11_000)).toBe(100);
    expect(targetAt(WAVE, 21_350)).toBeCloseTo(50, 10);
    expect(targetAt(WAVE, 23_000)).toBe(0);
    expect(targetAt(WAVE, 1e9)).toBe(3.3);
    expect(shapeDurationMs(WAVE)).toBe(31_400);
  });

  it("has the area of its trapezoids", () => {
    // 200 + 60 + 1000 + 35 + 0 + 61.875 + 83.64
    expect(areaUntil(WAVE, 1e9)).toBeCloseTo(200 + 60 + 1000 + 35 + 61.875 + ((37.5 + 3.3) / 2) * 4.1, 9);
    expect(areaUntil(WAVE, 10_000)).toBeCloseTo(200, 9);
    expect(areaUntil(WAVE, 0)).toBe(0);
  });
});

describe("the open model's schedule of a shape (rate integrated, not stepped)", () => {
  it("is k / rate when the shape is flat: the constant-rate schedule", () => {
    const times = schedule(flatShape(40, 2_000));
    expect(times).toHaveLength(80);
    for (const [k, t] of times.entries()) expect(t).toBeCloseTo((k * 1000) / 40, 9);
  });

  it("puts in each stage its area under the rate, within one arrival", () => {
    const times = schedule(WAVE);
    let from = 0;
    for (const [i, stage] of WAVE.stages.entries()) {
      const to = from + stage.durationMs;
      const arrivals = times.filter((t) => t >= from && t < to).length;
      const area = areaUntil(WAVE, to) - areaUntil(WAVE, from);
      expect(Math.abs(arrivals - area), `stage ${i}: ${arrivals} arrivals, area ${area}`).toBeLessThanOrEqual(1);
      from = to;
    }
    // And over any second, not only a stage: a ramp is not a staircase of per-second rates.
    for (let s = 0; s < 31; s++) {
      const n = times.filter((t) => t >= s * 1000 && t < (s + 1) * 1000).length;
      expect(Math.abs(n - (areaUntil(WAVE, (s + 1) * 1000) - areaUntil(WAVE, s * 1000))), `second ${s}`).toBeLessThanOrEqual(1);
    }
  });

  it("is due when the area passes k, in order, on rising and falling ramps alike", () => {
    const times = schedule(WAVE);
    for (let k = 1; k < times.length; k++) {
      expect(times[k]!).toBeGreaterThanOrEqual(times[k - 1]!);
      expect(areaUntil(WAVE, times[k]!)).toBeCloseTo(k, 6);
    }
    // Nothing is due while the rate is 0 (21.7 s .. 24 s): the next arrival waits for the rate to rise.
    expect(times.filter((t) => t > 21_700 + 1e-6 && t < 24_000)).toEqual([]);
    expect(times).toContain(24_000);
  });

  it("sends nothing at a rate of 0, and nothing beyond the shape", () => {
    expect(new ShapedArrivals(flatShape(0, 5_000)).timeOf(0)).toBeUndefined();
    const arrivals = new ShapedArrivals(flatShape(10, 1_000));
    expect(arrivals.timeOf(0)).toBe(0);
    expect(arrivals.timeOf(9)).toBeCloseTo(900, 9);
    expect(arrivals.timeOf(10)).toBeUndefined();
  });
});

describe("the closed model's agents", () => {
  const RAMP: LoadShape = {
    start: 0,
    stages: [
      { durationMs: 10_000, target: 10 },
      { durationMs: 5_000, target: 10 },
      { durationMs: 10_000, target: 2 },
    ],
  };

  it("are the target rounded to whole agents", () => {
    expect(activeAgents(RAMP, 0)).toBe(0);
    expect(activeAgents(RAMP, 440)).toBe(0);
    expect(activeAgents(RAMP, 560)).toBe(1);
    expect(activeAgents(RAMP, 12_000)).toBe(10);
    expect(activeAgents(RAMP, 25_000)).toBe(2);
  });

  it("wake a waiting agent when the shape first reaches it, or never", () => {
    // Agent 5 runs from target 5.5 on: 5.5 s into the ramp.
    expect(firstTimeAtLeast(RAMP, 0, 5.5)).toBeCloseTo(5_500, 9);
    expect(firstTimeAtLeast(RAMP, 7_000, 5.5)).toBe(7_000);
    // After the ramp down below 5.5 it never comes back.
    expect(firstTimeAtLeast(RAMP, 22_000, 5.5)).toBeUndefined();
    expect(firstTimeAtLeast(RAMP, 0, 10.5)).toBeUndefined();
  });
});

describe("the planned target per timeline bucket", () => {
  it("is the open model's planned arrivals over the bucket's real length", () => {
    const planned = plannedPerBucket(WAVE, "open", 1000, 31_400, [-2000, -1000, -1000]);
    expect(planned.slice(0, 2)).toEqual([
      { t: -2000, target: 20 },
      { t: -1000, target: 20 },
    ]);
    const window = planned.filter((p) => p.t >= 0);
    expect(window).toHaveLength(32);
    expect(window[5]!.target).toBeCloseTo(20, 9);
    expect(window[10]!.target).toBeCloseTo(60, 9);
    expect(window[15]!.target).toBeCloseTo(100, 9);
    // The last bucket is 400 ms long: its mean rate, not its arrivals per full second.
    expect(window[31]!.target).toBeCloseTo(targetAt(WAVE, 31_200), 9);
  });

  it("is the closed model's mean of whole agents", () => {
    const RAMP: LoadShape = { start: 0, stages: [{ durationMs: 2_000, target: 2 }] };
    const [first, second] = plannedPerBucket(RAMP, "closed", 1000, 2_000, []);
    // 0 agents until 0.5 s, 1 until 1.5 s, then 2: means 0.5 and 1.5.
    expect(first!.target).toBeCloseTo(0.5, 2);
    expect(second!.target).toBeCloseTo(1.5, 2);
  });

  it("stops where the window ended", () => {
    expect(plannedPerBucket(WAVE, "open", 1000, 2_500, []).map((p) => p.t)).toEqual([0, 1000, 2000]);
  });
});
