/**
 * Faults for stdio MCP servers, where Toxiproxy cannot reach: JSON-RPC frames
 * between the harness and a server's stdin/stdout are delayed, dropped or cut
 * in half. One layer per server; every session's transport consults it for
 * each frame (its FrameFilter side), so a fault reaches every agent at once; a
 * stdio fault switches it (its FrameFaultSwitch side).
 */
import type { FrameDecision, FrameDirection, FrameFault, FrameFaultSwitch, FrameFilter } from "../contracts/frame-filter.js";
import type { FaultPlan } from "../contracts/plan.js";
import { seededRng, type Rng } from "../util/random.js";

export class StdioFaultLayer implements FrameFilter, FrameFaultSwitch {
  private active: FrameFault | undefined;
  private readonly rng: Rng;
  /** Frames the layer acted on, by action, for the report. */
  readonly counts = { delay: 0, drop: 0, truncate: 0 };

  constructor(seed = 1) {
    this.rng = seededRng(seed);
  }

  set(fault: FrameFault): void {
    this.active = fault;
  }

  clear(): void {
    this.active = undefined;
  }

  decide(direction: FrameDirection): FrameDecision {
    const f = this.active;
    if (!f || (f.direction !== "both" && f.direction !== direction)) return { action: "pass" };
    if (f.probability < 1 && this.rng() >= f.probability) return { action: "pass" };
    this.counts[f.action]++;
    return f.action === "delay" ? { action: "delay", ms: f.delayMs } : { action: f.action };
  }
}

/** Layers for every server a stdio fault names; must exist before the sessions start. */
export function stdioLayersFor(faults: readonly FaultPlan[], seed: number): Map<string, StdioFaultLayer> {
  const layers = new Map<string, StdioFaultLayer>();
  for (const f of faults) if (f.stdioServer !== undefined && !layers.has(f.stdioServer)) layers.set(f.stdioServer, new StdioFaultLayer(seed));
  return layers;
}
