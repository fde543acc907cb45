/**
 * spawnManaged: starts a child process the harness fully owns.
 *
 *  - It gets a minimal environment (child-env.ts: an allow-list such as PATH, HOME, LANG, TMPDIR,
 *    the groups it asks for with `passEnv`, and exactly the `env` it is given), never the harness's
 *    whole environment, so a token in the harness's environment reaches no child that was not
 *    handed it. Plus MCP_SLO_RUN_ID=<runId>, so leftovers of a run can be found (see leftovers.ts).
 *  - It runs in its own process group (detached), and every signal goes to the whole group, so
 *    helpers it forks (postgres backends, redis' save child) go with it.
 *  - On Linux it is started through `setpriv --pdeathsig KILL`, so it is SIGKILLed by the kernel
 *    if the harness dies without a chance to clean up (SIGKILL, OOM kill). setpriv (util-linux
 *    2.38, verified by src/stack/managed-process.integration.test.ts) sets the parent-death signal *after*
 *    switching uid/gid, so this also holds with `--reuid` (runAs). Caveat: the kernel ties the
 *    parent-death signal to the *thread* that forked, so spawn from the main thread (or accept
 *    that the child dies with the worker thread that spawned it). It only covers the direct
 *    child: processes it forks must watch their own parent (postgres' do).
 *  - `runAs` runs it as another user (PostgreSQL refuses to run as root); only when we are root.
 *  - The last 50 lines of stderr (and of stdout when stdin is "ignore") are kept for error
 *    messages. With stdin "pipe" stdout is left untouched for the caller (stdio MCP transport).
 *  - It runs at a lower scheduling priority than the harness (see stackPriority below), unless it
 *    is itself a load generator (`priority: "harness"`, k6): on a saturated machine the stack must
 *    not make the harness's clocks run late (../shared/measurement.md, "Harness timing error").
 */
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { HarnessError } from "../errors.js";
import { isExecutable, resolveExecutable } from "../util/executable.js";
import type { Readable, Writable } from "node:stream";
import { childEnvironment, type PassEnv } from "./child-env.js";
import { DISPOSE_GRACE_MS, RUN_ID_ENV, type ResourceRegistry, type RunResource } from "./resource-registry.js";

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** A resource of the run's registry: disposing of it stops it (stop with DISPOSE_GRACE_MS), disposeSync SIGKILLs its group. */
export interface ManagedProcess extends RunResource {
  readonly name: string;
  /** The command as given, and the absolute path it resolved to. */
  readonly command: string;
  readonly resolvedCommand: string;
  readonly args: readonly string[];
  /** Pid of the child; also its process group id. setpriv exec()s, so this is the real server. */
  readonly pid: number;
  /** The user it runs as, when runAs was given. */
  readonly runAs: string | undefined;
  /** Present when spawned with stdin "pipe". */
  readonly stdin: Writable | null;
  /** With stdin "pipe": the raw stdout, for the caller to consume. With "ignore": null (we read it into the tail). */
  readonly stdout: Readable | null;
  /** Resolves when the process has exited; rejects if it could not be started at all. */
  readonly exited: Promise<ExitInfo>;
  /** Set once exited. */
  readonly exitInfo: ExitInfo | undefined;
  isRunning(): boolean;
  /** Sends `sig` to the whole process group; a no-op when it is already gone. */
  signal(sig: NodeJS.Signals): void;
  /**
   * Sends `signal` (default: the stopSignal given to spawnManaged, else SIGTERM) to the group, SIGKILL after `graceMs` (default 3000), and
   * resolves once the process has exited. Never rejects.
   */
  stop(opts?: { graceMs?: number; signal?: NodeJS.Signals }): Promise<void>;
  /** Last `n` (default 20, at most 50) lines of stderr (+ stdout when stdin was "ignore"). */
  stderrTail(n?: number): string[];
  /** Calls `fn` for each line of stderr (+ stdout when stdin was "ignore") from now on. */
  onLine(fn: (line: string) => void): () => void;
}

