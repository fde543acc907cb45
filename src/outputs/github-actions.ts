/**
 * A run on a CI job page (issue 17): summary.md appended to `$GITHUB_STEP_SUMMARY` when that is set,
 * and on GitHub Actions (`GITHUB_ACTIONS=true`) one `::error` annotation per failed SLO and one
 * `::warning` per inconclusive one (an `::error` under --fail-on-inconclusive, which fails the run
 * for it), titled by the SLO's id and scope as junit.xml names its test case.
 *
 * Written by hand rather than with @actions/core: it is two escapes and one append, and that package
 * brings an HTTP client with it. Nothing here can fail a run: a step summary that cannot be written
 * is a warning.
 */
import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunRecord, ScenarioResult, SloResult } from "../results/types.js";
import { redactDeep, redactKnownSecrets } from "../telemetry/redact.js";
import { escapeControlChars, printable } from "../util/control-chars.js";
import { scenarioLabel } from "./format.js";
import { linesText, sloName, targetText } from "./slo-text.js";

/** GitHub refuses a step summary over 1 MiB (it is then not shown at all). */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

/**
 * GitHub's escapes for a workflow command's message (the runner's own rule, as @actions/core's
 * escapeData): % first, then CR and LF. Other control characters become visible escapes, so a
 * server's error text cannot colour or rewrite the job log.
 */
export function escapeCommandData(text: string): string {
  return escapeControlChars(text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A"));
}

/** A property value (title=...) also escapes the separators of the property list: ":" and ",". */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export interface Annotation {
  level: "error" | "warning";
  title: string;
  message: string;
}

function sloMessage(scenario: ScenarioResult, slo: SloResult): string {
  const verdict = slo.verdict === "fail" ? "failed" : "inconclusive";
  const standIn = slo.standIn ? " (against a stand-in, not the real API)" : "";
  return (
    `${scenarioLabel(scenario)}: ${verdict}${standIn}: measured ${slo.measuredText}, target ${targetText(slo)}` +
    `${slo.marginText ? `, ${slo.marginText}` : ""} (${slo.objective}; ${slo.source.document} ${linesText(slo.source)}). ${slo.reason}`
  );
}

/** The annotations of a run: scenario errors, failed SLOs, then inconclusive ones. */
export function annotationsOf(run: RunRecord): Annotation[] {
  const inconclusiveLevel = run.failOnInconclusive === true ? "error" : "warning";
  const out: Annotation[] = [];
  for (const s of run.scenarios) {
    if (s.status === "error")
      out.push({ level: "error", title: `scenario ${scenarioLabel(s)}`, message: s.error ?? "the scenario failed before it could be judged" });
  }
  for (const verdict of ["fail", "inconclusive"] as const) {
    for (const s of run.scenarios) {
      for (const slo of s.slos) {
        if (slo.verdict !== verdict) continue;
        out.push({ level: verdict === "fail" ? "error" : inconclusiveLevel, title: sloName(slo), message: sloMessage(s, slo) });
      }
    }
  }
  return out;
}

export function renderAnnotation(a: Annotation): string {
  return redactKnownSecrets(`::${a.level} title=${escapeCommandProperty(a.title)}::${escapeCommandData(a.message)}`);
}

/**
 * What goes to the step summary: summary.md whole, or, over GitHub's limit, its unfolded part
 * (verdict, what needs attention, comparison) and a line saying where the rest is.
 */
export function stepSummaryText(summary: string): string {
  if (Buffer.byteLength(summary, "utf8") + 1 <= STEP_SUMMARY_LIMIT_BYTES) return `${summary.replace(/\n*$/, "")}\n`;
  const fold = summary.indexOf("\n<details>");
  const note = "\n\n(The rest of this summary is over GitHub's 1 MiB limit for a step summary: see summary.md in the run's report directory.)\n";
  let head = fold >= 0 ? summary.slice(0, fold) : summary;
  // Cut by characters until it fits (the attention table alone can be long): never a broken UTF-16 pair.
  while (Buffer.byteLength(head + note, "utf8") > STEP_SUMMARY_LIMIT_BYTES) head = head.slice(0, Math.floor(head.length * 0.9)).replace(/[\uD800-\uDBFF]$/, "");
  return head.replace(/\n*$/, "") + note;
}

export interface CiPublishOptions {
  env: Record<string, string | undefined>;
  /** Workflow commands go to standard output: the runner reads them from there. */
  stdout: (text: string) => void;
  warn: (line: string) => void;
}

/** After the outputs were written to `outDir`: publish them where the CI shows them. Never throws. */
export async function publishToCi(record: RunRecord, outDir: string, opts: CiPublishOptions): Promise<void> {
  const target = opts.env.GITHUB_STEP_SUMMARY;
  if (target) {
    try {
      // summary.md as written: already redacted, the very text of the report directory.
      const summary = await readFile(join(outDir, "summary.md"), "utf8");
      await appendFile(target, stepSummaryText(summary), "utf8");
    } catch (err) {
      opts.warn(`could not append summary.md to $GITHUB_STEP_SUMMARY (${printable(target)}): ${printable((err as Error).message)}`);
    }
  }
  if (opts.env.GITHUB_ACTIONS === "true") {
    const lines = annotationsOf(redactDeep(record)).map(renderAnnotation);
    if (lines.length > 0) opts.stdout(`${lines.join("\n")}\n`);
  }
}
