/**
 * What a fault acts on, as narrow handles: the Toxiproxy hops, the backends' process handles, the
 * MCP server sessions and their stdio frame filters. The fault kinds (src/faults/kinds) see only
 * these; the stack (src/stack, src/providers) and the session pool (src/run/session-pool.ts)
 * provide them, whatever runs the stack (local processes or containers).
 */
import type { Proxy as ToxiproxyProxy } from "toxiproxy-node-client";
import type { FrameFaultSwitch } from "./frame-filter.js";
import type { BackingService } from "./server-definition.js";

/** A TCP hop through Toxiproxy (src/stack/local/toxiproxy.ts makes them). */
export interface ProxyHop {
  /** e.g. "redis->redis" (MCP server "redis" to the Redis backend), "client->everything" */
  readonly name: string;
  /** host:port the client connects to */
  readonly listen: string;
  readonly upstream: string;
  readonly proxy: ToxiproxyProxy;
}

/** What a process fault can do to a backend, whatever runs it (src/providers/provider.ts BackendHandle). */
export interface BackendFaultHandle {
  kill9(): void;
  pause(): void;
  resume(): void;
  /** spawnedAt: when it was started again (the fault's cause removed); readyAt: when it answered (performance.now()). */
  restart(): Promise<{ spawnedAt: number; readyAt: number }>;
}

/** One MCP server process (src/stack/managed-process.ts). */
export interface ServerProcess {
  signal(sig: NodeJS.Signals): void;
  stop(opts: { graceMs: number }): Promise<void>;
}

/** The MCP server sessions of a scenario (src/run/session-pool.ts). */
export interface ServerSessions {
  /** Every live process of a server (all agents and auxiliary sessions). */
  processesOf(server: string): ServerProcess[];
  /** Starts again every session of a server whose process is gone; the new sessions say when they were spawned. */
  reviveDead(server: string): Promise<readonly { spawnedAt?: number }[]>;
  /** Frame filters of the servers a stdio fault names, made before their sessions started. */
  readonly stdioLayers: ReadonlyMap<string, FrameFaultSwitch>;
}

export interface FaultTargets {
  /** Toxiproxy's hops; undefined when the scenario's hops are not proxied. */
  hops: ReadonlyMap<string, ProxyHop> | undefined;
  backends: Partial<Record<BackingService, BackendFaultHandle>>;
  sessions: ServerSessions;
  signal: AbortSignal;
  /** An observation for the report, e.g. "redis started again". */
  note(text: string): void;
}

/**
 * When a fault stopped acting, on performance.now(): `removedAt` when its cause was removed (the
 * link restored, the process spawned or resumed again), `readyAt` when what it broke answered again
 * (a restarted backend's PING, a revived MCP session's initialize); the same moment when nothing had
 * to start. "Time after heal" counts from `removedAt`, so the harness's own readiness wait is no part of it.
 */
export interface HealTiming {
  removedAt: number;
  readyAt: number;
}

export interface Injected {
  /** Removes the fault's cause; resolves when what it broke is ready again. */
  heal(): Promise<HealTiming>;
  /** A fault that removes its own cause (a graceful restart): resolves when it did. heal() then waits for the same. */
  healing?: Promise<HealTiming>;
}