export interface SpawnManagedOptions {
  name: string;
  command: string;
  args: string[];
  /**
   * Exactly what this child is given on top of the minimal environment (child-env.ts); undefined
   * removes a variable. The harness's own environment is NOT inherited.
   */
  env?: Record<string, string | undefined>;
  /** Groups of the harness's environment this kind of child needs (proxies, registry settings, ...). */
  passEnv?: readonly PassEnv[];
  cwd?: string;
  /** User name to run as; needs root. */
  runAs?: string;
  registry: ResourceRegistry;
  /** "pipe" for stdio servers (stdout is then yours); default "ignore". */
  stdin?: "pipe" | "ignore";
  /**
   * The signal stop() sends first when none is given, e.g. by ResourceRegistry.disposeAll.
   * Default SIGTERM; PostgreSQL wants SIGINT (SIGTERM is its "smart" shutdown, which waits for
   * every client to disconnect).
   */
  stopSignal?: NodeJS.Signals;
  /**
   * "stack" (default): a server, backend or proxy, run at the stack's lower priority (stackPriority).
   * "harness": part of the load generator (k6), run at the harness's own priority.
   */
  priority?: "stack" | "harness";
}

/** Error thrown/rejected when a process cannot be started. */
export class SpawnError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly command: string,
  ) {
    super(message);
    this.name = "SpawnError";
  }
}

const TAIL_LINES = 50;
const DEFAULT_GRACE_MS = 3000;
/** After 'exit', how long to wait for the stdio pipes to drain before declaring the process exited. */
const STDIO_DRAIN_MS = 300;

const SETPRIV = "/usr/bin/setpriv";

/**
 * How much lower than the harness the processes it starts run: a nice increment, 0 for equal
 * footing. MCP_SLO_STACK_NICE overrides it (0-19).
 *
 * Why: on a saturated machine the servers, backends and proxy the harness starts (with the sdk
 * driver one server process per agent) compete with it for the CPU, and every moment its event
 * loop waits for a core is added to the latency samples it times and delays the sends it owes
 * (late sends make the generator the limit). Nice 10 gives a stack process about a tenth of the
 * harness's CPU weight (110 vs 1024), so a harness that wakes to read an answer gets a core almost
 * at once, while the stack still has every cycle the harness does not use: the harness is one
 * mostly idle event loop (about 20 % of a core in the coordination scenario's ci profile), so this
 * costs the stack little. A process may lower its children's priority without privileges;
 * raising its own would need CAP_SYS_NICE, hence the children are lowered, not the harness raised.
 * Forks of a child inherit its priority (postgres' backends, redis' save child).
 *
 * The price, said in results.json (environment.priority): against unrelated load on the same
 * machine (another job at nice 0) the stack now loses more than it would have; the run measures that
 * outside load (load.outsideCpu) and a user who wants the stack on equal footing sets
 * MCP_SLO_STACK_NICE=0.
 *
 * CPU placement: none (no taskset/sched_setaffinity), by choice. On a machine without cores to
 * spare (2 cores here), pinning the harness to one core and the stack to the rest would cap each
 * side at its share even while the other idles, and a stack of dozens of processes on one core is
 * slower than the same stack spread by the scheduler: it would change what is measured. On a
 * machine with cores to spare, a waking harness already finds an idle core (the scheduler's wake-up
 * placement), so pinning buys nothing the priority does not, and a pinned core is lost to the stack.
 * Containers (the docker provider) are not the harness's children and keep their engine's priority.
 */
export const STACK_NICE_ENV = "MCP_SLO_STACK_NICE";
export const DEFAULT_STACK_NICE_INCREMENT = 10;
/** The lowest priority there is (nice 19). */
const LOWEST_NICE = 19;

export interface StackPriority {
  /** The harness's own nice value. */
  harnessNice: number;
  /** The nice value the processes it starts run at (servers, local backends, Toxiproxy); equal to harnessNice when off. */
  stackNice: number;
  /** Where the harness and the stack run: no CPU placement, the scheduler places both (see above). */
  placement: "none";
  /** realtime: the harness's threads at SCHED_RR 1, above every normal process (raiseHarnessPriority). */
  harnessPolicy: "realtime" | "normal";
  /**
   * Where the kernel's autogroups are on: the nice of the scheduling group each process the harness
   * starts leads (see lowerAutogroup), the harness's own group's nice plus the same increment.
   * Absent where they are off (or not Linux) and on equal footing.
   */
  stackAutogroupNice?: number;
}

/** The nice increment the stack runs at (MCP_SLO_STACK_NICE, else 10); invalid input names the variable. */
export function stackNiceIncrement(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[STACK_NICE_ENV];
  if (raw === undefined || raw.trim() === "") return DEFAULT_STACK_NICE_INCREMENT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > LOWEST_NICE) {
    throw new HarnessError("invalid_input", `${STACK_NICE_ENV}=${raw}: must be a whole number from 0 (equal footing) to ${LOWEST_NICE}`);
  }
  return n;
}

