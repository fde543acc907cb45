/**
 * The embedded default: throwaway Redis and PostgreSQL processes from the
 * machine's packages, on free loopback ports, in temp dirs of the run.
 * Seeds what the built-in workloads read: files in the filesystem sandbox and
 * rows in PostgreSQL.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { HarnessError } from "../errors.js";
import { startPostgres, type StartedPostgres } from "../stack/local/postgres.js";
import { startRedis, type StartedRedis } from "../stack/local/redis.js";
import type { BackendInfo } from "../results/types.js";
import type { Stack, StackProvider } from "./provider.js";

/** Files the sandbox holds at start, for read workloads: docs/doc-1.txt .. docs/doc-100.txt. */
export const SANDBOX_DOCS = 100;

async function seedSandbox(sandbox: string): Promise<void> {
  const docs = path.join(sandbox, "docs");
  await mkdir(docs, { recursive: true });
  const body = "The quick brown fox jumps over the lazy dog.\n".repeat(23);
  await Promise.all(Array.from({ length: SANDBOX_DOCS }, (_, i) => writeFile(path.join(docs, `doc-${i + 1}.txt`), `doc ${i + 1}\n${body}`)));
}

async function seedPostgres(pg: StartedPostgres, rows: number): Promise<void> {
  await pg.query("CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, payload text NOT NULL)");
  await pg.query("INSERT INTO items SELECT g, 'item ' || g, md5(g::text) FROM generate_series(1, $1::integer) AS g", [rows]);
  await pg.query("ANALYZE items");
}

function environmentError(what: string, err: unknown): HarnessError {
  const message = err instanceof Error ? err.message : String(err);
  return new HarnessError("environment", `${what} could not start: ${message.split("\n")[0]}`, {
    details: message.split("\n").slice(1),
    hint: "run `bash scripts/setup.sh` to install the Redis and PostgreSQL servers",
    cause: err,
  });
}

export const localProvider: StackProvider = {
  name: "local",
  async start({ needs, registry, seedRows }): Promise<Stack> {
    const sandbox = await registry.makeTempDir("sandbox");
    const workdir = await registry.makeTempDir("work");
    await seedSandbox(sandbox);
    let redis: StartedRedis | undefined;
    let postgres: StartedPostgres | undefined;
    const stop = async () => {
      await Promise.allSettled([redis?.stop(), postgres?.stop()]);
    };
    try {
      [redis, postgres] = await Promise.all([
        needs.has("redis") ? startRedis({ registry }).catch((e: unknown) => Promise.reject(environmentError("Redis", e))) : undefined,
        needs.has("postgres") ? startPostgres({ registry }).catch((e: unknown) => Promise.reject(environmentError("PostgreSQL", e))) : undefined,
      ]);
      if (postgres) await seedPostgres(postgres, seedRows);
    } catch (err) {
      await stop();
      throw err;
    }
    const backends: BackendInfo[] = [];
    if (redis) backends.push({ kind: "redis", version: redis.version, endpoint: `127.0.0.1:${redis.port}`, settings: { persistence: redis.persistence } });
    if (postgres) backends.push({ kind: "postgres", version: postgres.version, endpoint: `127.0.0.1:${postgres.port}`, settings: { synchronous_commit: "on", fsync: "on" } });
    const r = redis;
    return {
      endpoints: { sandbox, workdir, ...(redis && { redis: { url: redis.url } }), ...(postgres && { postgres: { url: postgres.url } }) },
      backends,
      ...(r && { redisInfo: (section: string) => r.info(section) }),
      stop,
    };
  },
};
