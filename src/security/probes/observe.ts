/**
 * How probes see an effect without trusting what the server says: snapshots of the harness's own
 * stores (a directory tree, the Redis keyspace, PostgreSQL's tables) compared before and after, and
 * searches of every answer for a canary. The stores are read with the harness's own connections.
 */
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";

/** Path (or key, or table) -> a fingerprint of its content. */
export type Snapshot = Map<string, string>;

/** Entries walked at most in one tree, keys read at most in Redis, tables counted at most in PostgreSQL. */
export const SNAPSHOT_LIMIT = 5000;
/** Files larger than this are fingerprinted by size and mtime only. */
const HASH_LIMIT = 1 << 20;

/** Every entry under `root` with its kind, size, mtime and (small files) content hash; symlinks by their target. */
export async function snapshotTree(root: string): Promise<Snapshot> {
  const out: Snapshot = new Map();
  const queue = [""];
  while (queue.length > 0 && out.size < SNAPSHOT_LIMIT) {
    const rel = queue.shift()!;
    let entries: string[];
    try {
      entries = await readdir(path.join(root, rel));
    } catch {
      continue;
    }
    for (const name of entries.sort()) {
      const relPath = path.join(rel, name);
      const full = path.join(root, relPath);
      const st = await lstat(full).catch(() => undefined);
      if (!st) continue;
      if (st.isSymbolicLink()) out.set(relPath, `link -> ${await readlink(full).catch(() => "?")}`);
      else if (st.isDirectory()) {
        out.set(`${relPath}/`, "dir");
        queue.push(relPath);
      } else {
        const hash =
          st.size <= HASH_LIMIT
            ? createHash("sha256")
                .update(await readFile(full))
                .digest("hex")
                .slice(0, 16)
            : `mtime ${st.mtimeMs}`;
        out.set(relPath, `${st.size} bytes ${hash}`);
      }
    }
  }
  return out;
}

/** Every key of the Redis at `url` (every database it has keys in) with its type and a hash of its DUMP. */
export async function snapshotRedis(url: string): Promise<Snapshot> {
  const out: Snapshot = new Map();
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, commandTimeout: 10_000 });
  try {
    await redis.connect();
    const keyspace = await redis.info("keyspace");
    const dbs = [...keyspace.matchAll(/^db(\d+):/gm)].map((m) => Number(m[1]));
    for (const db of dbs) {
      await redis.select(db);
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "COUNT", 500);
        cursor = next;
        for (const key of keys) {
          const dump = await redis.dumpBuffer(key);
          out.set(`db${db}:${key}`, dump ? createHash("sha256").update(dump).digest("hex").slice(0, 16) : "gone");
        }
      } while (cursor !== "0" && out.size < SNAPSHOT_LIMIT);
    }
  } finally {
    redis.disconnect();
  }
  return out;
}

/** Whether `key` exists in any database of the Redis at `url`; a key found is deleted (the probe leaves nothing). */
export async function takeRedisKey(url: string, key: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, commandTimeout: 10_000 });
  try {
    await redis.connect();
    const dbs = [...(await redis.info("keyspace")).matchAll(/^db(\d+):/gm)].map((m) => Number(m[1]));
    let found = false;
    for (const db of dbs) {
      await redis.select(db);
      if ((await redis.del(key)) > 0) found = true;
    }
    return found;
  } finally {
    redis.disconnect();
  }
}

/** Runs `fn` with a client of the PostgreSQL at `url` (the harness's own role), closed after. */
export async function withPostgres<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, statement_timeout: 10_000, query_timeout: 15_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Every user table with its row count and an md5 of its rows (tables up to SNAPSHOT_LIMIT rows; bigger ones by count only). */
export async function snapshotPostgres(url: string): Promise<Snapshot> {
  return withPostgres(url, async (client) => {
    const out: Snapshot = new Map();
    const tables = await client.query<{ name: string }>(
      "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 LIMIT 200",
    );
    for (const { name } of tables.rows) {
      const count = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${name}`);
      const n = Number(count.rows[0]!.n);
      const digest =
        n <= SNAPSHOT_LIMIT
          ? (await client.query<{ h: string | null }>(`SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) AS h FROM ${name} t`)).rows[0]!.h
          : "";
      out.set(name, `${n} rows ${digest ?? ""}`);
    }
    return out;
  });
}

/** What changed between two snapshots: added, removed and changed entries, each as one line. */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const changes: string[] = [];
  for (const [key, value] of after) {
    const was = before.get(key);
    if (was === undefined) changes.push(`added ${key} (${value})`);
    else if (was !== value) changes.push(`changed ${key} (${was} -> ${value})`);
  }
  for (const key of before.keys()) if (!after.has(key)) changes.push(`removed ${key}`);
  return changes;
}

/** The forms a value takes once it went through JSON, a URL or base64: a leak in any of them is a leak. */
export function secretForms(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), Buffer.from(value).toString("base64")])].filter(
    (f) => f.length >= 6,
  );
}

/** Where a needle (any of its forms) appears in `text`: the offset, and the text around it with the needle masked. */
export function findNeedle(text: string, needle: string, mask: string): { offset: number; excerpt: string } | undefined {
  for (const form of secretForms(needle)) {
    const offset = text.indexOf(form);
    if (offset === -1) continue;
    const from = Math.max(0, offset - 60);
    const excerpt = text
      .slice(from, Math.min(text.length, offset + form.length + 60))
      .split(form)
      .join(mask);
    return { offset, excerpt: `${from > 0 ? "..." : ""}${excerpt}${offset + form.length + 60 < text.length ? "..." : ""}` };
  }
  return undefined;
}
