/**
 * `mcp-slo history [--history <dir|postgres-url>] [--last N] [--json]`: the runs a history holds,
 * oldest first: id, start, verdict, branch, tags, location. Registered by main.ts, which alone maps
 * errors to exit codes.
 */
import path from "node:path";
import type { Command } from "commander";
import { HarnessError } from "../errors.js";
import { openHistory } from "../history/index.js";
import type { HistoryEntry } from "../history/types.js";
import { PROJECT_ROOT } from "../project-root.js";
import { printable } from "../util/control-chars.js";
import { addHistoryOption } from "./history-flags.js";

function table(entries: HistoryEntry[]): string {
  const rows = entries.map((e) => [
    e.runId,
    e.startedAt.replace(/\.\d+Z$/, "Z"),
    e.verdict,
    e.profile,
    e.git ? `${e.git.branch ?? "(detached)"}@${e.git.commit.slice(0, 8)}${e.git.dirty ? "+dirty" : ""}` : "-",
    Object.entries(e.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(",") || "-",
    e.location,
  ]);
  const header = ["RUN", "STARTED", "VERDICT", "PROFILE", "GIT", "TAGS", "LOCATION"];
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join("  ")).join("\n");
}

export function registerHistoryCommand(program: Command): void {
  const cmd = program
    .command("history")
    .description("list the runs a history holds (default: reports/), oldest first")
    .option("--last <n>", "only the newest n runs")
    .option("--json", "print the entries as JSON", false);
  addHistoryOption(cmd).action(async (flags: { history?: string; last?: string; json: boolean }) => {
    const last = flags.last === undefined ? undefined : Number(flags.last);
    if (last !== undefined && (!Number.isInteger(last) || last < 1))
      throw new HarnessError("invalid_input", `--last: expected a whole number >= 1, got ${flags.last}`);
    if (flags.history === "none") throw new HarnessError("invalid_input", "--history none: there is nothing to list");
    const history = await openHistory(flags.history, path.join(PROJECT_ROOT, "reports"));
    if (history === null) return;
    try {
      const all = await history.list();
      const entries = last === undefined ? all : all.slice(-last);
      if (flags.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      else if (entries.length === 0) process.stdout.write(`no runs in ${history.description}\n`);
      else
        process.stdout.write(`${table(entries).split("\n").map(printable).join("\n")}\n${entries.length} of ${all.length} run(s) in ${history.description}\n`);
    } finally {
      await history.close();
    }
  });
}
