/**
 * `mcp-slo validate <file...> [--json]`: scenario files checked as written and under every profile
 * they define, and suites files (a file whose every value is a list of .yaml files, like
 * scenarios/suites.yaml, which `scenarios/*.yaml` takes) checked as suites: every suite's entries
 * exist, none named twice. Every problem of every file at once; exit 2 when there is one.
 *
 * `--json` prints one document on stdout whatever the verdict (exit 2 still says invalid), its
 * fields stable (add, never rename): { valid, problemCount, files: [{ file, kind: "scenario" |
 * "suites", valid, problems[], warnings[], profiles[] (scenario), suites { name: files[] } (suites) }] }.
 */
import type { Command } from "commander";
import { type CheckOptions, definedProfiles, validateScenarioFile } from "../config/load-scenario.js";
import { ALLOW_HOSTS_HELP, parseAllowHosts } from "./flags.js";
import { readYamlMapping } from "../config/problems.js";
import { censoringWarningsOfFile } from "../config/rpo-check.js";
import { HarnessError } from "../errors.js";
import { isSuitesDocument, validateSuitesFile } from "./suites.js";

export interface ValidatedFile {
  file: string;
  kind: "scenario" | "suites";
  valid: boolean;
  problems: string[];
  warnings: string[];
  profiles?: string[];
  suites?: Record<string, string[]>;
}

async function isSuitesFile(file: string): Promise<boolean> {
  const loc = await readYamlMapping(file, "a mapping");
  return !("problems" in loc) && isSuitesDocument(loc.raw);
}

export async function validateFile(file: string, opts: CheckOptions = {}): Promise<ValidatedFile> {
  if (await isSuitesFile(file)) {
    const { suites, problems } = await validateSuitesFile(file);
    return { file, kind: "suites", valid: problems.length === 0, problems, warnings: [], suites };
  }
  const problems = await validateScenarioFile(file, opts);
  // Valid, but unable to prove a target: said, not refused (a run shows the same warning).
  const warnings = problems.length ? [] : await censoringWarningsOfFile(file);
  return { file, kind: "scenario", valid: problems.length === 0, problems, warnings, profiles: await definedProfiles(file) };
}

export function registerValidateCommand(program: Command): void {
  program
    .command("validate")
    .description("check scenario files (and suites files); lists every problem with file, line and path")
    .argument("<file...>", "scenario files; a suites file (like scenarios/suites.yaml) is checked as one")
    .option("--json", "machine-readable: { valid, problemCount, files: [{ file, kind, valid, problems, warnings, profiles | suites }] }", false)
    .option("--allow-hosts <hosts>", ALLOW_HOSTS_HELP)
    .action(async (files: string[], flags: { json: boolean; allowHosts?: string }) => {
      const allowHosts = parseAllowHosts(flags.allowHosts);
      const results = await Promise.all(files.map((f) => validateFile(f, { allowHosts })));
      const problems = results.flatMap((r) => r.problems);
      if (flags.json) process.stdout.write(`${JSON.stringify({ valid: problems.length === 0, problemCount: problems.length, files: results }, null, 2)}\n`);
      if (problems.length) throw new HarnessError("invalid_input", `${problems.length} problem(s) found`, { details: problems });
      if (flags.json) return;
      for (const w of results.flatMap((r) => r.warnings)) process.stderr.write(`warning: ${w}\n`);
      const scenarios = results.filter((r) => r.kind === "scenario").length;
      const suites = results.filter((r) => r.kind === "suites");
      process.stdout.write(`${scenarios} scenario file(s) valid under every profile they define\n`);
      for (const s of suites) {
        const names = Object.keys(s.suites ?? {});
        process.stdout.write(`${s.file}: a suites file, valid: ${names.length} suite(s) (${names.join(", ")}), every entry an existing file\n`);
      }
    });
}
