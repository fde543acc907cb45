/**
 * trend.md: the trend in text, for a pull request, a chat message or a terminal: per series its
 * last value and its change points with the means before and after.
 */
import { formatValue } from "../contracts/units.js";
import { changeText, type Trend, type TrendSeries } from "./trend.js";

/** Markdown table cells: a pipe or a line break in a name would break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
}

function value(v: number | null, unit: TrendSeries["unit"]): string {
  return v === null ? "not measured" : formatValue(v, unit);
}

export function renderTrendMarkdown(trend: Trend): string {
  const first = trend.runs[0];
  const last = trend.runs[trend.runs.length - 1];
  const out = [`# SLO trend over ${trend.runs.length} runs`, ""];
  if (first === undefined || last === undefined) {
    out.push("No run in the history matches.", "");
    return out.join("\n");
  }
  out.push(`From ${first.startedAt} (run \`${first.runId}\`) to ${last.startedAt} (run \`${last.runId}\`).`);
  const filters = Object.entries(trend.filters).map(([k, v]) => `${k} ${v}`);
  if (filters.length) out.push(`Filters: ${filters.join(", ")}.`);
  out.push("", trend.method, "");
  const scenarios = [...new Set(trend.series.map((s) => s.scenario))];
  for (const scenario of scenarios) {
    out.push(`## ${cell(scenario)}`, "", "| Series | Last | Last verdict | Change points |", "|---|---|---|---|");
    for (const s of trend.series.filter((x) => x.scenario === scenario)) {
      const scope = [s.server, s.tool].filter((x) => x !== undefined).join("/");
      const name = `${s.title}${scope ? ` (${scope})` : ""}${s.source === "slo" && s.objective ? `, SLO ${s.objective}` : ""}`;
      const lastPoint = s.last === null ? undefined : s.points.find((p) => p.runId === s.last?.runId);
      const changes = s.changes.length
        ? s.changes
            .map((c) => `run \`${c.runId}\`: ${changeText(c)} (${value(c.meanBefore, s.unit)} → ${value(c.meanAfter, s.unit)}, ${c.direction})`)
            .join("; ")
        : "none";
      out.push(`| ${cell(name)} | ${s.last === null ? "not measured" : value(s.last.value, s.unit)} | ${lastPoint?.verdict ?? ""} | ${cell(changes)} |`);
    }
    out.push("");
  }
  return out.join("\n");
}
