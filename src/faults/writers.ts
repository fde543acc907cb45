/**
 * RPO writers: each writes unique, sequence-numbered records into one store
 * and logs the acknowledgement time of each; after recovery, readBack() lists
 * what is really there. Writes go through the MCP servers (Redis `set`,
 * Memory `create_entities`, Filesystem `write_file`); PostgreSQL is written by
 * the harness's own coordination writer, because its MCP server is read-only.
 * Read-back goes straight to the store, not through the server under test,
 * but reads it the way the server does (the Memory server's JSON lines parsed
 * line by line, as its loadGraph does), so "present" means the server would
 * find it.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { RpoStore } from "../contracts/plan.js";
import type { McpSession } from "../stack/mcp-session.js";
import type { WriteLog } from "./rpo.js";
import { sleep } from "../util/sleep.js";

export interface StoreWriter {
  store: RpoStore;
  durability: string;
  log: WriteLog;
  /** Writes until `stop` aborts; one write at a time, `intervalMs` apart. */
  run(stop: AbortSignal): Promise<void>;
  /** The seqs the store holds now; throws when the store cannot be read (or the server could not read it either). */
  readBack(): Promise<Set<number>>;
  close(): Promise<void>;
}

/** Bound on writes per writer, so a writer loop always stops by itself. */
const MAX_WRITES = 1_000_000;

function writerLoop(write: (seq: number) => Promise<boolean>, log: WriteLog, intervalMs: number, now: () => number) {
  return async (stop: AbortSignal) => {
    for (let seq = 1; seq <= MAX_WRITES && !stop.aborted; seq++) {
      log.attempted++;
      const sentAt = now();
      log.startedAt ??= sentAt;
      if (await write(seq).catch(() => false)) log.acknowledged.set(seq, { sentAt, ackAt: now() });
      await sleep(intervalMs, stop);
    }
  };
}

async function mcpWrite(session: () => McpSession | undefined, tool: string, args: Record<string, unknown>, timeoutMs: number): Promise<boolean> {
  const s = session();
  if (!s) return false;
  const result = await s.client.callTool({ name: tool, arguments: args }, undefined, { timeout: timeoutMs });
  return result.isError !== true;
}

export interface WriterContext {
  runId: string;
  intervalMs: number;
  timeoutMs: number;
  /** ms on the experiment's clock (performance.now(): writers start before the window opens) */
  now: () => number;
  session: (server: string) => McpSession | undefined;
  sandbox: string;
  workdir: string;
  redisCommand?: (args: readonly (string | number)[]) => Promise<unknown>;
  postgresQuery?: (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;
  /** Where the harness's PostgreSQL writer connects (through its Toxiproxy hop when proxied). */
  postgresWriterUrl?: string;
  durability: Partial<Record<RpoStore, string>>;
}

export function makeWriter(store: RpoStore, ctx: WriterContext): StoreWriter {
  const log: WriteLog = { acknowledged: new Map(), attempted: 0 };
  const base = { store, durability: ctx.durability[store] ?? "", log, close: async () => undefined };
  switch (store) {
    case "redis": {
      const prefix = `rpo:${ctx.runId}:`;
      return {
        ...base,
        run: writerLoop(
          (seq) => mcpWrite(() => ctx.session("redis"), "set", { key: `${prefix}${seq}`, value: String(seq) }, ctx.timeoutMs),
          log,
          ctx.intervalMs,
          ctx.now,
        ),
        async readBack() {
          const keys = (await ctx.redisCommand!(["KEYS", `${prefix}*`])) as string[];
          return new Set(keys.map((k) => Number(k.slice(prefix.length))));
        },
      };
    }
    case "memory": {
      // Names only this run's writer uses, so an agent's entity can never pass for a record.
      const prefix = `rpo-${ctx.runId}-`;
      return {
        ...base,
        run: writerLoop(
          (seq) =>
            mcpWrite(
              () => ctx.session("memory"),
              "create_entities",
              { entities: [{ name: `${prefix}${seq}`, entityType: "rpo-record", observations: [] }] },
              ctx.timeoutMs,
            ),
          log,
          ctx.intervalMs,
          ctx.now,
        ),
        async readBack() {
          // The server keeps its graph in this JSON-lines file (MEMORY_FILE_PATH in the catalog).
          const file = path.join(ctx.workdir, "memory.jsonl");
          let text: string;
          try {
            text = await readFile(file, "utf8");
          } catch (err) {
            // No file: nothing was ever saved, so nothing is present.
            if ((err as NodeJS.ErrnoException).code === "ENOENT") return new Set();
            throw err;
          }
          return memoryRecords(text, prefix);
        },
      };
    }
    case "filesystem": {
      const dir = path.join(ctx.sandbox, "rpo");
      return {
        ...base,
        run: writerLoop(
          (seq) => mcpWrite(() => ctx.session("filesystem"), "write_file", { path: path.join(dir, `${seq}.txt`), content: String(seq) }, ctx.timeoutMs),
          log,
          ctx.intervalMs,
          ctx.now,
        ),
        async readBack() {
          const names = await readdir(dir).catch(() => [] as string[]);
          const seqs = new Set<number>();
          for (const name of names) {
            const seq = Number(name.replace(/\.txt$/, ""));
            if ((await readFile(path.join(dir, name), "utf8").catch(() => "")) === String(seq)) seqs.add(seq);
          }
          return seqs;
        },
      };
    }
    case "postgres": {
      let client: pg.Client | undefined;
      const drop = async () => {
        const c = client;
        client = undefined;
        await c?.end().catch(() => undefined);
      };
      return {
        ...base,
        run: writerLoop(
          async (seq) => {
            try {
              if (!client) {
                const c = new pg.Client({ connectionString: ctx.postgresWriterUrl, connectionTimeoutMillis: ctx.timeoutMs, query_timeout: ctx.timeoutMs });
                // A dying server emits 'error' on the client; without a listener Node would crash the harness.
                c.on("error", () => void drop());
                await c.connect();
                client = c;
              }
              await client.query("INSERT INTO coordination_log (seq) VALUES ($1)", [seq]);
              return true;
            } catch {
              await drop();
              return false;
            }
          },
          log,
          ctx.intervalMs,
          ctx.now,
        ),
        async readBack() {
          const r = await ctx.postgresQuery!("SELECT seq FROM coordination_log");
          return new Set(r.rows.map((row) => Number(row.seq)));
        },
        close: drop,
      };
    }
  }
}

/**
 * The records in the Memory server's graph file, read as the server's own loadGraph reads it: one
 * JSON object per non-blank line, entities by exact name. A line that does not parse makes the
 * server fail to load its whole graph, so it is a read-back failure here too, not "present".
 */
export function memoryRecords(text: string, prefix: string): Set<number> {
  const seqs = new Set<number>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch {
      throw new Error(`memory.jsonl line ${i + 1} is not JSON, so the Memory server cannot load its graph: ${line.slice(0, 80)}`);
    }
    const { type, name } = (item ?? {}) as { type?: unknown; name?: unknown };
    if (type !== "entity" || typeof name !== "string" || !name.startsWith(prefix)) return;
    const seq = name.slice(prefix.length);
    if (/^[1-9]\d*$/.test(seq)) seqs.add(Number(seq));
  });
  return seqs;
}
