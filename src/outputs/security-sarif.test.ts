/**
 * security.sarif: validated against the SARIF 2.1.0 schema (from the npm package @microsoft/jest-sarif,
 * with ajv), its content checked against the scan it came from, written by the outputs only when a
 * scenario holds a scan, and redacted like every other output.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterEach, describe, expect, it } from "vitest";
import { sampleRunRecord, withHostileText } from "../../test/support/records.js";
import { CANARY_TOKEN, securityRunRecord, securityScan } from "../../test/support/security-records.js";
import { RunRecord as RunRecordSchema } from "../results/schema.js";
import { SECURITY_CHECKS } from "../security/model.js";
import { registerSecret } from "../telemetry/redact.js";
import { renderSecuritySarif, SARIF_FILE } from "./security-sarif.js";
import { writeRunOutputs } from "./write-outputs.js";

/**
 * The SARIF 2.1.0 schema as the npm registry ships it: Microsoft's @microsoft/jest-sarif (MIT, a
 * devDependency) carries `sarif-2.1.0-rtm.5.json`, the schema of the 2.1.0 release (schemastore's
 * copy). The OASIS Errata 01 schema (the `$schema` URI security.sarif names) differs from it only by
 * stricter rules: `"type": "string"` beside some enums, `runs` may be null, a `region` needs one of
 * startLine/charOffset/byteOffset, and a tighter `language` pattern. security.sarif writes no region
 * and no language, and its enums are strings; the test adds Errata 01's rules to the release schema
 * in memory anyway (asErrata01), so the file is checked against what the standard says now.
 */
const SCHEMA = createRequire(import.meta.url).resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** The release schema made as strict as Errata 01, in memory (see SCHEMA above). */
const ERRATA_LANGUAGE = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$";
function asErrata01(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(asErrata01);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, asErrata01(v)]));
  // The release's language pattern is not a valid regular expression (a stray "]"); Errata 01 fixed it.
  if (typeof out.pattern === "string" && out.pattern.startsWith("^[a-zA-Z]{2}|")) out.pattern = ERRATA_LANGUAGE;
  const e = out.enum;
  if (Array.isArray(e) && e.every((x) => typeof x === "string") && !("type" in out)) out.type = "string";
  return out;
}

/**
 * The schema says draft-04, whose only keyword here that draft-07 spells differently is its
 * top-level `id`: ajv's default draft-07 validator, without the meta-schema check (ajv ships no
 * draft-04 meta-schema), with the formats it uses.
 */
function sarifValidator(): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // ajv 8 refuses draft-04's `id` outright ("use $id"): renamed in memory, the file stays as published.
  const { id, ...schema } = JSON.parse(readFileSync(SCHEMA, "utf8")) as { id: string } & Record<string, unknown>;
  const strict = asErrata01(schema) as { definitions: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  strict.definitions.region = {
    ...strict.definitions.region,
    anyOf: [{ required: ["startLine"] }, { required: ["charOffset"] }, { required: ["byteOffset"] }],
  };
  return ajv.compile({ ...strict, $id: id });
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string } }; logicalLocations: { name: string; fullyQualifiedName: string; kind: string }[] }[];
  partialFingerprints: Record<string, string>;
  properties: Record<string, string>;
}
interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: {
      driver: {
        name: string;
        version: string;
        rules: {
          id: string;
          name: string;
          help?: { text: string };
          fullDescription: { text: string };
          defaultConfiguration: { level: string };
          properties: { tags: string[]; "security-severity": string };
        }[];
      };
    };
    invocations: { executionSuccessful: boolean; toolExecutionNotifications?: { level: string; message: { text: string } }[] }[];
    results: SarifResult[];
    properties: { scores: { server: string; lower: number; upper: number; measuredShare: number; cap?: { value: number } }[] };
  }[];
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the security scan fixture", () => {
  it("is a valid run record (results.json's schema), so what the outputs are tested on can exist", () => {
    const parsed = RunRecordSchema.safeParse(securityRunRecord());
    expect(parsed.success, parsed.error?.message).toBe(true);
  });
});

