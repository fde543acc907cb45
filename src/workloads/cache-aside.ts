/**
 * Cache-aside over two MCP servers (`kind: cache-aside`): read the key through the Redis server; on
 * a miss read the row through the PostgreSQL server and write it to Redis.
 * Keys follow a Zipf distribution. The hit ratio is counted twice: by the
 * client, and by Redis itself (INFO keyspace_hits/misses, delta over the
 * window). The driver drains calls before and after the window, so when
 * nothing else touches that Redis the two counts must be equal.
 */
import { z } from "zod";
import type { PreparedWorkload, WorkloadEnv } from "../contracts/workload-env.js";
import { seededRng, ZipfSampler, type Rng } from "../util/random.js";
import { defineWorkloadKind, toolsByServer } from "./workload-kind.js";

/** What the npm Redis MCP server answers for a missing key. */
export const REDIS_MCP_MISS = /^Key not found: /;

export const CACHE_ASIDE_DEFINITION =
  "Cache-aside: each operation reads key item:<k> through the Redis MCP server (get); on a miss it reads row k through the PostgreSQL MCP server (query) and writes it to Redis (set). " +
  "k follows a Zipf distribution over the key space. Hit ratio = hits / (hits + misses) of the get calls in the measurement window, counted by the client and, independently, from Redis INFO stats (keyspace_hits, keyspace_misses) as the delta over the same window.";

export function prepareCacheAside(w: { cache: string; database: string; keys: number; zipfExponent: number }, env: WorkloadEnv): PreparedWorkload {
  const zipf = new ZipfSampler(w.keys, w.zipfExponent);
  const rngs: Rng[] = Array.from({ length: env.agents }, (_, i) => seededRng(env.seed * 7_919 + i));
  const client = { hits: 0, misses: 0 };
  let infoStart: { hits: number; misses: number } | undefined;
  let infoEnd: { hits: number; misses: number } | undefined;
  const readInfo = async () => {
    if (!env.redisInfo) return undefined;
    const stats = await env.redisInfo("stats");
    return { hits: Number(stats.keyspace_hits ?? NaN), misses: Number(stats.keyspace_misses ?? NaN) };
  };
  return {
    workers: env.agents,
    operation: async (worker, _seq, intendedAt) => {
      const k = zipf.sample(rngs[worker]!);
      const key = `item:${k}`;
      const measuring = env.calls.phase === "measure";
      // One read-through is one agent task, however far it got: session churn per task swaps after it.
      try {
        const got = await env.calls.call(worker, w.cache, "get", { key }, intendedAt);
        if (got.outcome !== "ok") return;
        if (!REDIS_MCP_MISS.test(got.text)) {
          if (measuring) client.hits++;
          return;
        }
        if (measuring) client.misses++;
        const row = await env.calls.call(worker, w.database, "query", { sql: `SELECT id, name, payload FROM items WHERE id = ${k}` });
        if (row.outcome !== "ok") return;
        await env.calls.call(worker, w.cache, "set", { key, value: row.text });
      } finally {
        env.calls.taskDone?.(worker);
      }
    },
    beforeMeasure: async () => {
      infoStart = await readInfo();
    },
    afterMeasure: async () => {
      infoEnd = await readInfo();
    },
    cache: () => {
      const redis = infoStart && infoEnd ? { hits: infoEnd.hits - infoStart.hits, misses: infoEnd.misses - infoStart.misses } : { hits: NaN, misses: NaN };
      const ratio = (h: number, m: number) => (h + m > 0 ? h / (h + m) : null);
      return {
        definition: CACHE_ASIDE_DEFINITION,
        keys: w.keys,
        zipfExponent: w.zipfExponent,
        client: { ...client, ratio: ratio(client.hits, client.misses) },
        redisInfo: { ...redis, ratio: Number.isNaN(redis.hits) ? null : ratio(redis.hits, redis.misses) },
        agree: redis.hits === client.hits && redis.misses === client.misses,
      };
    },
  };
}

export const cacheAsideWorkload = defineWorkloadKind({
  name: "cache-aside",
  schema: z.strictObject({
    kind: z.literal("cache-aside"),
    cache: z.string().default("redis"),
    database: z.string().default("postgres"),
    keys: z.number().int().min(1).max(10_000_000).default(1000).describe("Size of the key space (rows in PostgreSQL)."),
    zipfExponent: z.number().positive().max(5).default(1.1),
  }),
  plainCalls: false,
  // Worker i sends as agent i, and only as it.
  agentWorkers: true,
  tasks: true,
  crossCheck(w, ctx) {
    ctx.checkServer(w.cache, ["workload", "cache"]);
    ctx.checkServer(w.database, ["workload", "database"]);
  },
  plan(w) {
    const settings = { cache: w.cache, database: w.database, keys: w.keys, zipfExponent: w.zipfExponent };
    return {
      kind: "cache-aside",
      calls: undefined,
      toolsUsed: toolsByServer([
        [w.cache, "get"],
        [w.cache, "set"],
        [w.database, "query"],
      ]),
      seedRows: w.keys,
      // Any call through the cache would move the Redis counters the hit ratio is checked against.
      pingOnly: [w.cache],
      install: undefined,
      prepare: (env) => prepareCacheAside(settings, env),
    };
  },
});
