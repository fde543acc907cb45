/**
 * The security scan through the command line (issue 14), as a person uses it:
 *  1. a server whose tool description changes between two scans (a "rug pull") is flagged by the
 *     second scan: the first pins the definitions (said in results.json), the second finds TD9 on the
 *     changed tool, fails definitions.pinned, and the scan's outputs say so;
 *  2. bad input: an unknown server, an unreadable policy or pin file is exit 2 naming it, before
 *     anything starts or is written;
 *  3. the deliberately vulnerable server (test/fixtures/servers/vulnerable-server.mjs, one planted
 *     flaw per kind of check) scores at most 3/10, each planted flaw is a finding, every output
 *     has the scan (security.sarif included), and its token appears in none of them.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newOutDir, readRecord, removeOutDirs, ROOT, runCli, transcript } from "./support/cli.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "mcp-slo-security-e2e-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(removeOutDirs);

/** A scenario naming one custom server, for `scan --servers-of`. */
async function serverScenario(name: string, server: string, args: string[]): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(
    file,
    [
      `name: ${name}`,
      "servers:",
      `  - name: ${server}`,
      "    command: node",
      `    args: ${JSON.stringify(args)}`,
      "agents: 1",
      "duration: 2s",
      `workload: { kind: mix, calls: [{ server: ${server}, tool: add, args: { a: 1, b: 2 } }] }`,
      "",
    ].join("\n"),
  );
  return file;
}

const VULN_TOKEN = "vuln-token-for-the-security-scan-e2e";

describe("mcp-slo scan", () => {
  it("scores the deliberately vulnerable server at most 3/10, with every planted flaw a finding, in every output, and no token anywhere", async () => {
    const out = await newOutDir("security-vulnerable-");
    const r = await runCli(["run", "test/fixtures/security-vulnerable.yaml", "--out", out], { timeoutMs: 300_000 });
    expect(r.code, transcript(r)).toBe(1);
    const record = await readRecord(out);
    const server = record.scenarios[0]!.security!.servers[0]!;
    expect(server.score.upper).toBeLessThanOrEqual(3);
    expect(server.score.cap).toMatchObject({ value: 3, severity: "critical" });
    const rules = new Set(server.findings.map((f) => f.ruleId));
    // One per planted flaw: the poisoned description, the traversal (read and write), the write
    // through the read-only tool, the token in an error, the crash on a non-JSON line, the hang.
    for (const rule of [
      "TD1",
      "probe.confinement.traversal",
      "probe.read-only.annotated",
      "probe.secrets.handed-value",
      "probe.robustness.crash",
      "probe.robustness.hang",
    ])
      expect(rules, `finding ${rule}`).toContain(rule);
    // What is honest stays honest: absolute paths and symlinks are refused by the server.
    expect(server.checks.find((c) => c.id === "probe.confinement")!.detail).toMatch(/passed: .*confinement\.absolute/);
    const slo = record.scenarios[0]!.slos.find((x) => x.id === "security.score@vulnerable")!;
    expect(slo).toMatchObject({ verdict: "fail", source: { lines: "487" } });
    const sarif = JSON.parse(await readFile(path.join(out, "security.sarif"), "utf8")) as { runs: { results: { ruleId: string }[] }[] };
    const sarifRules = new Set(sarif.runs[0]!.results.map((x) => x.ruleId));
    for (const rule of rules) expect(sarifRules, `SARIF result ${rule}`).toContain(rule);
    const junit = await readFile(path.join(out, "junit.xml"), "utf8");
    expect(junit).toContain("security probe.confinement [server=vulnerable]");
    for (const file of ["results.json", "report.html", "summary.md", "junit.xml", "security.sarif", "verdicts.csv"]) {
      const text = await readFile(path.join(out, file), "utf8");
      expect(text.includes(VULN_TOKEN), `${file} holds the server's token`).toBe(false);
    }
    expect(r.stdout + r.stderr).not.toContain(VULN_TOKEN);
  });

  it("flags a tool definition changed between two scans (rug pull), after pinning it on the first", async () => {
    const state = path.join(dir, "poisoned.state");
    const pins = path.join(dir, "pins.json");
    const scenario = await serverScenario("rugpull", "weather", [path.join(ROOT, "test/fixtures/servers/poisoned-tools-server.mjs"), state]);
    const scan = async () => {
      const out = await newOutDir("security-rugpull-");
      const r = await runCli(["scan", "--servers-of", scenario, "--pins", pins, "--no-probes", "--no-conformance", "--out", out], { timeoutMs: 180_000 });
      return { r, record: await readRecord(out), out };
    };
    const first = await scan();
    // The poisoned `add` fails the score (a high finding caps it at 6): exit 1, the verdict.
    expect(first.r.code, transcript(first.r)).toBe(1);
    const s1 = first.record.scenarios[0]!.security!;
    expect(s1.pins).toMatchObject({ file: pins, state: "written" });
    expect(s1.pins.note).toMatch(/first scan of weather: pinned now/);
    const w1 = s1.servers[0]!;
    expect(w1.checks.find((c) => c.id === "definitions.pinned")?.status).toBe("not_measured");
    expect(w1.findings.filter((f) => f.ruleId === "TD9")).toEqual([]);
    expect(JSON.parse(await readFile(pins, "utf8")).servers.weather).toBeDefined();

    const second = await scan();
    expect(second.r.code, transcript(second.r)).toBe(1);
    const s2 = second.record.scenarios[0]!.security!;
    expect(s2.pins.state).toBe("compared");
    const w2 = s2.servers[0]!;
    expect(w2.checks.find((c) => c.id === "definitions.pinned")).toMatchObject({ status: "fail", earned: 0 });
    const td9 = w2.findings.filter((f) => f.ruleId === "TD9");
    expect(td9).toEqual([expect.objectContaining({ tool: "get_weather", severity: "high", check: "definitions.pinned" })]);
    expect(td9[0]!.evidence).toMatch(/Returns the weather of a city/);
    // The unchanged tool is not flagged; the changed one is in the human outputs too.
    expect(w2.findings.some((f) => f.ruleId === "TD9" && f.tool === "add")).toBe(false);
    expect(await readFile(path.join(second.out, "summary.md"), "utf8")).toMatch(/security\.score/);
  });

  it("refuses an unknown server, a missing policy file and a broken pin file (exit 2, naming each), writing nothing", async () => {
    const out = path.join(dir, "never-written");
    const unknown = await runCli(["scan", "memory", "no-such-server", "--out", out], { timeoutMs: 60_000 });
    expect(unknown.code, transcript(unknown)).toBe(2);
    expect(unknown.stderr).toContain('unknown server "no-such-server"');
    const policy = await runCli(["scan", "memory", "--policy", path.join(dir, "nope.yaml"), "--out", out], { timeoutMs: 60_000 });
    expect(policy.code, transcript(policy)).toBe(2);
    expect(policy.stderr).toContain(`policy file ${path.join(dir, "nope.yaml")}: no such file`);
    const badPins = path.join(dir, "bad-pins.json");
    await writeFile(badPins, '{"format": "mcp-slo-tool-pins/1", "servers": {"memory": {"items": 3}}}');
    const pins = await runCli(["scan", "memory", "--pins", badPins, "--out", out], { timeoutMs: 60_000 });
    expect(pins.code, transcript(pins)).toBe(2);
    expect(pins.stderr).toContain(`pin file ${badPins}`);
    await expect(readFile(path.join(out, "results.json"))).rejects.toThrow(/ENOENT/);
  });
});
