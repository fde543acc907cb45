/**
 * One stack assembly for every provider. A provider says how to start each piece (StackBackends);
 * this does the rest the same way for all of them:
 *
 *  - the sandbox and workdir, seeded with what the built-in workloads read (files in the
 *    filesystem sandbox, rows in PostgreSQL);
 *  - a Toxiproxy hop in front of every server->backend pair (and the harness's own PostgreSQL
 *    writer), every server->API pair (src/standins/upstreams.ts), and, for `transport: http`, room
 *    for the client->server hops the HTTP endpoints add (src/stack/http-bridge.ts);
 *  - the stand-ins (or the live APIs), the endpoints the MCP sessions see, the report's backend
 *    infos, and a stop() that stops every piece, then what the provider holds.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BackingService } from "../contracts/server-definition.js";
import { HarnessError } from "../errors.js";
import type { BackendInfo } from "../results/types.js";
import type { StackEndpoints } from "../stack/mcp-session.js";
import pg from "pg";
import { respCommand } from "../stack/local/redis.js";
import { waitUntilReady } from "../stack/readiness.js";
import type { StartedBackend, StartedToxiproxy } from "../stack/started.js";
import { beginUpstreams, upstreamServers, type UpstreamsStart } from "../standins/upstreams.js";
import { allSettledOrThrow } from "../util/concurrency.js";
import { withLoopbackHops } from "./loopback-hops.js";
import type { ProviderDefinition, Stack, StackBackends, StackPlan, StackProvider, StackStartOptions } from "./provider.js";

/** Files the sandbox holds at start, for read workloads: docs/doc-1.txt .. docs/doc-100.txt. */
export const SANDBOX_DOCS = 100;

/** How each Redis persistence setting is described in the report. */
const REDIS_DURABILITY = {
  none: "no persistence",
  rdb: "RDB snapshot every second with a write (save 1 1)",
  "aof-everysec": "appendonly yes, appendfsync everysec",
  "aof-always": "appendonly yes, appendfsync always",
} as const;

export async function seedSandbox(sandbox: string): Promise<void> {
  const docs = path.join(sandbox, "docs");
  await mkdir(docs, { recursive: true });
  // Where the RPO writer of the filesystem server puts its records.
  await mkdir(path.join(sandbox, "rpo"), { recursive: true });
  const body = "The quick brown fox jumps over the lazy dog.\n".repeat(23);
  await Promise.all(Array.from({ length: SANDBOX_DOCS }, (_, i) => writeFile(path.join(docs, `doc-${i + 1}.txt`), `doc ${i + 1}\n${body}`)));
}

async function seedPostgres(postgres: { query(sql: string, params?: unknown[]): Promise<unknown> }, rows: number): Promise<void> {
  await postgres.query("CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, payload text NOT NULL)");
  await postgres.query("INSERT INTO items SELECT g, 'item ' || g, md5(g::text) FROM generate_series(1, $1::integer) AS g", [rows]);
  await postgres.query("ANALYZE items");
  // Written by the harness's coordination writer (the PostgreSQL MCP server is read-only) for RPO.
  await postgres.query("CREATE TABLE coordination_log (seq bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now())");
}

/** `url` with its host:port replaced by `listen` (a hop's). */
function withHost(url: string, listen: string): string {
  const u = new URL(url);
  u.host = listen;
  return u.toString().replace(/\/$/, "");
}

/** A StackProvider from a definition: its starters, assembled by assembleStack. */
export function defineProvider(definition: ProviderDefinition): StackProvider {
  return {
    name: definition.name,
    ...(definition.describe && { describe: definition.describe }),
    start: (opts) => assembleStack(opts, definition.backends(opts.registry)),
  };
}

/**
 * Waits until the backend answers through a new hop: Toxiproxy dials the upstream only when a
 * client connects, so a hop whose upstream it cannot reach yet (a container network's alias not
 * resolving for a moment after the start) looks like a listening port that resets every connection.
 * The servers connect right after the stack is up; they must find it working.
 */
async function answersThrough(service: BackingService, hopUrl: string, hop: string): Promise<void> {
  const attempt =
    service === "redis"
      ? async () => {
          const reply = await respCommand(Number(new URL(hopUrl).port), ["PING"], 2000);
          if (reply !== "PONG") throw new Error(`PING answered ${JSON.stringify(reply)}`);
        }
      : async () => {
          const client = new pg.Client({ connectionString: hopUrl, connectionTimeoutMillis: 2000 });
          try {
            await client.connect();
            await client.query("SELECT 1");
          } finally {
            await client.end().catch(() => undefined);
          }
        };
  await waitUntilReady(attempt, { what: `${service} did not answer through Toxiproxy's hop ${hop}`, timeoutMs: 30_000, intervalMs: 100 });
}

