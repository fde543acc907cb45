/**
 * Where `mcp-slo trend` gets its runs. TEMPORARY until src/history (the run history) and
 * src/compare/metrics.ts (extractMetrics) are merged: the lead replaces the body of
 * `loadTrendInput` with history.list() + history.load() + extractMetrics(record), and deletes
 * `temporarySloMetrics` / `temporaryRunMetrics`. Until then it reads reports/runs/<run id>/results.json
 * directly and takes the SLOs and key figures with the small extraction below.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { MetricValue } from "../compare/types.js";
import { parseThreshold } from "../contracts/units.js";
import { HarnessError } from "../errors.js";
import type { HistoryEntry } from "../history/types.js";
import { readRunRecord } from "../results/read-record.js";
import type { RunRecord } from "../results/types.js";
import { printable } from "../util/control-chars.js";
import type { TrendRun } from "./trend.js";

/** The link from trend.html (written in `outDir`) to a run directory's report.html: a relative URL, each segment encoded. */
export function reportHrefOf(outDir: string, runDir: string): string {
  const relative = path.relative(path.resolve(outDir), path.resolve(runDir, "report.html"));
  return relative.split(path.sep).map(encodeURIComponent).join("/");
}

/**
 * The runs of the history `historyOption` names (a reports root holding runs/<run id>/), oldest
 * first, with hrefs relative to `outDir`. A run directory without results.json is skipped (a run
 * still going, or one killed before it wrote); a corrupt one is invalid input naming the file.
 */
export async function loadTrendInput(historyOption: string, outDir: string): Promise<TrendRun[]> {
  if (/^postgres(ql)?:\/\//i.test(historyOption))
    throw new HarnessError("invalid_input", "--history postgres://...: the PostgreSQL history is not wired into `trend` in this build", {
      hint: "give a reports directory (default reports/)",
    });
  const unreadable = (what: string) => (err: NodeJS.ErrnoException) => {
    throw new HarnessError("invalid_input", `--history ${printable(historyOption)}: cannot read ${printable(what)} (${err.code ?? err.message})`, {
      hint: "give a reports directory: the one holding runs/<run id>/results.json (default reports/)",
    });
  };
  const info = await stat(historyOption).catch(unreadable(historyOption));
  if (!info.isDirectory()) throw new HarnessError("invalid_input", `--history ${printable(historyOption)}: not a directory`);
  const runsDir = path.join(historyOption, "runs");
  const names = await readdir(runsDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    // A reports directory no run has written to yet: an empty history.
    if (err.code === "ENOENT") return [];
    return unreadable(runsDir)(err);
  });
  const runs: TrendRun[] = [];
  for (const dirent of names) {
    if (!dirent.isDirectory()) continue;
    const runDir = path.join(runsDir, dirent.name);
    const entries = await readdir(runDir).catch(unreadable(runDir));
    if (!entries.includes("results.json")) continue;
    const record = await readRunRecord(runDir);
    runs.push({ entry: temporaryEntry(record, runDir), metrics: temporaryRunMetrics(record), reportHref: reportHrefOf(outDir, runDir) });
  }
  return runs.sort((a, b) => a.entry.startedAt.localeCompare(b.entry.startedAt));
}

function temporaryEntry(record: RunRecord, runDir: string): HistoryEntry {
  return {
    runId: record.runId,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    verdict: record.verdict,
    profile: record.profile,
    provider: record.environment.stack?.provider ?? "unknown",
    tags: {},
    scenarios: record.scenarios.map((s) => ({ name: s.variant ? `${s.name}[${s.variant}]` : s.name, hash: "" })),
    machine: `${record.environment.cpuModel}|${record.environment.cpus}|${record.environment.memoryGiB}`,
    location: runDir,
  };
}

/** TEMPORARY (replaced by extractMetrics at merge): each judged SLO's measured value, verdict and target. */
export function temporarySloMetrics(record: RunRecord): MetricValue[] {
  return record.scenarios.flatMap((s) => {
    const scenario = s.variant ? `${s.name}[${s.variant}]` : s.name;
    return s.slos.map((slo): MetricValue => {
      // The objective reads e.g. "p99 < 25 ms": its comparison and number are the target.
      const threshold = parseThreshold(/(<=|>=|<|>)[^<>=]*$/.exec(slo.objective)?.[0] ?? "");
      const better =
        threshold === undefined ? (slo.unit === "ratio" || slo.unit === "ops/s" ? "higher" : "lower") : threshold.op.startsWith("<") ? "lower" : "higher";
      const value: MetricValue = {
        key: `${scenario}|slo|${slo.id}`,
        scenario,
        source: "slo",
        metric: slo.metric,
        title: slo.title,
        unit: slo.unit,
        better,
        value: slo.measured,
        samples: slo.samples,
        verdict: slo.verdict,
        objective: slo.objective,
      };
      if (slo.scope.server !== undefined) value.server = slo.scope.server;
      if (slo.scope.tool !== undefined) value.tool = slo.scope.tool;
      if (threshold !== undefined) value.target = slo.unit === "s" && threshold.unit === "ms" ? threshold.value / 1000 : threshold.value;
      return value;
    });
  });
}

