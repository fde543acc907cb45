/**
 * The history kept in PostgreSQL, for teams (`--history postgres://user@host:5432/db`): each run's
 * history entry in columns, its whole record as jsonb (verdicts and encoded histograms, so old runs
 * can be re-compared under new rules) and its tags. The harness creates and migrates its tables
 * itself: numbered migrations below, each applied in its own transaction and recorded in
 * mcp_slo_schema_version, under an advisory lock so two harnesses starting at once do not race; a
 * second start finds every migration applied and does nothing.
 *
 * A run's rows are written in one transaction: a failure leaves none of them. An unreachable
 * database is an environment failure (exit 3) naming host, port and database, never the password.
 */
import pg from "pg";
import { HarnessError } from "../errors.js";
import { RunRecord as RunRecordSchema } from "../results/schema.js";
import type { RunRecord } from "../results/types.js";
import { REDACTED, registerSecret } from "../telemetry/redact.js";
import { byStart, entryOf } from "./entry.js";
import type { HistoryEntry, RunHistory } from "./types.js";

const CONNECT_TIMEOUT_MS = 10_000;
/** No statement of the history takes long; past this the database is not answering. */
const QUERY_TIMEOUT_MS = 60_000;
/** pg_advisory_lock key of the migrations: a fixed number of our own (any would do, if no other program uses it). */
const MIGRATION_LOCK = 4_261_730_113;

interface Migration {
  version: number;
  about: string;
  statements: string[];
}

/**
 * Append only: a migration once released is never edited, a change is a new one. started_at and
 * ended_at are kept as the record's ISO text (UTC, "Z"), so an entry reads back exactly as written;
 * the text sorts in time order.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    about: "runs (entry columns and the whole record), their tags",
    statements: [
      `CREATE TABLE mcp_slo_runs (
        run_id text PRIMARY KEY,
        started_at text NOT NULL,
        ended_at text NOT NULL,
        verdict text NOT NULL,
        profile text NOT NULL,
        provider text,
        git_commit text,
        git_branch text,
        git_dirty boolean,
        machine text,
        scenarios jsonb NOT NULL,
        record jsonb NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now()
      )`,
      "CREATE INDEX mcp_slo_runs_started ON mcp_slo_runs (started_at)",
      "CREATE INDEX mcp_slo_runs_branch ON mcp_slo_runs (git_branch, started_at)",
      `CREATE TABLE mcp_slo_run_tags (
        run_id text NOT NULL REFERENCES mcp_slo_runs (run_id) ON DELETE CASCADE,
        key text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (run_id, key)
      )`,
      "CREATE INDEX mcp_slo_run_tags_key_value ON mcp_slo_run_tags (key, value)",
    ],
  },
];

/** The URL as it may be shown: without its password. */
export function describePostgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HarnessError("invalid_input", "--history: not a PostgreSQL URL", {
      hint: "postgres://user@host:5432/database (the password may come from PGPASSWORD)",
    });
  }
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : "";
  const port = parsed.port || "5432";
  return `postgres://${user}${parsed.hostname || "localhost"}:${port}${parsed.pathname || "/"}`;
}

