/**
 * Suites: named lists of scenario files (scenarios/suites.yaml, or --suites-file), read like any input
 * file (src/config/read-input.ts) and checked like a scenario: every problem at once, each with file,
 * line and path. A file named twice, in a suite or between a suite and the command line, would run
 * twice and be judged twice: that is a mistake too.
 */
import { realpathSync, statSync, type Stats } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { HarnessError } from "../errors.js";
import { flattenIssues, formatPath, lineOf, problem, readYamlMapping, type Located } from "../config/problems.js";
import { printable } from "../util/control-chars.js";

const SuitesFile = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "expected a suite name: lower-case letters, digits, - and _"),
  z.array(z.string().min(1, "expected a file name")).min(1, "expected at least one scenario file"),
);

/** One scenario file to run, and where it was named (for a message about it). */
export interface NamedFile {
  file: string;
  origin: string;
}

/** A path both ways of naming it agree on: the real path when it exists. */
function identity(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** The files of one suite's entries, and the problems of its entries (missing, not a file, named twice). */
function suiteEntries(located: Located, suitesFile: string, name: string, entries: unknown, problems: string[]): NamedFile[] {
  const files: NamedFile[] = [];
  const seen = new Map<string, number>();
  if (!Array.isArray(entries)) return files;
  const shownFile = located.file;
  entries.forEach((entry: unknown, i) => {
    if (typeof entry !== "string" || entry === "") return; // the schema names it
    const file = path.relative(process.cwd(), path.resolve(path.dirname(suitesFile), entry)) || entry;
    const p = [name, i];
    let st: Stats | undefined;
    try {
      st = statSync(file);
    } catch {
      st = undefined;
    }
    if (st === undefined)
      problems.push(problem(located, p, `no such scenario file: ${file} (paths are relative to ${path.dirname(shownFile)})`, { found: false }));
    else if (!st.isFile()) problems.push(problem(located, p, `${file} is not a regular file`, { found: false }));
    const id = identity(file);
    const first = seen.get(id);
    if (first !== undefined)
      problems.push(problem(located, p, `${file} is named twice (first at ${formatPath([name, first])}); it would run twice`, { found: false }));
    else seen.set(id, i);
    files.push({ file, origin: `suite "${name}" (${shownFile}:${lineOf(located.doc, located.lines, p)})` });
  });
  return files;
}

const lineOfProblem = (text: string) => Number(/:(\d+): /.exec(text)?.[1] ?? 0);

/** The schema's problems of a suites file, in its own names. */
function schemaProblems(located: Located): string[] {
  const parsed = SuitesFile.safeParse(located.raw);
  return parsed.success ? [] : flattenIssues(parsed.error.issues).map((i) => problem(located, i.path, i.message));
}

/**
 * The files of suite `name` in `suitesFile` (paths relative to that file), as paths relative to the
 * working directory; HarnessError("invalid_input") listing every problem otherwise.
 */
export async function suiteFiles(suitesFile: string, name: string): Promise<NamedFile[]> {
  const shownFile = path.relative(process.cwd(), suitesFile) || suitesFile;
  const loc = await readYamlMapping(suitesFile, "a mapping of suite names to lists of scenario files", "suites file");
  if ("problems" in loc) throw new HarnessError("invalid_input", `--suite ${printable(name)}: the suites file cannot be used`, { details: loc.problems });
  const located: Located = { ...loc, file: shownFile };
  const problems = schemaProblems(located);
  const suites = loc.raw as Record<string, unknown>;
  if (!Object.hasOwn(suites, name)) {
    const names = Object.keys(suites).map((n) => printable(n));
    throw new HarnessError("invalid_input", `--suite ${printable(name)}: ${printable(shownFile)} defines no suite "${printable(name)}"`, {
      details: problems,
      hint: names.length ? `its suites: ${names.join(", ")}` : "it defines no suites",
    });
  }
  const files = suiteEntries(located, suitesFile, name, suites[name], problems);
  // Problems of other suites are reported too: the file is one file, and its mistakes are all shown at once.
  if (problems.length)
    throw new HarnessError("invalid_input", `${printable(shownFile)} is not a valid suites file`, {
      details: problems.sort((a, b) => lineOfProblem(a) - lineOfProblem(b)),
    });
  return files;
}

/**
 * Whether a YAML mapping is a suites file rather than a scenario: every value is a list, and every
 * string in those lists names a .yaml/.yml file. A scenario always has scalars (its name, its agents),
 * so `mcp-slo validate scenarios/*.yaml`, whose glob takes suites.yaml, checks each as what it is.
 */
export function isSuitesDocument(raw: unknown): boolean {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return false;
  const values = Object.values(raw);
  return (
    values.length > 0 &&
    values.every((v) => Array.isArray(v) && v.every((e: unknown) => typeof e !== "string" || /\.ya?ml$/i.test(e)) && v.some((e) => typeof e === "string"))
  );
}

/** Every suite of a suites file checked (the schema, and each suite's entries): its suites, and every problem at once. */
export async function validateSuitesFile(suitesFile: string): Promise<{ suites: Record<string, string[]>; problems: string[] }> {
  const shownFile = path.relative(process.cwd(), suitesFile) || suitesFile;
  const loc = await readYamlMapping(suitesFile, "a mapping of suite names to lists of scenario files", "suites file");
  if ("problems" in loc) return { suites: {}, problems: loc.problems };
  const located: Located = { ...loc, file: shownFile };
  const problems = schemaProblems(located);
  const suites: Record<string, string[]> = {};
  for (const [name, entries] of Object.entries(loc.raw as Record<string, unknown>))
    suites[name] = suiteEntries(located, suitesFile, name, entries, problems).map((f) => f.file);
  return { suites, problems: problems.sort((a, b) => lineOfProblem(a) - lineOfProblem(b)) };
}

/**
 * What `mcp-slo run` without a scenario suggests: scenario files that exist (the project's
 * scenarios/ directory, as seen from the working directory) and the suites of the suites file.
 */
export async function runSuggestion(suitesFile: string, scenariosDir: string): Promise<string> {
  const shownDir = path.relative(process.cwd(), scenariosDir) || ".";
  const names = (await readdir(scenariosDir).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).sort();
  const scenarios: string[] = [];
  let smoke: string | undefined;
  for (const name of names) {
    const loc = await readYamlMapping(path.join(scenariosDir, name), "a mapping").catch(() => undefined);
    if (!loc || "problems" in loc || isSuitesDocument(loc.raw)) continue;
    scenarios.push(path.join(shownDir, name));
    const profiles = (loc.raw as { profiles?: unknown }).profiles;
    if (smoke === undefined && profiles !== null && typeof profiles === "object" && Object.hasOwn(profiles, "smoke")) smoke = path.join(shownDir, name);
  }
  const { suites } = await validateSuitesFile(suitesFile);
  const shownSuites = path.relative(process.cwd(), suitesFile) || suitesFile;
  const lines: string[] = [];
  if (scenarios.length)
    lines.push(
      `e.g. mcp-slo run ${smoke !== undefined ? `${smoke} --profile smoke` : scenarios[0]} (scenarios in ${shownDir}/: ${scenarios.map((f) => path.basename(f)).join(", ")})`,
    );
  const suiteNames = Object.keys(suites);
  if (suiteNames.length) lines.push(`or mcp-slo run --suite ${suiteNames[0]} (suites in ${shownSuites}: ${suiteNames.join(", ")})`);
  lines.push(`${lines.length ? "or" : "e.g."} mcp-slo init my.yaml, to write a starter scenario`);
  return lines.join("\n");
}

/** Refuses a scenario file named twice (two suites' worth of runs of one file). */
export function checkNamedOnce(files: readonly NamedFile[]): void {
  const first = new Map<string, NamedFile>();
  const problems: string[] = [];
  for (const f of files) {
    const id = identity(f.file);
    const earlier = first.get(id);
    if (earlier)
      problems.push(
        `${printable(f.file)}: named twice (${earlier.origin === f.origin ? `both on ${f.origin}` : `${earlier.origin} and ${f.origin}`}); it would run twice`,
      );
    else first.set(id, f);
  }
  if (problems.length) throw new HarnessError("invalid_input", "a scenario file is named twice", { details: problems });
}
