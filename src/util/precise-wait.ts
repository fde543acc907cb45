/**
 * Waiting until an instant on performance.now(), to a fraction of a millisecond.
 *
 * Why not setTimeout: Node's timers run on the event loop's cached millisecond clock, so a timer
 * fires anywhere up to a millisecond or more after its time. The open model counts a call's latency
 * from its scheduled send (coordinated omission), so a send woken late carries the harness's own
 * lateness into the server's latency: measured at 200 arrivals/s on the null endpoint, the send came
 * 0.8 ms (p50) after its time, about half of the latency recorded there. Spinning on setImmediate
 * would be punctual but would burn a core the stack it measures needs.
 *
 * How: one helper thread (plain JavaScript, no module loading) sleeps in Atomics.wait, the kernel's
 * futex wait, whose timeout is not rounded to milliseconds, until the instant the main thread wrote
 * into shared memory, then posts a message; the main thread's loop wakes on it at once. Instants go
 * across on process.hrtime, the monotonic clock every thread of the process shares (Node 20's worker
 * threads share the process's performance.now() origin too, but nothing promises it). The thread keeps the process alive only while it starts and
 * while a wait is pending, like the timer it stands in for.
 *
 * Waits before preparePreciseWait() started the thread, short waits (below a timer's granularity,
 * when the loop is busy anyway), a second caller's while one waits, and every environment where the
 * thread cannot start use setTimeout; the thread's waits race that same timer: never worse than before.
 */
import { Worker } from "node:worker_threads";
import { sleep } from "./sleep.js";

/** The helper thread's code: wait for a new target (generation bump), sleep until it, post the generation. */
const WAKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ctl = new Int32Array(workerData, 0, 2);
const target = new Float64Array(workerData, 8, 1);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
let seen = 0;
for (;;) {
  if (Atomics.load(ctl, 1) !== 0) break;
  const gen = Atomics.load(ctl, 0);
  if (gen === seen) { Atomics.wait(ctl, 0, gen); continue; }
  const left = target[0] - nowMs();
  if (left > 0) { Atomics.wait(ctl, 0, gen, left); if (Atomics.load(ctl, 0) !== gen) continue; if (target[0] - nowMs() > 0) continue; }
  seen = gen;
  parentPort.postMessage(gen);
}
`;

/** The backstop timer's abort reason: one made once, since abort() without a reason builds a DOMException (with its stack) every wait. */
const WAIT_OVER = new Error("the precise wait is over");

/** Waits shorter than this go to setTimeout: the thread's round trip (tens of microseconds) would not pay. */
const MIN_PRECISE_MS = 0.05;
/** Waits longer than this sleep on a timer first, and the thread takes only the last stretch. */
const TIMER_LEAD_MS = 3;

class Waker {
  private readonly worker: Worker;
  private readonly ctl: Int32Array;
  private readonly target: Float64Array;
  private generation = 0;
  private pending: { gen: number; resolve: () => void } | undefined;
  /** The thread runs (a thread takes tens of milliseconds to start: waits before that use timers). */
  online = false;
  readonly ready: Promise<void>;

  constructor() {
    const shared = new SharedArrayBuffer(16);
    this.ctl = new Int32Array(shared, 0, 2);
    this.target = new Float64Array(shared, 8, 1);
    this.worker = new Worker(WAKER_SOURCE, { eval: true, workerData: shared });
    this.ready = new Promise<void>((resolve) => {
      this.worker.once("online", () => {
        this.online = true;
        if (this.pending === undefined) this.worker.unref();
        resolve();
      });
      this.worker.once("error", () => resolve());
    });
    this.worker.on("message", (gen: number) => {
      const p = this.pending;
      if (p && p.gen === gen) this.settle();
    });
    this.worker.on("error", () => {
      waker = null;
      this.settle();
    });
    // Until it runs (someone awaits `ready`), the thread keeps the process alive; then only while a wait is
    // pending, like the timer it stands for (unref'd once online, after every listener: adding a "message"
    // listener refs the worker's port again).
  }

  /** Forgets the pending wait, if any (its timer came first); the thread's late message is then ignored. */
  cancel(): void {
    this.settle();
  }

  /** Ends the pending wait; the thread no longer keeps the process alive. */
  private settle(): void {
    const p = this.pending;
    this.pending = undefined;
    this.worker.unref();
    p?.resolve();
  }

  /** Whether a wait is under way (one at a time: another caller uses timers meanwhile). */
  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Resolves once process.hrtime has reached `atHrMs`. */
  until(atHrMs: number): Promise<void> {
    const gen = ++this.generation;
    this.target[0] = atHrMs;
    return new Promise<void>((resolve) => {
      this.pending = { gen, resolve };
      this.worker.ref();
      Atomics.store(this.ctl, 0, gen);
      Atomics.notify(this.ctl, 0);
    });
  }
}

/** The process's waker; null once it failed (then every wait uses timers). */
let waker: Waker | null | undefined;
function startWaker(): Waker | null {
  if (waker === undefined) {
    try {
      waker = new Waker();
    } catch {
      waker = null;
    }
  }
  return waker;
}

/** The waker when it can take a wait now: started, online, and not serving another caller. */
function freeWaker(): Waker | null {
  // Never started here: making a thread costs the main thread milliseconds, which a timed loop must not pay.
  // preparePreciseWait() starts it before the load; until then, and without it, timers do the waiting.
  const w = waker ?? null;
  return w?.online && !w.busy ? w : null;
}

/**
 * Starts the helper thread and resolves once it runs (or could not start): call it before a phase's
 * t0, so the first arrivals are not timed on timers while the thread starts.
 */
export async function preparePreciseWait(): Promise<void> {
  await startWaker()?.ready;
}

/**
 * Resolves once performance.now() has reached `deadline`, within a fraction of a millisecond on an
 * idle loop, or at once when `signal` aborts. One caller at a time per process (the open model's
 * arrival loop); a second concurrent caller waits on timers meanwhile, never ending early.
 */
export async function waitUntilPrecise(deadline: number, signal?: AbortSignal): Promise<void> {
  // Bounded: each round waits what is left; a wake before the deadline (a wait replaced by a newer one) waits again.
  for (let round = 0; round < 10 && !signal?.aborted; round++) {
    let left = deadline - performance.now();
    if (left > TIMER_LEAD_MS) {
      await sleep(left - TIMER_LEAD_MS, signal);
      left = deadline - performance.now();
    }
    if (left <= 0 || signal?.aborted) return;
    const w = left >= MIN_PRECISE_MS ? freeWaker() : null;
    if (w === null) {
      await sleep(Math.max(1, Math.ceil(left)), signal);
      continue;
    }
    const atHrMs = Number(process.hrtime.bigint()) / 1e6 + left;
    // The timer the loop used before races the thread: a thread kept from the CPU (one started after the
    // harness was raised to real-time priority stays normal) can never make a wake later than that timer
    // would have been; one that fires early goes round again. The signal ends the wait at once.
    const backstop = new AbortController();
    const ended = () => backstop.abort(WAIT_OVER);
    signal?.addEventListener("abort", ended, { once: true });
    await Promise.race([w.until(atHrMs), sleep(left, backstop.signal)]);
    backstop.abort(WAIT_OVER);
    signal?.removeEventListener("abort", ended);
    w.cancel();
  }
}
