/**
 * The scenario files users copy from must stay valid, and the JSON Schema
 * editors use must match the zod schema it is generated from.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../project-root.js";
import { scenarioJsonSchema } from "./json-schema.js";
import { PROFILE_NAMES } from "../contracts/scenario-fields.js";
import { loadScenario, validateScenarioFile } from "./load-scenario.js";
import { suiteFiles } from "../cli/suites.js";

const dir = path.join(PROJECT_ROOT, "scenarios");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml") && f !== "suites.yaml");

describe("scenarios/", () => {
  it("holds scenario files", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)("%s is valid under every profile", async (file) => {
    expect(await validateScenarioFile(path.join(dir, file))).toEqual([]);
    for (const profile of PROFILE_NAMES) {
      const s = await loadScenario(path.join(dir, file), profile);
      expect(s.slos.length).toBeGreaterThan(0);
      for (const slo of s.slos) expect(slo.source.lines).not.toBe("");
    }
  });

  // `--profile` named on the command line must exist in every file it runs, so `run --suite S --profile P`
  // (the README's examples, npm start) works only when every file of every suite defines every profile.
  it.each(["default", "load", "servers"])("every file of suite %s defines every profile (smoke, ci, nightly)", async (suite) => {
    const files = await suiteFiles(path.join(dir, "suites.yaml"), suite);
    for (const { file } of files) {
      for (const profile of PROFILE_NAMES)
        await expect(loadScenario(file, profile, { requireProfile: true }), `${file} --profile ${profile}`).resolves.toBeDefined();
    }
  });

  it("scenario.schema.json is what `npm run schema` generates from the zod schema", () => {
    expect(readFileSync(path.join(dir, "scenario.schema.json"), "utf8")).toBe(scenarioJsonSchema());
  });
});
