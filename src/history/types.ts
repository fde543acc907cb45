/**
 * A history of runs: every run's record kept, so runs can be compared and trended later, also
 * under new rules. Two stores: run directories under reports/ with an index the harness keeps
 * (rebuildable from the results.json files alone), and PostgreSQL for teams.
 */
import type { RunRecord } from "../results/types.js";

/** What the index holds of one run: enough to find and filter without reading the record. */
export interface HistoryEntry {
  runId: string;
  startedAt: string;
  endedAt: string;
  verdict: RunRecord["verdict"];
  profile: string;
  /** null: a record written before the provider was recorded. */
  provider: string | null;
  /**
   * Of the working directory the run ran in, when it was a git checkout; the branch falls back to the
   * one the CI system names (CI checkouts are often a detached HEAD); dirty null: not known.
   */
  git?: { commit: string; branch: string | null; dirty: boolean | null };
  tags: Record<string, string>;
  /** Each scenario as run: name ([variant]) and the hash of its plan after profile (null in records written before hashes). */
  scenarios: { name: string; hash: string | null }[];
  /** Machine fingerprint hash: runs on the same machine share it (null in records written before it). */
  machine: string | null;
  /** Directory store: the run directory (relative to the reports root); PostgreSQL: "postgres:<run id>". */
  location: string;
}

export interface RunHistory {
  /** e.g. "reports/ (index reports/history.json)" or "postgres://user@host:5432/db" (never a password). */
  readonly description: string;
  /** Adds a finished run; adding the same run id again replaces it. */
  add(record: RunRecord, runDir?: string): Promise<HistoryEntry>;
  /** Every run, oldest first. */
  list(): Promise<HistoryEntry[]>;
  /** The whole record of one run. */
  load(runId: string): Promise<RunRecord>;
  close(): Promise<void>;
}
