/**
 * A scenario's `openslo:` files, through the scenario loader: every shipped scenario's SLOs, written
 * as OpenSLO (the writer `mcp-slo slos --format openslo` uses) and named by a copy of the scenario
 * instead of its `slos:`, load back as the same SLOs; a bad OpenSLO file is refused naming the file,
 * the document and the path in it.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parseDocument } from "yaml";
import { openSloSchemaErrors } from "../../test/support/openslo-schema.js";
import type { Scenario } from "../contracts/plan.js";
import { HarnessError } from "../errors.js";
import { PROJECT_ROOT } from "../project-root.js";
import { openSloYaml, toOpenSlo } from "../slo/openslo.js";
import { loadScenario, validateScenarioFile } from "./load-scenario.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "openslo-files-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The scenario exported to `<dir>/<name>.openslo.yaml`; what was not written, by id. */
async function exportScenario(s: Scenario, name: string): Promise<{ file: string; skipped: string[] }> {
  const out = toOpenSlo(s.slos, () => ({ name: s.name, displayName: s.name, description: s.description || s.name }));
  const file = path.join(dir, `${name}.openslo.yaml`);
  await writeFile(file, openSloYaml(out.documents, `from ${s.file}`));
  return { file, skipped: out.skipped.map((x) => x.id) };
}

/** A copy of the scenario file (beside the export) whose `slos:` are replaced by `openslo: [file]`. */
async function importing(scenarioFile: string, openslo: string[], name: string): Promise<string> {
  const doc = parseDocument(await readFile(scenarioFile, "utf8"));
  doc.delete("slos");
  doc.set("openslo", openslo);
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, doc.toString());
  return file;
}

async function problemsOf(file: string): Promise<string[]> {
  try {
    await loadScenario(file, "ci");
  } catch (err) {
    if (err instanceof HarnessError && err.code === "invalid_input") return [...err.details];
    throw err;
  }
  return [];
}

describe("openslo: in a scenario", () => {
  it("loads every shipped scenario's SLOs back from its OpenSLO export, which validates against the OpenSLO v1 schema", async () => {
    const scenariosDir = path.join(PROJECT_ROOT, "scenarios");
    const files = (await readdir(scenariosDir)).filter((f) => f.endsWith(".yaml") && f !== "suites.yaml").sort();
    expect(files.length).toBeGreaterThan(10);
    let compared = 0;
    for (const f of files) {
      const name = f.replace(/\.yaml$/, "");
      const own = await loadScenario(path.join(scenariosDir, f), "ci");
      const { file, skipped } = await exportScenario(own, name);
      expect(openSloSchemaErrors(parseAllDocuments(await readFile(file, "utf8")).map((d) => d.toJS())), f).toEqual([]);
      const back = await loadScenario(await importing(path.join(scenariosDir, f), [path.basename(file)], `imported-${name}`), "ci");
      expect(back.slos, f).toEqual(own.slos.filter((s) => !skipped.includes(s.id)));
      compared += back.slos.length;
    }
    expect(compared).toBeGreaterThan(50);
  });

  it("adds the imported SLOs after the scenario's own, and validate checks the files", async () => {
    const base = path.join(PROJECT_ROOT, "scenarios", "failover-redis-crash.yaml");
    const own = await loadScenario(base, "ci");
    const { file } = await exportScenario({ ...own, slos: own.slos.slice(0, 2) }, "two");
    const doc = parseDocument(await readFile(base, "utf8"));
    doc.set("openslo", [path.basename(file)]);
    const both = path.join(dir, "both.yaml");
    await writeFile(both, doc.toString());
    expect((await loadScenario(both, "ci")).slos.map((s) => s.id)).toEqual([...own.slos.map((s) => s.id), ...own.slos.slice(0, 2).map((s) => s.id)]);
    expect(await validateScenarioFile(both)).toEqual([]);
  });

  it("refuses a bad OpenSLO file: file, document and path of each problem, every one at once", async () => {
    const base = path.join(PROJECT_ROOT, "scenarios", "failover-redis-crash.yaml");
    const own = await loadScenario(base, "ci");
    const { file } = await exportScenario(own, "to-break");
    const text = (await readFile(file, "utf8"))
      .replace("target: 0.999", "targetPercent: 100")
      .replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices");
    const bad = path.join(dir, "bad.openslo.yaml");
    await writeFile(bad, text);
    const scenario = await importing(base, ["bad.openslo.yaml", "absent.openslo.yaml"], "bad");
    const problems = await problemsOf(scenario);
    const shown = bad; // outside the working directory: named in full
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(`^${scenario}:\\d+: openslo\\[1\\]: the OpenSLO file cannot be used: .*absent\\.openslo\\.yaml: cannot read the OpenSLO file: no such file`),
      ),
      expect.stringMatching(
        new RegExp(`^${shown}:\\d+: document 2: spec\\.budgetingMethod: expected Occurrences: the harness counts events .* not judge Timeslices`),
      ),
      expect.stringMatching(new RegExp(`^${shown}:\\d+: document 2: spec\\.objectives\\[0\\]\\.targetPercent: expected a targetPercent below 100`)),
    ]);
    // Under a profile the same problems are not said twice.
    expect(await validateScenarioFile(scenario)).toHaveLength(3);
  });

  it("skips an empty document (a trailing ---), and refuses a file with none", async () => {
    const base = path.join(PROJECT_ROOT, "scenarios", "failover-redis-crash.yaml");
    const own = await loadScenario(base, "ci");
    const { file } = await exportScenario({ ...own, slos: own.slos.slice(0, 1) }, "trailing");
    await writeFile(file, `${await readFile(file, "utf8")}---\n`);
    expect((await loadScenario(await importing(base, [path.basename(file)], "trailing"), "ci")).slos.map((s) => s.id)).toEqual([own.slos[0]!.id]);
    const empty = path.join(dir, "empty.openslo.yaml");
    await writeFile(empty, "# nothing yet\n---\n");
    const scenario = await importing(base, ["empty.openslo.yaml"], "empty");
    expect(await problemsOf(scenario)).toEqual([
      expect.stringMatching(
        /openslo\[0\]: the OpenSLO file cannot be used: .*empty\.openslo\.yaml:1: \(top level\): expected OpenSLO documents \(apiVersion: openslo\/v1\), found nothing$/,
      ),
    ]);
  });

  it("refuses an imported SLO that judges a server the scenario does not run", async () => {
    const memory = path.join(dir, "memory.openslo.yaml");
    await writeFile(
      memory,
      [
        "apiVersion: openslo/v1",
        "kind: SLO",
        "metadata: { name: memory-fast }",
        "spec:",
        "  service: memory",
        "  budgetingMethod: Occurrences",
        "  indicator:",
        "    spec:",
        "      thresholdMetric: { metricSource: { type: mcp-slo-harness, spec: { metric: latency, server: memory } } }",
        "  objectives: [{ op: lt, value: 5, target: 0.95 }]",
        "",
      ].join("\n"),
    );
    const scenario = await importing(path.join(PROJECT_ROOT, "scenarios", "failover-redis-crash.yaml"), ["memory.openslo.yaml"], "memory-import");
    expect(await problemsOf(scenario)).toEqual([
      `${memory}:3: metadata.name: SLO "memory-fast" judges server "memory", which is not a server of ${scenario} (redis)`,
    ]);
  });
});
