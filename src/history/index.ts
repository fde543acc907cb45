/**
 * Opening a history (`--history <dir | postgres://... | none>`) and finding runs in it by reference
 * (`--baseline <ref>`, `compare <baseline> <candidate>`, trend):
 *  - a path: a run directory or a results.json;
 *  - a run id;
 *  - `latest`: the newest earlier comparable run that completed (an interrupted or failed-to-run
 *    one is no baseline); `latest-pass`: the newest earlier comparable run whose verdict is pass;
 *  - `<branch>`: the newest earlier comparable run on that git branch that completed;
 *  - `tag:<key>=<value>`: the newest earlier run with that tag (not filtered by comparability, so a
 *    tagged run that is not comparable is refused saying what differs, not reported missing);
 *  - any of the named ones with `~N`: N runs before it (`main~1`, `latest~2`).
 * "Earlier comparable" = comparable with the candidate (src/compare/comparability.ts), started
 * before it, not the candidate itself. Without a candidate, every run counts, newest first.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { comparability, comparabilityOf, factsOf } from "../compare/comparability.js";
import type { RunRef } from "../compare/types.js";
import { HarnessError } from "../errors.js";
import { readRunRecord } from "../results/read-record.js";
import type { RunRecord } from "../results/types.js";
import { DirectoryHistory, type DirectoryHistoryOptions } from "./directory-history.js";
import { PostgresHistory } from "./postgres-history.js";
import type { HistoryEntry, RunHistory } from "./types.js";

export { DirectoryHistory, PostgresHistory };

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
/** How far back `~N` may reach: a history is long, a typo (main~10000000) should not scan it all. */
const MAX_BACK = 10_000;
/** How many run ids an "unknown reference" error lists. */
const LISTED_IDS = 5;

/**
 * The history `option` names: "none" -> null; a postgres:// URL -> PostgreSQL (connected and
 * migrated, or HarnessError "environment"); anything else a directory; undefined -> `reportsRoot`.
 */
export async function openHistory(
  option: string | undefined,
  reportsRoot: string,
  opts: DirectoryHistoryOptions & {
    /** Readers (trend, monitor) of a history named with --history: a directory that does not exist is a mistyped name, not an empty history. */
    mustExist?: boolean;
  } = {},
): Promise<RunHistory | null> {
  if (option === "none") return null;
  if (option !== undefined && POSTGRES_URL.test(option)) return PostgresHistory.open(option);
  if (option === "") throw new HarnessError("invalid_input", "--history: empty", { hint: "a directory, a postgres:// URL, or none" });
  const root = path.resolve(option ?? reportsRoot);
  const info = await stat(root).catch(() => undefined);
  if (info === undefined && opts.mustExist && option !== undefined)
    throw new HarnessError("invalid_input", `--history ${option}: no such directory`, {
      hint: "a reports directory holding runs/<run id>/, or a postgres:// URL",
    });
  if (info !== undefined && !info.isDirectory())
    throw new HarnessError("invalid_input", `--history ${option ?? reportsRoot}: not a directory`, { hint: "a directory, a postgres:// URL, or none" });
  return new DirectoryHistory(root, opts);
}

async function isPath(ref: string): Promise<boolean> {
  return stat(ref).then(
    () => true,
    () => false,
  );
}

function locationOf(history: RunHistory, entry: HistoryEntry): string {
  return history instanceof DirectoryHistory ? path.join(history.root, entry.location) : entry.location;
}

function completed(entry: HistoryEntry): boolean {
  return entry.verdict !== "error" && entry.verdict !== "interrupted";
}

/** Runs that could be the candidate's baseline by time: started before it, not it; newest first. Without a candidate: all, newest first. */
function earlier(entries: HistoryEntry[], candidate: RunRecord | undefined): HistoryEntry[] {
  const before = candidate ? entries.filter((e) => e.runId !== candidate.runId && e.startedAt < candidate.startedAt) : entries;
  return [...before].reverse();
}

function comparableWith(candidate: RunRecord | undefined): (e: HistoryEntry) => boolean {
  if (candidate === undefined) return () => true;
  const facts = factsOf(candidate);
  return (e) => comparabilityOf(e, facts).ok;
}

/** What refs exist, for the error of one that does not. */
function whatExists(entries: HistoryEntry[]): string[] {
  const newest = [...entries].reverse();
  const branches = [...new Set(newest.flatMap((e) => (e.git?.branch ? [e.git.branch] : [])))];
  const tags = [...new Set(newest.flatMap((e) => Object.entries(e.tags).map(([k, v]) => `tag:${k}=${v}`)))];
  return [
    `runs: ${entries.length}${
      entries.length
        ? `, newest ${newest
            .slice(0, LISTED_IDS)
            .map((e) => e.runId)
            .join(", ")}`
        : ""
    }`,
    `branches: ${branches.length ? branches.slice(0, 10).join(", ") : "none recorded"}`,
    `tags: ${tags.length ? tags.slice(0, 10).join(", ") : "none recorded"}`,
    "also: latest, latest-pass, <branch>~N, a run directory or a results.json",
  ];
}