function passwordOf(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

interface RunRow {
  run_id: string;
  started_at: string;
  ended_at: string;
  verdict: HistoryEntry["verdict"];
  profile: string;
  provider: string | null;
  git_commit: string | null;
  git_branch: string | null;
  git_dirty: boolean | null;
  machine: string | null;
  scenarios: HistoryEntry["scenarios"];
  tags: Record<string, string>;
}

/** jsonb cannot hold U+0000 in a string: such a character (from a server's stderr, say) is stored as U+FFFD. */
function jsonbText(record: RunRecord): string {
  return JSON.stringify(record, (_key, value: unknown) =>
    typeof value === "string" && value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value,
  );
}

export class PostgresHistory implements RunHistory {
  private constructor(
    readonly description: string,
    private readonly pool: pg.Pool,
    private readonly password: string | undefined,
  ) {}

  /** Connects and migrates; an unreachable database is HarnessError "environment" naming it. */
  static async open(url: string): Promise<PostgresHistory> {
    const description = describePostgresUrl(url);
    const password = passwordOf(url);
    // The password must not appear in any output of the run, whatever quotes it.
    registerSecret(password);
    const pool = new pg.Pool({
      connectionString: url,
      max: 2,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      // A history left open by a run that threw must not keep the process alive.
      allowExitOnIdle: true,
    });
    // An idle connection the server drops is not a crash of the harness; the next query reconnects or fails loudly.
    pool.on("error", () => {});
    const history = new PostgresHistory(description, pool, password);
    try {
      await history.migrate();
    } catch (err) {
      await pool.end().catch(() => {});
      throw history.failure("unreachable or unusable", err);
    }
    return history;
  }

  /** A pg error as a HarnessError naming the database, the password taken out of whatever pg said. */
  private failure(what: string, err: unknown): HarnessError {
    if (err instanceof HarnessError) return err;
    let message = err instanceof Error ? err.message : String(err);
    if (this.password) message = message.split(this.password).join(REDACTED);
    return new HarnessError("environment", `history database ${this.description} ${what}: ${message}`, {
      hint: "check that the database is up and reachable from here, and the user may create tables in it",
    });
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
      try {
        await client.query(
          "CREATE TABLE IF NOT EXISTS mcp_slo_schema_version (version integer PRIMARY KEY, about text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
        );
        const applied = new Set((await client.query<{ version: number }>("SELECT version FROM mcp_slo_schema_version")).rows.map((r) => r.version));
        const newest = Math.max(0, ...applied);
        const known = MIGRATIONS[MIGRATIONS.length - 1]!.version;
        if (newest > known) {
          throw new HarnessError("environment", `history database ${this.description} has schema version ${newest}; this harness knows up to ${known}`, {
            hint: "use a newer mcp-slo with this history",
          });
        }
        for (const m of MIGRATIONS) {
          if (applied.has(m.version)) continue;
          await client.query("BEGIN");
          try {
            for (const sql of m.statements) await client.query(sql);
            await client.query("INSERT INTO mcp_slo_schema_version (version, about) VALUES ($1, $2)", [m.version, m.about]);
            await client.query("COMMIT");
          } catch (err) {
            await client.query("ROLLBACK").catch(() => {});
            throw err;
          }
        }
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
      }
    } finally {
      client.release();
    }
  }

  /** The schema versions applied, oldest first (for tests and `mcp-slo history`). */
  async schemaVersions(): Promise<number[]> {
    const rows = await this.pool.query<{ version: number }>("SELECT version FROM mcp_slo_schema_version ORDER BY version").catch((err: unknown) => {
      throw this.failure("failed", err);
    });
    return rows.rows.map((r) => r.version);
  }

  async add(record: RunRecord): Promise<HistoryEntry> {
    const entry = entryOf(record, `postgres:${record.runId}`);
    const client = await this.pool.connect().catch((err: unknown) => {
      throw this.failure("unreachable", err);
    });
    try {
      await client.query("BEGIN");
      // Adding a run again replaces it (its tags go with it: ON DELETE CASCADE).
      await client.query("DELETE FROM mcp_slo_runs WHERE run_id = $1", [entry.runId]);
      await client.query(
        `INSERT INTO mcp_slo_runs (run_id, started_at, ended_at, verdict, profile, provider, git_commit, git_branch, git_dirty, machine, scenarios, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb)`,
        [
          entry.runId,
          entry.startedAt,
          entry.endedAt,
          entry.verdict,
          entry.profile,
          entry.provider,
          entry.git?.commit ?? null,
          entry.git?.branch ?? null,
          entry.git?.dirty ?? null,
          entry.machine,
          JSON.stringify(entry.scenarios),
          jsonbText(record),
        ],
      );
      for (const [key, value] of Object.entries(entry.tags)) {
        await client.query("INSERT INTO mcp_slo_run_tags (run_id, key, value) VALUES ($1, $2, $3)", [entry.runId, key, value]);
      }
      await client.query("COMMIT");
      return entry;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw this.failure(`did not take run ${record.runId} (nothing of it was written)`, err);
    } finally {
      client.release();
    }
  }

  async list(): Promise<HistoryEntry[]> {
    const result = await this.pool
      .query<RunRow>(
        `SELECT r.run_id, r.started_at, r.ended_at, r.verdict, r.profile, r.provider, r.git_commit, r.git_branch, r.git_dirty, r.machine, r.scenarios,
                COALESCE((SELECT jsonb_object_agg(t.key, t.value) FROM mcp_slo_run_tags t WHERE t.run_id = r.run_id), '{}'::jsonb) AS tags
         FROM mcp_slo_runs r`,
      )
      .catch((err: unknown) => {
        throw this.failure("failed", err);
      });
    // Sorted here, not by ORDER BY: the database's collation may order run ids unlike the directory store.
    return result.rows
      .map(
        (r): HistoryEntry => ({
          runId: r.run_id,
          startedAt: r.started_at,
          endedAt: r.ended_at,
          verdict: r.verdict,
          profile: r.profile,
          provider: r.provider,
          ...(r.git_commit !== null && { git: { commit: r.git_commit, branch: r.git_branch, dirty: r.git_dirty } }),
          tags: r.tags,
          scenarios: r.scenarios,
          machine: r.machine,
          location: `postgres:${r.run_id}`,
        }),
      )
      .sort(byStart);
  }

  async load(runId: string): Promise<RunRecord> {
    const result = await this.pool.query<{ record: unknown }>("SELECT record FROM mcp_slo_runs WHERE run_id = $1", [runId]).catch((err: unknown) => {
      throw this.failure("failed", err);
    });
    const row = result.rows[0];
    if (row === undefined) throw new HarnessError("invalid_input", `no run ${runId} in the history ${this.description}`);
    const parsed = RunRecordSchema.safeParse(row.record);
    if (!parsed.success) {
      throw new HarnessError("invalid_input", `postgres:${runId} in ${this.description}: not a valid run record`, {
        details: parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`),
      });
    }
    return parsed.data;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
