/**
 * Per-method figures (issue 19) in words and numbers, shared by report.html and summary.md: a row per
 * server x MCP method with its counts, latency and the verdicts of SLOs scoped to that method, and
 * the message sizes per server x method (x tool).
 */
import type { ByteFigures, ScenarioResult, SloResult } from "../results/types.js";

export const METHODS_NOTE =
  "Every MCP method the workload sent, tools/call over all its tools. Latency of ok and timed-out requests (a timeout at its deadline), from the moment each was meant to be sent; warm-up excluded.";

export const PAYLOAD_NOTE =
  "Serialized JSON-RPC message sizes: UTF-8 bytes of each message's JSON as the SDK writes it, without transport framing (newline, HTTP headers, SSE lines). A request that got no answer has no response size.";

/** Bytes for people: 512 B, 1.5 KiB, 2.0 MiB. */
export function bytesText(n: number): string {
  if (!Number.isFinite(n)) return "–";
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function byteFiguresText(f: ByteFigures): { mean: string; p50: string; p95: string } {
  if (f.count === 0) return { mean: "–", p50: "–", p95: "–" };
  return { mean: bytesText(f.mean), p50: bytesText(f.p50), p95: bytesText(f.p95) };
}

/** SLOs judging one server's requests of one method (scoped to the method, and to that server or to all). */
export function methodSlos(s: ScenarioResult, server: string, method: string): SloResult[] {
  return s.slos.filter((x) => x.scope.method === method && (x.scope.server === undefined || x.scope.server === server));
}
