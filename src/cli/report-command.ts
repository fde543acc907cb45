/**
 * `mcp-slo report <results.json | run dir> [--out dir]`: every output a run writes (report.html,
 * summary.md, junit.xml, verdicts.csv: the registry in src/outputs/index.ts) rendered again from a
 * run record, e.g. after a harness upgrade changed a report, or for a record copied from a CI job.
 *
 * The record is validated first (src/results/read-record.ts): a file that is not a valid run record
 * is exit 2 naming the file and its wrong fields, and nothing is written. results.json itself is never
 * re-serialised: without --out (or with the record's own directory) it stays as it is; with another
 * --out it is copied there byte for byte, so the new directory is a whole run directory.
 * traces.jsonl is streamed during a run, not rendered from the record: it is not re-made.
 * Exit 0 once written: this command renders a verdict, it does not pass one (the verdict is the
 * record's, printed as its last line).
 */
import { copyFileAtomic } from "../util/atomic-file.js";
import { realpath } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { prepareOutDir } from "../outputs/out-dir.js";
import { writeRunOutputs } from "../outputs/write-outputs.js";
import { readRunRecord, resultsFileOf } from "../results/read-record.js";

const RECORD_FILE = "results.json";

async function sameDirectory(a: string, b: string): Promise<boolean> {
  const [ra, rb] = await Promise.all([realpath(a).catch(() => path.resolve(a)), realpath(b).catch(() => path.resolve(b))]);
  return ra === rb;
}

/** Copied beside the target and renamed into place: a reader never sees half a record. */
async function copyWhole(from: string, dir: string): Promise<string> {
  const target = path.join(dir, RECORD_FILE);
  await copyFileAtomic(from, target);
  return target;
}

export async function rerender(source: string, outFlag: string | undefined): Promise<{ outDir: string; files: string[]; verdict: string }> {
  const recordFile = await resultsFileOf(source);
  const record = await readRunRecord(source);
  const recordDir = path.dirname(recordFile);
  const outDir = outFlag ?? recordDir;
  const prepared = await prepareOutDir(outDir);
  const inPlace = await sameDirectory(outDir, recordDir);
  try {
    const files = inPlace ? [] : [await copyWhole(recordFile, outDir)];
    files.push(...(await writeRunOutputs(record, outDir, { except: [RECORD_FILE] })).files);
    return {
      outDir,
      files,
      verdict: `${record.verdict.toUpperCase()}: ${record.counts.pass} passed, ${record.counts.fail} failed, ${record.counts.inconclusive} inconclusive`,
    };
  } catch (err) {
    // Nothing half-made is left in a directory this command created.
    await prepared.discard();
    throw err;
  }
}

export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .description("render report.html, summary.md, junit.xml and verdicts.csv again from a run's results.json")
    .argument("<record>", "a run directory (reports/runs/<run id>, reports/latest) or its results.json")
    .option("--out <dir>", "write the outputs here, with a copy of results.json (default: the record's own directory)")
    .action(async (source: string, flags: { out?: string }) => {
      const { outDir, files, verdict } = await rerender(source, flags.out);
      process.stdout.write(
        `${files.map((f) => `wrote ${path.relative(process.cwd(), f) || f}`).join("\n")}\n${verdict}\nreport: ${path.join(outDir, "report.html")}\n`,
      );
    });
}
