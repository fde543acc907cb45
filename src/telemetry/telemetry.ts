/**
 * The tracing interface the run code sees: spans for the run, its scenarios
 * and phases, a CLIENT span for one MCP call in N, and fault events. The run
 * never touches OpenTelemetry directly; with tracing off it gets NOOP_TELEMETRY,
 * whose methods do nothing and allocate nothing.
 *
 * Spans that frame others (run, scenario, phase) are "scopes": a new span or
 * fault event lands under the innermost scope still open, so the fault work can
 * call `telemetry.faultEvent(...)` without knowing where the run is.
 */
import type { Phase } from "../metrics/recorder.js";
import type { Outcome } from "../results/types.js";
import type { Attributes } from "./redact.js";

export interface SpanHandle {
  setAttributes(attrs: Attributes): void;
  event(name: string, attrs?: Attributes): void;
  /** Ends the span; an error text marks it failed. Ending twice is a no-op. */
  end(error?: string): void;
}

export interface CallSpanStart {
  server: string;
  tool: string;
  agent: number;
  phase: Phase;
  /** performance.now() time the call counts from (the intended send in the open model). */
  startedAt: number;
}

export interface CallSpanEnd {
  outcome: Outcome;
  /** performance.now() time the answer (or the deadline) arrived. */
  endedAt: number;
  error?: string;
  /** JSON-RPC error code, when the server answered with one. */
  rpcCode?: number;
}

export interface CallSpan {
  end(result: CallSpanEnd): void;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Where spans go, for people: a file path, an OTLP endpoint, or "off". */
  readonly destination: string;
  /** Opens a scope span (run, scenario, phase) under the innermost open scope. */
  startSpan(name: string, attrs?: Attributes): SpanHandle;
  /** True for one call in `sampleEvery`; a counter, so the hot path stays cheap. */
  sampleCall(): boolean;
  /** A CLIENT span following the MCP semantic conventions, under the innermost open scope. */
  startCallSpan(call: CallSpanStart): CallSpan;
  /** A fault (injected, healed, observed) as an event on the innermost open scope. */
  faultEvent(name: string, attrs?: Attributes): void;
  /** Called for every fault event too (the metrics exporter counts them). */
  onFault(listener: (name: string, attrs: Attributes) => void): void;
  /** Ends scopes left open, flushes and stops the exporter. */
  shutdown(): Promise<void>;
}

const NOOP_SPAN: SpanHandle & CallSpan = { setAttributes() {}, event() {}, end() {} };

export const NOOP_TELEMETRY: Telemetry = {
  enabled: false,
  destination: "off",
  startSpan: () => NOOP_SPAN,
  sampleCall: () => false,
  startCallSpan: () => NOOP_SPAN,
  faultEvent() {},
  onFault() {},
  shutdown: async () => {},
};
