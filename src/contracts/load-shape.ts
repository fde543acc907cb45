/**
 * Load shapes (scenario `load.stages`, issue 19): the planned load over a phase as a piecewise-linear
 * target, k6's stages: each stage goes linearly from the previous target (the first from `start`)
 * to its own over its duration. The target is arrivals per second in the open model and active
 * agents in the closed one.
 *
 * Everything that runs or reports a shape reads it from here, so the driver's schedule, the k6
 * executor's stages and the planned line of the report are one plan:
 *  - the open model's arrival k (k = 0, 1, 2, ...) is due when the area under the rate passes k
 *    (ShapedArrivals): the rate is integrated, never stepped per second, so the arrivals of any
 *    span are its area within one, and a flat shape gives the constant schedule k / rate;
 *  - the closed model's agent w (0-based) runs while round(target) > w (activeAgents), and a
 *    waiting agent sleeps until the shape first reaches w + 0.5 (firstTimeAtLeast).
 */
import type { LoadShapeSummary, TimelinePoint } from "../results/types.js";

/** One stage: from the previous target to `target`, linearly, over `durationMs` (> 0). */
export interface LoadStage {
  durationMs: number;
  target: number;
}

/** A planned load: `start` (the target at t = 0), then the stages in order. */
export interface LoadShape {
  start: number;
  stages: readonly LoadStage[];
}

/** Most stages a shape may have: far above any real ramp-spike-soak, far below a slow schedule. */
export const MAX_STAGES = 100;

export function shapeDurationMs(shape: LoadShape): number {
  return shape.stages.reduce((sum, s) => sum + s.durationMs, 0);
}

/** The whole phase at one target (a warm-up runs at a shape's first target). */
export function flatShape(target: number, durationMs: number): LoadShape {
  return { start: target, stages: [{ durationMs, target }] };
}

/** A stage as a segment of the time line: [from, to) ms, target a at from, b at to. */
interface Segment {
  from: number;
  to: number;
  a: number;
  b: number;
  /** Area under the target before `from` (target x seconds: arrivals in the open model). */
  areaBefore: number;
}

/** Segments per shape, made once: the driver asks for a target at every call. */
const SEGMENTS = new WeakMap<LoadShape, Segment[]>();

function segmentsOf(shape: LoadShape): Segment[] {
  const known = SEGMENTS.get(shape);
  if (known) return known;
  const out: Segment[] = [];
  let from = 0;
  let a = shape.start;
  let areaBefore = 0;
  for (const s of shape.stages) {
    const to = from + s.durationMs;
    out.push({ from, to, a, b: s.target, areaBefore });
    areaBefore += ((a + s.target) / 2) * (s.durationMs / 1000);
    from = to;
    a = s.target;
  }
  SEGMENTS.set(shape, out);
  return out;
}

function valueIn(seg: Segment, t: number): number {
  const span = seg.to - seg.from;
  return span > 0 ? seg.a + ((seg.b - seg.a) * (t - seg.from)) / span : seg.b;
}

/** The target at `t` ms: `start` before 0, the last stage's target after the end. */
export function targetAt(shape: LoadShape, t: number): number {
  if (t <= 0) return shape.start;
  for (const seg of segmentsOf(shape)) if (t < seg.to) return valueIn(seg, t);
  return shape.stages.at(-1)?.target ?? shape.start;
}

/** Area under the target from 0 to `t` ms (target x seconds: planned arrivals in the open model); 0 before 0, the total after the end. */
export function areaUntil(shape: LoadShape, t: number): number {
  const segs = segmentsOf(shape);
  if (t <= 0) return 0;
  for (const seg of segs) if (t < seg.to) return seg.areaBefore + ((seg.a + valueIn(seg, t)) / 2) * ((t - seg.from) / 1000);
  const last = segs.at(-1);
  return last ? last.areaBefore + ((last.a + last.b) / 2) * ((last.to - last.from) / 1000) : 0;
}

/** Time (ms) within `seg` at which the area since seg.from reaches `area` (0 < area <= the segment's area). */
function timeOfAreaIn(seg: Segment, area: number): number {
  const seconds = (seg.to - seg.from) / 1000;
  const slope = (seg.b - seg.a) / seconds; // target per second
  // a t + slope t^2 / 2 = area, in the form that stays exact for slope -> 0 and for either sign
  // (the discriminant is at least b^2 >= 0 while area is within the segment; rounding is clamped).
  const root = Math.sqrt(Math.max(0, seg.a * seg.a + 2 * slope * area));
  const tau = (2 * area) / (seg.a + root);
  return Math.min(seg.to, seg.from + tau * 1000);
}

