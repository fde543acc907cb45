/**
 * Suites: named lists of scenario files (scenarios/suites.yaml, or --suites-file), read like any input
 * file (src/config/read-input.ts) and checked like a scenario: every problem at once, each with file,
 * line and path. A file named twice, in a suite or between a suite and the command line, would run
 * twice and be judged twice: that is a mistake too.
 */
import { realpathSync, statSync, type Stats } from "node:fs";
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

/**
 * The files of suite `name` in `suitesFile` (paths relative to that file), as paths relative to the
 * working directory; HarnessError("invalid_input") listing every problem otherwise.
 */
export async function suiteFiles(suitesFile: string, name: string): Promise<NamedFile[]> {
  const shownFile = path.relative(process.cwd(), suitesFile) || suitesFile;
  const loc = await readYamlMapping(suitesFile, "a mapping of suite names to lists of scenario files", "suites file");
  if ("problems" in loc) throw new HarnessError("invalid_input", `--suite ${printable(name)}: the suites file cannot be used`, { details: loc.problems });
  const located: Located = { ...loc, file: shownFile };
  const parsed = SuitesFile.safeParse(loc.raw);
  const problems = parsed.success ? [] : flattenIssues(parsed.error.issues).map((i) => problem(located, i.path, i.message));
  const suites = loc.raw as Record<string, unknown>;
  if (!Object.hasOwn(suites, name)) {
    const names = Object.keys(suites).map((n) => printable(n));
    throw new HarnessError("invalid_input", `--suite ${printable(name)}: ${printable(shownFile)} defines no suite "${printable(name)}"`, {
      details: problems,
      hint: names.length ? `its suites: ${names.join(", ")}` : "it defines no suites",
    });
  }
  const entries = suites[name];
  const files: NamedFile[] = [];
  const seen = new Map<string, number>();
  if (Array.isArray(entries)) {
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
      files.push({ file, origin: `suite "${name}" (${shownFile}:${lineOf(loc.doc, loc.lines, p)})` });
    });
  }
  // Problems of other suites are reported too: the file is one file, and its mistakes are all shown at once.
  const line = (text: string) => Number(/:(\d+): /.exec(text)?.[1] ?? 0);
  if (problems.length)
    throw new HarnessError("invalid_input", `${printable(shownFile)} is not a valid suites file`, { details: problems.sort((a, b) => line(a) - line(b)) });
  return files;
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
