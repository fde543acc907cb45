/**
 * What a workload gets to work with and what it hands the sdk driver: the contract between the
 * workload kinds (src/workloads) and the driver that schedules them (src/drivers/sdk-driver.ts).
 */
import type { Histogram } from "../metrics/histogram.js";
import type { CacheSummary, CoordinationSummary, FailureKind, Outcome, ScriptSummary } from "../results/types.js";

export type Phase = "warmup" | "measure";

export interface CallResult {
  outcome: Outcome;
  /** Text content of the answer (all text parts joined), "" on failure. */
  text: string;
  /** The answer's structuredContent, when the tool returned one (a tool that declares an outputSchema must). */
  structured?: unknown;
  startedAt: number;
  endedAt: number;
  error?: string;
  /** For a failed call: tool, protocol or transport (a timeout is transport). */
  kind?: FailureKind;
  /** Answered from a cache of last good results by the agents' degraded mode (src/resilience), not by a server. */
  degraded?: boolean;
}

/** What a resilience policy asks of one attempt (src/resilience/router.ts). */
export interface AttemptOptions {
  /** Deadline of this attempt instead of the scenario's callTimeout (what is left of the policy's deadline). */
  timeoutMs?: number;
  /** The policy decides when to try a failing server again: no lost-session backoff before this attempt. */
  noBackoff?: boolean;
}

/** Sends timed, recorded tool calls on the agents' sessions (src/drivers/sdk-driver.ts CallContext). */
export interface CallSender {
  /** The phase the calls sent now belong to. */
  readonly phase: Phase;
  /** `intendedAt` (open model): when the call was meant to be sent; its latency counts from then. */
  call(agentId: number, server: string, tool: string, args: Record<string, unknown>, intendedAt?: number, attempt?: AttemptOptions): Promise<CallResult>;
  /**
   * The agent finished one "agent task" (a script's pass, a cache-aside read-through): with session
   * churn per task, its sessions are replaced before its next call. Optional: a sender without
   * sessions of its own ignores it.
   */
  taskDone?(agentId: number): void | Promise<void>;
}

/** One unit of work of a workload; `worker` picks whose sessions to use. */
export type Operation = (worker: number, seq: number, intendedAt: number | undefined) => Promise<void>;

export interface WorkloadEnv {
  calls: CallSender;
  runId: string;
  seed: number;
  agents: number;
  sandbox: string;
  /** INFO of the Redis behind the cache, for the server-side hit count. */
  redisInfo?: (section: string) => Promise<Record<string, string>>;
}

/** A workload turned into something the driver can schedule. */
export interface PreparedWorkload {
  /** Independent loops (closed model) or round-robin targets (open model). */
  workers: number;
  operation: Operation;
  /** Called with no operation in flight, right before and right after the measurement window. */
  beforeMeasure?(): Promise<void>;
  afterMeasure?(): Promise<void>;
  coordination?(): { summary: CoordinationSummary; histogram: Histogram };
  cache?(): CacheSummary;
  /** A script's tasks and steps in the window (workload kind script). */
  script?(): ScriptSummary;
}