describe("security.sarif", () => {
  const validate = sarifValidator();

  it("validates against the SARIF 2.1.0 schema, hostile text too", () => {
    for (const run of [securityRunRecord(), withHostileText(securityRunRecord())]) {
      const log = JSON.parse(renderSecuritySarif(run));
      expect(validate(log), JSON.stringify(validate.errors, null, 1)).toBe(true);
    }
  });

  it("the validator refuses what the schema forbids (so a pass above means something)", () => {
    const good = JSON.parse(renderSecuritySarif(securityRunRecord())) as SarifLog;
    const broken: [string, (log: SarifLog & Record<string, unknown>) => void][] = [
      [
        "a level SARIF does not have",
        (l) => {
          l.runs[0]!.results[0]!.level = "critical";
        },
      ],
      ["no version", (l) => void delete (l as Partial<SarifLog>).version],
      [
        "another version",
        (l) => {
          l.version = "2.0.0";
        },
      ],
      ["a result without a message", (l) => void delete (l.runs[0]!.results[0] as Partial<SarifResult>).message],
      ["a driver without a name", (l) => void delete (l.runs[0]!.tool.driver as Partial<SarifLog["runs"][0]["tool"]["driver"]>).name],
      [
        "a property SARIF does not define",
        (l) => {
          l.severity = "high";
        },
      ],
      [
        "a negative rule index",
        (l) => {
          l.runs[0]!.results[0]!.ruleIndex = -2;
        },
      ],
    ];
    for (const [what, breakIt] of broken) {
      const log = structuredClone(good) as SarifLog & Record<string, unknown>;
      breakIt(log);
      expect(validate(log), what).toBe(false);
    }
  });

  it("has one rule per rule id, one result per finding, levels from severities, a logical location and the evidence", () => {
    const scan = securityScan();
    const log = JSON.parse(renderSecuritySarif(securityRunRecord())) as SarifLog;
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe("mcp-slo-harness");
    const findings = scan.servers.flatMap((s) => s.findings.map((f) => ({ server: s.server, f })));
    expect(run.results).toHaveLength(findings.length);
    expect(run.tool.driver.rules.map((r) => r.id).sort()).toEqual([...new Set(findings.map((x) => x.f.ruleId))].sort());
    const expectedLevel = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" } as const;
    for (const { server, f } of findings) {
      const r = run.results.find((x) => x.ruleId === f.ruleId && x.properties.server === server)!;
      expect(r, `${server} ${f.ruleId}`).toBeDefined();
      expect(r.level).toBe(expectedLevel[f.severity]);
      expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(f.ruleId);
      expect(r.message.text).toBe(`${server}: ${f.message}`);
      expect(r.properties.evidence).toBe(f.evidence);
      expect(r.properties.reproduce).toBe(f.reproduce);
      expect(r.locations[0]!.logicalLocations[0]!.fullyQualifiedName).toBe([server, f.tool, f.field].filter(Boolean).join("/"));
      // GitHub code scanning refuses a result without a file: the scenario file that configured the scan.
      expect(r.locations[0]!.physicalLocation.artifactLocation.uri).toBe("scenarios/security.yaml");
      const rule = run.tool.driver.rules[r.ruleIndex]!;
      const check = SECURITY_CHECKS.find((c) => c.id === f.check)!;
      expect(rule.fullDescription.text).toContain(check.title);
      if (f.source) expect(rule.help?.text).toContain(f.source);
      expect(rule.properties.tags).toContain("security");
    }
    // Worst first within a server: the critical findings of the vulnerable server lead.
    expect(run.results.filter((r) => r.properties.server === "vulnerable").map((r) => r.level)).toEqual(["error", "error", "error", "error", "error"]);
    expect(run.results.find((r) => r.ruleId === "probe.read-only.write")!.locations[0]!.logicalLocations[0]).toEqual({
      name: "q",
      fullyQualifiedName: "vulnerable/lookup/q",
      kind: "parameter",
    });
    // The server whose scan did not finish is said, and the run is not called successful.
    expect(run.invocations[0]!.executionSuccessful).toBe(false);
    expect(run.invocations[0]!.toolExecutionNotifications?.map((n) => n.message.text)).toEqual([
      expect.stringMatching(/^github: the scan could not finish: the server did not start/),
    ]);
    expect(run.properties.scores.map((s) => [s.server, s.lower, s.upper, s.measuredShare, s.cap?.value])).toEqual(
      scan.servers.map((s) => [s.server, s.score.lower, s.score.upper, s.score.measuredShare, s.score.cap?.value]),
    );
  });

  it("a by-design finding says so in its properties", () => {
    const run = securityRunRecord();
    const f = run.scenarios[0]!.security!.servers[1]!.findings[0]!;
    f.byDesign = "a protocol test server: returns its environment on purpose";
    const log = JSON.parse(renderSecuritySarif(run)) as SarifLog;
    expect(log.runs[0]!.results.find((r) => r.ruleId === f.ruleId)!.properties.byDesign).toBe(f.byDesign);
  });

  it("is written beside the other outputs only for a run with a scan, redacted; a stale one is removed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-slo-sarif-"));
    dirs.push(dir);
    // The scan registers the canary secrets it plants, as a run registers the tokens it hands to servers.
    registerSecret(CANARY_TOKEN);
    const { files } = await writeRunOutputs(securityRunRecord(), dir);
    expect(files).toContain(join(dir, SARIF_FILE));
    const text = readFileSync(join(dir, SARIF_FILE), "utf8");
    expect(securityRunRecord().scenarios[0]!.security!.servers[1]!.findings.some((f) => f.evidence.includes(CANARY_TOKEN))).toBe(true);
    expect(text).not.toContain(CANARY_TOKEN);
    expect(text).toContain("[REDACTED]");
    expect(validate(JSON.parse(text))).toBe(true);
    for (const name of ["report.html", "summary.md", "junit.xml", "results.json"])
      expect(readFileSync(join(dir, name), "utf8"), name).not.toContain(CANARY_TOKEN);

    writeFileSync(join(dir, SARIF_FILE), "{}");
    const second = await writeRunOutputs(sampleRunRecord(), dir);
    expect(second.files).not.toContain(join(dir, SARIF_FILE));
    expect(readdirSync(dir)).not.toContain(SARIF_FILE);
  });
});
