/**
 * Wording shared by the HTML, Markdown and JUnit renderers for availability
 * (load- and probe-based), raw and corrected call counts, the three kinds of
 * failed call, server processes that exited, and the harness's timing delay.
 * One place, so the three outputs can never word a rule differently.
 */
import type { AvailabilityFigure, CallCounts, FailureKind, LoadSummary, ScenarioResult, ServerExit, SloResult } from "../results/types.js";
import { formatAt, formatDuration } from "./format.js";

export const FAILURE_KIND_WORD: Record<FailureKind, string> = {
  tool: "tool error",
  protocol: "protocol error",
  transport: "transport failure or timeout",
};

/** The rules these figures follow, in the words every output uses. */
export const RULES = {
  failureKinds:
    "Failed calls are of three kinds, counted apart: a tool error (the server answered that the call failed: isError or a JSON-RPC error), " +
    "a protocol error (an answer came that does not parse or breaks the MCP schema: the call may have taken effect), " +
    "a transport failure or timeout (no answer: the session or process was gone, or the deadline passed).",
  correctedCounts:
    "Success rate and error rate use corrected counts: in the closed model an agent stuck on a call sends nothing, so a call that timed out, " +
    "and a backoff after a lost session, also stand for the calls the agent would have sent meanwhile at its recent pace (missed calls, counted as failed). " +
    "The open model counts every scheduled call and needs no correction. Raw and corrected figures are shown side by side.",
  deadSessions:
    "A lost session is noticed, not hammered: after a transport failure the agent waits a doubling backoff (50 ms to 1 s) before calling that server again; " +
    "the wait is unavailable time. A supervisor restart swaps a new session in.",
  timing:
    "Latency verdicts allow for the harness's own delay: a sample is timed by the harness's event loop, so it can only be too long, by at most the loop's delay " +
    "(its p99 over the window, beyond the monitor's 10 ms sampling interval). A pass stands; a fail stands only if it still fails with the target raised by that delay, " +
    "otherwise it is inconclusive and says so. Where the harness did not time the samples (k6, Prometheus), verdicts are as measured and say the delay is unknown.",
} as const;

export function exitHow(x: Pick<ServerExit, "code" | "signal">): string {
  return x.signal ? `signal ${x.signal}` : x.code === null ? "no exit status" : `exit code ${x.code}`;
}

/** "crashes#1 exited (exit code 3) at 4.1 s; last stderr: a | b" */
export function exitText(x: ServerExit): string {
  return `${x.session} exited (${exitHow(x)}) at ${formatAt(x.atMs)}${x.stderr.length ? `; last stderr: ${x.stderr.join(" | ")}` : "; it wrote nothing to stderr"}`;
}

/** Exits of the servers an SLO judges: its server, or every server when it has no server scope. */
export function exitsFor(s: ScenarioResult, slo: Pick<SloResult, "scope">): ServerExit[] {
  return (s.serverExits ?? []).filter((x) => slo.scope.server === undefined || x.server === slo.scope.server);
}

/** One line for a list of exits: the first few in full, the rest counted. */
export function exitsSummary(exits: readonly ServerExit[], max = 3): string {
  const shown = exits.slice(0, max).map(exitText);
  return exits.length > max ? `${shown.join("; ")}; and ${exits.length - max} more` : shown.join("; ");
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? "-" : `${+(x * 100).toFixed(2)} %`;
}

export interface AvailabilityRow {
  server: string;
  loadShare: string;
  loadTime: string;
  probeShare: string;
  probeCounts: string;
  judgedBy: string;
}

export function availabilityRows(figures: readonly AvailabilityFigure[]): AvailabilityRow[] {
  return figures.map((f) => ({
    server: f.server === "*" ? "all servers" : f.server,
    loadShare: f.load ? pct(f.load.ratio) : "-",
    loadTime: f.load
      ? `${formatDuration(f.load.goodMs)} good of ${formatDuration(f.load.goodMs + f.load.badMs)} observed, ${f.load.trials} intended calls`
      : "no call",
    probeShare: f.probe ? pct(f.probe.ratio) : "-",
    probeCounts: f.probe
      ? `${f.probe.ok} of ${f.probe.probes} ok (${f.probe.tool} every ${formatDuration(f.probe.intervalMs)}, deadline ${formatDuration(f.probe.timeoutMs)}${f.probe.source === "fault-probe" ? ", the fault experiment's probe" : ""})`
      : "no probe",
    judgedBy: f.judgedBy ?? "-",
  }));
}

export interface CallRow {
  server: string;
  tool: string;
  ok: string;
  tool_: string;
  protocol: string;
  transport: string;
  missed: string;
  raw: string;
  corrected: string;
}

export function callRows(calls: readonly CallCounts[]): CallRow[] {
  return calls.map((c) => ({
    server: c.server,
    tool: c.tool,
    ok: String(c.ok),
    tool_: String(c.failed.tool),
    protocol: String(c.failed.protocol),
    transport: `${c.failed.transport}${c.timeouts > 0 ? ` (${c.timeouts} timeouts)` : ""}`,
    missed: String(c.missed),
    raw: pct(c.successRate.raw),
    corrected: pct(c.successRate.corrected),
  }));
}

/** The harness's delay as the load block shows it. */
export function harnessDelayText(load: LoadSummary): string {
  if (load.harnessTimed === false) return `${load.eventLoopDelayP99Ms.toFixed(2)} ms (not the samples' clock: this driver times its own calls)`;
  return `${load.eventLoopDelayP99Ms.toFixed(2)} ms (allowed for in latency verdicts)`;
}
