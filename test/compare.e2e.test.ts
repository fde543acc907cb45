/**
 * `mcp-slo compare` and `run --baseline` end to end (issue 13): two real small runs of the same
 * scenario (real Redis and its MCP server) compared by the CLI as a person or a CI job runs it.
 *
 * What they show:
 *  1. an A/A pair comes out with nothing regressed or improved, exit 0, also with --fail-on-regression;
 *  2. run --baseline puts the comparison in results.json, summary.md, junit.xml and report.html;
 *  3. a reference that is not a run, a corrupt results.json and a non-comparable pair are exit 2,
 *     named, without a stack trace; --force compares the pair anyway and says so.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunRecord as RunRecordSchema } from "../src/results/schema.js";
import { newOutDir, readRecord, removeOutDirs, runCli, transcript, type CliOptions } from "./support/cli.js";

const SCENARIO = "test/fixtures/e2e-generous.yaml";
const GUARD: CliOptions = { timeoutMs: 150_000 };

afterAll(removeOutDirs);

describe("compare two real runs", () => {
  let a = "";
  let b = "";
  beforeAll(async () => {
    a = await newOutDir("e2e-compare-a-");
    b = await newOutDir("e2e-compare-b-");
    for (const dir of [a, b]) {
      const r = await runCli(["run", SCENARIO, "--out", dir], GUARD);
      expect(r.code, transcript(r)).toBe(0);
    }
  }, 300_000);

  it("A/A: nothing regressed or improved, exit 0 (also with --fail-on-regression)", async () => {
    const r = await runCli(["compare", a, b, "--fail-on-regression"]);
    // On a failure, how busy the machine was outside each run: what the comparison's load rules read.
    const outside = async (dir: string) => JSON.stringify((await readRecord(dir)).scenarios.map((s) => s.load?.outsideCpu));
    expect(r.code, `${transcript(r)}\noutside load: baseline ${await outside(a)}, candidate ${await outside(b)}`).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/: 0 regressed, 0 improved, \d+ inconclusive, [1-9]\d* unchanged/);
    const rows = lines.slice(lines.findIndex((l) => l.startsWith("verdict")) + 2).filter(Boolean);
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row, row).toMatch(/^(unchanged|inconclusive)/);

    const json = await runCli(["compare", a, b, "--format", "json"]);
    expect(json.code, transcript(json)).toBe(0);
    const c = JSON.parse(json.stdout);
    expect(c.counts.regressed + c.counts.improved).toBe(0);
    // An inconclusive figure says why: too few samples for a tail percentile in a 3 s run, one value
    // per run, or (two test files run at once here) one run's machine busier outside the run.
    for (const m of c.metrics.filter((x: { verdict: string }) => x.verdict === "inconclusive"))
      expect(m.reason, m.key).toMatch(/samples|one value per run|machine was (busier|quieter|busy) outside the run/);
    expect(c.metrics.some((m: { key: string }) => m.key === "e2e-generous|latency.p50|redis|get")).toBe(true);

    const out = path.join(await newOutDir("e2e-compare-md-"), "comparison.md");
    const md = await runCli(["compare", a, b, "--format", "markdown", "--out", out]);
    expect(md.code, transcript(md)).toBe(0);
    expect(await readFile(out, "utf8")).toMatch(/^### Compared with /);
  });

  it("run --baseline: the comparison is in every output", async () => {
    const c = await newOutDir("e2e-compare-c-");
    const r = await runCli(["run", SCENARIO, "--out", c, "--baseline", a, "--fail-on-regression"], GUARD);
    expect(r.code, transcript(r)).toBe(0);
    expect(r.stdout).toMatch(/compared with .*: 0 regressed/);
    const record = await readRecord(c);
    expect(RunRecordSchema.safeParse(record).error?.issues ?? []).toEqual([]);
    expect(record.comparison?.baseline.ref).toBe(a);
    expect(record.comparison?.counts.regressed).toBe(0);
    expect(await readFile(path.join(c, "summary.md"), "utf8")).toContain("## Compared with");
    expect(await readFile(path.join(c, "junit.xml"), "utf8")).toMatch(/<testcase name="no regression" classname="compared with [^"]+"/);
    expect(await readFile(path.join(c, "report.html"), "utf8")).toContain('id="comparison"');
  }, 200_000);

  it("bad input is exit 2, named, without a stack trace", async () => {
    const missing = await runCli(["compare", "/nonexistent/run", b]);
    expect(missing.code, transcript(missing)).toBe(2);
    expect(missing.stderr).toContain("/nonexistent/run");
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const badRef = await runCli(["run", SCENARIO, "--baseline", "/nonexistent/run"]);
    expect(badRef.code, transcript(badRef)).toBe(2);

    const corrupt = await newOutDir("e2e-compare-corrupt-");
    const record = JSON.parse(await readFile(path.join(a, "results.json"), "utf8"));
    record.scenarios[0].latency = "fast";
    await writeFile(path.join(corrupt, "results.json"), JSON.stringify(record));
    const r = await runCli(["compare", corrupt, b]);
    expect(r.code, transcript(r)).toBe(2);
    expect(r.stderr).toContain(path.join(corrupt, "results.json"));
    expect(r.stderr).toContain("scenarios.0.latency");
    expect(r.stderr).not.toMatch(/\n\s+at /);

    const other = await newOutDir("e2e-compare-other-");
    const o = JSON.parse(await readFile(path.join(a, "results.json"), "utf8"));
    o.profile = "nightly";
    await writeFile(path.join(other, "results.json"), JSON.stringify(o));
    const refused = await runCli(["compare", other, b]);
    expect(refused.code, transcript(refused)).toBe(2);
    expect(refused.stderr).toMatch(/not comparable: profile: nightly in \S+, ci in /);
    const forced = await runCli(["compare", other, b, "--force"]);
    expect(forced.code, transcript(forced)).toBe(0);
    expect(forced.stdout).toMatch(/note: not comparable, compared anyway \(--force\): profile: nightly in \S+, ci in /);

    const minEffect = await runCli(["compare", a, b, "--min-effect", "0"]);
    expect(minEffect.code).toBe(2);
    expect(minEffect.stderr).toContain("--min-effect");
  });
});
