/**
 * The threads driver (`driver: threads`): the sdk driver's calls on several cores. The run's agents
 * are split over worker threads (scenario `threads`, `--threads`; by default one per two cores, the
 * other half left to the stack it measures); each thread opens its agents' MCP Streamable HTTP
 * sessions and runs their share of every phase with the sdk driver's own code (./threads/thread-main.ts):
 * the same SDK client, lean HTTP path, deadlines, failure kinds, backoff after a lost session, and the
 * same mix workload with the same per-agent generators. A warm-up's threads and sessions carry on
 * into the measurement window (warm code, open sessions), as the sdk driver's sessions do.
 *
 * Every recorder call a thread makes reaches the run's one Recorder, in order, in batches of at most
 * 50 ms, its instants on the main thread's clock: availability, the timeline, the closed model's
 * count correction, open calls and live halting work as with the sdk driver, up to that lag.
 *
 * The load is split by agents: thread k gets a block of agents, and in the open model the same share
 * of the arrival rate (and of maxInFlight), the threads' schedules interleaved one arrival of the
 * whole rate apart from the window's t0 (as the sdk driver spaces its arrivals). Each
 * thread's generator health (late and dropped sends, CPU, event-loop delay) is judged on its own
 * (./generator-health.ts), and results.json lists it per thread.
 *
 * A mix may name any MCP method and have setup steps, as with the sdk driver. What it does not do,
 * said at validation: stdio (a session is a process the main thread's pool supervises), load shapes,
 * capacity searches, session churn, resilience policies, url servers. Sampled call spans and live
 * call metrics are the sdk driver's (its calls run on the main thread).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { LoadPlan, Scenario } from "../contracts/plan.js";
import { HarnessError } from "../errors.js";
import type { Recorder } from "../metrics/recorder.js";
import { raiseNewHarnessThreads } from "../stack/managed-process.js";
import { interruption } from "../util/race.js";
import { splitByWeight } from "../util/split.js";
import type { LoadDriver, ReadyPhase } from "./driver.js";
import { emptyPhaseStats, type PhaseStats } from "./generator-health.js";
import { MAX_PHASE_MS } from "./sdk-driver.js";
import { clockPair, type FromThread, type RecorderOp, type ThreadJob, type ThreadStats, type ToThread } from "./threads/messages.js";

const ENTRY = new URL("./threads/thread-entry.mjs", import.meta.url);
/** How long a thread may take to close its sessions before it is terminated. */
const CLOSE_GRACE_MS = 5000;
const NO_STAGES = "its threads each run a fixed share of the agents or of the rate";

/** The default thread count: one per two cores (the other half is the stack's), at least one. */
export function defaultThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

/** Agents 0 .. agents-1 in `threads` consecutive blocks, as even as can be; never an empty block. */
export function agentBlocks(agents: number, threads: number): number[][] {
  const n = Math.max(1, Math.min(threads, agents));
  const sizes = splitByWeight(
    agents,
    Array.from({ length: n }, () => 1),
    0,
  );
  let next = 0;
  return sizes.map((size) => Array.from({ length: size }, () => next++));
}

/** A thread's share of the load: the open model's rate and in-flight bound in proportion to its agents. */
export function threadLoad(load: LoadPlan, share: number): LoadPlan {
  if (load.model === "closed") return load;
  return { ...load, rate: load.rate * share, maxInFlight: Math.max(1, Math.ceil(load.maxInFlight * share)) };
}

/** How much later than the window's t0 thread i's open-model schedule starts: i intervals of the whole rate. */
export function scheduleShiftMs(load: LoadPlan, thread: number): number {
  return load.model === "open" && load.rate > 0 ? (thread * 1000) / load.rate : 0;
}

/** One worker thread and the messages it sends, one awaited kind at a time. */
class LoadThread {
  readonly worker: Worker;
  private waiting: { type: FromThread["type"]; resolve: (m: FromThread) => void; reject: (e: Error) => void } | undefined;
  private gone: Error | undefined;
  /** Recorder calls, applied as they arrive (set while a phase runs). */
  onOps: ((ops: RecorderOp[]) => void) | undefined;

