/**
 * Writes a run's outputs into its report directory. Each file is written to a
 * temporary name in the same directory and renamed into place: rename within
 * one filesystem is atomic, so a reader (or a CI artifact upload racing an
 * interrupted run) sees either the old file, the whole new file, or nothing,
 * never half a file.
 */
import { writeFileAtomic } from "../util/atomic-file.js";
import { redactDeep, redactKnownSecrets } from "../telemetry/redact.js";
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { RunRecord } from "../results/types.js";
import { OUTPUTS } from "./index.js";
import { renderResultsJson, resultsJsonOutput } from "./results-json.js";

function tempName(dir: string, name: string): string {
  // Dot-prefixed and pid-tagged, so a leftover from a killed process is easy to recognise and never collides.
  return join(dir, `.${name}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Redacted, then written whole (src/util/atomic-file.ts). */
async function writeAtomic(dir: string, name: string, content: string): Promise<string> {
  const target = join(dir, name);
  await writeFileAtomic(target, redactKnownSecrets(content));
  return target;
}

/** The same, synchronously: for the last record a crashing process writes on its way out, when no await will run. fsync before rename, as there. */
function writeAtomicSync(dir: string, name: string, content: string): string {
  const target = join(dir, name);
  const temp = tempName(dir, name);
  try {
    const fd = openSync(temp, "w", 0o644);
    try {
      const bytes = Buffer.from(redactKnownSecrets(content), "utf8");
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return target;
}

/**
 * Every output of the registry (./index.ts), one after another in its order: results.json first,
 * the source of truth, so if rendering a derived output fails the record is already safe on disk.
 */
export async function writeRunOutputs(record: RunRecord, dir: string, opts: { except?: readonly string[] } = {}): Promise<{ files: string[] }> {
  // Secrets out of the record before anything is rendered: what the renderers escape then holds
  // none, whatever characters it has (the text of each file is redacted once more on writing).
  const run = redactDeep(record);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  // `except`: `mcp-slo report` re-renders beside a results.json it keeps byte for byte.
  for (const output of OUTPUTS) {
    if (opts.except?.includes(output.file)) continue;
    if (output.applies && !output.applies(run)) {
      // An earlier run's file of this name (a security.sarif, in the same --out) would be read as this run's.
      rmSync(join(dir, output.file), { force: true });
      continue;
    }
    files.push(await writeAtomic(dir, output.file, await output.render(run)));
  }
  return { files };
}

/** For an interrupted run: the record only, quickly, without rendering anything. */
export async function writeResultsJsonOnly(run: RunRecord, dir: string): Promise<{ files: string[] }> {
  await mkdir(dir, { recursive: true });
  return { files: [await writeAtomic(dir, resultsJsonOutput.file, renderResultsJson(run))] };
}

/**
 * The same with synchronous calls only, for a signal or `process.on("exit")`
 * handler, where awaited work may never run.
 */
export function writeResultsJsonSync(run: RunRecord, dir: string): { files: string[] } {
  mkdirSync(dir, { recursive: true });
  return { files: [writeAtomicSync(dir, resultsJsonOutput.file, renderResultsJson(run))] };
}