/** Finds the run `ref` names (see the top of this file). An unknown ref is invalid input listing what exists. */
export async function resolveRef(history: RunHistory | null, ref: string, candidate?: RunRecord): Promise<{ record: RunRecord; ref: RunRef }> {
  const found = (record: RunRecord, location: string) => ({ record, ref: { runId: record.runId, startedAt: record.startedAt, location, ref } });
  if (await isPath(ref)) return found(await readRunRecord(ref), ref);
  if (history === null) {
    throw new HarnessError("invalid_input", `${ref}: no such run directory or results.json, and no history to look it up in (--history none)`);
  }
  const entries = await history.list();
  const byId = entries.find((e) => e.runId === ref);
  if (byId) return found(await history.load(byId.runId), locationOf(history, byId));

  const back = /^(.+)~(\d+)$/.exec(ref);
  const name = back ? back[1]! : ref;
  const steps = back ? Number(back[2]) : 0;
  if (steps > MAX_BACK) throw new HarnessError("invalid_input", `${ref}: ~${steps} reaches back more than ${MAX_BACK} runs`);

  const pool = earlier(entries, candidate);
  const comparable = comparableWith(candidate);
  let matches: HistoryEntry[];
  let what: string;
  if (name === "latest") {
    matches = pool.filter((e) => completed(e) && comparable(e));
    what = "completed run";
  } else if (name === "latest-pass") {
    matches = pool.filter((e) => e.verdict === "pass" && comparable(e));
    what = "run whose verdict is pass";
  } else if (name.startsWith("tag:")) {
    const m = /^tag:([^=]+)=(.*)$/.exec(name);
    if (!m) throw new HarnessError("invalid_input", `${ref}: a tag reference is tag:<key>=<value>`);
    matches = pool.filter((e) => e.tags[m[1]!] === m[2]);
    what = `run tagged ${m[1]}=${m[2]}`;
  } else {
    const onBranch = pool.filter((e) => e.git?.branch === name && completed(e));
    matches = onBranch.filter(comparable);
    what = `run on branch ${name}`;
    if (onBranch.length > 0 && matches.length === 0 && candidate) {
      const why = comparabilityOf(onBranch[0]!, factsOf(candidate)).differences;
      throw new HarnessError("invalid_input", `${ref}: ${onBranch.length} earlier run(s) on branch ${name}, none comparable with ${candidate.runId}`, {
        details: why.map((d) => `newest (${onBranch[0]!.runId}): ${d}`),
      });
    }
  }
  const entry = matches[steps];
  if (entry === undefined) {
    const scope = candidate ? ` earlier than ${candidate.runId}${name.startsWith("tag:") ? "" : " and comparable with it"}` : "";
    const known = matches.length ? ` (only ${matches.length})` : "";
    throw new HarnessError(
      "invalid_input",
      `unknown reference ${ref}: no ${steps ? `${steps + 1}th ` : ""}${what}${scope}${known} in the history ${history.description}`,
      {
        details: whatExists(entries),
      },
    );
  }
  return found(await history.load(entry.runId), locationOf(history, entry));
}

/**
 * The records of earlier comparable runs that completed, newest first, at most `limit`: where a
 * comparison takes its noise from. Same machine only by default (../shared/measurement.md: the
 * spread of earlier runs of the same scenario, profile, provider and machine); a candidate without
 * a machine fingerprint (an older record) is not filtered by machine.
 */
export async function earlierComparable(history: RunHistory, candidate: RunRecord, limit: number, opts: { sameMachine?: boolean } = {}): Promise<RunRecord[]> {
  const comparable = comparableWith(candidate);
  const machine = factsOf(candidate).machine;
  const sameMachine = (opts.sameMachine ?? true) && machine !== null;
  const picked = earlier(await history.list(), candidate)
    .filter((e) => completed(e) && comparable(e) && (!sameMachine || e.machine === machine))
    .slice(0, Math.max(0, limit));
  const records: RunRecord[] = [];
  for (const e of picked) records.push(await history.load(e.runId));
  return records;
}

/**
 * The runs a comparison takes its noise from: the earlier runs comparable with the candidate; when the
 * pair is not comparable (compared with --force, e.g. the same scenario with a fault added), those
 * comparable with the baseline instead: the spread of the baseline's own kind of run is the noise a
 * change must stand out from.
 */
export async function noiseRuns(history: RunHistory | null, baseline: RunRecord, candidate: RunRecord, limit: number): Promise<RunRecord[]> {
  if (history === null) return [];
  return earlierComparable(history, comparability(baseline, candidate).ok ? candidate : baseline, limit);
}