  constructor(readonly index: number) {
    this.worker = new Worker(ENTRY);
    this.worker.on("message", (m: FromThread) => {
      if (m.type === "ops") return this.onOps?.(m.ops);
      const w = this.waiting;
      if (!w) return;
      this.waiting = undefined;
      if (m.type === "failed") w.reject(new Error(`load thread ${this.index}: ${m.message}`));
      else w.resolve(m);
    });
    this.worker.on("error", (err) => this.fail(new Error(`load thread ${this.index} crashed: ${err.message}`, { cause: err })));
    this.worker.on("exit", (code) => this.fail(new Error(`load thread ${this.index} exited (code ${code})`)));
  }

  /** Not crashed, exited or closed. */
  get running(): boolean {
    return this.gone === undefined;
  }

  private fail(err: Error): void {
    this.gone ??= err;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }

  /** Sends `m` and waits for the answer of type `type` (a "failed" answer rejects). */
  ask<T extends FromThread["type"]>(m: ToThread, type: T): Promise<Extract<FromThread, { type: T }>> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise((resolve, reject) => {
      this.waiting = { type, resolve: resolve as (m: FromThread) => void, reject };
      this.worker.postMessage(m);
    });
  }

  tell(m: ToThread): void {
    if (!this.gone) this.worker.postMessage(m);
  }

  /**
   * Closes the thread's sessions (bounded), then ends the thread. `graceful: false` (an interruption:
   * the stack stops with the run anyway) ends it at once, also while it is still loading its code.
   */
  async close(graceful = true): Promise<void> {
    if (!this.gone && graceful) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.ask({ type: "close" }, "closed").catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    this.gone ??= new Error(`load thread ${this.index} was closed`);
    await this.worker.terminate();
  }
}

/** A thread's recorder calls, applied to the run's Recorder in the order the thread made them. */
function applier(recorder: Recorder): (ops: RecorderOp[]) => void {
  // The thread's own call ids -> the Recorder's.
  const ids = new Map<number, number>();
  return (ops) => {
    for (const o of ops) {
      switch (o.op) {
        case "started":
          ids.set(o.id, recorder.callStarted(o.server, o.call));
          break;
        case "ended":
          recorder.callEnded(o.server, o.id === undefined ? undefined : ids.get(o.id));
          if (o.id !== undefined) ids.delete(o.id);
          break;
        case "record":
          recorder.record(o.sample);
          break;
        case "backoff":
          recorder.recordBackoff(o.wait);
          break;
        case "notification":
          recorder.recordNotification(o.note);
          break;
      }
    }
  };
}

/** The phase's stats: sums over the threads, the worst thread's CPU and delay, and each thread's own. */
export function combineThreadStats(all: readonly ThreadStats[]): PhaseStats {
  const stats = emptyPhaseStats();
  for (const t of all) {
    stats.offered += t.offered;
    stats.completed += t.completed;
    stats.lateSends += t.lateSends;
    stats.dropped += t.dropped;
    stats.elapsedMs = Math.max(stats.elapsedMs, t.elapsedMs);
    stats.cpu = Math.max(stats.cpu, t.cpu);
    stats.eventLoopDelayP99Ms = Math.max(stats.eventLoopDelayP99Ms, t.eventLoopDelayP99Ms);
  }
  stats.threads = all.map((t) => ({
    thread: t.thread,
    agents: t.agents,
    offered: t.offered,
    lateSends: t.lateSends,
    dropped: t.dropped,
    cpu: t.cpu,
    eventLoopDelayP99Ms: t.eventLoopDelayP99Ms,
  }));
  return stats;
}

/** A phase's load threads, each with its agents' sessions open. */
interface Crew {
  threads: LoadThread[];
  /** What the sessions were opened for: a later phase takes the crew only when it asks for the same. */
  key: string;
  close(graceful: boolean): Promise<void>;
}

