/**
 * The history kept in a reports root: each run's directory under runs/<run id>/ (its results.json,
 * report.html, summary.md, junit.xml) and an index, history.json, so listing needs no record read.
 *
 * The run records are the truth and the index only a cache of them: a missing, corrupt or stale
 * index (a run directory it does not know, an entry whose directory is gone) is rebuilt from
 * runs/* /results.json alone, so a CI cache or artifact restore of the runs is all a history needs.
 * Two runs finishing at once may each write the index without the other's entry; the next reader
 * sees a run directory the index lacks and rebuilds it, so nothing is lost.
 */
import { writeFileAtomic } from "../util/atomic-file.js";
import { copyFile, mkdir, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { HarnessError } from "../errors.js";
import { readRunRecord } from "../results/read-record.js";
import type { RunRecord } from "../results/types.js";
import { byStart, entryOf, HistoryEntrySchema } from "./entry.js";
import type { HistoryEntry, RunHistory } from "./types.js";

export const INDEX_FILE = "history.json";
const RUNS_DIR = "runs";
/** Besides results.json, what a run directory copied into the history keeps: what a reader opens (traces and logs stay where they were). */
const KEPT_OUTPUTS = ["report.html", "summary.md", "junit.xml", "security.sarif"];

const IndexSchema = z.strictObject({
  version: z.literal(1),
  about: z.string(),
  entries: z.array(HistoryEntrySchema),
  /** Run directories whose results.json could not be read: skipped, and not a reason to rebuild again. */
  skipped: z.array(z.string()),
});
type Index = z.infer<typeof IndexSchema>;

const ABOUT = "Index of the runs under runs/, kept by mcp-slo; rebuilt from runs/*/results.json when missing or stale, so it can be deleted.";

export interface DirectoryHistoryOptions {
  /** Where warnings go (a run directory skipped, the index rebuilt); default stderr. */
  warn?: (line: string) => void;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export class DirectoryHistory implements RunHistory {
  readonly description: string;
  private readonly indexFile: string;
  private readonly runsDir: string;
  private readonly warn: (line: string) => void;

  constructor(
    readonly root: string,
    opts: DirectoryHistoryOptions = {},
  ) {
    this.indexFile = path.join(root, INDEX_FILE);
    this.runsDir = path.join(root, RUNS_DIR);
    this.description = `${root} (index ${this.indexFile})`;
    this.warn = opts.warn ?? ((line) => process.stderr.write(`mcp-slo: warning: ${line}\n`));
  }

  async add(record: RunRecord, runDir?: string): Promise<HistoryEntry> {
    const dirName = record.runId;
    const target = path.join(this.runsDir, dirName);
    if (runDir === undefined || path.resolve(runDir) !== path.resolve(target)) {
      // A run written elsewhere (--out) is copied in, so the history stands on its own.
      await mkdir(target, { recursive: true });
      if (runDir !== undefined) {
        for (const name of KEPT_OUTPUTS) {
          const from = path.join(runDir, name);
          if (await exists(from)) await copyFile(from, path.join(target, name));
        }
      }
      await writeFileAtomic(path.join(target, "results.json"), `${JSON.stringify(record, null, 2)}\n`);
    }
    const entry = entryOf(record, path.posix.join(RUNS_DIR, dirName));
    const index = await this.index(dirName);
    const entries = [...index.entries.filter((e) => e.runId !== record.runId && e.location !== entry.location), entry].sort(byStart);
    await this.writeIndex({ ...index, entries });
    return entry;
  }

  async list(): Promise<HistoryEntry[]> {
    return (await this.index()).entries;
  }

  async load(runId: string): Promise<RunRecord> {
    const entry = (await this.list()).find((e) => e.runId === runId);
    if (entry === undefined) throw new HarnessError("invalid_input", `no run ${runId} in the history ${this.description}`);
    return readRunRecord(path.join(this.root, entry.location));
  }

  async close(): Promise<void> {}

  /**
   * The index as it should be: read, checked against the run directories, rebuilt when it does not
   * match them. `adding`: the directory of the run being added, which the index does not know yet.
   */
  private async index(adding?: string): Promise<Index> {
    const dirs = await readdir(this.runsDir, { withFileTypes: true }).then(
      (all) => all.filter((d) => d.isDirectory()).map((d) => d.name),
      (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return [];
        throw new HarnessError("environment", `cannot read the history's run directories ${this.runsDir}: ${err.message}`);
      },
    );
    const stored = await this.readIndex();
    if (stored !== null && (await this.matches(stored, dirs, adding))) return stored;
    // Nothing recorded yet: reading an empty history creates nothing.
    if (stored === null && dirs.every((d) => d === adding)) return { version: 1, about: ABOUT, entries: [], skipped: [] };
    const rebuilt = await this.rebuild(dirs.filter((d) => d !== adding));
    if (stored !== null || rebuilt.entries.length > 0)
      this.warn(`${this.indexFile}: ${stored === null ? "missing or unreadable" : "out of date"}; rebuilt from ${rebuilt.entries.length} run record(s)`);
    await mkdir(this.root, { recursive: true });
    await this.writeIndex(rebuilt);
    return rebuilt;
  }

  private async readIndex(): Promise<Index | null> {
    const text = await readFile(this.indexFile, "utf8").catch(() => null);
    if (text === null) return null;
    try {
      const parsed = IndexSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** True when the index knows every run directory holding a results.json, and every entry's directory exists. */
  private async matches(index: Index, dirs: string[], adding: string | undefined): Promise<boolean> {
    const present = new Set(dirs.map((d) => path.posix.join(RUNS_DIR, d)));
    if (index.entries.some((e) => !present.has(e.location))) return false;
    const known = new Set([
      ...index.entries.map((e) => e.location),
      ...[...index.skipped, ...(adding ? [adding] : [])].map((d) => path.posix.join(RUNS_DIR, d)),
    ]);
    for (const dir of dirs) {
      // A directory without results.json is a run still going (or one that failed before writing): not a run yet.
      if (!known.has(path.posix.join(RUNS_DIR, dir)) && (await exists(path.join(this.runsDir, dir, "results.json")))) return false;
    }
    return true;
  }

  private async rebuild(dirs: string[]): Promise<Index> {
    const entries: HistoryEntry[] = [];
    const skipped: string[] = [];
    for (const dir of dirs.sort()) {
      const file = path.join(this.runsDir, dir, "results.json");
      if (!(await exists(file))) continue;
      try {
        entries.push(entryOf(await readRunRecord(file), path.posix.join(RUNS_DIR, dir)));
      } catch (err) {
        skipped.push(dir);
        this.warn(
          `skipped ${file} while rebuilding the history index: ${err instanceof HarnessError ? [err.message, ...err.details.slice(0, 3)].join("; ") : String(err)}`,
        );
      }
    }
    return { version: 1, about: ABOUT, entries: entries.sort(byStart), skipped };
  }

  /** One entry per line: small diffs, and a person can read it. */
  private async writeIndex(index: Index): Promise<void> {
    const lines = index.entries.map((e) => `    ${JSON.stringify(e)}`);
    const text = `{\n  "version": 1,\n  "about": ${JSON.stringify(index.about)},\n  "skipped": ${JSON.stringify(index.skipped)},\n  "entries": [\n${lines.join(",\n")}\n  ]\n}\n`;
    await writeFileAtomic(this.indexFile, text);
  }
}
