/**
 * Every MCP session of a scenario: the agents' sessions plus auxiliary ones
 * (the recovery probe, the RPO writers), which must not queue behind the
 * load. Watches every session's process: an exit is an observation, and with
 * the supervisor policy on, the dead session is started again and swapped in
 * where the agent (or the probe) will pick it up on its next call.
 */
import { availableParallelism } from "node:os";
import type { ServerDefinition } from "../contracts/server-definition.js";
import type { ExitInfo } from "../stack/managed-process.js";
import type { Agent } from "../drivers/sdk-driver.js";
import { HarnessError } from "../errors.js";
import type { StdioFaultLayer } from "../faults/stdio-fault-layer.js";
import { startSession, type McpSession, type StackEndpoints } from "../stack/mcp-session.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { allSettledOrThrow, Limiter } from "../util/concurrency.js";

/**
 * Whether a log line says something a person needs: not blank, not a stack
 * frame or an indented object dump, not lone punctuation, not the runtime's
 * own source location or version footer.
 */
export function informativeLine(line: string): boolean {
  return line.trim() !== "" && !/^\s/.test(line) && !/^[\s{}()[\],;]+$/.test(line) && !/^(node:[a-z_/]+:\d+|Node\.js v\d)/.test(line);
}

/**
 * Sessions started at once, across the whole pool. A server's start is mostly CPU (Node loading and
 * compiling its bundle: 0.3 to 3 s of CPU each for the catalog's servers), so more starts at once
 * than cores do not end sooner: they only stretch every start-to-ready, a figure the SLOs judge, and
 * hold a process's memory each (64 sessions would be 64 Node processes at once). One per core, but
 * at least 4, so on a small machine a start waiting on something else (a spawn, tools/list, its
 * backend) does not leave a core idle.
 */
const SPAWN_CONCURRENCY = Math.max(4, availableParallelism());
/** Log lines kept as observations, so a chatty server cannot fill memory. */
const MAX_LOG_EVENTS = 400;
/** A supervisor that restarts a crash-looping server forever would never let a run end. */
const MAX_RESTARTS_PER_SESSION = 20;
const RESTART_BACKOFF_MS = 200;

/** Process exits kept per scenario: a crash-looping server under a supervisor must not fill memory. */
const MAX_EXITS = 100;
/** Informative stderr lines kept per exit, and their length. */
const EXIT_STDERR_LINES = 5;
const EXIT_STDERR_CHARS = 300;

/** A server process that exited while the scenario ran, not because the harness stopped it. */
export interface SessionExit {
  server: string;
  agent: number;
  /** performance.now() */
  at: number;
  code: number | null;
  signal: string | null;
  stderr: string[];
}

export interface PoolEvent {
  /** performance.now() */
  at: number;
  /** exits and supervisor actions matter more than log lines when observations are cut short */
  kind: "exit" | "supervisor" | "log";
  text: string;
}

async function mapLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && failure === undefined) {
        const item = items[next++]!;
        await fn(item).catch((err: unknown) => {
          failure ??= err;
        });
      }
    }),
  );
  if (failure !== undefined) throw failure;
}

export class SessionPool {
  readonly agents: Agent[] = [];
  private readonly live = new Map<string, McpSession>();
  private readonly restarts = new Map<string, number>();
  private closing = false;
  supervisor = false;
  /** While true, every line a server writes to stderr is kept as an observation (set during faults). */
  captureLogs = false;
  private logEvents = 0;
  readonly events: PoolEvent[] = [];
  /** Every server process that exited on its own or was killed, fault or not (bounded). */
  readonly exits: SessionExit[] = [];
  /** Exits beyond MAX_EXITS, counted only. */
  exitsNotKept = 0;
  readonly stdioLayers = new Map<string, StdioFaultLayer>();
  /** Sessions replaced by churn and being closed: closeAll closes what is left of them. */
  private readonly retired = new Set<McpSession>();
  /** Every session churn replaced, closed or not: their processes' exits are the harness's doing (a shared HTTP server's too). */
  private readonly replacedByChurn = new WeakSet<McpSession>();
  /**
   * Sessions churn closed (retire finished). A session an agent left with (churn per join) stays its
   * session in `live` until it joins again: these are skipped wherever a live session means a process.
   */
  private readonly closedByChurn = new WeakSet<McpSession>();
  private readonly stopListening = new WeakMap<McpSession, () => void>();
  /** Churn's opens and closes under way. */
  private readonly pending = new Set<Promise<void>>();
  private peakOpen = 0;

  /** Bounds the first sessions' starts (startServer), whichever server each is for. */
  private readonly starts = new Limiter(SPAWN_CONCURRENCY);
  /** The first failed start of startServer: the starts still queued give up with it instead of spawning. */
  private startFailure: { error: unknown } | undefined;
  private endpoints: StackEndpoints | undefined;

