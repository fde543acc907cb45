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
 */
import { monitorEventLoopDelay } from "node:perf_hooks";

const RESOLUTION_MS = 10;

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
        result = eld.count > 0 ? Math.max(0, eld.percentile(99) / 1e6 - RESOLUTION_MS) : 0;
      }
      return result;
    },
  };
}
