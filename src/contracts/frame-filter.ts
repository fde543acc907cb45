/**
 * Faults on the JSON-RPC frames between the harness and a stdio MCP server, where Toxiproxy cannot
 * reach: every session's transport (src/stack/stdio-transport.ts) asks its server's filter about
 * each frame; a stdio fault (src/faults/kinds/stdio.ts) switches the filter on and off
 * (src/faults/stdio-fault-layer.ts implements both sides).
 */
export type FrameDirection = "to-server" | "from-server";
export type FrameDecision = { action: "pass" } | { action: "drop" } | { action: "truncate" } | { action: "delay"; ms: number };

/** What each session of a stdio server consults for every frame. */
export interface FrameFilter {
  decide(direction: FrameDirection): FrameDecision;
}

/** A fault on the frames of one stdio server. */
export interface FrameFault {
  action: "delay" | "drop" | "truncate";
  delayMs: number;
  probability: number;
  direction: FrameDirection | "both";
}

/** What a stdio fault switches on (set) and off (clear). */
export interface FrameFaultSwitch {
  set(fault: FrameFault): void;
  clear(): void;
}

/** Half of a frame: what a reader sees when a writer dies or a pipe breaks mid-message. */
export function truncateFrame(line: string): string {
  return line.slice(0, Math.max(1, Math.floor(line.length / 2)));
}
