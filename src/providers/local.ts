/**
 * The embedded default: throwaway Redis and PostgreSQL processes from the
 * machine's packages, on free loopback ports, in temp dirs of the run, with a
 * Toxiproxy in front of every server-to-backend hop. Seeds what the built-in
 * workloads read: files in the filesystem sandbox and rows in PostgreSQL.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { HarnessError } from "../errors.js";
import type { BackingService } from "../contracts/server-definition.js";
import { startPostgres, type StartedPostgres } from "../stack/local/postgres.js";
import { startRedis, type StartedRedis } from "../stack/local/redis.js";
import { startToxiproxy, type StartedToxiproxy } from "../stack/local/toxiproxy.js";
import type { BackendInfo } from "../results/types.js";
import { startUpstreams, upstreamServers, type StartedUpstreams } from "../standins/upstreams.js";
import { stackEndpoints, type BackendHandle, type Stack, type StackProvider } from "./provider.js";

/** Files the sandbox holds at start, for read workloads: docs/doc-1.txt .. docs/doc-100.txt. */
export const SANDBOX_DOCS = 100;

/** How each Redis persistence setting is described in the report (also by the docker provider). */
export const REDIS_DURABILITY = {
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

/** Also seeds the docker provider's PostgreSQL: anything with a query() will do. */
export async function seedPostgres(pg: Pick<StartedPostgres, "query">, rows: number): Promise<void> {
  await pg.query("CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, payload text NOT NULL)");
  await pg.query("INSERT INTO items SELECT g, 'item ' || g, md5(g::text) FROM generate_series(1, $1::integer) AS g", [rows]);
  await pg.query("ANALYZE items");
  // Written by the harness's coordination writer (the PostgreSQL MCP server is read-only) for RPO.
  await pg.query("CREATE TABLE coordination_log (seq bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now())");
}

function environmentError(what: string, err: unknown): HarnessError {
  const message = err instanceof Error ? err.message : String(err);
  return new HarnessError("environment", `${what} could not start: ${message.split("\n")[0]}`, {
    details: message.split("\n").slice(1),
    hint: "run `bash scripts/setup.sh` to install the Redis and PostgreSQL servers and build Toxiproxy",
    cause: err,
  });
}

function handle(kind: BackingService, b: StartedRedis | StartedPostgres): BackendHandle {
  return {
    kind,
    url: b.url,
    kill9: () => b.kill9(),
    // SIGSTOP/SIGCONT to the whole process group: PostgreSQL's backends stop with their postmaster.
    pause: () => b.process.signal("SIGSTOP"),
    resume: () => b.process.signal("SIGCONT"),
    restart: () => b.restart(),
    isRunning: () => b.process.isRunning(),
  };
}

function withHost(url: string, listen: string): string {
  const u = new URL(url);
  u.host = listen;
  return u.toString().replace(/\/$/, "");
}

export const localProvider: StackProvider = {
  name: "local",
  async start({ servers, extraNeeds, registry, seedRows, proxied, transport, redis: redisSettings, postgres: postgresSettings, upstream = { mode: "stand-in", behaviour: {} } }): Promise<Stack> {
    const needs = new Set<BackingService>([...servers.flatMap((d) => d.needs), ...extraNeeds]);
    const sandbox = await registry.makeTempDir("sandbox");
    const workdir = await registry.makeTempDir("work");
    await seedSandbox(sandbox);
    let redis: StartedRedis | undefined;
    let postgres: StartedPostgres | undefined;
    let toxiproxy: StartedToxiproxy | undefined;
    let upstreams: StartedUpstreams | undefined;
    const stop = async () => {
      await Promise.allSettled([redis?.stop(), postgres?.stop(), toxiproxy?.stop(), upstreams?.stop()]);
    };
    const standInHops = upstream.mode === "stand-in" && upstreamServers(servers).length > 0;
    const hopUrls = new Map<string, string>();
    try {
      [redis, postgres, toxiproxy] = await Promise.all([
        needs.has("redis") ? startRedis({ registry, persistence: redisSettings.persistence }).catch((e: unknown) => Promise.reject(environmentError("Redis", e))) : undefined,
        needs.has("postgres") ? startPostgres({ registry, synchronousCommit: postgresSettings.synchronousCommit }).catch((e: unknown) => Promise.reject(environmentError("PostgreSQL", e))) : undefined,
        proxied && (needs.size > 0 || transport === "http" || standInHops) ? startToxiproxy({ registry }).catch((e: unknown) => Promise.reject(environmentError("Toxiproxy", e))) : undefined,
      ]);
      if (postgres) await seedPostgres(postgres, seedRows);
      if (toxiproxy) {
        const direct: Partial<Record<BackingService, string>> = { ...(redis && { redis: redis.url }), ...(postgres && { postgres: postgres.url }) };
        const hops = servers.flatMap((d) => d.needs.map((service) => ({ server: d.name, service })));
        // The harness's own PostgreSQL writer (RPO) is a client like any server: its hop can be faulted too.
        if (postgres && extraNeeds.includes("postgres")) hops.push({ server: "harness", service: "postgres" });
        for (const { server, service } of hops) {
          const url = direct[service]!;
          const hop = await toxiproxy.createHop(`${server}->${service}`, new URL(url).host);
          hopUrls.set(`${server}->${service}`, withHost(url, hop.listen));
        }
      }
      upstreams = await startUpstreams({ servers, registry, options: upstream, toxiproxy });
    } catch (err) {
      await stop();
      throw err;
    }
    const backends: BackendInfo[] = [];
    if (redis) backends.push({ kind: "redis", version: redis.version, endpoint: `127.0.0.1:${redis.port}`, settings: { persistence: REDIS_DURABILITY[redis.persistence] } });
    if (postgres) backends.push({ kind: "postgres", version: postgres.version, endpoint: `127.0.0.1:${postgres.port}`, settings: { synchronous_commit: postgresSettings.synchronousCommit, fsync: "on" } });
    const r = redis;
    const pg = postgres;
    return {
      endpoints: stackEndpoints({ sandbox, workdir, redisUrl: redis?.url, postgresUrl: postgres?.url, hopUrls, upstreams }),
      upstreams: upstreams.summaries,
      backends,
      handles: { ...(redis && { redis: handle("redis", redis) }), ...(postgres && { postgres: handle("postgres", postgres) }) },
      ...(toxiproxy && { toxiproxy }),
      ...(r && { redisInfo: (section: string) => r.info(section), redisCommand: (args: readonly (string | number)[]) => r.command(args) }),
      ...(pg && { postgresQuery: (sql: string, params?: unknown[]) => pg.query(sql, params) }),
      stop,
    };
  },
};
