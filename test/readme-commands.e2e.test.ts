/**
 * The README's command-line section, run: every line of its first ```sh block is a command this file
 * runs, in the README's order, through bash (so `scenarios/*.yaml` is globbed as a shell would), and
 * each must exit as EXPECTED below says, the README's comment on that line saying the same. A line
 * added to the README without an entry here, or an entry whose line left the README, fails the first
 * test: the examples cannot rot.
 *
 * What the test changes, as the README says under the block: `my.yaml` and `/tmp/` lie in a temp
 * directory of the test's own; a `run` or `trend` without `--out` gets one there, and run, compare,
 * history and trend get `--history <temp>/history`, so the repo's reports/ is never touched; the
 * full-size suite gets `--suite-file test/fixtures/readme/suites.yaml` (one small scenario with a
 * nightly profile); `--live` runs with no token in its environment; monitor gets `--port 0` and one
 * SIGINT once its first round is reported. A run's exit is its verdict: 0 or 1, checked against the
 * verdict in its results.json (1 exactly when an SLO failed, or, with --fail-on-inconclusive, was
 * inconclusive; --fail-on-regression may add a 1 for a regression, said in its comparison).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SERVER_CATALOG } from "../src/catalog/servers.js";
import type { RunRecord } from "../src/results/types.js";
import { ROOT } from "./support/cli.js";

const README = readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The commands of the first ```sh block after "## Command line", their comments cut off. */
function readmeCommands(): string[] {
  const section = README.slice(README.indexOf("\n## Command line\n"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l !== "");
}

type Check = (r: Result, ctx: { tmp: string; args: string }) => void | Promise<void>;

interface Expected {
  /** The exit codes the README gives; "verdict": 0 or 1, checked against the run's results.json. */
  exit: number | "verdict";
  /** Flags the README shows, added for the test (see the header). */
  extra?: (tmp: string) => string[];
  check?: Check;
  /** Environment variables taken away. */
  unset?: string[];
  /** Sent SIGINT once stdout holds this. */
  interruptWhen?: RegExp;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const TOKENS = SERVER_CATALOG.flatMap((d) => (d.secrets ?? []).map((s) => s.env));
const history = (tmp: string) => ["--history", path.join(tmp, "history")];
const outAndHistory = (name: string) => (tmp: string) => ["--out", path.join(tmp, name), ...history(tmp)];

function recordOf(outDir: string): RunRecord {
  return JSON.parse(readFileSync(path.join(outDir, "results.json"), "utf8")) as RunRecord;
}

/** The out directory a run's final arguments name. */
function outOf(args: string): string {
  return /--out (\S+)/.exec(args)![1]!;
}

/** A command the README gives more than once has one entry per time, in order. */
const EXPECTED: Record<string, Expected | Expected[]> = {
  "node bin/mcp-slo.js init my.yaml": [
    {
      exit: 0,
      check: (r, { tmp }) => {
        expect(r.stdout).toContain("wrote");
        expect(readFileSync(path.join(tmp, "my.yaml"), "utf8")).toMatch(/^# yaml-language-server: \$schema=/);
      },
    },
    {
      exit: 2,
      check: (r, { tmp }) => {
        expect(r.stderr).toContain(`mcp-slo: init ${path.join(tmp, "my.yaml")}: it exists already; init never overwrites a file`);
        // Untouched: still the starter the first init wrote.
        expect(readFileSync(path.join(tmp, "my.yaml"), "utf8")).toMatch(/^# yaml-language-server: \$schema=/);
      },
    },
  ],
  "node bin/mcp-slo.js validate my.yaml scenarios/*.yaml": {
    exit: 0,
    check: (r) => {
      expect(r.stdout).toMatch(/^\d+ scenario file\(s\) valid under every profile they define$/m);
      expect(r.stdout).toContain("scenarios/suites.yaml: a suites file, valid");
    },
  },
  "node bin/mcp-slo.js validate my.yaml --json": {
    exit: 0,
    check: (r, { tmp }) => {
      const json = JSON.parse(r.stdout) as {
        valid: boolean;
        problemCount: number;
        files: { file: string; kind: string; valid: boolean; profiles: string[] }[];
      };
      expect(json).toMatchObject({ valid: true, problemCount: 0 });
      expect(json.files).toEqual([expect.objectContaining({ file: path.join(tmp, "my.yaml"), kind: "scenario", valid: true, profiles: ["smoke", "soak"] })]);
    },
  },
  "node bin/mcp-slo.js run my.yaml --profile smoke --tag build=41": { exit: "verdict", extra: outAndHistory("run-41") },
  "node bin/mcp-slo.js run scenarios/fallback-degraded-mode.yaml --variant resilience=on": {
    exit: 2,
    extra: outAndHistory("run-variant"),
    check: (r, { tmp }) => {
      expect(r.stderr).toContain("--variant resilience=on: no matrix cell of the scenarios given has this setting");
      expect(r.stderr).toContain("a cell there is: fallback-degraded-mode [resilience=true]");
      expect(existsSync(path.join(tmp, "run-variant"))).toBe(false);
    },
  },
  "node bin/mcp-slo.js run my.yaml --profile weekly": {
    exit: 2,
    extra: outAndHistory("run-weekly"),
    check: (r, { tmp }) => {
      expect(r.stderr).toContain(`${path.join(tmp, "my.yaml")}:`);
      expect(r.stderr).toContain('no profile "weekly" (--profile weekly); this file defines smoke, soak');
      expect(existsSync(path.join(tmp, "run-weekly"))).toBe(false);
    },
  },
  "node bin/mcp-slo.js run scenarios/coordination.yaml --profile smoke": { exit: "verdict", extra: outAndHistory("run-coordination") },
  "node bin/mcp-slo.js run --suite default --profile nightly": {
    exit: "verdict",
    extra: (tmp) => ["--suite-file", "test/fixtures/readme/suites.yaml", ...outAndHistory("run-suite")(tmp)],
    check: (_r, { args }) => {
      const record = recordOf(outOf(args));
      expect(record.profile).toBe("nightly");
      expect(record.scenarios.map((s) => s.name)).toEqual(["readme-quick"]);
    },
  },
  "node bin/mcp-slo.js run my.yaml --out /tmp/run1 --fail-on-inconclusive --profile smoke": { exit: "verdict", extra: history },
  "node bin/mcp-slo.js report /tmp/run1 --out /tmp/run1-again": {
    exit: 0,
    check: (r, { tmp }) => {
      const [from, to] = [path.join(tmp, "run1"), path.join(tmp, "run1-again")];
      for (const f of ["report.html", "summary.md", "junit.xml", "verdicts.csv"]) expect(existsSync(path.join(to, f)), f).toBe(true);
      // The record is copied, never re-serialised; the derived outputs render the same record the same way.
      expect(readFileSync(path.join(to, "results.json"))).toEqual(readFileSync(path.join(from, "results.json")));
      expect(readFileSync(path.join(to, "verdicts.csv"), "utf8")).toBe(readFileSync(path.join(from, "verdicts.csv"), "utf8"));
      expect(r.stdout).toMatch(/^(PASS|FAIL|INCONCLUSIVE): \d+ passed, \d+ failed, \d+ inconclusive$/m);
    },
  },
  "node bin/mcp-slo.js run my.yaml --profile smoke --tag build=42 --baseline latest --fail-on-regression": {
    exit: "verdict",
    extra: outAndHistory("run-42"),
    check: (_r, { args }) => expect(recordOf(outOf(args)).comparison).toBeDefined(),
  },
  "node bin/mcp-slo.js compare tag:build=41 tag:build=42 --format markdown": {
    exit: 0,
    extra: history,
    check: (r) => expect(r.stdout).toMatch(/\|/),
  },
  "node bin/mcp-slo.js history": {
    exit: 0,
    extra: history,
    check: (r) => {
      expect(r.stdout).toContain("build=41");
      expect(r.stdout).toContain("build=42");
    },
  },
  "node bin/mcp-slo.js trend --last 30": {
    exit: 0,
    extra: (tmp) => ["--out", path.join(tmp, "trend"), ...history(tmp)],
    check: (_r, { tmp }) => {
      expect(existsSync(path.join(tmp, "trend", "trend.html"))).toBe(true);
      expect(existsSync(path.join(tmp, "trend", "trend.md"))).toBe(true);
    },
  },
  "node bin/mcp-slo.js servers": { exit: 0, check: (r) => expect(r.stdout).toMatch(/^NAME\s+PACKAGE/) },
  "node bin/mcp-slo.js servers --json": {
    exit: 0,
    check: (r) => {
      const { servers } = JSON.parse(r.stdout) as { servers: { name: string; installed: boolean; needs: string[] }[] };
      expect(servers.map((s) => s.name)).toEqual(SERVER_CATALOG.map((d) => d.name));
      expect(servers.find((s) => s.name === "redis")).toMatchObject({ installed: true, needs: ["redis"] });
    },
  },
  "node bin/mcp-slo.js slos": { exit: 0, check: (r) => expect(r.stdout).toContain("redis.latency.p50") },
  "node bin/mcp-slo.js slos --format openslo > /tmp/catalog.openslo.yaml": {
    exit: 0,
    check: (_r, { tmp }) => expect(readFileSync(path.join(tmp, "catalog.openslo.yaml"), "utf8")).toContain("apiVersion: openslo/v1"),
  },
  "node bin/mcp-slo.js slos --json --scenario scenarios/coordination.yaml": {
    exit: 0,
    check: (r) => expect((JSON.parse(r.stdout) as { slos: unknown[] }).slos.length).toBeGreaterThan(0),
  },
  "node bin/mcp-slo.js scan memory --pins /tmp/pins.json": {
    exit: "verdict",
    extra: outAndHistory("scan-memory"),
    check: (r, { tmp }) => {
      const security = recordOf(path.join(tmp, "scan-memory")).scenarios[0]!.security!;
      expect(security.servers.map((s) => s.server)).toEqual(["memory"]);
      expect(security.pins).toMatchObject({ file: path.join(tmp, "pins.json"), state: "written" });
      expect(existsSync(path.join(tmp, "pins.json"))).toBe(true);
      expect(r.stdout).toMatch(/security\.score@memory/);
    },
  },
  "node bin/mcp-slo.js scan memory no-such-server": {
    exit: 2,
    check: (r) => expect(r.stderr).toContain('mcp-slo: unknown server "no-such-server"'),
  },
  "node bin/mcp-slo.js run --suite servers --live": {
    exit: 2,
    unset: TOKENS,
    extra: outAndHistory("run-live"),
    check: (r) => expect(r.stderr).toContain("live mode needs the API tokens of its servers in the environment"),
  },
  "node bin/mcp-slo.js monitor --interval 15s": {
    exit: 0,
    extra: () => ["--port", "0"],
    interruptWhen: /^first round: /m,
    check: (r) => expect(r.stdout).toMatch(/^monitor stopped after \d+ round\(s\)$/m),
  },
  "node bin/mcp-slo.js run": {
    exit: 2,
    check: (r) => {
      expect(r.stderr).toContain("mcp-slo: no scenario given");
      // Every file it suggests exists (derived from the repo, never a name written down).
      const suggested = /e\.g\. mcp-slo run (\S+)/.exec(r.stderr)?.[1];
      expect(suggested).toBeDefined();
      expect(existsSync(path.join(ROOT, suggested!))).toBe(true);
      expect(r.stderr).toMatch(/or mcp-slo run --suite default \(suites in scenarios\/suites\.yaml: default, /);
    },
  },
};

/** The README's line with the test's paths and flags (see the header), for bash. */
function asRun(command: string, tmp: string, e: Expected): string {
  const line = command.replace(/ \/tmp\//g, ` ${tmp}/`).replace(/ my\.yaml\b/g, ` ${path.join(tmp, "my.yaml")}`);
  return [line, ...(e.extra?.(tmp) ?? [])].join(" ");
}

function runLine(line: string, e: Expected): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", NO_COLOR: "1" };
  // Like test/support/cli.ts: a run started by the test suite never publishes to the suite's own CI job page.
  for (const name of [...(e.unset ?? []), "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS"]) delete env[name];
  // exec: bash becomes the CLI, so a SIGINT reaches it as Ctrl-C would.
  const child = spawn("bash", ["-c", `exec ${line}`], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let interrupted = false;
  child.stdout.setEncoding("utf8").on("data", (s: string) => {
    stdout += s;
    if (e.interruptWhen?.test(stdout) && !interrupted) {
      interrupted = true;
      child.kill("SIGINT");
    }
  });
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    // A hung command is interrupted, then killed: the test never leaves a harness behind.
    const guard = setTimeout(() => {
      child.kill("SIGINT");
      setTimeout(() => child.kill("SIGKILL"), 20_000).unref();
    }, 150_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-readme-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("README: the command-line section", () => {
  const commands = readmeCommands();

  const times = (c: string) => commands.filter((x) => x === c).length;
  const entries = (c: string): Expected[] => {
    const e = EXPECTED[c];
    return e === undefined ? [] : Array.isArray(e) ? e : [e];
  };

  it("has an expected exit for every command, and every expected command is in the README", () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(
      [...new Set(commands)].filter((c) => entries(c).length !== times(c)),
      "README commands this test does not know (or knows a different number of times)",
    ).toEqual([]);
    expect(
      Object.keys(EXPECTED).filter((c) => !commands.includes(c)),
      "commands of this test no longer in the README",
    ).toEqual([]);
  });

  // One after another, in the README's order: init writes my.yaml, later lines use it and the history.
  const seen = new Map<string, number>();
  for (const command of commands) {
    const n = seen.get(command) ?? 0;
    seen.set(command, n + 1);
    const e = entries(command)[n];
    it.skipIf(e === undefined)(n ? `${command} (again)` : command, { timeout: 180_000 }, async () => {
      const args = asRun(command, tmp, e!);
      const r = await runLine(args, e!);
      const transcript = `$ ${args}\nexit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.stderr, transcript).not.toMatch(/^\s+at /m);
      if (e!.exit === "verdict") {
        expect([0, 1], transcript).toContain(r.code);
        const record = recordOf(outOf(args));
        const failOnInconclusive = args.includes("--fail-on-inconclusive");
        const regressed = args.includes("--fail-on-regression") && (record.comparison?.counts.regressed ?? 0) > 0;
        const gate = record.verdict === "fail" || (failOnInconclusive && record.verdict === "inconclusive") || regressed;
        expect(r.code, transcript).toBe(gate ? 1 : 0);
      } else {
        expect(r.code, transcript).toBe(e!.exit);
      }
      await e!.check?.(r, { tmp, args });
    });
  }
});
