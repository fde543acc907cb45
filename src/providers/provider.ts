/**
 * A stack provider starts what a scenario's servers need (Redis, PostgreSQL,
 * Toxiproxy in front of them, a sandbox) and says where it is. The MCP
 * sessions themselves are started by the runner, on whatever the provider ran.
 */
import type { BackendInfo, UpstreamSummary } from "../results/types.js";
import type { BackingService, ServerDefinition } from "../contracts/server-definition.js";
import type { RedisPersistence } from "../contracts/plan.js";
import type { StackEndpoints } from "../stack/mcp-session.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import type { StartedToxiproxy } from "../stack/local/toxiproxy.js";
import type { StartedUpstreams, UpstreamOptions } from "../standins/upstreams.js";

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
  kill9(): void;
  pause(): void;
  resume(): void;
  restart(): Promise<RestartTiming>;
  isRunning(): boolean;
}

export interface Stack {
  endpoints: StackEndpoints;
  backends: BackendInfo[];
  handles: Partial<Record<BackingService, BackendHandle>>;
  toxiproxy?: StartedToxiproxy;
  /** The SaaS APIs the servers call (stand-ins or live), for the report; a stand-in's counts as of the call. */
  upstreams?: () => Promise<UpstreamSummary[]>;
  /** INFO of the stack's Redis, when it has one. */
  redisInfo?: (section: string) => Promise<Record<string, string>>;
  /** Reads keys straight from Redis (not through an MCP server or a proxy), for RPO read-back. */
  redisCommand?: (args: readonly (string | number)[]) => Promise<unknown>;
  /** Runs SQL straight on PostgreSQL (not through a proxy), for seeding and RPO read-back. */
  postgresQuery?: (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;
  stop(): Promise<void>;
}

export interface StackStartOptions {
  servers: readonly ServerDefinition[];
  /** Backing services wanted beyond what the servers need (e.g. PostgreSQL for the RPO writer). */
  extraNeeds: readonly BackingService[];
  registry: ResourceRegistry;
  seedRows: number;
  /** Put every server-to-backend hop behind Toxiproxy. */
  proxied: boolean;
  /** Scenario `transport: http`: Toxiproxy is needed for the client->server hops even without backends. */
  transport?: "stdio" | "http";
  redis: { persistence: RedisPersistence };
  postgres: { synchronousCommit: "on" | "off" };
  /** Servers with an upstream API get its stand-in (behind Toxiproxy when proxied) or the real API. Default: stand-ins as they come. */
  upstream?: UpstreamOptions;
}

export interface StackProvider {
  readonly name: string;
  start(opts: StackStartOptions): Promise<Stack>;
  /** What ran this run's stacks, for the report (e.g. "podman 4.3.1 (...)"); undefined before the first start. */
  describe?(registry: ResourceRegistry): string | undefined;
}

/** Where a provider's stack is, as the MCP sessions see it: the same shape whatever runs the backends. */
export function stackEndpoints(o: {
  sandbox: string;
  workdir: string;
  redisUrl: string | undefined;
  postgresUrl: string | undefined;
  /** "server->backend" -> the URL through that server's Toxiproxy hop. */
  hopUrls: ReadonlyMap<string, string>;
  upstreams: StartedUpstreams;
}): StackEndpoints {
  return {
    sandbox: o.sandbox,
    workdir: o.workdir,
    ...(o.redisUrl !== undefined && { redis: { url: o.redisUrl } }),
    ...(o.postgresUrl !== undefined && { postgres: { url: o.postgresUrl } }),
    ...(o.hopUrls.size > 0 && { hopUrl: (server: string, service: BackingService) => o.hopUrls.get(`${server}->${service}`) }),
    upstream: o.upstreams.endpoint,
  };
}
