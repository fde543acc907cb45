/**
 * A stack provider starts what a scenario's servers need (Redis, PostgreSQL, Toxiproxy in front of
 * them, the SaaS API stand-ins, a sandbox) and says where it is. The MCP sessions themselves are
 * started by the runner, on whatever the provider ran.
 *
 * A provider only says how to start each piece (StackBackends: a local process, a container, ...);
 * assembleStack (assemble-stack.ts) does the rest the same way for all of them: the hops, seeding,
 * stand-ins, endpoints, the report's backend infos, the stop order. A new provider is one module
 * calling defineProvider, and its line in registry.ts.
 */
import type { BackendInfo, ServerLimits, ServerRunsOn, UpstreamSummary } from "../results/types.js";
import type { ServerHost } from "../stack/server-host.js";
import type { BackingService, ServerDefinition } from "../contracts/server-definition.js";
import type { RedisPersistence } from "../contracts/plan.js";
import type { StackEndpoints } from "../stack/mcp-session.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import type { BackendHandle, StartedPostgres, StartedRedis, StartedToxiproxy } from "../stack/started.js";
import type { StandInStarter } from "../standins/start.js";
import type { UpstreamOptions } from "../standins/upstreams.js";

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
  /**
   * Host PIDs of the run's processes that are not the harness's descendants (a container's main
   * process), so the machine's load outside the run leaves them out (src/util/machine-load.ts).
   */
  processRoots?: () => Promise<readonly number[]>;
  /** Where a server's sessions run, when the stack knows better than the sessions (--target compose: the stack's own containers). */
  runsOn?(server: string): ServerRunsOn | undefined;
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
  /** Scenario `resources`: limits of each named server's processes; only a provider that runs servers in containers can set them. */
  serverLimits?: Readonly<Record<string, ServerLimits>>;
  /**
   * Called (at most once per server, before start() resolves) as soon as everything that server
   * needs is up: the sandbox and workdir, its backends' hops, its API's stand-in and hop. So its
   * sessions can start while the rest of the stack still comes up. `endpoints` holds what that
   * server needs (not yet the others' parts); `toxiproxy` is given when the stack has one, once it
   * is up. A provider that starts the stack in one piece (or attaches to one) need not call it: the
   * caller starts every server not announced once start() resolved.
   */
  onServerReady?: (server: string, ready: { endpoints: StackEndpoints; toxiproxy: StartedToxiproxy | undefined }) => void;
}

export interface StackProvider {
  readonly name: string;
  /** For a provider that starts nothing (it judges a running stack): what the run's progress says instead of "starting ...". */
  readonly attaches?: string;
  start(opts: StackStartOptions): Promise<Stack>;
  /** What ran this run's stacks, for the report (e.g. "podman 4.3.1 (...)"); undefined before the first start. */
  describe?(registry: ResourceRegistry): string | undefined;
}

/** Everything a stack will start through its provider, known before any of it starts. */
export interface StackPlan {
  redis: boolean;
  postgres: boolean;
  /** The Toxiproxy of StackBackends.toxiproxy (not the loopback one). */
  toxiproxy: boolean;
  /** The APIs that get a stand-in. */
  standIns: readonly string[];
  /** The MCP servers' processes run where the provider puts them (StackBackends.serverHost), not as the harness's children. */
  servers: boolean;
}

/**
 * How one provider starts each piece of one stack; made afresh for every stack. Each starter
 * returns a started handle (src/stack/started.ts) or rejects with a HarnessError saying what could
 * not start and how to get it.
 */
export interface StackBackends {
  /** Before anything starts, with all that will (e.g. to check images, make a network); nothing needed, nothing done. */
  prepare?(plan: StackPlan): Promise<void>;
  redis(settings: StackStartOptions["redis"]): Promise<StartedRedis>;
  postgres(settings: StackStartOptions["postgres"]): Promise<StartedPostgres>;
  /** A Toxiproxy that reaches the backends and stand-ins at their `upstream` (and, unless loopbackToxiproxy is given, the harness's 127.0.0.1). */
  toxiproxy(): Promise<StartedToxiproxy>;
  /** For a toxiproxy() that cannot reach the harness's loopback: one that can, for the agents' HTTP hops (transport http). */
  loopbackToxiproxy?(): Promise<StartedToxiproxy>;
  standIn: StandInStarter;
  /**
   * Where the MCP servers' stdio sessions run when not as the harness's children (a container each);
   * their backends' and APIs' addresses are then those of the stack's network (Hop.networkListen,
   * StartedBackend.upstream). Asked after prepare(), only when the plan says `servers`.
   */
  serverHost?(setup: { writable: readonly string[]; limits: Readonly<Record<string, ServerLimits>> }): ServerHost;
  /** After every started piece was stopped: what the provider itself holds for the stack (a network). */
  /** Host PIDs of the processes it started that are not the harness's descendants (Stack.processRoots). */
  processRoots?(): Promise<readonly number[]>;
  stop?(): Promise<void>;
}

export interface ProviderDefinition {
  name: string;
  /** What ran this run's stacks, for the report. */
  describe?(registry: ResourceRegistry): string | undefined;
  /** The starters for one stack of the run `registry` belongs to. */
  backends(registry: ResourceRegistry): StackBackends;
}