  /**
   * `endpoints`: the whole stack's, for every session; none yet while the stack is still coming up
   * (then each startServer brings its server's, and useEndpoints gives the whole stack's later).
   */
  constructor(private readonly opts: { registry: ResourceRegistry; endpoints: StackEndpoints | undefined; startTimeoutMs: number; signal: AbortSignal }) {
    this.endpoints = opts.endpoints;
  }

  /** The whole stack's endpoints, once it is up: every session started from now on (restarts, churn, auxiliary) uses them. */
  useEndpoints(endpoints: StackEndpoints): void {
    this.endpoints = endpoints;
  }

  private key(server: string, agent: number): string {
    return `${server}#${agent}`;
  }

  get sessions(): McpSession[] {
    return [...this.live.values()];
  }

  /** Live session of an agent (or auxiliary id) to a server; changes when the supervisor restarts it. */
  session(server: string, agent: number): McpSession | undefined {
    return this.live.get(this.key(server, agent));
  }

  private async open(def: ServerDefinition, agent: number, knownTools?: readonly string[], endpoints = this.endpoints): Promise<McpSession> {
    if (this.opts.signal.aborted) throw new HarnessError("interrupted", "interrupted while starting servers");
    if (!endpoints) throw new Error(`a session to ${def.name} was asked for before the stack's endpoints were known`);
    const layer = this.stdioLayers.get(def.name);
    const s = await startSession({
      def,
      agent,
      endpoints,
      registry: this.opts.registry,
      timeoutMs: this.opts.startTimeoutMs,
      ...(layer && { stdioFaults: layer }),
      // A churn's new session: its setup is cut short by an interruption (the load is stopping).
      ...(knownTools && { knownTools, signal: this.opts.signal }),
    });
    if (this.closing) {
      // Started while the run was stopping (a churn's new session): nobody will use it, and closeAll has passed.
      await s.close();
      throw new HarnessError("interrupted", `the session of agent ${agent} to ${def.name} was started while the run was stopping`);
    }
    this.live.set(this.key(def.name, agent), s);
    if (agent >= 0) (this.agents[agent]!.sessions as Map<string, McpSession>).set(def.name, s);
    // A url target's session has no process of the harness: no exit to watch, no log lines to read.
    const proc = s.process;
    if (!proc) return s;
    void proc.exited.then(
      (exit) => this.onExit(s, `${exit.signal ?? `code ${exit.code}`}`, exit),
      () => this.onExit(s, "spawn failure"),
    );
    const stopListening = proc.onLine((line) => {
      if (!this.captureLogs || this.logEvents >= MAX_LOG_EVENTS || !informativeLine(line)) return;
      this.logEvents++;
      this.events.push({ at: performance.now(), kind: "log", text: `${this.key(def.name, agent)} logged: ${line.slice(0, 200)}` });
    });
    // A churned session of a shared HTTP server must not leave its listener on that process for the rest of the run.
    this.stopListening.set(s, stopListening);
    return s;
  }

  private onExit(s: McpSession, how: string, exit?: ExitInfo): void {
    // A replaced session's process was stopped by the harness: no exit to observe, nothing to restart.
    if (this.closing || this.replacedByChurn.has(s)) return;
    const name = this.key(s.server.name, s.agent);
    // The informative lines of a crash, not the stack frames or the runtime's version footer.
    const informative = (s.process?.stderrTail(50) ?? []).filter(informativeLine);
    if (exit) {
      if (this.exits.length < MAX_EXITS) {
        this.exits.push({
          server: s.server.name,
          agent: s.agent,
          at: performance.now(),
          code: exit.code,
          signal: exit.signal,
          stderr: informative.slice(-EXIT_STDERR_LINES).map((l) => l.slice(0, EXIT_STDERR_CHARS)),
        });
      } else this.exitsNotKept++;
    }
    const tail = informative.slice(-2).map((l) => l.slice(0, 160));
    this.events.push({ at: performance.now(), kind: "exit", text: `${name} exited (${how})${tail.length ? `; its last stderr: ${tail.join(" | ")}` : ""}` });
    if (!this.supervisor || this.live.get(name) !== s) return;
    const n = (this.restarts.get(name) ?? 0) + 1;
    this.restarts.set(name, n);
    if (n > MAX_RESTARTS_PER_SESSION) {
      this.events.push({ at: performance.now(), kind: "supervisor", text: `supervisor gave up on ${name} after ${MAX_RESTARTS_PER_SESSION} restarts` });
      return;
    }
    void (async () => {
      await new Promise((r) => setTimeout(r, RESTART_BACKOFF_MS));
      if (this.closing) return;
      const t0 = performance.now();
      try {
        const again = await this.open(s.server, s.agent);
        this.events.push({ at: performance.now(), kind: "supervisor", text: `supervisor restarted ${name} (ready in ${again.startToReadyMs.toFixed(0)} ms)` });
      } catch (err) {
        this.events.push({
          at: performance.now(),
          kind: "supervisor",
          text: `supervisor could not restart ${name} after ${(performance.now() - t0).toFixed(0)} ms: ${(err as Error).message.split("\n")[0]}`,
        });
        if (!this.closing) this.onExit(s, "restart failed");
      }
    })();
  }