/** The priority the harness and the processes it starts run at. */
export function stackPriority(env: NodeJS.ProcessEnv = process.env): StackPriority {
  const harnessNice = os.getPriority();
  const increment = stackNiceIncrement(env);
  const harnessGroup = increment > 0 ? autogroupNice() : undefined;
  return {
    harnessNice,
    stackNice: Math.min(LOWEST_NICE, harnessNice + increment),
    placement: "none",
    harnessPolicy,
    ...(harnessGroup !== undefined && { stackAutogroupNice: Math.min(LOWEST_NICE, harnessGroup + increment) }),
  };
}

const AUTOGROUP_SWITCH = "/proc/sys/kernel/sched_autogroup_enabled";

/** The nice of the scheduling autogroup `pid` is in, where the kernel's autogroups are on; else undefined. */
export function autogroupNice(pid: number | "self" = "self"): number | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    if (readFileSync(AUTOGROUP_SWITCH, "utf8").trim() !== "1") return undefined;
    const m = /\bnice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // a kernel without CONFIG_SCHED_AUTOGROUP, or the process is gone
  }
}

/**
 * The kernel's autogroups (CONFIG_SCHED_AUTOGROUP, on by default in many distributions' kernels, and
 * on the machine this was found on): every session is a scheduling group of its own, and the
 * scheduler shares the CPU between groups first, by the group's nice (/proc/<pid>/autogroup), and
 * only then between a group's tasks by their own nice. Every process the harness starts is spawned
 * detached (setsid, for a process group that is signalled as a whole), so it leads a new session,
 * and its nice 10 weighed against nothing: measured, two busy loops on one core, one of them at
 * nice 10 in a session of its own, got equal shares (740 082 and 740 776 iterations), where without
 * the setsid it got a tenth (99 225 vs 959 107). So the group a child leads is lowered too.
 *
 * Without CAP_SYS_ADMIN the kernel takes one such change per 100 ms, machine-wide (EAGAIN before
 * that), so the children wait their turn in a queue, each for at most AUTOGROUP_PATIENCE_MS once at
 * its head (another process's changes may take the kernel's turns too); one the kernel would not
 * lower is counted (autogroupsNotLowered) and the run record says so.
 */
const AUTOGROUP_PATIENCE_MS = 10_000;
const AUTOGROUP_RETRY_MS = 110;
/** `until`: set when the child first met the kernel's limit at the head of the queue. */
const autogroupQueue: { pid: number; name: string; nice: number; alive: () => boolean; until?: number }[] = [];
let autogroupRetry: NodeJS.Timeout | undefined;
const notLowered: string[] = [];

function lowerAutogroup(pid: number, name: string, nice: number, alive: () => boolean): void {
  autogroupQueue.push({ pid, name, nice, alive });
  if (autogroupRetry === undefined) drainAutogroupQueue();
}

function drainAutogroupQueue(): void {
  autogroupRetry = undefined;
  // Bounded: every turn either shifts the queue or returns.
  while (autogroupQueue.length > 0) {
    const next = autogroupQueue[0]!;
    // A child that exited has no group to lower, and its pid may be someone else's by now.
    if (next.alive()) {
      try {
        writeFileSync(`/proc/${next.pid}/autogroup`, String(next.nice));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        next.until ??= performance.now() + AUTOGROUP_PATIENCE_MS;
        if ((code === "EAGAIN" || code === "EBUSY") && performance.now() < next.until) {
          autogroupRetry = setTimeout(drainAutogroupQueue, AUTOGROUP_RETRY_MS);
          // Never what keeps a finished run alive.
          autogroupRetry.unref();
          return;
        }
        if (code !== "ESRCH" && code !== "ENOENT") notLowered.push(`${next.name} (${code ?? (err as Error).message})`);
      }
    }
    autogroupQueue.shift();
  }
}

/** The processes whose own scheduling group the kernel would not lower, so far in this process: "name (errno)". */
export function autogroupsNotLowered(): readonly string[] {
  return notLowered;
}

const CHRT = "/usr/bin/chrt";
/** MCP_SLO_HARNESS_REALTIME=0: the harness stays at normal scheduling (the stack's nice still applies). */
export const HARNESS_REALTIME_ENV = "MCP_SLO_HARNESS_REALTIME";
/** What raiseHarnessPriority achieved; "normal" until it is called and when it could not. */
let harnessPolicy: "realtime" | "normal" = "normal";

