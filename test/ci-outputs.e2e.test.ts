/**
 * summary.md and junit.xml as a CI job uses them (issue 17), from real runs of the CLI on
 * test/fixtures: a failing run's summary lists every failure before any pass and is appended to
 * $GITHUB_STEP_SUMMARY, with ::error annotations on GitHub Actions; junit.xml validates against
 * jenkins-junit.xsd; --fail-on-inconclusive turns an inconclusive SLO into a <failure>; a changed
 * objective keeps its test case's name.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { newOutDir, readRecord, removeOutDirs, runCli, transcript, type CliOptions } from "./support/cli.js";
import { validateXml } from "./support/xmllint.js";

const FIXTURES = "test/fixtures"; // relative to the CLI's cwd
const GUARD: CliOptions = { timeoutMs: 150_000 };

afterEach(removeOutDirs);

/** The <testcase> elements of a junit.xml: name, and the names of its child elements. */
function junitCases(xml: string): { name: string; children: string[]; body: string }[] {
  const out: { name: string; children: string[]; body: string }[] = [];
  const re = /<testcase\s+name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    const body = m[2] ?? "";
    out.push({ name: m[1]!, children: [...body.matchAll(/<([a-z-]+)[\s>]/g)].map((c) => c[1]!), body });
  }
  return out;
}

describe("a failing run on a CI job page", () => {
  it("summary.md lists every failure before any pass, is appended to $GITHUB_STEP_SUMMARY, and each failure is an ::error", async () => {
    const out = await newOutDir();
    const stepSummary = path.join(await newOutDir("e2e-step-summary-"), "step_summary.md");
    await writeFile(stepSummary, "## an earlier step of the job\n");
    const r = await runCli(["run", `${FIXTURES}/e2e-generous.yaml`, `${FIXTURES}/e2e-impossible.yaml`, "--out", out], {
      ...GUARD,
      env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: stepSummary },
    });
    expect(r.code, transcript(r)).toBe(1);
    const record = await readRecord(out);
    const verdicts = record.scenarios.flatMap((s) => s.slos.map((x) => `${x.id}:${x.verdict}`));
    expect(verdicts).toEqual(["generous:pass", "impossible:fail"]);

    const summary = await readFile(path.join(out, "summary.md"), "utf8");
    const lines = summary.split("\n");
    expect(lines[0]).toBe("# FAIL: 1 of 2 SLOs met, 1 failed, 0 inconclusive");
    const failRow = lines.findIndex((l) => /^\| \*\*FAIL\*\* \| impossible \| e2e-impossible \| /.test(l));
    const passRow = lines.findIndex((l) => l.startsWith("| generous [server=redis] |") && l.includes("| pass |"));
    expect(failRow, summary).toBeGreaterThan(0);
    expect(passRow, summary).toBeGreaterThan(failRow);
    // The pass is folded; the failure is not.
    expect(lines.slice(0, failRow).includes("<details>")).toBe(false);
    expect(lines.slice(failRow, passRow).includes("<details>")).toBe(true);
    // The seed (here the scenario file) is named once, in the legend, numbered as the reader meets it.
    expect(summary.split(`${FIXTURES}/e2e-impossible.yaml`).length - 1).toBe(1);
    expect(lines).toContain(`Sources: [1] ${FIXTURES}/e2e-impossible.yaml; [2] ${FIXTURES}/e2e-generous.yaml.`);
    expect(lines[failRow]).toContain(`| [1] line ${record.scenarios[1]!.slos[0]!.source.lines} |`);

    // Appended after what the job's earlier step wrote, as GitHub expects; the same text as summary.md.
    expect(await readFile(stepSummary, "utf8")).toBe(`## an earlier step of the job\n${summary.replace(/\n*$/, "")}\n`);

    const annotations = r.stdout.split("\n").filter((l) => l.startsWith("::"));
    expect(annotations, r.stdout).toHaveLength(1);
    expect(annotations[0]).toMatch(/^::error title=impossible::e2e-impossible: failed: measured \S+/);

    const junit = await readFile(path.join(out, "junit.xml"), "utf8");
    expect(validateXml(junit)).toEqual({ valid: true, errors: "" });
    const cases = junitCases(junit);
    expect(cases.map((c) => [c.name, c.children])).toEqual([
      ["generous [server=redis]", ["system-out"]],
      ["impossible", ["failure", "system-out"]],
    ]);
    // time = the scenario's measurement window, the measured value on every case.
    for (const s of record.scenarios) {
      const tc = new RegExp(`<testcase name="[^"]*" classname="${s.name}" time="([\\d.]+)"`).exec(junit);
      expect(Number(tc?.[1])).toBeCloseTo(s.load!.measuredMs / 1000, 3);
    }
    expect(cases[0]!.body).toContain(`measured: ${record.scenarios[0]!.slos[0]!.measuredText}`);
  });
});

describe("--fail-on-inconclusive in junit.xml", () => {
  it("an inconclusive SLO is a <failure> with the flag and <skipped> without; a changed objective keeps the case's name", async () => {
    const gated = await newOutDir();
    const r1 = await runCli(["run", `${FIXTURES}/e2e-inconclusive.yaml`, "--out", gated, "--fail-on-inconclusive"], GUARD);
    expect(r1.code, transcript(r1)).toBe(1);
    const rec1 = await readRecord(gated);
    expect(rec1.failOnInconclusive).toBe(true);
    expect(rec1.scenarios[0]!.slos.map((s) => `${s.id}:${s.verdict}`)).toEqual(["unprovable:inconclusive", "generous:pass"]);
    const junit1 = await readFile(path.join(gated, "junit.xml"), "utf8");
    expect(validateXml(junit1)).toEqual({ valid: true, errors: "" });
    const unprovable1 = junitCases(junit1).find((c) => c.name === "unprovable [server=redis]");
    expect(unprovable1?.children, junit1).toEqual(["failure", "system-out"]);
    expect(unprovable1!.body).toMatch(/<failure message="inconclusive: [^"]+" type="inconclusive">/);
    expect(junit1).toMatch(/<testsuites [^>]*tests="2" failures="1" errors="0"/);
    expect(await readFile(path.join(gated, "summary.md"), "utf8")).toContain("Inconclusive verdicts fail this run (`--fail-on-inconclusive`).");

    // The same scenario with its target changed, run without the flag.
    const changedFile = path.join(await newOutDir("e2e-scenario-"), "e2e-inconclusive.yaml");
    const original = await readFile(`${FIXTURES}/e2e-inconclusive.yaml`, "utf8");
    const changed = original.replace('objective: ">= 99.99%"', 'objective: ">= 99.995%"');
    expect(changed).not.toBe(original);
    await writeFile(changedFile, changed);
    const plain = await newOutDir();
    const r2 = await runCli(["run", changedFile, "--out", plain], GUARD);
    expect(r2.code, transcript(r2)).toBe(0);
    const rec2 = await readRecord(plain);
    expect(rec2.scenarios[0]!.slos[0]!.objective).not.toBe(rec1.scenarios[0]!.slos[0]!.objective);
    const junit2 = await readFile(path.join(plain, "junit.xml"), "utf8");
    expect(validateXml(junit2)).toEqual({ valid: true, errors: "" });
    const cases2 = junitCases(junit2);
    expect(cases2.map((c) => c.name)).toEqual(junitCases(junit1).map((c) => c.name));
    expect(cases2.find((c) => c.name === "unprovable [server=redis]")?.children).toEqual(["skipped", "system-out"]);
    expect(junit2).toMatch(/<skipped>inconclusive: [^<]+<\/skipped>/);
  });
});
