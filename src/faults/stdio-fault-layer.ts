/**
 * Faults for stdio MCP servers, where Toxiproxy cannot reach: JSON-RPC frames
 * between the harness and a server's stdin/stdout are delayed, dropped or cut
 * in half. One layer per server; every session's transport consults it for
 * each frame, so a fault reaches every agent at once.
 */
import { seededRng, type Rng } from "../util/random.js";

export type StdioDirection = "to-server" | "from-server";
export type FrameDecision = { action: "pass" } | { action: "drop" } | { action: "truncate" } | { action: "delay"; ms: number };

interface ActiveFault {
  action: "delay" | "drop" | "truncate";
  delayMs: number;
  probability: number;
  direction: StdioDirection | "both";
}

export class StdioFaultLayer {
  private active: ActiveFault | undefined;
  private readonly rng: Rng;
  /** Frames the layer acted on, by action, for the report. */
  readonly counts = { delay: 0, drop: 0, truncate: 0 };

  constructor(seed = 1) {
    this.rng = seededRng(seed);
  }

  set(fault: ActiveFault): void {
    this.active = fault;
  }

  clear(): void {
    this.active = undefined;
  }

  decide(direction: StdioDirection): FrameDecision {
    const f = this.active;
    if (!f || (f.direction !== "both" && f.direction !== direction)) return { action: "pass" };
    if (f.probability < 1 && this.rng() >= f.probability) return { action: "pass" };
    this.counts[f.action]++;
    return f.action === "delay" ? { action: "delay", ms: f.delayMs } : { action: f.action };
  }
}

/** Half of a frame: what a reader sees when a writer dies or a pipe breaks mid-message. */
export function truncateFrame(line: string): string {
  return line.slice(0, Math.max(1, Math.floor(line.length / 2)));
}
