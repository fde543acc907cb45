/**
 * Redis and PostgreSQL as containers of the stack, as the same started handles the local processes
 * give (src/stack/started.ts). Their server settings are those of src/stack/local/redis.ts and
 * postgres.ts, as flags. Redis has no password, like the local one: it answers only on the run's
 * network and on 127.0.0.1. PostgreSQL's image insists on one: a fresh one per container.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { RedisPersistence } from "../../contracts/plan.js";
import { parseInfo, redisClient, respCommand } from "../../stack/local/redis.js";
import type { StartedPostgres, StartedRedis } from "../../stack/started.js";
import { containerFaults } from "./container-faults.js";
import { waitForContainer, type StackContainers } from "./containers.js";
import { commandFor, IMAGES, type ImageConfig } from "./images.js";

const REDIS_START_TIMEOUT_MS = 30_000;
const POSTGRES_START_TIMEOUT_MS = 60_000;
const POSTGRES_DB = "mcp_slo";
const POSTGRES_USER = "postgres";
/** Redis keeps its RDB/AOF here, in the container's own filesystem: it survives kill + restart like the local data dir. */
const REDIS_DATA_DIR = "/data";

/** What a backend container needs of its stack: where to start it, the images' configuration, the engine's name for the report. */
export interface ContainerContext {
  containers: StackContainers;
  images: ReadonlyMap<string, ImageConfig>;
  /** "podman 4.3.1" */
  engine: string;
}

function redisArgs(persistence: RedisPersistence): string[] {
  // The same settings as src/stack/local/redis.ts writes into its redis.conf, as flags. It binds
  // every interface *of the container*: the network and the 127.0.0.1-only published port.
  const args = ["--bind", "0.0.0.0", "--port", "6379", "--protected-mode", "no", "--dir", REDIS_DATA_DIR, "--dbfilename", "dump.rdb", "--loglevel", "notice"];
  switch (persistence) {
    case "none":
      return [...args, "--save", "", "--appendonly", "no"];
    case "rdb":
      return [...args, "--save", "1 1", "--appendonly", "no"];
    case "aof-everysec":
    case "aof-always":
      return [...args, "--save", "", "--appendonly", "yes", "--appendfsync", persistence === "aof-always" ? "always" : "everysec"];
  }
}

export async function startRedisContainer(ctx: ContainerContext, persistence: RedisPersistence): Promise<StartedRedis> {
  const { containers } = ctx;
  const c = await containers.start({
    role: "redis",
    image: IMAGES.redis,
    alias: "redis",
    command: commandFor(ctx.images.get(IMAGES.redis), "redis-server", redisArgs(persistence)),
    ports: [6379],
    // Process faults kill and restart it: its address outlives them (ContainerSpec.restartable).
    restartable: true,
  });
  const port = () => c.port(6379);
  const ready = () =>
    waitForContainer(c, "redis-server", REDIS_START_TIMEOUT_MS, async () => {
      const pong = await respCommand(port(), ["PING"], 1000);
      if (pong !== "PONG") throw new Error(`PING answered ${JSON.stringify(pong)}`);
      return parseInfo(String(await respCommand(port(), ["INFO", "server"], 1000))).redis_version ?? "unknown";
    });
  const version = await ready();
  const { close, ...faults } = containerFaults(c, { ready });
  containers.beforeRemoval(close);
  const stop = async () => {
    close();
    await containers.discard(c.id);
  };
  return {
    kind: "redis",
    version,
    persistence,
    get url() {
      return `redis://127.0.0.1:${port()}`;
    },
    // Toxiproxy reaches it by alias on the run's network; name and address outlive a restart.
    upstream: "redis:6379",
    container: `${IMAGES.redis} on ${ctx.engine}`,
    ...faults,
    ...redisClient(port),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

export async function startPostgresContainer(ctx: ContainerContext, synchronousCommit: "on" | "off"): Promise<StartedPostgres> {
  const { containers } = ctx;
  const password = randomBytes(12).toString("hex");
  const c = await containers.start({
    role: "postgres",
    image: IMAGES.postgres,
    alias: "postgres",
    // The same server settings as src/stack/local/postgres.ts.
    command: commandFor(ctx.images.get(IMAGES.postgres), "postgres", [
      "-c",
      "listen_addresses=*",
      "-c",
      "fsync=on",
      "-c",
      `synchronous_commit=${synchronousCommit}`,
      "-c",
      "max_connections=200",
      "-c",
      "shared_buffers=128MB",
    ]),
    env: { POSTGRES_USER, POSTGRES_PASSWORD: password, POSTGRES_DB },
    ports: [5432],
    restartable: true,
  });
  const conn = () => ({ host: "127.0.0.1", port: c.port(5432), user: POSTGRES_USER, password, database: POSTGRES_DB });
  const ready = () =>
    waitForContainer(c, "postgres", POSTGRES_START_TIMEOUT_MS, async () => {
      // The image's first start initialises the cluster with a server on its Unix socket only,
      // then starts the real one: an answer over TCP comes from the real one.
      const client = new pg.Client({ ...conn(), connectionTimeoutMillis: 1000 });
      client.on("error", () => undefined);
      try {
        await client.connect();
        await client.query("SELECT 1");
        return (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version ?? "unknown";
      } finally {
        await client.end().catch(() => undefined);
      }
    });
  const version = await ready();
  const newPool = () => {
    const p = new pg.Pool({ ...conn(), max: 4, connectionTimeoutMillis: 5000 });
    // An idle client whose server went away (kill, restart) emits 'error' on the pool: the next query reports it instead.
    p.on("error", () => undefined);
    return p;
  };
  let pool = newPool();
  const { close, ...faults } = containerFaults(c, {
    ready,
    beforeDown: async () => {
      const old = pool;
      pool = newPool();
      await old.end().catch(() => undefined);
    },
  });
  const release = async () => {
    close();
    await pool.end().catch(() => undefined);
  };
  containers.beforeRemoval(release);
  const stop = async () => {
    await release();
    await containers.discard(c.id);
  };
  return {
    kind: "postgres",
    version,
    synchronousCommit,
    get url() {
      return `postgresql://${POSTGRES_USER}:${password}@127.0.0.1:${c.port(5432)}/${POSTGRES_DB}`;
    },
    upstream: "postgres:5432",
    container: `${IMAGES.postgres} on ${ctx.engine}`,
    ...faults,
    query: (sql, params) => pool.query(sql, params),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