/** Starts `count` threads and opens their sessions; any failure closes them all. */
async function openCrew(count: number, job: (thread: number) => ThreadJob, signal: AbortSignal): Promise<Omit<Crew, "key">> {
  const threads = Array.from({ length: count }, (_, i) => new LoadThread(i));
  const close = (graceful: boolean) => Promise.all(threads.map((t) => t.close(graceful))).then(() => undefined);
  // An interruption does not wait for the sessions still opening (up to startTimeout each).
  const interrupted = interruption(signal);
  try {
    const opened = Promise.all(threads.map((t, i) => t.ask({ type: "open", job: job(i) }, "ready")));
    opened.catch(() => undefined);
    await Promise.race([opened, interrupted.promise]);
  } catch (err) {
    await close(!signal.aborted);
    if (signal.aborted) throw new HarnessError("interrupted", "interrupted while the load threads opened their sessions", { cause: err });
    throw new HarnessError("environment", `the threads driver could not open its agents' sessions: ${(err as Error).message}`, { cause: err });
  } finally {
    interrupted.dispose();
  }
  // The load threads get the harness's real-time priority when they take at most half the cores
  // (the default): each may then keep a core busy and the stack still has the other half. More
  // threads than that stay at the harness's normal priority, above the stack's nice only: real-time
  // threads saturating every core would leave the stack 5 % of the machine (sched_rt_runtime_us).
  if (threads.length * 2 <= availableParallelism()) raiseNewHarnessThreads();
  return { threads, close };
}

/** How long a warm-up's crew waits for the phase after it before it is closed. */
const KEEP_IDLE_MS = 120_000;

/**
 * A warm-up's crew, kept for the scenario's next phase, its measurement window. The warm-up is there
 * to warm the client as well as the stack: a new thread starts cold (its modules loaded afresh,
 * nothing compiled by the JIT yet) and opens new sessions and connections, all of which would land
 * in the window's first calls, where the sdk driver's sessions and code have been warm since the
 * warm-up. Kept only after a warm-up, for the same scenario asking for the same sessions. Idle, the
 * threads do not keep the process alive; nobody taking them within KEEP_IDLE_MS, or the warm-up's
 * signal aborting, closes them.
 */
const kept = new WeakMap<Scenario, { crew: Crew; release(): void; drop(): void }>();

function keep(s: Scenario, crew: Crew, signal: AbortSignal): void {
  // One crew kept per scenario: one kept before and never taken is closed, not left running.
  kept.get(s)?.drop();
  for (const t of crew.threads) t.worker.unref();
  const drop = () => {
    if (kept.get(s)?.crew === crew) kept.delete(s);
    release();
    void crew.close(!signal.aborted);
  };
  const release = () => {
    clearTimeout(timer);
    signal.removeEventListener("abort", drop);
    for (const t of crew.threads) t.worker.ref();
  };
  const timer = setTimeout(drop, KEEP_IDLE_MS);
  timer.unref();
  signal.addEventListener("abort", drop, { once: true });
  kept.set(s, { crew, release, drop });
}

/** The crew kept for `s`, when it was opened for `key` and every thread still runs; any other is closed. */
function takeKept(s: Scenario, key: string): Crew | undefined {
  const k = kept.get(s);
  if (!k) return undefined;
  if (k.crew.key !== key || !k.crew.threads.every((t) => t.running)) {
    k.drop();
    return undefined;
  }
  kept.delete(s);
  k.release();
  return k.crew;
}