/**
 * Puts the harness's threads at real-time priority (SCHED_RR 1) where the machine allows it
 * (CAP_SYS_NICE, e.g. root): the stack's processes stay normal (SCHED_RESET_ON_FORK: nothing the
 * harness starts inherits it) and at their lower nice. Why nice alone is not enough: with dozens of
 * server processes awake (the coordination scenario: 32 redis servers on 2 cores) the scheduler still
 * let them run ahead of a waking harness, and its event loop was 10-18 ms late in every second of the
 * window at 27 % of a core; at SCHED_RR 1 the same run's delay p99 was 0.9 ms. A real-time thread
 * always runs before normal ones, and the harness is one mostly idle event loop, so the stack keeps
 * every cycle it does not use; the kernel keeps 5 % of each second for normal tasks whatever a
 * real-time one does (sched_rt_runtime_us). Equal footing (MCP_SLO_STACK_NICE=0) leaves it off, and so
 * does MCP_SLO_HARNESS_REALTIME=0 alone.
 * Threads the harness makes later (the open model's waker) must exist before, or stay normal.
 */
export function raiseHarnessPriority(env: NodeJS.ProcessEnv = process.env): "realtime" | "normal" {
  if (harnessPolicy === "realtime" || stackNiceIncrement(env) === 0 || env[HARNESS_REALTIME_ENV] === "0") return harnessPolicy;
  if (process.platform !== "linux" || !isExecutable(CHRT)) return harnessPolicy;
  try {
    execFileSync(CHRT, ["--all-tasks", "--reset-on-fork", "--rr", "--pid", "1", String(process.pid)], { stdio: "ignore", timeout: 5000 });
    harnessPolicy = "realtime";
  } catch {
    // EPERM without CAP_SYS_NICE: the stack's lower nice is all the priority there is.
  }
  return harnessPolicy;
}

/**
 * Gives threads the harness made after raiseHarnessPriority (the threads driver's load threads and
 * their wakers) the same real-time priority, if the harness has it; a no-op otherwise. The caller
 * decides which threads may have it: a real-time thread that never sleeps keeps a core from the stack.
 */
export function raiseNewHarnessThreads(): "realtime" | "normal" {
  if (harnessPolicy !== "realtime") return harnessPolicy;
  try {
    execFileSync(CHRT, ["--all-tasks", "--reset-on-fork", "--rr", "--pid", "1", String(process.pid)], { stdio: "ignore", timeout: 5000 });
    return "realtime";
  } catch {
    return "normal";
  }
}

/** Lowers a child to the stack's priority; a child that is gone already (or a platform that cannot) keeps its own. */
function lowerPriority(pid: number | undefined, nice: number): void {
  if (pid === undefined) return;
  try {
    os.setPriority(pid, nice);
  } catch {
    // ESRCH: it exited already (its exit is reported as usual). EACCES: nothing to lower to.
  }
}

/** Whether children get the kernel parent-death signal (needs util-linux setpriv, Linux only). */
export function hasPdeathsig(): boolean {
  return process.platform === "linux" && isExecutable(SETPRIV);
}

