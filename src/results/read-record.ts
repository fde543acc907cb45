/**
 * Reads a run record back (results.json, or the run directory holding it) for a comparison, a
 * history or a re-render: validated against the record's zod schema, so a corrupt or foreign file is
 * invalid input naming the file and every field that is wrong, never a crash later on a missing field.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { HarnessError } from "../errors.js";
import { RunRecord as RunRecordSchema } from "./schema.js";
import type { RunRecord } from "./types.js";

/** Problems are listed up to this many: a foreign JSON file can have thousands. */
const MAX_PROBLEMS = 20;

/** The results.json a path means: the file itself, or the one in the run directory it names. */
export async function resultsFileOf(fileOrDir: string): Promise<string> {
  const info = await stat(fileOrDir).catch((err: NodeJS.ErrnoException) => {
    throw new HarnessError("invalid_input", `${fileOrDir}: ${err.code === "ENOENT" ? "no such file or directory" : err.message}`, {
      hint: "give a run directory (reports/runs/<run id>) or its results.json",
    });
  });
  return info.isDirectory() ? path.join(fileOrDir, "results.json") : fileOrDir;
}

export async function readRunRecord(fileOrDir: string): Promise<RunRecord> {
  const file = await resultsFileOf(fileOrDir);
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new HarnessError("invalid_input", `${file}: ${err.code === "ENOENT" ? "no results.json there" : err.message}`);
  });
  return parseRunRecord(text, file);
}

export function parseRunRecord(text: string, file: string): RunRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HarnessError("invalid_input", `${file}: not JSON (${(err as Error).message})`);
  }
  const parsed = RunRecordSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(top level)"}: ${issue.message}`);
  const foreign = json === null || typeof json !== "object" || (json as { harness?: { name?: unknown } }).harness?.name !== "mcp-slo-harness";
  throw new HarnessError("invalid_input", `${file}: ${foreign ? "not a run record of mcp-slo-harness" : "not a valid run record"}`, {
    details: [...problems.slice(0, MAX_PROBLEMS), ...(problems.length > MAX_PROBLEMS ? [`... and ${problems.length - MAX_PROBLEMS} more`] : [])],
  });
}
