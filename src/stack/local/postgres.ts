/**
 * startPostgres: a throwaway PostgreSQL cluster for one run — initdb into a temp dir of the run's
 * ResourceRegistry, then the `postgres` server binary itself (not pg_ctl, so we own its pid and
 * its process group) on a free loopback port. Ready means `SELECT 1` worked *and* the server
 * reports our data directory, so another server on a reused port cannot be mistaken for ours.
 *
 * PostgreSQL refuses to run as root: when we are root, initdb and postgres run as the `postgres`
 * user (created by Debian's postgresql package; scripts/setup.sh installs it).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import type { ManagedProcess } from "../managed-process.js";
import { lookupUser, processFaults, spawnManaged } from "../managed-process.js";
import { childEnvironment } from "../child-env.js";
import { describeGone, failReadiness, withPortRetry } from "../ports.js";
import { waitUntilReady } from "../readiness.js";
import { RUN_ID_ENV, type ResourceRegistry } from "../resource-registry.js";
import type { RestartTiming, StartedPostgres } from "../started.js";
import { pathDirectories } from "../../util/executable.js";

export interface StartPostgresOptions {
  registry: ResourceRegistry;
  synchronousCommit?: "on" | "off";
  /** How long to wait for `SELECT 1` after starting the server; default 30 000 ms. initdb has its own limit. */
  startTimeoutMs?: number;
  /** Use this port instead of a free one (then no retry on "address in use"). Mostly for tests. */
  port?: number;
}

/** A PostgreSQL cluster of the run: the started handle every provider gives, and what only a local process has. */
export interface LocalPostgres extends StartedPostgres {
  /** postgresql://postgres@127.0.0.1:PORT/mcp_slo */
  readonly url: string;
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly database: "mcp_slo";
  readonly user: "postgres";
  /** Pid of the current postmaster (changes on restart). */
  readonly pid: number;
  /** The cluster's data directory (PGDATA). */
  readonly dataDir: string;
  /** The current postmaster process (changes on restart). */
  readonly process: ManagedProcess;
  /** Runs a query on database mcp_slo through a small pool. */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Fast shutdown (SIGINT), SIGKILL after 10 s; closes the pool first. Resolves once it has exited. */
  stop(): Promise<void>;
}

const DATABASE = "mcp_slo";
const USER = "postgres";
const DEFAULT_START_TIMEOUT_MS = 30_000;
const INITDB_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;

const execFileAsync = promisify(execFile);

export async function startPostgres(opts: StartPostgresOptions): Promise<LocalPostgres> {
  const { registry } = opts;
  const synchronousCommit = opts.synchronousCommit ?? "on";
  const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const bindir = await findPostgresBindir(registry.runId);
  const runAs = osUserForPostgres();

  // <tmp>/mcp-slo-<run>-postgres-XXXX/{data/, .s.PGSQL.<port>}: the server user must own it all.
  const baseDir = await registry.makeTempDir("postgres");
  const dataDir = join(baseDir, "data");
  await mkdir(dataDir, { mode: 0o700 });
  if (runAs !== undefined) {
    const { uid, gid } = lookupUser(runAs);
    await chown(baseDir, uid, gid);
    await chown(dataDir, uid, gid);
  }

  await initdb(bindir, dataDir, runAs, registry);

  const launch = async (port: number) => {
    const spawnedAt = performance.now();
    const proc = spawnManaged({
      name: `postgres:${port}`,
      command: join(bindir, "postgres"),
      args: [
        "-D",
        dataDir,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        `unix_socket_directories=${baseDir}`,
        "-c",
        "fsync=on",
        "-c",
        `synchronous_commit=${synchronousCommit}`,
        "-c",
        "logging_collector=off",
        "-c",
        "max_connections=200",
        "-c",
        "shared_buffers=128MB",
      ],
      cwd: baseDir,
      runAs,
      registry,
      stopSignal: "SIGINT", // "fast shutdown"; also what ResourceRegistry.disposeAll will send
    });
    const version = await waitForPostgres(proc, port, dataDir, timeoutMs);
    return { port, proc, version, spawnedAt, readyAt: performance.now() };
  };
  const first = opts.port !== undefined ? await launch(opts.port) : await withPortRetry(launch);
  const { port, version } = first;
  let proc = first.proc;

  try {
    await withClient(port, "postgres", async (c) => {
      await c.query(`CREATE DATABASE ${DATABASE}`);
    });
  } catch (err) {
    await proc.stop({ graceMs: 2000, signal: "SIGINT" });
    throw new Error(`postgres on 127.0.0.1:${port}: CREATE DATABASE ${DATABASE} failed: ${(err as Error).message}`);
  }

  const newPool = () => {
    const p = new pg.Pool({ host: "127.0.0.1", port, user: USER, database: DATABASE, max: 4, connectionTimeoutMillis: 5000 });
    // An idle client whose server went away (kill9, stop) emits 'error' on the pool; without a
    // listener that would crash the harness. The next query reports the problem instead.
    p.on("error", () => {});
    return p;
  };
  let pool = newPool();
  const closePool = async () => {
    const old = pool;
    pool = newPool();
    await old.end().catch(() => {});
  };

  const stop = async () => {
    await closePool();
    // SIGINT is PostgreSQL's "fast shutdown": abort transactions, checkpoint, exit.
    await proc.stop({ signal: "SIGINT", graceMs: STOP_GRACE_MS });
  };
  return {
    kind: "postgres",
    url: `postgresql://${USER}@127.0.0.1:${port}/${DATABASE}`,
    upstream: `127.0.0.1:${port}`,
    host: "127.0.0.1",
    port,
    database: DATABASE,
    user: USER,
    version,
    synchronousCommit,
    get pid() {
      return proc.pid;
    },
    dataDir,
    get process() {
      return proc;
    },
    query(sql: string, params?: unknown[]) {
      return pool.query(sql, params);
    },
    stop,
    [Symbol.asyncDispose]: stop,
    ...processFaults(() => proc),
    async restart(): Promise<RestartTiming> {
      await closePool();
      await proc.stop({ signal: "SIGINT", graceMs: STOP_GRACE_MS });
      const again = await launch(port);
      proc = again.proc;
      return { spawnedAt: again.spawnedAt, readyAt: again.readyAt };
    },
  };
}