export function spawnManaged(opts: SpawnManagedOptions): ManagedProcess {
  const { name, registry } = opts;
  const stdinMode = opts.stdin ?? "ignore";
  const env = childEnvironment({ pass: opts.passEnv ?? [], set: opts.env ?? {} });
  env[RUN_ID_ENV] = registry.runId;

  // Resolve the command ourselves: a missing binary is then a clear, immediate error naming it,
  // whether or not it is started through setpriv (whose own exec failure is just exit code 127).
  const resolvedCommand = resolveExecutable(opts.command, env.PATH ?? "", opts.cwd);
  // Read before the spawn: invalid input is refused before a child exists.
  const priority = opts.priority === "harness" ? undefined : stackPriority();
  if (resolvedCommand === undefined) {
    throw new SpawnError(`cannot start ${name}: command not found or not executable: ${opts.command}`, "ENOENT", opts.command);
  }

  if (opts.cwd !== undefined && !isDirectory(opts.cwd)) {
    // Otherwise spawn reports ENOENT naming the executable, which sends one looking in the wrong place.
    throw new SpawnError(`cannot start ${name}: working directory does not exist: ${opts.cwd}`, "ENOENT", opts.command);
  }

  let file = resolvedCommand;
  let args = [...opts.args];
  let cwd = opts.cwd;
  if (opts.runAs !== undefined) {
    if (typeof process.getuid !== "function" || process.getuid() !== 0) {
      throw new SpawnError(`cannot start ${name} as user ${opts.runAs}: only possible when running as root`, "EPERM", opts.command);
    }
    if (!isExecutable(SETPRIV)) {
      throw new SpawnError(`cannot start ${name} as user ${opts.runAs}: ${SETPRIV} (util-linux) is missing`, "ENOENT", SETPRIV);
    }
    const user = lookupUser(opts.runAs);
    env.USER = env.LOGNAME = opts.runAs;
    env.HOME = user.home;
    // The other user usually cannot enter our cwd (e.g. /root/...): start somewhere neutral.
    cwd ??= "/";
  }
  if (hasPdeathsig()) {
    const wrapper = ["--pdeathsig", "KILL"];
    if (opts.runAs !== undefined) wrapper.push("--reuid", opts.runAs, "--regid", String(lookupUser(opts.runAs).gid), "--init-groups");
    args = [...wrapper, "--", file, ...args];
    file = SETPRIV;
  }

  // The owner record must exist before the child does: if we are killed right after the spawn,
  // a later command can still tell whose child it was (src/stack/leftovers.ts).
  registry.claim();
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd,
      env,
      detached: true, // own process group (setsid): signalled and killed as a group
      stdio: [stdinMode, "pipe", "pipe"],
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SpawnError(`cannot start ${name} (${opts.command}): ${e.message}`, e.code, opts.command);
  }
  // In the same tick as the spawn: the child is at most exec-ing (setpriv, then its command), long
  // before it forks helpers of its own, which inherit the lower priority.
  if (priority && priority.stackNice !== priority.harnessNice) lowerPriority(child.pid, priority.stackNice);

  const managed = new ManagedChild(opts, resolvedCommand, child, stdinMode);
  // spawn() returns once the child has exec'd, so its setsid has happened and its group exists.
  if (priority?.stackAutogroupNice !== undefined && child.pid !== undefined) {
    lowerAutogroup(child.pid, opts.name, priority.stackAutogroupNice, () => managed.exitInfo === undefined);
  }
  return managed;
}

class ManagedChild implements ManagedProcess {
  readonly name: string;
  readonly command: string;
  readonly resolvedCommand: string;
  readonly args: readonly string[];
  readonly pid: number;
  readonly runAs: string | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  readonly #registry: ResourceRegistry;
  readonly #stopSignal: NodeJS.Signals;
  readonly #output = new OutputTail();
  #spawnFailed = false;

  constructor(opts: SpawnManagedOptions, resolvedCommand: string, child: ChildProcess, stdinMode: "pipe" | "ignore") {
    this.name = opts.name;
    this.command = opts.command;
    this.resolvedCommand = resolvedCommand;
    this.args = [...opts.args];
    this.runAs = opts.runAs;
    this.#registry = opts.registry;
    this.#stopSignal = opts.stopSignal ?? "SIGTERM";
    // pid is undefined only when spawn failed (reported through 'error' below).
    this.pid = child.pid ?? -1;
    this.stdin = stdinMode === "pipe" ? child.stdin : null;
    this.stdout = stdinMode === "pipe" ? child.stdout : null;

    if (child.stderr) this.#output.collect(child.stderr);
    if (stdinMode === "ignore" && child.stdout) this.#output.collect(child.stdout);
    // A stdio server's stdin may be closed under our feet when it dies: don't crash the harness.
    child.stdin?.on("error", () => {});

    this.exited = new Promise<ExitInfo>((resolve, reject) => {
      let settled = false;
      const finish = (info: ExitInfo) => {
        if (settled) return;
        settled = true;
        this.exitInfo = info;
        this.#registry.untrack(this);
        resolve(info);
      };
      child.on("error", (err: NodeJS.ErrnoException) => {
        // With a pid the spawn succeeded: a later 'error' (e.g. a failed kill) is not an exit.
        if (child.pid !== undefined || settled) return;
        settled = true;
        this.#spawnFailed = true;
        this.exitInfo = { code: null, signal: null };
        this.#registry.untrack(this);
        reject(new SpawnError(`cannot start ${this.name} (${this.command}): ${err.message}`, err.code, this.command));
      });
      child.once("exit", (code, signal) => {
        const info = { code, signal };
        // Helpers the process forked into its group must not outlive it (the pgid cannot be
        // reused while any member is alive, so this cannot hit an unrelated process group).
        killGroup(this.pid, "SIGKILL");
        // Wait briefly for stdio to drain so the tail holds the last words, but not for ever:
        // a grandchild may hold the pipes, or nobody may be reading stdout.
        const timer = setTimeout(() => finish(info), STDIO_DRAIN_MS);
        child.once("close", () => {
          clearTimeout(timer);
          finish(info);
        });
      });
    });
    // Callers may only look at exitInfo; an unobserved rejection must not crash the process.
    this.exited.catch(() => {});

    if (child.pid !== undefined) this.#registry.track(this);
  }

