/**
 * What CallContext.call reports besides the Recorder: a sampled span and, when
 * live metrics are on, every finished call. The default does nothing, so a run
 * without telemetry pays one predictable branch per call.
 */
import type { Phase } from "../metrics/recorder.js";
import type { Outcome } from "../results/types.js";
import type { CallSpan, CallSpanStart } from "./telemetry.js";

export interface CallHooks {
  sampleCall(): boolean;
  startCallSpan(call: CallSpanStart): CallSpan;
  callEnded(server: string, tool: string, outcome: Outcome, phase: Phase, latencyMs: number): void;
}

export const NO_CALL_HOOKS: CallHooks = {
  sampleCall: () => false,
  startCallSpan: () => ({ end() {} }),
  callEnded() {},
};
