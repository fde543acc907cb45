/**
 * The registry of outputs: every file a run writes from its record, in the order written. A new
 * output is its module (exporting `defineOutput({ file, render })`, with `applies` when only some runs
 * have it, as security.sarif) and its line below.
 *
 * traces.jsonl is not one: it is streamed during the run by the telemetry (src/telemetry), not
 * rendered from the record afterwards.
 */
import { renderHtmlReport } from "./html-report.js";
import { renderJunit } from "./junit.js";
import { defineOutput, type OutputKind } from "./output-kind.js";
import { resultsJsonOutput } from "./results-json.js";
import { securitySarifOutput } from "./security-sarif.js";
import { renderSummaryMarkdown } from "./summary-md.js";
import { verdictsCsvOutput } from "./verdicts-csv.js";

/** results.json first: it is the source of truth, so if rendering a derived output fails the record is already on disk. */
export const OUTPUTS: readonly OutputKind[] = [
  resultsJsonOutput,
  defineOutput({ file: "junit.xml", render: renderJunit }),
  defineOutput({ file: "summary.md", render: renderSummaryMarkdown }),
  defineOutput({ file: "report.html", render: renderHtmlReport }),
  verdictsCsvOutput,
  securitySarifOutput,
];
