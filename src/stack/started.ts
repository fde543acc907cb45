/**
 * What a started piece of a stack offers, whatever runs it: a local process (src/stack/local/,
 * src/standins/start.ts) or a container (src/providers/docker/). Like testcontainers' modules
 * (`StartedRedisContainer.getConnectionUrl()`), every provider returns the same kind of handle, so
 * the stack's assembly (src/providers/assemble-stack.ts), the fault injector and the observers
 * never care how it runs. Each handle is stopped by stop() or `await using`.
 */
import type { BackingService } from "../contracts/server-definition.js";
import type { RedisPersistence } from "../contracts/plan.js";
import type { Proxy as ToxiproxyProxy } from "toxiproxy-node-client";

/**
 * When a restarted backend came back, on performance.now(): `spawnedAt` when its process (or
 * container) was started again, i.e. when the fault's cause was removed; `readyAt` when it answered
 * (PING, SELECT 1). A fault's "healed at" is `spawnedAt`: the harness's own readiness wait is no part of it.
 */
export interface RestartTiming {
  spawnedAt: number;
  readyAt: number;
}

/** What a process fault can do to a backend, whatever runs it (a local process, a container). */
export interface BackendHandle {
  readonly kind: BackingService;
  /** Direct URL for the harness's own observers (not through Toxiproxy). */
  readonly url: string;
  /** SIGKILL, no chance to save: a crash. Does not wait. */
  kill9(): void;
  /** Freezes it (SIGSTOP to its process group, or the engine's pause) until resume(). */
  pause(): void;
  /** Thaws what pause() froze; nothing otherwise. */
  resume(): void;
  /** Stops it if still running, then starts it again with the same data; says when it was spawned and when it answered. */
  restart(): Promise<RestartTiming>;
  isRunning(): boolean;
}

/** Anything started for a stack: stop() (or `await using`) stops it and removes what it made. */
export interface Started extends AsyncDisposable {
  stop(): Promise<void>;
}

/** A backing service of the stack (Redis, PostgreSQL), with its fault handle. */
export interface StartedBackend extends BackendHandle, Started {
  /** The server's own version, e.g. "7.0.15" (INFO redis_version) or "15.14 (Debian ...)" (SHOW server_version). */
  readonly version: string;
  /** host:port a Toxiproxy hop in front of it forwards to, as the stack's Toxiproxy reaches it. */
  readonly upstream: string;
  /** The image and engine it runs on ("<image> on podman 4.3.1"), when it is a container: for the report. */
  readonly container?: string;
}

export interface StartedRedis extends StartedBackend {
  readonly kind: "redis";
  readonly persistence: RedisPersistence;
  /** INFO [section], parsed into key/value pairs (cache statistics). */
  info(section?: string): Promise<Record<string, string>>;
  /** Sends one command straight to Redis (not through a proxy) and returns the parsed reply (RPO read-back). */
  command(args: readonly (string | number)[]): Promise<unknown>;
}

export interface StartedPostgres extends StartedBackend {
  readonly kind: "postgres";
  readonly synchronousCommit: "on" | "off";
  /** Runs SQL straight on database mcp_slo (not through a proxy): seeding, RPO read-back. */
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface Hop {
  /** e.g. "redis->redis" (MCP server "redis" to the Redis backend) */
  name: string;
  /** host:port the client connects to */
  listen: string;
  /** host:port a client on the stack's container network connects to (a Toxiproxy in a container); absent: only `listen`. */
  networkListen?: string;
  upstream: string;
  proxy: ToxiproxyProxy;
}

export interface StartedToxiproxy extends Started {
  /** Its API, as the harness reaches it. */
  readonly apiUrl: string;
  readonly version: string;
  readonly hops: Map<string, Hop>;
  /** A proxy `name` in front of `upstream` (host:port as this Toxiproxy reaches it). */
  createHop(name: string, upstream: string): Promise<Hop>;
  /** Removes every toxic and re-enables every proxy (Toxiproxy's POST /reset). */
  reset(): Promise<void>;
}

/** What a stand-in counted, from its control endpoint (src/standins/serve.ts). */
export interface StandInStats {
  requests: number;
  /** Answers by status code. */
  byStatus: Record<string, number>;
  /** Requests answered with an injected error. */
  injectedErrors: number;
  /** "METHOD /path" of requests no route knew, at most 50. */
  unmatched: string[];
}

/** A stand-in of a SaaS API (src/standins/). src/standins/upstreams.ts decides the URLs the servers get from it. */
export interface StartedStandIn extends Started {
  readonly api: string;
  readonly title: string;
  /** Where its payloads come from (for the report). */
  readonly payloads: string;
  /** http://127.0.0.1:PORT, not proxied: where the harness reads its stats (and a server reaches it without a hop). */
  readonly url: string;
  /** host:port a Toxiproxy hop in front of it forwards to, as that Toxiproxy reaches it. */
  readonly upstream: string;
  isRunning(): boolean;
  stats(): Promise<StandInStats>;
}
