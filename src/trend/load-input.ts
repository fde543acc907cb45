/**
 * Where `mcp-slo trend` and the monitor's run metrics get their runs: the history (src/history: a
 * reports directory or PostgreSQL), each record's figures taken by extractMetrics, the same figures
 * a comparison looks at.
 */
import path from "node:path";
import { extractMetrics } from "../compare/metrics.js";
import type { MetricValue } from "../compare/types.js";
import { HarnessError } from "../errors.js";
import { DirectoryHistory, openHistory } from "../history/index.js";
import type { HistoryEntry, RunHistory } from "../history/types.js";
import type { RunRecord, SecurityScanResult } from "../results/types.js";
import { matchesScenario, type TrendFilters, type TrendRun } from "./trend.js";

/** The link from trend.html (written in `outDir`) to a run directory's report.html: a relative URL, each segment encoded. */
export function reportHrefOf(outDir: string, runDir: string): string {
  const relative = path.relative(path.resolve(outDir), path.resolve(runDir, "report.html"));
  return relative.split(path.sep).map(encodeURIComponent).join("/");
}

async function withHistory<T>(historyOption: string, reportsRoot: string, use: (history: RunHistory) => Promise<T>): Promise<T> {
  const history = await openHistory(historyOption, reportsRoot, { warn: (line) => process.stderr.write(`warning: ${line}\n`), mustExist: true });
  if (history === null) throw new HarnessError("invalid_input", "--history none: there is no history to read runs from");
  try {
    return await use(history);
  } finally {
    await history.close();
  }
}

/**
 * The runs of a history, oldest first, with hrefs to their report.html relative to `outDir` (a
 * PostgreSQL history keeps no report: its runs are named, not linked). The date and scenario filters
 * and --last are applied to the index first, so only the records shown are read.
 */
export async function loadTrendInput(
  historyOption: string,
  outDir: string,
  reportsRoot: string,
  filters: TrendFilters = {},
): Promise<{ runs: TrendRun[]; scenarios: string[] }> {
  return withHistory(historyOption, reportsRoot, async (history) => {
    const all = await history.list();
    let entries: HistoryEntry[] = all;
    const since = filters.since;
    if (since !== undefined) entries = entries.filter((e) => Date.parse(e.startedAt) >= since.getTime());
    const scenario = filters.scenario;
    if (scenario !== undefined) entries = entries.filter((e) => e.scenarios.some((s) => matchesScenario(s.name, scenario)));
    if (filters.last !== undefined) entries = entries.slice(Math.max(0, entries.length - filters.last));
    const runs: TrendRun[] = [];
    for (const entry of entries) {
      const record = await history.load(entry.runId);
      const reportHref = history instanceof DirectoryHistory ? reportHrefOf(outDir, path.join(history.root, entry.location)) : "";
      runs.push({ entry, metrics: extractMetrics(record), reportHref });
    }
    return { runs, scenarios: [...new Set(all.flatMap((e) => e.scenarios.map((s) => s.name)))].sort() };
  });
}

/** The newest run of a history that completed, for the Prometheus run metrics; null when there is none yet. */
export async function loadLastRun(historyOption: string, reportsRoot: string): Promise<{ record: RunRecord; metrics: MetricValue[] } | null> {
  return withHistory(historyOption, reportsRoot, async (history) => {
    const newest = (await history.list()).filter((e) => e.verdict !== "error" && e.verdict !== "interrupted").at(-1);
    if (newest === undefined) return null;
    const record = await history.load(newest.runId);
    return { record, metrics: extractMetrics(record) };
  });
}

/** How many of the newest runs the monitor looks through for a security scan. */
export const SCAN_LOOKBACK_RUNS = 30;

/**
 * For the monitor's security metrics: a reader of the newest run (of the last SCAN_LOOKBACK_RUNS) of
 * a history that holds a security scan, its scans in order; null when none does. A scan is run
 * nightly or on demand, not in every run, so the newest run alone would lose the scores whenever a
 * load run came after it. Records do not change once written: each run's scans are read once and
 * remembered by run id (only for runs still within the look-back).
 */
export function lastScanReader(historyOption: string, reportsRoot: string): () => Promise<SecurityScanResult[] | null> {
  const seen = new Map<string, SecurityScanResult[] | null>();
  return () =>
    withHistory(historyOption, reportsRoot, async (history) => {
      const recent = (await history.list()).filter((e) => e.verdict !== "error" && e.verdict !== "interrupted").slice(-SCAN_LOOKBACK_RUNS);
      for (const id of [...seen.keys()]) if (!recent.some((e) => e.runId === id)) seen.delete(id);
      for (const entry of recent.reverse()) {
        let scans = seen.get(entry.runId);
        if (scans === undefined) {
          const record = await history.load(entry.runId);
          const found = record.scenarios.flatMap((s) => (s.security ? [s.security] : []));
          scans = found.length > 0 ? found : null;
          seen.set(entry.runId, scans);
        }
        if (scans !== null) return scans;
      }
      return null;
    });
}
