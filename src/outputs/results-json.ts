/** results.json: the run record itself, secrets redacted; every other output is derived from it. */
import type { RunRecord } from "../results/types.js";
import { redactDeep } from "../telemetry/redact.js";
import { defineOutput } from "./output-kind.js";

/** Synchronous, for the signal and exit handlers (write-outputs.ts writeResultsJsonSync). */
export function renderResultsJson(run: RunRecord): string {
  return `${JSON.stringify(redactDeep(run), null, 2)}\n`;
}

export const resultsJsonOutput = defineOutput({ file: "results.json", render: renderResultsJson });