/**
 * `pg_config --bindir` if it has the server; else the newest /usr/lib/postgresql/N/bin; else PATH.
 * pg_config runs as a child of the run like any other: it carries the run's marker, so a run killed
 * while it runs leaves nothing the reaper cannot find.
 */
export async function findPostgresBindir(runId: string): Promise<string> {
  const hasServer = (dir: string) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres"));
  try {
    const { stdout } = await execFileAsync("pg_config", ["--bindir"], { timeout: 5000, env: { ...childEnvironment(), [RUN_ID_ENV]: runId } });
    const dir = stdout.trim();
    if (dir !== "" && hasServer(dir)) return dir;
  } catch {
    /* no pg_config (it comes with libpq-dev / postgresql-server-dev, not always installed) */
  }
  try {
    const versions = readdirSync("/usr/lib/postgresql")
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = `/usr/lib/postgresql/${v}/bin`;
      if (hasServer(dir)) return dir;
    }
  } catch {
    /* not a Debian-style layout */
  }
  for (const dir of pathDirectories(process.env.PATH ?? "")) {
    if (hasServer(dir)) return dir;
  }
  throw new Error(
    "cannot find the PostgreSQL server binaries (initdb, postgres): looked at `pg_config --bindir`, " +
      "/usr/lib/postgresql/*/bin and PATH. Install the postgresql package (run `bash scripts/setup.sh`).",
  );
}

/** The OS user to run PostgreSQL as: `postgres` when we are root (it refuses root), else ourselves. */
function osUserForPostgres(): string | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  try {
    lookupUser("postgres");
  } catch {
    throw new Error(
      "PostgreSQL refuses to run as root, and there is no `postgres` user to run it as. Install the " +
        "postgresql package (it creates the user; `bash scripts/setup.sh` does), or create one: " +
        "useradd --system --user-group --home-dir /var/lib/postgresql postgres",
    );
  }
  return "postgres";
}

async function initdb(bindir: string, dataDir: string, runAs: string | undefined, registry: ResourceRegistry): Promise<void> {
  const proc = spawnManaged({
    name: "initdb",
    command: join(bindir, "initdb"),
    // --no-sync: a throwaway cluster need not survive a power cut during initdb; saves seconds.
    // --locale=C: works on machines without generated locales, and is what tests expect anyway.
    args: ["-D", dataDir, "-U", USER, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"],
    runAs,
    registry,
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), INITDB_TIMEOUT_MS);
  });
  const result = await Promise.race([proc.exited, timedOut]).finally(() => clearTimeout(timer));
  if (result === "timeout") {
    await proc.stop({ graceMs: 1000 });
    throw new Error(`postgres initdb of ${dataDir} took longer than ${INITDB_TIMEOUT_MS} ms; last output:\n  ${proc.stderrTail(15).join("\n  ")}`);
  }
  if (result.code !== 0) {
    throw new Error(
      `postgres initdb of ${dataDir} failed (${result.signal ?? `exit code ${result.code}`}); last output:\n  ${proc.stderrTail(15).join("\n  ")}`,
    );
  }
}

async function withClient<T>(port: number, database: string, fn: (c: pg.Client) => Promise<T>, timeoutMs = 5000): Promise<T> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: USER, database, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Waits until `proc` accepts connections and runs SELECT 1; returns the server version. */
async function waitForPostgres(proc: ManagedProcess, port: number, dataDir: string, timeoutMs: number): Promise<string> {
  const ourDataDir = await realpath(dataDir).catch(() => dataDir);
  const fail = (why: string) =>
    failReadiness({
      what: `postgres (${proc.command})`,
      port,
      why,
      stop: () => proc.stop({ signal: "SIGINT", graceMs: 2000 }),
      logTail: () => proc.stderrTail(15),
    });
  try {
    return await waitUntilReady(
      async () => {
        // ECONNREFUSED while starting, 57P03 "the database system is starting up", ...
        const answer = await withClient(
          port,
          "postgres",
          async (c) => {
            await c.query("SELECT 1");
            const dir = (await c.query<{ data_directory: string }>("SHOW data_directory")).rows[0]?.data_directory ?? "";
            const version = (await c.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version ?? "unknown";
            return { dir, version };
          },
          1000,
        );
        const theirs = await realpath(answer.dir).catch(() => answer.dir);
        if (theirs !== ourDataDir) throw new Error(`another server (data directory ${answer.dir}) answers on the port`);
        return answer.version;
      },
      {
        what: "did not accept `SELECT 1`",
        timeoutMs,
        intervalMs: 100,
        alive: async () => {
          if (!proc.isRunning()) throw new Error(describeGone(await proc.exited.catch((e: unknown) => e), "before accepting connections"));
        },
      },
    );
  } catch (err) {
    return fail((err as Error).message);
  }
}