export const threadsDriver: LoadDriver = {
  name: "threads",
  title: "the sdk driver's client on worker threads (threads: one per two cores by default)",
  needs: { http: true, plainCalls: true },
  knowsAgents: true,
  harnessTimed: true,
  timedOffMainThread: true,
  everyMethod: true,
  ownSessions: true,
  capacitySearch: false,
  noStages: NO_STAGES,
  async prepare(ctx) {
    const { scenario: s, signal } = ctx;
    if (ctx.load.shape) throw new HarnessError("invalid_input", `${s.file}: load.stages: the threads driver cannot run a load shape (${NO_STAGES})`);
    const limitMs = Math.min(ctx.durationMs ?? MAX_PHASE_MS, MAX_PHASE_MS);
    if (limitMs <= 0 || (ctx.count !== undefined && ctx.count <= 0) || signal.aborted)
      return { run: async () => emptyPhaseStats(), dispose: async () => undefined };
    const calls = s.workload.calls;
    if (!calls) throw new Error(`the threads driver runs a mix of tool calls, not a ${s.workload.kind} workload`);
    const servers = [...new Set([...calls, ...(s.workload.setup ?? [])].map((c) => c.server))];
    const urls: Record<string, string> = {};
    for (const server of servers) {
      const url = ctx.urls.get(server);
      if (!url) throw new Error(`no MCP Streamable HTTP endpoint for server "${server}" (the threads driver needs transport: http)`);
      urls[server] = url;
    }
    const blocks = agentBlocks(s.agents, s.threads ?? defaultThreads());
    const counts =
      ctx.count === undefined
        ? undefined
        : splitByWeight(
            ctx.count,
            blocks.map((b) => b.length),
            0,
          );
    const job = (i: number): ThreadJob => ({
      thread: i,
      threads: blocks.length,
      agents: blocks[i]!,
      totalAgents: s.agents,
      urls,
      calls,
      setup: s.workload.setup ?? [],
      seed: s.seed,
      runId: ctx.runId,
      sandbox: ctx.sandbox ?? "",
      callTimeoutMs: s.callTimeoutMs,
      startTimeoutMs: Math.max(s.startTimeoutMs, s.callTimeoutMs),
      backoff: ctx.load.model === "closed",
      open: ctx.load.model === "open",
      clock: clockPair(),
    });
    const { clock: _, ...opensFor } = job(0);
    const key = JSON.stringify({ ...opensFor, blocks });
    const crew = takeKept(s, key) ?? { key, ...(await openCrew(blocks.length, job, signal)) };
    const { threads } = crew;
    const closeAll = () => crew.close(!signal.aborted);
    const ready: ReadyPhase = {
      run: async (t0) => {
        const stopAll = () => {
          for (const t of threads) t.tell({ type: "stop" });
        };
        signal.addEventListener("abort", stopAll, { once: true });
        const ticker = ctx.onTick ? setInterval(() => ctx.onTick!(performance.now() - t0), 1000) : undefined;
        let ended = false;
        try {
          const all = await Promise.all(
            threads.map((t, i) => {
              t.onOps = applier(ctx.recorder);
              return t.ask(
                {
                  type: "run",
                  run: {
                    // Open model: thread i's schedule starts i arrivals of the whole rate after t0, so
                    // the threads' arrivals interleave one after another as the sdk driver's do, not in
                    // bursts of one per thread at the same instants. Its window still ends with the rest.
                    t0: t0 + scheduleShiftMs(ctx.load, i),
                    phase: ctx.phase,
                    load: threadLoad(ctx.load, blocks[i]!.length / s.agents),
                    durationMs: ctx.durationMs === undefined ? undefined : Math.max(0, ctx.durationMs - scheduleShiftMs(ctx.load, i)),
                    count: counts?.[i],
                  },
                },
                "done",
              );
            }),
          );
          // The window ends when the last thread's load and drain ended, not after the sessions closed.
          const loadEndedAt = performance.now();
          const stats = all.map((m) => m.stats);
          for (const t of stats)
            for (const tally of t.tallies) {
              const into = ctx.agentTallies?.[tally.agent];
              if (into) {
                into.ok += tally.ok;
                into.failed += tally.failed;
              }
            }
          ended = true;
          return { ...combineThreadStats(stats), loadEndedAt };
        } finally {
          if (ticker) clearInterval(ticker);
          signal.removeEventListener("abort", stopAll);
          if (ended && ctx.phase === "warmup" && !signal.aborted) keep(s, crew, signal);
          else await closeAll();
        }
      },
      dispose: closeAll,
    };
    return ready;
  },
};
