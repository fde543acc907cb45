/**
 * `mcp-slo validate` also says what is valid but cannot prove its targets: RPO writers too young at
 * a fault that can lose their writes (censoringWarnings in ./rpo.ts), under each profile.
 */
import { definedProfiles, loadScenario } from "./load-scenario.js";
import { censoringWarnings } from "../faults/rpo.js";

/** Warnings of one valid scenario file, each with the profiles it holds under. */
export async function censoringWarningsOfFile(file: string): Promise<string[]> {
  const byText = new Map<string, string[]>();
  // Every profile the file defines (any name), and "ci" for a file that defines none: it runs as written then.
  const profiles = await definedProfiles(file);
  for (const profile of profiles.length ? profiles : ["ci"]) {
    let warnings: string[];
    try {
      warnings = censoringWarnings(await loadScenario(file, profile));
    } catch {
      // A profile the file cannot be run under is a validation problem, reported as such elsewhere.
      continue;
    }
    for (const w of warnings) byText.set(w, [...(byText.get(w) ?? []), profile]);
  }
  return [...byText].map(([w, profiles]) => `${w} (under profile ${profiles.join(", ")})`);
}