export async function assembleStack(opts: StackStartOptions, backends: StackBackends): Promise<Stack> {
  const { servers, extraNeeds, registry, seedRows, proxied, transport, upstream = { mode: "stand-in", behaviour: {} } } = opts;
  const needs = new Set<BackingService>([...servers.flatMap((d) => d.needs), ...extraNeeds]);
  // Servers run where the provider puts them (containers: a stdio session's process, a bridged HTTP
  // session's, a native HTTP server); a url target is nobody's to start.
  const hosted = backends.serverHost !== undefined && servers.some((d) => d.remote === undefined);
  const limits = opts.serverLimits ?? {};
  if (Object.keys(limits).length > 0 && !hosted)
    throw new HarnessError(
      "invalid_input",
      `resources (${Object.keys(limits).join(", ")}): limits apply to servers in containers, and this run starts its servers as host processes`,
      {
        hint: "run it with --provider docker, or drop `resources`",
      },
    );
  const [sandbox, workdir] = await Promise.all([registry.makeTempDir("sandbox"), registry.makeTempDir("work")]);

  const standIns = upstream.mode === "stand-in" ? [...new Set(upstreamServers(servers).map((d) => d.upstream!.api))] : [];
  // Hops to the backends and stand-ins; the agents' hops to the harness's own HTTP endpoints (transport http).
  const backendHops = proxied && (needs.size > 0 || standIns.length > 0);
  // A url target (ServerDefinition.remote) gets its client-><server> hop whatever the transport (src/stack/remote-endpoint.ts).
  const loopbackHops = proxied && (transport === "http" || servers.some((d) => d.remote !== undefined));
  const separateLoopback = loopbackHops && backends.loopbackToxiproxy !== undefined;
  const plan: StackPlan = {
    redis: needs.has("redis"),
    postgres: needs.has("postgres"),
    toxiproxy: backendHops || (loopbackHops && !separateLoopback),
    standIns,
    servers: hosted,
  };

  const started: { stop(): Promise<void> }[] = [];
  let upstreams: UpstreamsStart | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.allSettled([...started.map((s) => s.stop()), upstreams?.stop()]);
      await backends.stop?.();
    })());
  /** A piece is stopped with the stack from the moment it started, whatever fails afterwards. */
  const kept = <T extends { stop(): Promise<void> }>(starting: Promise<T>): Promise<T> =>
    starting.then((piece) => {
      started.push(piece);
      return piece;
    });

  // Every piece starts at once unless it needs another (a hop needs its Toxiproxy and its target,
  // seeding its PostgreSQL), and each server is announced (onServerReady) as soon as its own pieces
  // are up. Each start below is awaited (settled) before a failure is thrown: stop() must run only
  // after every piece has made whatever it makes, or one made a moment later would be missed.
  const pending: Promise<unknown>[] = [];
  /** Started now, settled before start() returns or throws; its failure is thrown from there, not unhandled meanwhile. */
  const begin = <T>(p: Promise<T>): Promise<T> => {
    pending.push(p);
    p.catch(() => undefined);
    return p;
  };
  try {
    const seeded = begin(seedSandbox(sandbox));
    await backends.prepare?.(plan);
    const serverHost = hosted ? backends.serverHost?.({ writable: [sandbox, workdir], limits }) : undefined;
    const hopUrls = new Map<string, string>();
    const endpoints: StackEndpoints = {
      sandbox,
      workdir,
      // Only a stack that makes hops (through its Toxiproxy, or to backends on a container network) has hop URLs.
      ...(needs.size > 0 &&
        (plan.toxiproxy || separateLoopback || serverHost !== undefined) && {
          hopUrl: (server: string, service: BackingService) => hopUrls.get(`${server}->${service}`),
        }),
      upstream: (server: string) => upstreams?.endpoint(server),
      ...(serverHost && { serverHost }),
    };
    // Unproxied, a server outside a container connects to the backend itself ({{redis.url}}): its URL is in `endpoints` once it answers.
    const redisStart = plan.redis
      ? begin(
          kept(backends.redis(opts.redis)).then((redis) => {
            endpoints.redis = { url: redis.url };
            return redis;
          }),
        )
      : undefined;
    // Seeded before any server sees it: the built-in workloads read the rows from the first call.
    const postgresStart = plan.postgres
      ? begin(
          kept(backends.postgres(opts.postgres)).then(async (postgres) => {
            await seedPostgres(postgres, seedRows);
            endpoints.postgres = { url: postgres.url };
            return postgres;
          }),
        )
      : undefined;
    const inNetworkStart = plan.toxiproxy ? begin(kept(backends.toxiproxy())) : undefined;
    const localStart = separateLoopback && backends.loopbackToxiproxy ? begin(kept(backends.loopbackToxiproxy())) : undefined;
    // Both stopped on their own (kept above): the pair seen as one is not kept again.
    const toxiproxyStart: Promise<StartedToxiproxy> | undefined =
      inNetworkStart && localStart
        ? begin(Promise.all([inNetworkStart, localStart]).then(([inNetwork, local]) => withLoopbackHops(inNetwork, local)))
        : (inNetworkStart ?? localStart);
    const apis = beginUpstreams({ servers, registry, options: upstream, startStandIn: backends.standIn, fromNetwork: serverHost !== undefined });
    upstreams = apis;
    const startedUpstreams = begin(apis.started());
    const byKind: Partial<Record<BackingService, Promise<StartedBackend>>> = {
      ...(redisStart && { redis: redisStart }),
      ...(postgresStart && { postgres: postgresStart }),
    };

    /** A server's (or the harness's own writer's) way to a backend: a hop when proxied, else the backend's address. */
    const reach = async (server: string, service: BackingService): Promise<void> => {
      const backend = await byKind[service]!;
      const toxiproxy = await toxiproxyStart;
      if (!toxiproxy) {
        // No hops: a server in a container reaches each backend at its address on the stack's network.
        if (serverHost && server !== "harness") hopUrls.set(`${server}->${service}`, withHost(backend.url, backend.upstream));
        return;
      }
      const hop = await toxiproxy.createHop(`${server}->${service}`, backend.upstream);
      const hopUrl = withHost(backend.url, hop.listen);
      await answersThrough(service, hopUrl, `${server}->${service}`);
      // A server in a container connects to the hop from inside the stack's network; the harness's own writer from here.
      const inNetwork = serverHost && server !== "harness" && hop.networkListen !== undefined;
      hopUrls.set(`${server}->${service}`, inNetwork ? withHost(backend.url, hop.networkListen!) : hopUrl);
    };
    // The harness's own PostgreSQL writer (RPO) is a client like any server: its hop can be faulted too.
    if (postgresStart && extraNeeds.includes("postgres")) begin(reach("harness", "postgres"));
    for (const def of servers) {
      // Its hops need the Toxiproxy up; so do the agents' client-><server> hops the runner puts in front of it.
      const usesToxiproxy = toxiproxyStart !== undefined && (def.needs.length > 0 || def.upstream !== undefined || loopbackHops);
      begin(
        (async () => {
          const toxiproxy = usesToxiproxy ? await toxiproxyStart : undefined;
          await allSettledOrThrow([seeded, ...def.needs.map((service) => reach(def.name, service)), apis.wire(def, toxiproxy)]);
          // What this server needs is in `endpoints` now; a copy, so what it was given stays as it was when it was announced.
          opts.onServerReady?.(def.name, { endpoints: { ...endpoints }, toxiproxy });
        })(),
      );
    }
    // Every start, hop and announcement settled; the first failure (in the order begun) is thrown.
    await allSettledOrThrow(pending);
    const [redis, postgres, toxiproxy] = await Promise.all([redisStart, postgresStart, toxiproxyStart]);
    const upstreamsStarted = await startedUpstreams;

    const backendInfos: BackendInfo[] = [];
    const container = (b: StartedBackend): Record<string, string> => (b.container !== undefined ? { container: b.container } : {});
    if (redis)
      backendInfos.push({
        kind: "redis",
        version: redis.version,
        endpoint: new URL(redis.url).host,
        settings: { persistence: REDIS_DURABILITY[redis.persistence], ...container(redis) },
      });
    if (postgres)
      backendInfos.push({
        kind: "postgres",
        version: postgres.version,
        endpoint: new URL(postgres.url).host,
        settings: { synchronous_commit: postgres.synchronousCommit, fsync: "on", ...container(postgres) },
      });
    return {
      endpoints,
      upstreams: upstreamsStarted.summaries,
      backends: backendInfos,
      handles: { ...(redis && { redis }), ...(postgres && { postgres }) },
      ...(toxiproxy && { toxiproxy }),
      ...(redis && { redisInfo: (section: string) => redis.info(section), redisCommand: (args: readonly (string | number)[]) => redis.command(args) }),
      ...(postgres && { postgresQuery: (sql: string, params?: unknown[]) => postgres.query(sql, params) }),
      ...(backends.processRoots && { processRoots: () => backends.processRoots?.() ?? Promise.resolve([]) }),
      ...(serverHost && { runsOn: (server: string) => serverHost.runsOn(server) }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
