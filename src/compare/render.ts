/**
 * A comparison for people: a terminal table, Markdown for a pull-request comment, and JSON (the
 * Comparison itself). Changes first (regressed, then improved), then what could not be told, then
 * what is unchanged, so the reader sees what matters without scrolling.
 */
import { formatValue } from "../contracts/units.js";
import type { ChangeVerdict, Comparison, MetricComparison } from "./types.js";

const ORDER: Record<ChangeVerdict, number> = { regressed: 0, improved: 1, inconclusive: 2, unchanged: 3 };

export function sortedMetrics(c: Comparison): MetricComparison[] {
  return [...c.metrics].sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict]);
}

export function valueText(x: number | null, unit: MetricComparison["unit"]): string {
  return x === null ? "-" : formatValue(x, unit);
}

/** "+1.93 ms (+48 %)" */
export function differenceText(m: MetricComparison): string {
  if (m.difference === null) return "-";
  const sign = m.difference > 0 ? "+" : m.difference < 0 ? "-" : "±";
  const rel = m.relative === null ? "" : ` (${m.relative >= 0 ? "+" : ""}${(m.relative * 100).toFixed(1)} %)`;
  return `${sign}${formatValue(Math.abs(m.difference), m.unit)}${rel}`;
}

/** "[-0.31 ms, +0.29 ms]" */
export function noiseText(m: MetricComparison): string {
  if (!m.noise) return "-";
  const f = (x: number) => `${x < 0 ? "-" : "+"}${formatValue(Math.abs(x), m.unit)}`;
  return `[${f(m.noise.low)}, ${f(m.noise.high)}]`;
}

export function verdictText(m: MetricComparison): string {
  return m.lowConfidence && m.verdict !== "inconclusive" ? `${m.verdict} (low confidence)` : m.verdict;
}

function nameOf(m: MetricComparison): string {
  return `${m.scenario}: ${m.title}`;
}

export function headline(c: Comparison): string {
  const n = c.counts;
  const noise =
    c.historyRuns > 0
      ? `noise from ${c.historyRuns} earlier runs`
      : "noise from the two runs' own intervals (low confidence: fewer than 5 earlier comparable runs)";
  return `${c.candidate.runId} compared with ${c.baseline.runId}: ${n.regressed} regressed, ${n.improved} improved, ${n.inconclusive} inconclusive, ${n.unchanged} unchanged; ${noise}`;
}

function caveats(c: Comparison): string[] {
  const out: string[] = [];
  if (c.comparable.forced) out.push(`not comparable, compared anyway (--force): ${c.comparable.differences.join("; ")}`);
  for (const note of c.comparable.notes) out.push(note);
  return out;
}

/** Fixed-width table for a terminal; long cells are cut with an ellipsis so a row stays one line. */
export function renderTable(c: Comparison): string {
  // An inconclusive figure's reason (too few samples, a busier machine) is what its reader needs; a
  // decided one's method says how sure it is (history or the runs' own intervals).
  const header = ["verdict", "metric", "baseline", "candidate", "difference", "noise band", "method, or why inconclusive"];
  const rows = sortedMetrics(c).map((m) => [
    verdictText(m),
    nameOf(m),
    valueText(m.baseline, m.unit),
    valueText(m.candidate, m.unit),
    differenceText(m),
    noiseText(m),
    m.verdict === "inconclusive" ? m.reason : m.method,
  ]);
  const limits = [28, 60, 14, 14, 24, 28, 120];
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const cells = [header, ...rows].map((r) => r.map((x, i) => cut(x, limits[i] ?? 40)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((x, i) => x.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    headline(c),
    ...caveats(c).map((x) => `note: ${x}`),
    "",
    line(cells[0] ?? []),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.slice(1).map(line),
    "",
  ].join("\n");
}

/** A Markdown table cell: pipes and line breaks would break the table; HTML is shown, not rendered. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r?\n/g, " ");
}

function mdTable(metrics: MetricComparison[]): string[] {
  const out = ["| verdict | metric | baseline | candidate | difference | noise band | method / reason |", "|---|---|---|---|---|---|---|"];
  for (const m of metrics)
    out.push(
      `| ${cell(verdictText(m))} | ${cell(nameOf(m))} | ${cell(valueText(m.baseline, m.unit))} | ${cell(valueText(m.candidate, m.unit))} | ${cell(differenceText(m))} | ${cell(noiseText(m))} | ${cell(`${m.method}; ${m.reason}`)} |`,
    );
  return out;
}

/** For a pull-request comment: changes in the open, the rest folded. */
export function renderMarkdown(c: Comparison, headingLevel = 3): string {
  const sorted = sortedMetrics(c);
  const changed = sorted.filter((m) => m.verdict === "regressed" || m.verdict === "improved");
  const rest = sorted.filter((m) => m.verdict !== "regressed" && m.verdict !== "improved");
  const out = [`${"#".repeat(headingLevel)} Compared with ${cell(c.baseline.ref ?? c.baseline.runId)}`, "", cell(headline(c)), ""];
  for (const x of caveats(c)) out.push(`> ${cell(x)}`, "");
  out.push(
    `Rule: a change counts only if it is outside the noise band and larger than max(${(c.rules.relativeFloor * 100).toFixed(1)} % of the baseline, ${Object.entries(
      c.rules.absoluteFloor,
    )
      .map(([u, v]) => `${v} ${u}`)
      .join(
        ", ",
      )}); for a ratio, the percentage is of the smaller of the ratio and its complement. Fewer than 5 earlier runs: the runs' own intervals, at least batch means over the timeline, widened x14 between runs (README, "Comparing runs").`,
    "",
  );
  if (changed.length) out.push(...mdTable(changed), "");
  else out.push("No metric regressed or improved.", "");
  if (rest.length)
    out.push(
      `<details><summary>${rest.length} more: ${c.counts.inconclusive} inconclusive, ${c.counts.unchanged} unchanged</summary>`,
      "",
      ...mdTable(rest),
      "",
      "</details>",
      "",
    );
  return out.join("\n");
}

export function renderJson(c: Comparison): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}