/**
 * The open model's schedule of a shape: arrival k (from 0) is due at the first time the area under
 * the rate passes k. Asked for k in increasing order it walks the stages once (a cursor), so a
 * phase's schedule costs O(arrivals + stages).
 */
export class ShapedArrivals {
  private readonly segs: Segment[];
  private i = 0;

  constructor(shape: LoadShape) {
    this.segs = segmentsOf(shape);
  }

  /**
   * Ms from the phase's start at which arrival `k` is due: the first time the area passes k (so
   * nothing is due where the rate is 0, and a flat rate r gives k / r); undefined when the shape ends
   * first. Call with k not decreasing.
   */
  timeOf(k: number): number | undefined {
    for (; this.i < this.segs.length; this.i++) {
      const seg = this.segs[this.i]!;
      const segArea = ((seg.a + seg.b) / 2) * ((seg.to - seg.from) / 1000);
      // Earlier segments ended with at most k: the area passes k in this one, with a rate above 0 right after its start.
      if (k < seg.areaBefore + segArea) return k <= seg.areaBefore ? seg.from : timeOfAreaIn(seg, k - seg.areaBefore);
    }
    return undefined;
  }
}

/** Agents (closed model) the shape asks for at `t` ms: the target rounded to a whole agent. */
export function activeAgents(shape: LoadShape, t: number): number {
  return Math.round(targetAt(shape, t));
}

/** The first time (ms) at or after `from` at which the target is at least `level`; undefined when it never is before the end. */
export function firstTimeAtLeast(shape: LoadShape, from: number, level: number): number | undefined {
  if (targetAt(shape, from) >= level) return from;
  for (const seg of segmentsOf(shape)) {
    if (seg.to <= from) continue;
    const lo = Math.max(from, seg.from);
    if (valueIn(seg, lo) >= level) return lo;
    if (seg.b >= level && seg.b > seg.a) return Math.max(lo, seg.from + ((level - seg.a) * (seg.to - seg.from)) / (seg.b - seg.a));
  }
  return undefined;
}

/**
 * Samples of the closed model's planned mean per bucket: the active agents are a step function of
 * time (whole agents), averaged over a bucket by sampling it. Exact integration of round() over a
 * linear ramp is possible but longer; 1000 samples put a bucket's mean within 0.1 % of an agent per
 * step in it.
 */
const CLOSED_SAMPLES = 1000;

/**
 * The planned target per timeline bucket: for each bucket of the window [k * intervalMs, ...) up to
 * `endMs`, the mean planned arrival rate (open: the bucket's planned arrivals over its length) or the
 * mean of the active agents (closed), over the bucket's real length (the last one is usually
 * shorter). Warm-up buckets (`warmupTs`, t < 0) ran at the shape's first target.
 */
export function plannedPerBucket(
  shape: LoadShape,
  model: "open" | "closed",
  intervalMs: number,
  endMs: number,
  warmupTs: readonly number[],
): { t: number; target: number }[] {
  const out = [...new Set(warmupTs)].sort((a, b) => a - b).map((t) => ({ t, target: shape.start }));
  for (let t = 0; t < endMs && intervalMs > 0; t += intervalMs) {
    const to = Math.min(t + intervalMs, endMs);
    let target: number;
    if (model === "open") target = (areaUntil(shape, to) - areaUntil(shape, t)) / ((to - t) / 1000);
    else {
      const step = (to - t) / CLOSED_SAMPLES;
      let sum = 0;
      for (let n = 0; n < CLOSED_SAMPLES; n++) sum += activeAgents(shape, t + (n + 0.5) * step);
      target = sum / CLOSED_SAMPLES;
    }
    out.push({ t, target });
  }
  return out;
}

/** The bucket starts of a timeline's warm-up (t < 0). */
export function warmupBucketStarts(points: readonly Pick<TimelinePoint, "t">[]): number[] {
  return points.filter((p) => p.t < 0).map((p) => p.t);
}

/** The shape as results.json states it: its unit, start and stages. */
export function shapeSummary(model: "open" | "closed", shape: LoadShape): LoadShapeSummary {
  return {
    unit: model === "open" ? "arrivals/s" : "agents",
    start: shape.start,
    stages: shape.stages.map((x) => ({ durationMs: x.durationMs, target: x.target })),
  };
}
