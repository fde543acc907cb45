/** The verdict lines the run, evaluate and scan commands print to stdout. */
import path from "node:path";
import type { RunRecord, SloResult } from "../results/types.js";

const VERDICT_WORD = { pass: "PASS", fail: "FAIL", inconclusive: "INCONCLUSIVE" } as const;

function verdictLine(scenario: string, slo: SloResult): string {
  const source = `${slo.source.document.replace(/ \(.*\)$/, "")} line ${slo.source.lines}`;
  return `${VERDICT_WORD[slo.verdict].padEnd(12)} ${scenario} ${slo.id}: ${slo.objective}, measured ${slo.measuredText} (n=${slo.samples}) [${source}]`;
}

export function printVerdicts(record: RunRecord, outDir: string): void {
  const out: string[] = [];
  for (const s of record.scenarios) {
    const name = s.variant ? `${s.name}[${s.variant}]` : s.name;
    if (s.status === "error") out.push(`ERROR        ${name}: ${s.error?.split("\n").join("\n             ")}`);
    if (s.halted) out.push(`HALTED       ${name}: ${s.halted.text}`);
    for (const slo of s.slos) out.push(verdictLine(name, slo));
  }
  const c = record.counts;
  out.push(
    "",
    `${record.verdict.toUpperCase()}: ${c.pass} passed, ${c.fail} failed, ${c.inconclusive} inconclusive` +
      (record.status === "interrupted" ? " (interrupted: partial results)" : ""),
    `report: ${path.join(outDir, "report.html")}`,
  );
  process.stdout.write(`${out.join("\n")}\n`);
}
