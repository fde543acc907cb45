/**
 * The command line of issue 17, through the real CLI: `report` (re-render from a record; a bad
 * record is exit 2 and writes nothing), `init` (a starter that validates; never overwrites), `validate`
 * on suites files and with `--json`, `--suite-file` and profiles of any name (in a suite too),
 * examples in every command's help naming only flags the command has, and live progress counts
 * during a k6 phase. The README's own commands are run by readme-commands.e2e.test.ts.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXAMPLES } from "../src/cli/examples.js";
import { parseRunRecord } from "../src/results/read-record.js";
import { sampleRunRecord } from "./support/records.js";
import { CLI, newOutDir, readRecord, removeOutDirs, runCli, transcript } from "./support/cli.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-cli-commands-"));
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await removeOutDirs();
});
const T = { timeoutMs: 120_000 };

describe("report", () => {
  it("renders every output again beside a results.json it leaves byte for byte, or into --out with a copy of it", async () => {
    const dir = path.join(tmp, "record");
    const record = sampleRunRecord();
    // The builder's record is one the schema takes (what `report` reads).
    expect(() => parseRunRecord(JSON.stringify(record), "sample")).not.toThrow();
    const text = `${JSON.stringify(record, null, 2)}\n`;
    mkdirSync(dir);
    writeFileSync(path.join(dir, "results.json"), text);

    const inPlace = await runCli(["report", dir], T);
    expect(inPlace.code, transcript(inPlace)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["junit.xml", "report.html", "results.json", "summary.md", "verdicts.csv"]);
    expect(readFileSync(path.join(dir, "results.json"), "utf8")).toBe(text);
    expect(inPlace.stdout).toContain(`${record.verdict.toUpperCase()}: ${record.counts.pass} passed, ${record.counts.fail} failed`);

    const out = path.join(tmp, "elsewhere", "deeper");
    const copied = await runCli(["report", path.join(dir, "results.json"), "--out", out], T);
    expect(copied.code, transcript(copied)).toBe(0);
    expect(readFileSync(path.join(out, "results.json"), "utf8")).toBe(text);
    for (const f of ["junit.xml", "summary.md", "verdicts.csv", "report.html"]) {
      expect(readFileSync(path.join(out, f), "utf8"), f).toBe(readFileSync(path.join(dir, f), "utf8"));
    }
  });

  it("a file that is not a run record, a missing path, a directory without results.json: exit 2 naming it, nothing written", async () => {
    const foreign = path.join(tmp, "foreign.json");
    writeFileSync(foreign, JSON.stringify({ hello: "world" }));
    const broken = path.join(tmp, "broken.json");
    writeFileSync(broken, JSON.stringify({ ...sampleRunRecord(), verdict: "maybe" }));
    const empty = mkdtempSync(path.join(tmp, "empty-"));
    const cases: [string, string][] = [
      [foreign, `mcp-slo: ${foreign}: not a run record of mcp-slo-harness`],
      [broken, `mcp-slo: ${broken}: not a valid run record`],
      [path.join(tmp, "no-such-run"), `mcp-slo: ${path.join(tmp, "no-such-run")}: no such file or directory`],
      [empty, `mcp-slo: ${path.join(empty, "results.json")}: no results.json there`],
    ];
    for (const [source, message] of cases) {
      const out = path.join(tmp, "never-made");
      const r = await runCli(["report", source, "--out", out], T);
      expect(r.code, transcript(r)).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(existsSync(out), `${source}: --out made`).toBe(false);
    }
    const broke = await runCli(["report", broken], T);
    expect(broke.stderr).toContain("verdict:");
    expect(readdirSync(tmp).filter((f) => /\.(html|md|xml|csv)$/.test(f))).toEqual([]);
  });
});

/** The CLI run in `cwd` (runCli's is the project root). */
function runIn(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { GITHUB_STEP_SUMMARY: _summary, GITHUB_ACTIONS: _actions, ...env } = process.env;
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...env, CI: "true" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("init", () => {
  it("writes my-scenario.yaml by default, a starter that validates under every profile; refuses an existing file and a missing directory", async () => {
    const cwd = mkdtempSync(path.join(tmp, "init-"));
    const first = await runIn(cwd, ["init"]);
    expect(first.code, first.stderr).toBe(0);
    const written = path.join(cwd, "my-scenario.yaml");
    const text = readFileSync(written, "utf8");
    expect(text).toMatch(/^# yaml-language-server: \$schema=.*scenarios\/scenario\.schema\.json$/m);
    expect(text).toMatch(/^name: my-scenario$/m);
    const valid = await runIn(cwd, ["validate", "my-scenario.yaml", "--json"]);
    expect(valid.code, valid.stderr).toBe(0);
    expect(JSON.parse(valid.stdout).files[0]).toMatchObject({ valid: true, profiles: ["smoke", "soak"], problems: [] });

    const again = await runIn(cwd, ["init"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("mcp-slo: init my-scenario.yaml: it exists already; init never overwrites a file");
    expect(readFileSync(written, "utf8")).toBe(text);
    const nowhere = await runIn(cwd, ["init", "no/such/dir/x.yaml"]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain("mcp-slo: init no/such/dir/x.yaml: its directory does not exist");
    expect(readdirSync(cwd)).toEqual(["my-scenario.yaml"]);
  });
});

describe("validate: suites files and --json", () => {
  it("a suites file with a missing entry and a file named twice is checked as a suites file: exit 2, JSON on stdout with every problem", async () => {
    writeFileSync(path.join(tmp, "a.yaml"), "name: a\n");
    const suites = path.join(tmp, "my-suites.yaml");
    writeFileSync(suites, "one:\n  - a.yaml\n  - missing.yaml\ntwo:\n  - a.yaml\n  - ./a.yaml\n");
    const r = await runCli(["validate", suites, "--json"], T);
    expect(r.code, transcript(r)).toBe(2);
    const json = JSON.parse(r.stdout) as { valid: boolean; problemCount: number; files: { kind: string; problems: string[]; suites: object }[] };
    expect(json).toMatchObject({ valid: false, problemCount: 2 });
    expect(json.files[0]!.kind).toBe("suites");
    expect(json.files[0]!.problems).toEqual([
      expect.stringMatching(/my-suites\.yaml:3: one\[1\]: no such scenario file: .*missing\.yaml/),
      expect.stringMatching(/my-suites\.yaml:6: two\[1\]: .*a\.yaml is named twice \(first at two\[0\]\); it would run twice/),
    ]);
    expect(r.stderr).toContain("mcp-slo: 2 problem(s) found");
  });

  it("without --json: each file as what it is", async () => {
    const r = await runCli(["validate", "test/fixtures/readme/suites.yaml", "test/fixtures/readme/quick.yaml"], T);
    expect(r.code, transcript(r)).toBe(0);
    expect(r.stdout).toBe(
      "1 scenario file(s) valid under every profile they define\ntest/fixtures/readme/suites.yaml: a suites file, valid: 1 suite(s) (default), every entry an existing file\n",
    );
  });
});

describe("--suite-file and profiles of any name", () => {
  it("run --suite default --suite-file <file> --profile soak: the suite of that file, under the scenario's own profile", async () => {
    const out = await newOutDir("cli-soak-");
    const r = await runCli(["run", "--suite", "default", "--suite-file", "test/fixtures/readme/suites.yaml", "--profile", "soak", "--out", out], T);
    expect(r.code, transcript(r)).toBe(0);
    const record = await readRecord(out);
    expect(record.profile).toBe("soak");
    expect(record.scenarios.map((s) => [s.name, s.profile])).toEqual([["readme-quick", "soak"]]);
  });

  it("a profile no file of the suite defines, and a suites file that does not exist: exit 2 naming the file", async () => {
    const weekly = await runCli(["run", "--suite", "default", "--suite-file", "test/fixtures/readme/suites.yaml", "--profile", "weekly"], T);
    expect(weekly.code, transcript(weekly)).toBe(2);
    expect(weekly.stderr).toContain('test/fixtures/readme/quick.yaml:15: profiles: no profile "weekly" (--profile weekly); this file defines nightly, soak');
    const missing = await runCli(["run", "--suite", "default", "--suite-file", "no-such-suites.yaml"], T);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no-such-suites.yaml");
  });
});

describe("help", () => {
  it("every command's --help ends with examples, and every flag an example uses is one of that command's options", async () => {
    const names = Object.keys(EXAMPLES);
    const helps = await Promise.all(names.map((n) => runCli([n, "--help"], T)));
    names.forEach((name, i) => {
      const help = helps[i]!;
      expect(help.code, `${name}: ${transcript(help)}`).toBe(0);
      const [options, examples] = help.stdout.split("\nExamples:\n");
      expect(examples, `${name} --help has no examples`).toBeDefined();
      for (const [cmd] of EXAMPLES[name]!) {
        expect(examples).toContain(`$ mcp-slo ${cmd}`);
        for (const flag of cmd.match(/(?<=\s)--[a-z-]+/g) ?? []) expect(options, `${name}: ${flag} of "${cmd}"`).toMatch(new RegExp(`\\s${flag}\\b`));
      }
    });
  });

  it("--version and -V print package.json's version and nothing else, exit 0; the listing still names every command", async () => {
    const { version } = JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const r = await runCli([flag], T);
      expect(r.code, transcript(r)).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
      expect(r.stderr).toBe("");
    }
    const help = await runCli(["--help"], T);
    for (const name of Object.keys(EXAMPLES)) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
  });
});

describe("progress during a k6 phase", () => {
  it("the measurement window's progress line counts k6's calls while k6 runs (it said 0 ok before)", async () => {
    const out = await newOutDir("cli-k6-");
    const r = await runCli(["run", "test/fixtures/e2e-k6.yaml", "--profile", "smoke", "--out", out], T);
    expect([0, 1], transcript(r)).toContain(r.code);
    // CI=true: plain lines, the first tick of the window printed at once.
    const ticks = [...r.stderr.matchAll(/\[e2e-k6\] measure (\d+)\/3 s, (\d+) ok, (\d+) failed/g)];
    expect(ticks.length, r.stderr).toBeGreaterThan(0);
    const ok = Number(ticks[0]![2]);
    expect(ok, r.stderr).toBeGreaterThan(0);
    // A count so far, never more than the phase's total.
    const record = await readRecord(out);
    const total = record.scenarios[0]!.latency.filter((l) => l.outcome === "ok").reduce((n, l) => n + l.count, 0);
    expect(ok).toBeLessThanOrEqual(total);
  });
});
