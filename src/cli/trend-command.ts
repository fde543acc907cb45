/**
 * `mcp-slo trend`: the runs of a history as a trend (trend.html, trend.md) with change points.
 * Registered by main.ts; errors go back to main.ts, which alone maps them to exit codes (bad input
 * exit 2).
 */
import path from "node:path";
import type { Command } from "commander";
import { HarnessError } from "../errors.js";
import { PROJECT_ROOT } from "../project-root.js";
import { checkOutDir } from "../outputs/out-dir.js";
import { loadTrendInput } from "../trend/load-input.js";
import { buildTrend, type TrendFilters } from "../trend/trend.js";
import { writeTrendOutputs } from "../trend/write-trend.js";
import { shown, wholeNumberFlag } from "./flags.js";

export const DEFAULT_TREND_OUT = path.join(PROJECT_ROOT, "reports", "trend");
export const DEFAULT_HISTORY = path.join(PROJECT_ROOT, "reports");

interface TrendFlags {
  last?: string;
  scenario?: string;
  since?: string;
  history?: string;
  out?: string;
}

/** --since: an ISO 8601 date or instant ("2026-11-01", "2026-11-01T12:00:00Z"). */
export function sinceFlag(text: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim());
  const date = new Date(text.trim());
  if (!ok || Number.isNaN(date.getTime())) {
    throw new HarnessError("invalid_input", `--since: expected a date (2026-11-01) or an ISO 8601 instant (2026-11-01T12:00:00Z), got ${shown(text)}`);
  }
  return date;
}

export function trendFilters(flags: TrendFlags): TrendFilters {
  const filters: TrendFilters = {};
  if (flags.last !== undefined) filters.last = wholeNumberFlag("--last", flags.last, 2, 100_000, "the number of newest runs to show");
  if (flags.since !== undefined) filters.since = sinceFlag(flags.since);
  if (flags.scenario !== undefined) {
    if (flags.scenario.trim() === "") throw new HarnessError("invalid_input", "--scenario: expected a scenario name, got an empty string");
    filters.scenario = flags.scenario;
  }
  return filters;
}

export function registerTrendCommand(program: Command): void {
  program
    .command("trend")
    .description("chart the runs of a history over time (trend.html, trend.md): every SLO and key metric, with change points")
    .option("--last <n>", "only the newest N runs")
    .option("--scenario <name>", "only this scenario (name, or name[variant])")
    .option("--since <date>", "only runs started on or after this date (ISO 8601)")
    .option("--history <dir|postgres-url>", "the history to read: a reports directory (default: reports/) or a postgres://user@host:5432/db URL")
    .option("--out <dir>", "write trend.html and trend.md here (default: reports/trend/)")
    .action(async (flags: TrendFlags) => {
      const filters = trendFilters(flags);
      const outDir = flags.out ?? DEFAULT_TREND_OUT;
      // Before anything is read: an unusable --out is refused first and cheaply.
      await checkOutDir(outDir, "--out");
      const { runs, scenarios: known } = await loadTrendInput(flags.history ?? DEFAULT_HISTORY, outDir, DEFAULT_HISTORY, filters);
      const trend = buildTrend(runs, filters);
      if (filters.scenario !== undefined && trend.series.length === 0) {
        throw new HarnessError("invalid_input", `--scenario ${shown(filters.scenario)}: no run in the history has that scenario`, {
          details: known.length ? [`scenarios in the history: ${known.join(", ")}`] : ["the history has no run"],
        });
      }
      const files = await writeTrendOutputs(trend, outDir);
      const changes = trend.series.reduce((n, s) => n + s.changes.length, 0);
      process.stdout.write(
        `trend of ${trend.runs.length} run(s), ${trend.series.length} series, ${changes} change point(s)\n` +
          `trend.html: ${files.html}\ntrend.md:   ${files.markdown}\n`,
      );
    });
}
