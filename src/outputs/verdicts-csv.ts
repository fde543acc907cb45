/**
 * verdicts.csv: one row per SLO verdict of every scenario, for spreadsheets and diffing runs.
 * RFC 4180: CRLF between records, a header row, a field quoted when it holds a comma, a double
 * quote, CR or LF, with its double quotes doubled. No formula guard: a cell is the record's text as
 * it is (a spreadsheet that evaluates "=..." from a CSV is the reader's setting, not this file's).
 */
import type { RunRecord, SloResult } from "../results/types.js";
import { defineOutput } from "./output-kind.js";

export const VERDICT_COLUMNS = ["scenario", "variant", "id", "metric", "objective", "measured", "unit", "samples", "verdict", "reason", "source"] as const;

/**
 * One field, quoted as RFC 4180 says. By hand: the tree has no CSV library, and this rule is the
 * whole of what one would do here (the file is written, never parsed back).
 */
export function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function sourceText(slo: SloResult): string {
  const lines = /[,-]/.test(slo.source.lines) ? `lines ${slo.source.lines}` : `line ${slo.source.lines}`;
  return `${slo.source.document}, ${lines}`;
}

export function renderVerdictsCsv(run: RunRecord): string {
  const rows: (string | number | null | undefined)[][] = [[...VERDICT_COLUMNS]];
  for (const scenario of run.scenarios) {
    for (const slo of scenario.slos) {
      // measured in `unit`, at full precision (measuredText is the rounded form people read).
      rows.push([
        scenario.name,
        scenario.variant,
        slo.id,
        slo.metric,
        slo.objective,
        slo.measured,
        slo.unit,
        slo.samples,
        slo.verdict,
        slo.reason,
        sourceText(slo),
      ]);
    }
  }
  return `${rows.map((row) => row.map(csvField).join(",")).join("\r\n")}\r\n`;
}

export const verdictsCsvOutput = defineOutput({ file: "verdicts.csv", render: renderVerdictsCsv });