/**
 * TEMPORARY (replaced by extractMetrics at merge): the SLOs and the key measured figures of a run,
 * for the Prometheus run metrics (`mcp_slo_run_metric`). Keys follow src/compare/types.ts.
 */
export function temporaryRunMetrics(record: RunRecord): MetricValue[] {
  const out = temporarySloMetrics(record);
  for (const s of record.scenarios) {
    const scenario = s.variant ? `${s.name}[${s.variant}]` : s.name;
    const add = (
      metric: string,
      title: string,
      unit: MetricValue["unit"],
      better: MetricValue["better"],
      value: number | null,
      samples: number,
      server?: string,
      tool?: string,
    ) => {
      const m: MetricValue = {
        key: `${scenario}|${metric}|${server ?? ""}|${tool ?? ""}`,
        scenario,
        source: "metric",
        metric,
        title,
        unit,
        better,
        value,
        samples,
      };
      if (server !== undefined) m.server = server;
      if (tool !== undefined) m.tool = tool;
      out.push(m);
    };
    for (const l of s.latency.filter((x) => x.outcome === "ok")) {
      add("latency.p50", `${l.server}/${l.tool} latency p50`, "ms", "lower", l.p50, l.count, l.server, l.tool);
      add("latency.p99", `${l.server}/${l.tool} latency p99`, "ms", "lower", l.p99, l.count, l.server, l.tool);
    }
    if (s.load !== null) add("throughput", "throughput", "ops/s", "higher", s.load.throughput, s.load.completed);
    for (const c of s.calls ?? []) {
      const total = c.ok + c.failed.tool + c.failed.protocol + c.failed.transport + c.timeouts;
      add("success_rate", `${c.server}/${c.tool} success rate`, "ratio", "higher", c.successRate.corrected ?? c.successRate.raw, total, c.server, c.tool);
    }
    for (const a of s.availability?.figures ?? []) {
      const figure = a.judgedBy === "probe" ? a.probe : a.judgedBy === "load" ? a.load : null;
      if (figure === null) continue;
      const samples = "probes" in figure ? figure.probes : figure.trials;
      add("availability", `${a.server} availability`, "ratio", "higher", figure.ratio, samples, a.server);
    }
    if (s.coordination !== undefined) {
      add("coordination_latency.p50", "coordination latency p50", "ms", "lower", s.coordination.p50, s.coordination.samples);
      add("coordination_latency.p99", "coordination latency p99", "ms", "lower", s.coordination.p99, s.coordination.samples);
    }
    if (s.cache !== undefined) {
      const c = s.cache.client;
      add("cache_hit_ratio", "cache hit ratio", "ratio", "higher", c.ratio, c.hits + c.misses);
    }
    for (const f of s.faults ?? []) {
      if (f.injected) add("rto", `RTO of ${f.id}`, "s", "lower", f.rtoMs === null ? null : f.rtoMs / 1000, 1, f.target, f.id);
    }
    for (const r of s.rpo ?? []) add("lost_writes", `lost writes (${r.store})`, "count", "lower", r.lost, r.acknowledged, r.store);
  }
  return out;
}

/**
 * The last run, for the Prometheus run metrics. TEMPORARY like loadTrendInput: reads
 * <reports root>/latest/results.json (the link `mcp-slo run` keeps); the lead points it at the
 * history's newest run. null when there is no run yet.
 */
export async function loadLastRun(reportsRoot: string): Promise<{ record: RunRecord; metrics: MetricValue[] } | null> {
  const file = path.join(reportsRoot, "latest", "results.json");
  const record = await readRunRecord(file).catch((err: unknown) => {
    if (err instanceof HarnessError && /no such file|no results\.json/.test(err.message)) return null;
    throw err;
  });
  return record === null ? null : { record, metrics: temporaryRunMetrics(record) };
}