  /** The load's agents, 0 .. agents-1, each without a session yet (startServer gives them theirs). */
  addAgents(agents: number): void {
    for (let id = this.agents.length; id < agents; id++) this.agents.push({ id, sessions: new Map() });
  }

  /**
   * One session per agent to `def`, started with `endpoints` when given (its server's, announced
   * before the rest of the stack is up), at most SPAWN_CONCURRENCY starts at once across every
   * server. Fails once every start of this server that began has ended (cleanup is closeAll's); a
   * start still queued after any failed start of the pool gives up, with that failure.
   */
  async startServer(def: ServerDefinition, endpoints?: StackEndpoints): Promise<void> {
    await allSettledOrThrow(
      this.agents.map((a) =>
        this.starts.run(async () => {
          if (this.startFailure) throw this.startFailure.error;
          try {
            await this.open(def, a.id, undefined, endpoints);
          } catch (err) {
            this.startFailure ??= { error: err };
            throw err;
          }
        }),
      ),
    );
  }

  /** One session per agent and server; fails (and leaves cleanup to closeAll) if any cannot start. */
  async startAgents(servers: readonly ServerDefinition[], agents: number): Promise<void> {
    this.addAgents(agents);
    await allSettledOrThrow(servers.map((def) => this.startServer(def)));
  }

  async startAuxiliary(def: ServerDefinition, agent: number): Promise<McpSession> {
    return this.session(def.name, agent) ?? this.open(def, agent);
  }

  /** Every live process of a server (all agents and auxiliary sessions). */
  processesOf(server: string) {
    return this.sessions.filter((s) => s.server.name === server && !this.replacedByChurn.has(s)).flatMap((s) => (s.process ? [s.process] : []));
  }

  /** Starts again every session of a server whose process is gone (a fault's heal step); returns the new sessions. */
  async reviveDead(server: string): Promise<McpSession[]> {
    // Not the sessions of agents that left (churn per join): they set up their own when they join again.
    const dead = this.sessions.filter((s) => s.server.name === server && s.process !== undefined && !s.process.isRunning() && !this.replacedByChurn.has(s));
    for (const s of dead) this.live.delete(this.key(server, s.agent));
    const revived: McpSession[] = [];
    await mapLimited(dead, SPAWN_CONCURRENCY, async (s) => {
      revived.push(await this.open(s.server, s.agent));
    });
    return revived;
  }

  /**
   * Session churn (src/drivers/session-churn.ts): opens a new session of a load agent to a server
   * and swaps it in where the agent picks it up on its next call; the old one stays open until
   * `retire`. No tools/list: the new session's setup is initialize alone (its tools are the old
   * one's). Throws what startSession throws; bounded by the start timeout, cut short by the run's
   * interruption, and awaited by closeAll.
   */
  async renew(server: string, agent: number): Promise<McpSession> {
    const old = this.session(server, agent);
    if (!old || agent < 0) throw new Error(`agent ${agent} has no session to ${server} to renew`);
    const opening = this.open(old.server, agent, old.tools);
    this.track(opening);
    const fresh = await opening;
    // Replaced: open until retire closes it (its calls may still be running), but no longer the agent's.
    // A session its agent left with (churn per join) was closed already.
    if (!this.closedByChurn.has(old)) {
      this.retired.add(old);
      this.replacedByChurn.add(old);
    }
    // A session in both (an agent that left, its session still closing) counts once.
    const open = new Set([...this.sessions.filter((x) => x.agent >= 0 && !this.closedByChurn.has(x)), ...this.retired]);
    this.peakOpen = Math.max(this.peakOpen, open.size);
    return fresh;
  }

  /**
   * Closes a session that was replaced, once its caller no longer uses it (the churn waits for its
   * calls to end); in the background, awaited by closeAll. Its exit is not an observation: the
   * harness stopped it. `onClosed` gets how long closing took.
   */
  retire(s: McpSession, onClosed?: (ms: number) => void): void {
    this.retired.add(s);
    this.replacedByChurn.add(s);
    const t0 = performance.now();
    const closing = s
      .close()
      .catch(() => undefined)
      .then(() => {
        this.retired.delete(s);
        this.closedByChurn.add(s);
        this.stopListening.get(s)?.();
        onClosed?.(performance.now() - t0);
      });
    this.track(closing);
  }

  /** Most agent sessions open at once while churning (replaced ones not yet closed included); 0 before any renewal. */
  get peakAgentSessions(): number {
    return this.peakOpen;
  }

  private track(p: Promise<unknown>): void {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    // Churn's opens and closes still under way: an open finishing now closes what it started (open), a
    // close finishes its process; each is bounded (start timeout, stop grace), so this wait is.
    await Promise.allSettled([...this.pending]);
    // A session closed by churn is not closed twice (an agent that left holds one until it joins again).
    const open = new Set([...this.sessions.filter((s) => !this.closedByChurn.has(s)), ...this.retired]);
    await Promise.allSettled([...open].map((s) => s.close()));
  }
}
