/**
 * OpenSLO through the command line (issue 17, item 5), as a person uses it:
 *  1. `mcp-slo slos --format openslo` writes the catalog as OpenSLO v1 documents that validate against
 *     the official JSON Schema (test/fixtures/openslo/schema-v1), and says which SLOs it does not write;
 *  2. importing them back (a scenario whose `openslo:` names the exported file instead of its `slos:`)
 *     gives the same SLO list as `slos --json` shows it, for the catalog and for a scenario;
 *  3. a bad OpenSLO file is exit 2, naming the file and the path in it, every problem at once;
 *  4. a real run judges the imported SLOs: same id, objective and seed source in results.json.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parseDocument, stringify } from "yaml";
import { openSloSchemaErrors } from "./support/openslo-schema.js";
import { newOutDir, readRecord, removeOutDirs, ROOT, runCli, transcript } from "./support/cli.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "openslo-e2e-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(removeOutDirs);

interface SlosJson {
  version: number;
  from: string;
  slos: { id: string; openslo: { exported: boolean; reason?: string } }[];
}

async function slosJson(args: string[]): Promise<SlosJson> {
  const r = await runCli(["slos", "--json", ...args], { timeoutMs: 60_000 });
  expect(r.code, transcript(r)).toBe(0);
  return JSON.parse(r.stdout) as SlosJson;
}

/** The scenario file with its `slos:` (and any profile's) replaced by `openslo: [exported]`, written beside the export. */
async function importingScenario(scenarioFile: string, exported: string, name: string): Promise<string> {
  const doc = parseDocument(await readFile(path.join(ROOT, scenarioFile), "utf8"));
  doc.delete("slos");
  const profiles = doc.get("profiles") as { items?: { value?: { delete?: (k: string) => void } }[] } | undefined;
  for (const p of profiles?.items ?? []) p.value?.delete?.("slos");
  doc.set("openslo", [path.basename(exported)]);
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, doc.toString());
  return file;
}

async function exportOpenSlo(args: string[], file: string): Promise<{ stderr: string; documents: unknown[] }> {
  const r = await runCli(["slos", "--format", "openslo", ...args], { timeoutMs: 60_000 });
  expect(r.code, transcript(r)).toBe(0);
  await writeFile(file, r.stdout);
  return { stderr: r.stderr, documents: parseAllDocuments(r.stdout).map((d) => (d as { toJS(): unknown }).toJS()) };
}

describe("mcp-slo slos --format openslo", () => {
  it("writes the catalog as OpenSLO v1 that validates, and reads back as the same SLOs", async () => {
    const file = path.join(dir, "catalog.openslo.yaml");
    const { stderr, documents } = await exportOpenSlo([], file);
    expect(openSloSchemaErrors(documents)).toEqual([]);

    const catalog = await slosJson([]);
    const notWritten = catalog.slos.filter((s) => !s.openslo.exported);
    expect(notWritten.map((s) => s.id)).toEqual([]);
    // Never dropped silently: each is named on stderr with its reason.
    for (const s of notWritten) expect(stderr).toContain(`note: ${s.id} is not written as OpenSLO: ${s.openslo.reason}`);
    expect(documents.filter((d) => (d as { kind: string }).kind === "SLO")).toHaveLength(catalog.slos.length - notWritten.length);

    // A scenario running every server the catalog scopes, judged by the whole exported catalog.
    const scenario = path.join(dir, "catalog-scenario.yaml");
    await writeFile(
      scenario,
      stringify({
        name: "catalog-import",
        servers: ["github", "memory", "filesystem", "redis", "postgres"],
        agents: 1,
        duration: "1s",
        workload: { kind: "mix", calls: [{ server: "redis", tool: "get", args: { key: "k" } }] },
        openslo: [path.basename(file)],
      }),
    );
    const back = await slosJson(["--scenario", scenario]);
    expect(back.slos).toEqual(catalog.slos.filter((s) => s.openslo.exported));
  });

  it("writes a scenario's SLOs, and a copy of the scenario naming the export reads them back (every shipped scenario: src/config/openslo-files.test.ts)", async () => {
    const source = "scenarios/failover-redis-crash.yaml";
    const own = await slosJson(["--scenario", source]);
    const exported = path.join(dir, "failover-redis-crash.openslo.yaml");
    await exportOpenSlo(["--scenario", source], exported);
    const again = await slosJson(["--scenario", await importingScenario(source, exported, "imported-failover-redis-crash")]);
    expect(own.slos.map((s) => s.id)).toEqual([
      "recovery.coordination.rto",
      "recovery.coordination.rpo",
      "recovery.infrastructure.rto",
      "recovery.infrastructure.rpo",
      "availability",
    ]);
    expect(again.slos).toEqual(own.slos);
  });
});

describe("a scenario's openslo: files", () => {
  it("refuses a bad OpenSLO file with exit 2, naming the file and the path in it, every problem at once", async () => {
    const good = path.join(dir, "redis.openslo.yaml");
    await exportOpenSlo(["--scenario", "scenarios/failover-redis-crash.yaml"], good);
    const text = (await readFile(good, "utf8"))
      .replace("target: 0.999", "target: 1.5")
      .replace(/type: mcp-slo-harness/g, (m, offset: number, all: string) => (offset === all.lastIndexOf(m) ? "type: Prometheus" : m));
    const bad = path.join(dir, "bad.openslo.yaml");
    await writeFile(bad, text);
    const scenario = await importingScenario("scenarios/failover-redis-crash.yaml", bad, "bad-import");
    const r = await runCli(["validate", scenario], { timeoutMs: 60_000 });
    expect(r.code, transcript(r)).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+: document 2: spec\\.objectives\\[0\\]\\.target: expected a target below 1`),
    );
    expect(r.stderr).toMatch(
      /bad\.openslo\.yaml:\d+: document \d+: spec\.indicator\.spec\.ratioMetric\.total\.metricSource\.type: expected metric source type mcp-slo-harness/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const missing = await importingScenario("scenarios/failover-redis-crash.yaml", path.join(dir, "nothing-here.yaml"), "missing-import");
    const m = await runCli(["run", missing, "--out", await newOutDir()], { timeoutMs: 60_000 });
    expect(m.code, transcript(m)).toBe(2);
    expect(m.stderr).toMatch(
      /missing-import\.yaml:\d+: openslo\[0\]: the OpenSLO file cannot be used: .*nothing-here\.yaml: cannot read the OpenSLO file: no such file/,
    );
  });

  it("a real run judges the imported SLOs: same id, objective and seed source as the scenario's own", async () => {
    const exported = path.join(dir, "generous.openslo.yaml");
    await exportOpenSlo(["--scenario", "test/fixtures/e2e-generous.yaml"], exported);
    const scenario = await importingScenario("test/fixtures/e2e-generous.yaml", exported, "generous-imported");
    const out = await newOutDir();
    const r = await runCli(["run", scenario, "--out", out], { timeoutMs: 150_000 });
    expect(r.code, transcript(r)).toBe(0);
    const slos = (await readRecord(out)).scenarios[0]!.slos;
    expect(slos.map((s) => [s.id, s.objective, s.scope, s.source, s.verdict])).toEqual([
      ["generous", "latency p50 < 10 s", { server: "redis" }, { document: "test/fixtures/e2e-generous.yaml", lines: "14" }, "pass"],
    ]);
    expect(slos[0]!.samples).toBeGreaterThan(0);
  });
});
