/**
 * The harness's own event-loop delay over a phase: how late the harness may
 * have noticed an answer, hence how much too long a latency sample can be
 * (../shared/measurement.md, "Harness timing error").
 *
 * Node's monitorEventLoopDelay fires a timer every `resolution` ms and records
 * the time between firings, so an idle loop reports about the resolution
 * itself (10 ms here, 10-13 ms measured on an idle Node 20), not 0. Reporting
 * that raw would overstate the delay by the sampling interval and make every
 * latency verdict look less certain than it is, so the interval is taken off
 * (as fastify's under-pressure does). The result can only understate the true
 * delay by libuv's timer granularity (1 ms).
 *
 * The same figure per window of the run's timeline (startLoopDelayTimeline):
 * the same sampler, the same subtraction, its histogram read and reset at each
 * window's end, so a reader sees when the harness ran late, not only that it did.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

const RESOLUTION_MS = 10;

/** p99 of what a sampler recorded, in ms beyond the sampling interval; undefined when it recorded nothing. */
function delayBeyondInterval(eld: IntervalHistogram): number | undefined {
  return eld.count > 0 ? Math.max(0, eld.percentile(99) / 1e6 - RESOLUTION_MS) : undefined;
}

export interface LoopDelayMonitor {
  /** Stops monitoring; the p99 delay in ms beyond the sampling interval (0 when nothing was sampled). */
  stop(): number;
}

export function startLoopDelayMonitor(): LoopDelayMonitor {
  const eld = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  eld.enable();
  let result: number | undefined;
  return {
    stop() {
      if (result === undefined) {
        eld.disable();
        result = delayBeyondInterval(eld) ?? 0;
      }
      return result;
    },
  };
}

/** The harness's event-loop delay in one window of the timeline. */
export interface LoopDelayPoint {
  /** ms since t0: the window's start, as the timeline's points are placed. */
  t: number;
  /** p99 delay in ms beyond the sampling interval; null when the window was too short for a sample. */
  p99: number | null;
}

export interface LoopDelayTimeline {
  /** Stops sampling; one point per window from t0 on, the last one up to now (usually shorter). Idempotent. */
  stop(): LoopDelayPoint[];
}

/**
 * Samples the delay per window [t0 + k * intervalMs, t0 + (k + 1) * intervalMs), on the
 * performance.now() clock. A window is closed by a timer due at its end: when the loop is late,
 * that timer is late too, and the late stretch is counted in the window it belongs to.
 * With 1 s windows a window holds about 100 samples, so its p99 is close to its worst.
 */
export function startLoopDelayTimeline(t0: number, intervalMs: number | (() => number)): LoopDelayTimeline {
  // The recorder's timeline may coarsen while the window runs (a run that outlasts its plan doubles its cell
  // length, merging cells 2j and 2j+1 into j: src/metrics/recorder.ts); the delay's points follow it the same way.
  const recorderInterval = typeof intervalMs === "number" ? () => intervalMs : intervalMs;
  let interval = recorderInterval();
  const eld = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  eld.enable();
  const points: LoopDelayPoint[] = [];
  /** The p99 of the first half of the window now open, when a coarsening split it (null: no sample in it). */
  let carried: number | null | undefined;
  let timer: NodeJS.Timeout | undefined;
  const close = () => {
    const own = delayBeyondInterval(eld) ?? null;
    points.push({ t: points.length * interval, p99: worst(carried, own) });
    carried = undefined;
    eld.reset();
    while (recorderInterval() > interval) {
      interval *= 2;
      const merged = Array.from({ length: Math.floor(points.length / 2) }, (_, j) => ({
        t: j * interval,
        p99: worst(points[2 * j]!.p99, points[2 * j + 1]!.p99),
      }));
      // An odd last point is the first half of the window now open: its delay counts there when it closes.
      if (points.length % 2 === 1) carried = worst(carried, points[points.length - 1]!.p99);
      points.splice(0, points.length, ...merged);
    }
  };
  const arm = () => {
    timer = setTimeout(
      () => {
        close();
        arm();
      },
      Math.max(0, t0 + (points.length + 1) * interval - performance.now()),
    );
    // The sampler must not keep the process alive after an interrupted run.
    timer.unref();
  };
  arm();
  let result: LoopDelayPoint[] | undefined;
  return {
    stop() {
      if (result === undefined) {
        clearTimeout(timer);
        // The last, partial window, when it lasted long enough to hold a sample (or holds a carried half).
        if (carried !== undefined || performance.now() >= t0 + points.length * interval + RESOLUTION_MS) close();
        eld.disable();
        result = points;
      }
      return result;
    },
  };
}

/** The larger of two windows' p99 (a merged window was at least as late as its worst half); null when neither had a sample. */
function worst(a: number | null | undefined, b: number | null | undefined): number | null {
  const known = [a, b].filter((x): x is number => typeof x === "number");
  return known.length > 0 ? Math.max(...known) : null;
}