  isRunning(): boolean {
    return !this.#spawnFailed && this.pid > 0 && this.exitInfo === undefined;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.pid <= 0 || this.#spawnFailed) return;
    killGroup(this.pid, sig);
  }

  async stop(opts: { graceMs?: number; signal?: NodeJS.Signals } = {}): Promise<void> {
    const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    if (!this.isRunning()) {
      await this.exited.catch(() => {});
      return;
    }
    this.signal(opts.signal ?? this.#stopSignal);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), graceMs);
    });
    const result = await Promise.race([
      this.exited.then(
        () => "exited" as const,
        () => "exited" as const,
      ),
      graceOver,
    ]);
    clearTimeout(timer);
    if (result === "timeout") {
      this.signal("SIGKILL");
      await this.exited.catch(() => {});
    }
  }

  async dispose(): Promise<void> {
    try {
      await this.stop({ graceMs: DISPOSE_GRACE_MS });
    } catch {
      // stop() is not supposed to throw; if it does, make sure the group is dead anyway.
      this.signal("SIGKILL");
    }
  }

  disposeSync(): void {
    this.signal("SIGKILL");
  }

  stderrTail(n = 20): string[] {
    return this.#output.tail(n);
  }

  onLine(fn: (line: string) => void): () => void {
    return this.#output.onLine(fn);
  }
}

/** The last lines a process wrote (bounded) and who wants each line as it comes; shared by every kind of ManagedProcess. */
export class OutputTail {
  readonly #tail: string[] = [];
  readonly #listeners = new Set<(line: string) => void>();

  tail(n = 20): string[] {
    return this.#tail.slice(-Math.max(0, Math.min(n, TAIL_LINES)));
  }

  onLine(fn: (line: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  push(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.splice(0, this.#tail.length - TAIL_LINES);
    for (const fn of this.#listeners) {
      try {
        fn(line);
      } catch {
        /* a listener's bug must not break output collection */
      }
    }
  }

  collect(stream: Readable): void {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? "";
      // Guard against a never-ending line eating memory.
      if (partial.length > 64 * 1024) {
        this.push(partial);
        partial = "";
      }
      for (const line of lines) this.push(line);
    });
    stream.on("end", () => {
      if (partial !== "") this.push(partial);
      partial = "";
    });
    stream.on("error", () => {});
  }
}

function killGroup(pgid: number, sig: NodeJS.Signals): void {
  if (pgid <= 0) return;
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: the group is gone already.
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const userCache = new Map<string, { uid: number; gid: number; home: string }>();

/** uid, primary gid and home of a user, via getent (so NSS users work too). */
export function lookupUser(user: string): { uid: number; gid: number; home: string } {
  const cached = userCache.get(user);
  if (cached) return cached;
  let line: string;
  try {
    line = execFileSync("getent", ["passwd", user], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: childEnvironment() }).trim();
  } catch {
    throw new SpawnError(`user ${JSON.stringify(user)} does not exist on this machine`, "ENOENT", user);
  }
  const fields = line.split(":");
  const info = { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] || "/" };
  if (!Number.isInteger(info.uid) || !Number.isInteger(info.gid)) {
    throw new SpawnError(`cannot parse the passwd entry of ${JSON.stringify(user)}: ${line}`, "EINVAL", user);
  }
  userCache.set(user, info);
  return info;
}

/**
 * The process faults of a backend run as a local process (BackendHandle's kill9, pause, resume,
 * isRunning), on whichever process `current` is now: a restart replaces it. SIGSTOP and SIGCONT go to
 * the whole process group, so PostgreSQL's backends stop with their postmaster.
 */
export function processFaults(current: () => ManagedProcess): { kill9(): void; pause(): void; resume(): void; isRunning(): boolean } {
  return {
    kill9: () => current().signal("SIGKILL"),
    pause: () => current().signal("SIGSTOP"),
    resume: () => current().signal("SIGCONT"),
    isRunning: () => current().isRunning(),
  };
}
