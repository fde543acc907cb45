/**
 * `mcp-slo compare <baseline> <candidate>`: two runs compared metric by metric (src/compare/).
 * Registered by main.ts; errors go back to main.ts, which alone maps them to exit codes (a ref that
 * does not resolve, a corrupt record or a non-comparable pair without --force: 2). The exit code of a
 * finished comparison (1 with --fail-on-regression and a regression) is returned through `setExitCode`.
 */
import { writeFileAtomic } from "../util/atomic-file.js";
import path from "node:path";
import { type Command, Option } from "commander";
import { compareRuns, DEFAULT_RELATIVE_FLOOR, NOISE_RUNS } from "../compare/compare.js";
import { renderJson, renderMarkdown, renderTable } from "../compare/render.js";
import type { Comparison } from "../compare/types.js";
import { EXIT, HarnessError } from "../errors.js";
import { noiseRuns, openHistory, resolveRef } from "../history/index.js";
import { PROJECT_ROOT } from "../project-root.js";
import { addHistoryOption } from "./history-flags.js";
import { shown } from "./flags.js";

export const COMPARE_FORMATS = ["table", "json", "markdown"] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

/** --min-effect 5 -> 0.05; a percentage in (0, 100]. */
export function parseMinEffect(text: string): number {
  const n = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(n > 0 && n <= 100)) throw new HarnessError("invalid_input", `--min-effect: expected a percentage above 0 and at most 100, e.g. 5, got ${shown(text)}`);
  return n / 100;
}

export function renderComparison(c: Comparison, format: CompareFormat): string {
  return format === "json" ? renderJson(c) : format === "markdown" ? renderMarkdown(c) : renderTable(c);
}

/** Written beside the target and renamed into place: a reader never sees half a file. */
async function writeWhole(file: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (err) {
    throw new HarnessError(
      "invalid_input",
      `--out ${shown(file)}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "its directory does not exist" : (err as Error).message}`,
    );
  }
}

export function registerCompareCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command("compare")
    .description(
      "compare a candidate run with a baseline run, metric by metric: improved / unchanged / regressed / inconclusive, beyond noise and a minimum effect",
    )
    .argument("<baseline>", "the baseline run: a run directory, its results.json, or a history reference (latest, latest-pass, <branch>~N, tag:k=v, a run id)")
    .argument("<candidate>", "the candidate run: the same forms (latest: the newest run)")
    .addOption(new Option("--format <format>", "output format").choices(COMPARE_FORMATS).default("table"))
    .option("--out <file>", "write the comparison to this file instead of standard output")
    .option("--force", "compare runs that are not comparable (other scenarios, profile or provider); said in the output", false)
    .option("--min-effect <percent>", `smallest relative change that matters, in percent (default ${DEFAULT_RELATIVE_FLOOR * 100})`)
    .option("--fail-on-regression", "exit 1 when any metric regressed (significant and material)", false);
  addHistoryOption(command).action(
    async (
      baselineRef: string,
      candidateRef: string,
      flags: { format: CompareFormat; out?: string; force: boolean; minEffect?: string; failOnRegression: boolean; history?: string },
    ) => {
      const relativeFloor = flags.minEffect === undefined ? DEFAULT_RELATIVE_FLOOR : parseMinEffect(flags.minEffect);
      const reportsRoot = path.join(PROJECT_ROOT, "reports");
      const history = await openHistory(flags.history ?? reportsRoot, reportsRoot, { warn: (line) => process.stderr.write(`warning: ${line}\n`) });
      let comparison: Comparison;
      try {
        // The candidate first: "latest" as a baseline means the newest run earlier than it and comparable with it.
        const candidate = await resolveRef(history, candidateRef);
        const baseline = await resolveRef(history, baselineRef, candidate.record);
        comparison = compareRuns(baseline.record, candidate.record, {
          relativeFloor,
          force: flags.force,
          // The noise of earlier comparable runs on the same machine, when the history holds enough of them.
          history: await noiseRuns(history, baseline.record, candidate.record, NOISE_RUNS),
          baselineRef: { location: baseline.ref.location, ref: baselineRef },
          candidateRef: { location: candidate.ref.location, ref: candidateRef },
        });
      } finally {
        await history?.close();
      }
      const text = renderComparison(comparison, flags.format);
      if (flags.out !== undefined) {
        await writeWhole(flags.out, text);
        process.stderr.write(`${comparison.counts.regressed} regressed, ${comparison.counts.improved} improved; written to ${flags.out}\n`);
      } else process.stdout.write(text);
      setExitCode(flags.failOnRegression && comparison.counts.regressed > 0 ? EXIT.sloFailed : EXIT.ok);
    },
  );
}
