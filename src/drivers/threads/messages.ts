/**
 * What the threads driver (../threads-driver.ts) and its worker threads (./thread-main.ts) say to
 * each other: plain data only, as structured clone carries it.
 *
 * Every instant that crosses is on the main thread's performance.now() clock, so the recorder, the
 * fault timeline and the window see one clock whichever thread sent the call. Node 20's worker
 * threads share the process's time origin (measured here: the offset below comes out within 0.1 ms
 * of 0), but nothing promises it (a browser's workers each have their own), so a thread maps its
 * instants through process.hrtime, the monotonic clock all threads of a process share (ClockPair).
 */
import type { LoadPlan, MixCall } from "../../contracts/plan.js";
import type { Phase } from "../../contracts/workload-env.js";
import type { Recorder } from "../../metrics/recorder.js";

/** One reading of both clocks, taken together: performance.now() and process.hrtime.bigint(). */
export interface ClockPair {
  perf: number;
  hr: bigint;
}

export function clockPair(): ClockPair {
  return { perf: performance.now(), hr: process.hrtime.bigint() };
}

/**
 * How far this thread's performance.now() is ahead of the thread that read `other`: add it to an
 * instant of that thread to get this thread's, subtract it to go back.
 */
export function clockOffsetMs(other: ClockPair, here: ClockPair = clockPair()): number {
  return here.perf - other.perf - Number(here.hr - other.hr) / 1e6;
}

/** What a thread needs to send as its agents: given once, when it opens their sessions. */
export interface ThreadJob {
  /** 0 .. threads-1 */
  thread: number;
  threads: number;
  /** The agents this thread sends as (ids of the run's agents). */
  agents: readonly number[];
  /** All agents of the run: the mix's per-agent generators are seeded by agent id, as the sdk driver seeds them. */
  totalAgents: number;
  /** server -> its MCP Streamable HTTP URL (through Toxiproxy when proxied). */
  urls: Readonly<Record<string, string>>;
  calls: readonly MixCall[];
  setup: readonly MixCall[];
  seed: number;
  runId: string;
  sandbox: string;
  callTimeoutMs: number;
  startTimeoutMs: number;
  /** The closed model's backoff after a lost session (as the sdk driver's CallContext). */
  backoff: boolean;
  /** Whether the phase's arrivals follow a schedule (the thread starts its precise waker first). */
  open: boolean;
  /** The main thread's clocks, read when it sent the job. */
  clock: ClockPair;
}

/** One phase of a thread's load. */
export interface ThreadRun {
  /** On the main thread's clock. */
  t0: number;
  phase: Phase;
  /** This thread's share: the open model's rate and in-flight bound split by agents. */
  load: LoadPlan;
  durationMs: number | undefined;
  count: number | undefined;
}

type Sample = Parameters<Recorder["record"]>[0];
type Backoff = Parameters<Recorder["recordBackoff"]>[0];
type Notification = Parameters<Recorder["recordNotification"]>[0];
type Started = NonNullable<Parameters<Recorder["callStarted"]>[1]>;

/**
 * One recorder call a thread made, in the order it made them, instants already on the main clock.
 * A callStarted carries the thread's own id for the call; its callEnded names the same id.
 */
export type RecorderOp =
  | { op: "started"; server: string; id: number; call: Started | undefined }
  | { op: "ended"; server: string; id: number | undefined }
  | { op: "record"; sample: Sample }
  | { op: "backoff"; wait: Backoff }
  | { op: "notification"; note: Notification };

/** A thread's generator health over one phase: judged per thread. */
export interface ThreadStats {
  thread: number;
  agents: number;
  offered: number;
  completed: number;
  lateSends: number;
  dropped: number;
  /** This thread's CPU time over the phase, as a share of one core. */
  cpu: number;
  eventLoopDelayP99Ms: number;
  elapsedMs: number;
  /** Per agent of this thread, calls of the measurement window that were ok and that failed. */
  tallies: { agent: number; ok: number; failed: number }[];
}

export type ToThread = { type: "open"; job: ThreadJob } | { type: "run"; run: ThreadRun } | { type: "stop" } | { type: "close" };

export type FromThread =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "ops"; ops: RecorderOp[] }
  | { type: "done"; stats: ThreadStats }
  | { type: "closed" };
