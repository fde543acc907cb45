/**
 * The corpus of hostile and malformed inputs: the real CLI (`node bin/mcp-slo.js`, as a person or a
 * CI job runs it) on each, asserting that it is refused as invalid input and that refusing it is clean:
 *
 *  - exit 2, within the guard's time (a FIFO or a device never hangs it);
 *  - the message names the file, the line and the path (each `# expect:` of a fixture is one exact
 *    problem line after the file's name, and the file gets exactly those problems, no more);
 *  - no stack trace ("    at ..."), no "a bug", no raw control character on stdout or stderr;
 *  - nothing left behind: every case runs with its own TMPDIR, which must hold nothing afterwards (but
 *    tsx's compile cache, linked to the shared one), no process carries that TMPDIR, and the `--out`
 *    directory it was given was never created.
 *
 * Cases: every test/fixtures/bad-input/*.yaml (see its README), with `mcp-slo run` one by one (run must
 * refuse before it starts anything) and with one `mcp-slo validate` of them all (every problem of every
 * file at once); files that cannot live in git (a FIFO, a socket, a device, 2 MiB, 30 000 levels of
 * nesting, an unreadable file, a name with escape sequences) made here; and a table of flags of each
 * subcommand (run, validate, evaluate, monitor, bridge). Nothing starts a stack, so the file takes a
 * minute or two on a loaded 2-core machine, not ten. The one exception is the last test: the largest
 * timeouts the schema accepts, in a one-second run against real Redis, arm no timer Node would overflow.
 */
import { spawn, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { readFile, readdir, readlink } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from "vitest";
import { CLI, ROOT } from "./support/cli.js";

const CORPUS = "test/fixtures/bad-input"; // relative to ROOT, the CLI's cwd: messages name files as given
const FIXTURES = readdirSync(path.join(ROOT, CORPUS))
  .filter((f) => f.endsWith(".yaml"))
  .sort();
/** A valid scenario without profiles, for cases whose mistake is in a flag. */
const VALID = "test/fixtures/e2e-generous.yaml";
/** A refusal is immediate; anything still running after this is a hang. */
const GUARD_MS = 60_000;

const uid = process.getuid?.() ?? 0;
const TSX_CACHE = path.join(os.tmpdir(), `tsx-${uid}`);
/** Where this file's own inputs and the cases' TMPDIRs live; removed at the end. */
const WORK = mkdtempSync(path.join(os.tmpdir(), "bad-input-corpus-"));
const servers: Server[] = [];

interface Header {
  expects: string[];
  /** Flags `run` gets (e.g. the profile whose mistakes the file shows). */
  runArgs: string[];
  /** What `run` prints, when it differs from validate (which checks every profile; run, the one it runs). */
  runExpects: string[];
}

function headerOf(file: string): Header {
  const lines = readFileSync(path.join(ROOT, file), "utf8").split("\n");
  return {
    expects: lines.filter((l) => l.startsWith("# expect: ")).map((l) => l.slice("# expect: ".length)),
    runArgs: lines.filter((l) => l.startsWith("# run-args: ")).flatMap((l) => l.slice("# run-args: ".length).split(" ")),
    runExpects: lines.filter((l) => l.startsWith("# run-expect: ")).map((l) => l.slice("# run-expect: ".length)),
  };
}

interface CaseDir {
  /** The case's TMPDIR. */
  tmp: string;
  /** An --out the case may be given; it must never be created. */
  out: string;
}

let caseCount = 0;
function newCaseDir(): CaseDir {
  const tmp = path.join(WORK, `case-${++caseCount}`);
  mkdirSync(tmp);
  // tsx keeps its compile cache in $TMPDIR/tsx-<uid>: shared, so each case does not recompile the harness.
  mkdirSync(TSX_CACHE, { recursive: true });
  symlinkSync(TSX_CACHE, path.join(tmp, `tsx-${uid}`));
  chmodSync(tmp, 0o1777); // the unprivileged cases write their own tsx cache here
  return { tmp, out: path.join(tmp, "out") };
}

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI with TMPDIR set to the case's dir; `prefix` runs it through another program (setpriv). */
function runCase(args: string[], dir: CaseDir, opts: { env?: Record<string, string>; prefix?: string[] } = {}): Promise<Result> {
  const started = performance.now();
  const [cmd, ...rest] = [...(opts.prefix ?? []), process.execPath, CLI, ...args];
  const child = spawn(cmd!, rest, {
    cwd: ROOT,
    env: { ...process.env, CI: "true", NO_COLOR: "1", TMPDIR: dir.tmp, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const guard = setTimeout(() => child.kill("SIGKILL"), GUARD_MS);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

function transcript(r: Result): string {
  return `exit ${r.code ?? r.signal} after ${(r.ms / 1000).toFixed(1)} s\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Processes (other than zombies) whose environment holds TMPDIR=<dir>: anything the case left running. */
async function processesWithTmpdir(dir: string): Promise<string[]> {
  const needle = `TMPDIR=${dir}`;
  const found: string[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => undefined);
    if (environ === undefined || !environ.toString("utf8").split("\0").includes(needle)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    if (/\) [ZX] /.test(stat)) continue;
    found.push(
      `${entry} ${(await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0").join(" ")} (cwd ${await readlink(`/proc/${entry}/cwd`).catch(() => "?")})`,
    );
  }
  return found;
}

const STACK_FRAME = /^ {4}at /m;
// Raw control characters other than newline (and the tab commander indents help with); U+202E and friends.
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * What every refusal must show: exit 2 in time, each expected text in stderr, no stack trace, no raw
 * control character, and nothing left behind.
 */
async function expectRefused(e: ExpectStatic, r: Result, dir: CaseDir, expects: string[]): Promise<void> {
  const t = transcript(r);
  e(r.signal, `killed after ${GUARD_MS} ms: a hang\n${t}`).toBeNull();
  e(r.code, t).toBe(2);
  for (const text of expects) e(r.stderr, t).toContain(text);
  const all = r.stdout + r.stderr;
  e(all, t).not.toMatch(STACK_FRAME);
  e(all, t).not.toMatch(/a bug|harness error/i);
  e(all, t).not.toMatch(RAW_CONTROL);
  e(existsSync(dir.out), `${dir.out} was created by a refused command`).toBe(false);
  e(
    readdirSync(dir.tmp).filter((n) => !n.startsWith("tsx-")),
    "temp files left in the case's TMPDIR",
  ).toEqual([]);
  e(await processesWithTmpdir(dir.tmp), "processes left running").toEqual([]);
}

/** Problem lines for `file` in a CLI's stderr, after the file name. */
function problemsOf(stderr: string, file: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith(`  ${file}:`))
    .map((l) => l.slice(2 + file.length));
}

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(WORK, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Files made at run time: they cannot be committed (a FIFO, a socket), are too large to (2 MiB), or
// need a property git does not keep (no read permission).

/** Runs a CLI command as a user who lacks root's bypass of file permissions (setpriv as nobody when root). */
const UNPRIVILEGED = uid === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];

interface MadeFile {
  name: string;
  /** The path given to the CLI. */
  make: () => Promise<string> | string;
  /** What follows the path in the message. */
  expect: string;
  unprivileged?: boolean;
}

const FIFO = path.join(WORK, "fifo.yaml");
const HUGE = `name: huge\ndescription: "${"x".repeat(2 * 1024 * 1024)}"\n`;

const MADE_FILES: MadeFile[] = [
  {
    name: "a FIFO (reading it would block forever)",
    make: () => {
      execFileSync("mkfifo", [FIFO]);
      return FIFO;
    },
    expect: ": cannot read the scenario file: it is a FIFO (named pipe), which could block the read forever; expected a regular file",
  },
  {
    name: "a unix socket",
    make: async () => {
      const p = path.join(WORK, "socket.yaml");
      const server = createServer();
      servers.push(server);
      await new Promise<void>((r) => server.listen(p, r));
      return p;
    },
    expect: ": cannot read the scenario file: ",
  },
  { name: "a directory", make: () => path.join(ROOT, "scenarios"), expect: ": cannot read the scenario file: it is a directory; expected a regular file" },
  {
    name: "a character device that never ends (/dev/zero)",
    make: () => "/dev/zero",
    expect: ": cannot read the scenario file: it is a character device; expected a regular file",
  },
  { name: "a missing file", make: () => "scenarios/no-such-scenario.yaml", expect: ": cannot read the scenario file: no such file (ENOENT)" },
  {
    name: "a path through a file",
    make: () => "package.json/scenario.yaml",
    expect: ": cannot read the scenario file: a part of the path is not a directory (ENOTDIR)",
  },
  {
    name: "a symbolic link loop",
    make: () => {
      const p = path.join(WORK, "loop.yaml");
      symlinkSync(p, p);
      return p;
    },
    expect: ": cannot read the scenario file: too many symbolic links (a loop?) (ELOOP)",
  },
  {
    name: "a 2 MiB file",
    make: () => {
      const p = path.join(WORK, "huge.yaml");
      writeFileSync(p, HUGE);
      return p;
    },
    expect: `: the scenario file is ${Buffer.byteLength(HUGE)} bytes; at most 1048576 (1 MiB) are read`,
  },
  {
    name: "30 000 levels of nested lists (the yaml parser's own stack guard)",
    make: () => {
      const p = path.join(WORK, "deep.yaml");
      writeFileSync(p, `name: deep\nargs: ${"[".repeat(30_000)}${"]".repeat(30_000)}\n`);
      return p;
    },
    expect: ":2: ",
  },
  {
    name: "a file that is not UTF-8",
    make: () => {
      const p = path.join(WORK, "latin1.yaml");
      writeFileSync(p, Buffer.concat([Buffer.from("name: bad-input\ndescription: caf"), Buffer.from([0xe9, 0x0a])]));
      return p;
    },
    expect: ":2: the scenario file is not UTF-8 text (invalid byte at offset 32)",
  },
  {
    name: "a file name with escape sequences (shown escaped)",
    make: () => path.join(WORK, "evil\x1b]0;pwned\x07\x1b[2J.yaml"),
    expect: ": cannot read the scenario file: no such file (ENOENT)",
  },
  {
    name: "a file the user may not read",
    make: () => {
      const p = path.join(WORK, "secret.yaml");
      writeFileSync(p, "name: secret\n");
      chmodSync(p, 0o600);
      if (uid !== 0) chmodSync(p, 0o000);
      return p;
    },
    expect: ": cannot read the scenario file: permission denied (EACCES)",
    unprivileged: true,
  },
];

/** The path as the CLI shows it (control characters escaped). */
function shownPath(p: string): string {
  return p.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

const made = new Map<string, string>();

beforeAll(async () => {
  chmodSync(WORK, 0o755); // an unprivileged case must reach its TMPDIR inside
  for (const f of MADE_FILES) made.set(f.name, await f.make());
}, GUARD_MS);

// ---------------------------------------------------------------------------------------------

describe("validate: every corpus file at once, each with exactly its own problems", () => {
  let result: Result;
  let dir: CaseDir;
  beforeAll(async () => {
    dir = newCaseDir();
    result = await runCase(
      ["validate", ...FIXTURES.map((f) => `${CORPUS}/${f}`), ...MADE_FILES.filter((f) => !f.unprivileged).map((f) => made.get(f.name)!)],
      dir,
    );
  }, GUARD_MS * 2);

  it("exits 2 with nothing left behind", async () => {
    await expectRefused(expect, result, dir, [`problem(s) found`]);
  });

  it.each(FIXTURES)("%s", (name) => {
    const file = `${CORPUS}/${name}`;
    const { expects } = headerOf(file);
    expect(expects.length, `${file} has no # expect: header`).toBeGreaterThan(0);
    const got = problemsOf(result.stderr, file);
    for (const e of expects)
      expect(
        got.some((g) => g.startsWith(e)),
        `expected "${file}${e}" among\n${got.join("\n")}`,
      ).toBe(true);
    expect(got, "exactly the expected problems, no more").toHaveLength(expects.length);
  });

  it.each(MADE_FILES.filter((f) => !f.unprivileged).map((f) => f.name))("%s", (name) => {
    const file = shownPath(made.get(name)!);
    const spec = MADE_FILES.find((f) => f.name === name)!;
    expect(result.stderr).toContain(`  ${file}${spec.expect}`);
  });
});

describe.concurrent("run refuses each corpus file before it starts anything", () => {
  it.for(FIXTURES)("%s", async (name, { expect: e }) => {
    const file = `${CORPUS}/${name}`;
    const header = headerOf(file);
    const expects = header.runExpects.length ? header.runExpects : header.expects;
    const dir = newCaseDir();
    const r = await runCase(["run", file, "--out", dir.out, ...header.runArgs], dir);
    await expectRefused(
      e,
      r,
      dir,
      expects.map((x) => `${file}${x}`),
    );
    e(problemsOf(r.stderr, file), "exactly the expected problems").toHaveLength(expects.length);
  });

  it.for(MADE_FILES.map((f) => f.name))("%s", async (name, { expect: e }) => {
    const spec = MADE_FILES.find((f) => f.name === name)!;
    const file = made.get(name)!;
    const dir = newCaseDir();
    const r = await runCase(["run", file, "--out", dir.out], dir, spec.unprivileged ? { prefix: UNPRIVILEGED } : {});
    await expectRefused(e, r, dir, [`${shownPath(file)}${spec.expect}`]);
  });
});

// ---------------------------------------------------------------------------------------------
// Flags of every subcommand. `args` may use the case's --out and the files made above.

interface FlagCase {
  name: string;
  args: (dir: CaseDir) => string[];
  expect: string[];
  env?: Record<string, string>;
  unprivileged?: boolean;
}

const PROM = ["--prometheus", "http://127.0.0.1:9", "--from", "2026-01-31T12:00:00Z", "--to", "2026-01-31T12:05:00Z"];
const aFile = () => path.join(WORK, "a-file");
const fifo = () => FIFO;
const smokeOnly = () => path.join(WORK, "smoke-only.yaml");

const FLAG_CASES: FlagCase[] = [
  // run
  { name: "run: no scenario", args: (d) => ["run", "--out", d.out], expect: ["mcp-slo: no scenario given"] },
  {
    name: "run: --profile not a profile name",
    args: (d) => ["run", VALID, "--profile", "Huge!", "--out", d.out],
    expect: ['mcp-slo: --profile: expected a profile name: a lower-case letter, then up to 39 lower-case letters, digits, - or _, got "Huge!"'],
  },
  {
    name: "run: --profile nightly on a file without profiles",
    args: (d) => ["run", VALID, "--profile", "nightly", "--out", d.out],
    expect: [`${VALID}:1: (top level): no profile "nightly" (--profile nightly); this file defines no profiles: run it without --profile`],
  },
  {
    name: "run: --profile nightly on a file with smoke and ci only",
    args: (d) => ["run", smokeOnly(), "--profile", "nightly", "--out", d.out],
    expect: [`${smokeOnly()}:9: profiles: no profile "nightly" (--profile nightly); this file defines smoke, ci`],
  },
  {
    name: "run: --provider not a provider",
    args: (d) => ["run", VALID, "--provider", "kubernetes", "--out", d.out],
    expect: ["error: option '--provider <name>' argument 'kubernetes' is invalid. Allowed choices are local, docker."],
  },
  {
    name: "run: --driver not a driver",
    args: (d) => ["run", VALID, "--driver", "jmeter", "--out", d.out],
    expect: ["error: option '--driver <name>' argument 'jmeter' is invalid. Allowed choices are sdk, threads, autocannon, k6."],
  },
  {
    name: "run: --driver k6 on a stdio scenario",
    args: (d) => ["run", VALID, "--driver", "k6", "--out", d.out],
    expect: [
      "mcp-slo: --driver k6 cannot run every scenario given",
      `${VALID}: --driver k6 speaks MCP Streamable HTTP, but this scenario has transport: stdio`,
    ],
  },
  {
    name: "run: --trace-sample of 400 digits",
    args: (d) => ["run", VALID, "--trace-sample", "9".repeat(400), "--out", d.out],
    expect: ['mcp-slo: --trace-sample: expected N to trace one call in N (0 for no trace), a whole number from 0 to 1000000000, got "999'],
  },
  {
    name: "run: --trace-sample not a number",
    args: (d) => ["run", VALID, "--trace-sample", "often", "--out", d.out],
    expect: ['--trace-sample: expected N to trace one call in N (0 for no trace), a whole number from 0 to 1000000000, got "often"'],
  },
  {
    name: "run: --threads out of range",
    args: (d) => ["run", VALID, "--driver", "threads", "--threads", "0", "--out", d.out],
    expect: [`mcp-slo: --threads: expected the threads driver's worker threads (or auto: one per two cores), a whole number from 1 to 64, got "0"`],
  },
  {
    name: "run: --threads for a scenario of another driver",
    args: (d) => ["run", VALID, "--threads", "2", "--out", d.out],
    expect: ["mcp-slo: --threads sets the worker threads of the threads driver; these scenarios use another driver", `  ${VALID}: driver sdk`],
  },
  {
    name: "run: --variant not key=value",
    args: (d) => ["run", VALID, "--variant", "resilience", "--out", d.out],
    expect: ["mcp-slo: --variant resilience: expected key=value, or several joined by commas", "hint: e.g. --variant resilience=true"],
  },
  {
    name: "run: --variant of a scenario without a matrix",
    args: (d) => ["run", VALID, "--variant", "resilience=true", "--out", d.out],
    expect: ["mcp-slo: --variant resilience=true: no matrix cell of the scenarios given has this setting", "  none of the scenarios given has a matrix"],
  },
  {
    name: "run: --metrics-port out of range",
    args: (d) => ["run", VALID, "--metrics-port", "70000", "--out", d.out],
    expect: ['mcp-slo: --metrics-port: expected a port number 0..65535, got "70000"'],
  },
  {
    name: "run: --metrics-host not loopback",
    args: (d) => ["run", VALID, "--metrics-port", "0", "--metrics-host", "0.0.0.0", "--out", d.out],
    expect: ["mcp-slo: refusing to serve metrics on 0.0.0.0: it is not a loopback address"],
  },
  { name: "run: an unknown option", args: (d) => ["run", VALID, "--frobnicate", "--out", d.out], expect: ["error: unknown option '--frobnicate'"] },
  {
    name: "run: --suite that does not exist",
    args: (d) => ["run", "--suite", "nope", "--out", d.out],
    expect: ['mcp-slo: --suite nope: scenarios/suites.yaml defines no suite "nope"', "hint: its suites: default, load, servers"],
  },
  {
    name: "run: a malformed suites file (missing entry, file named twice, empty suite, not a list)",
    args: (d) => ["run", "--suite", "mine", "--suites-file", `${CORPUS}/suites/bad-suites.yaml`, "--out", d.out],
    expect: [
      `${CORPUS}/suites/bad-suites.yaml:4: mine[1]: no such scenario file: test/fixtures/no-such-scenario.yaml (paths are relative to ${CORPUS}/suites)`,
      `${CORPUS}/suites/bad-suites.yaml:5: mine[2]: test/fixtures/e2e-generous.yaml is named twice (first at mine[0]); it would run twice`,
      `${CORPUS}/suites/bad-suites.yaml:6: empty: expected at least one scenario file, found []`,
      `${CORPUS}/suites/bad-suites.yaml:7: odd: expected a list, found "e2e-generous.yaml"`,
    ],
  },
  {
    name: "run: an alias bomb in a suites file",
    args: (d) => ["run", "--suite", "a", "--suites-file", `${CORPUS}/suites/alias-bomb-suites.yaml`, "--out", d.out],
    expect: [`${CORPUS}/suites/alias-bomb-suites.yaml:4: not valid YAML: its aliases expand to more than 100 copies`],
  },
  {
    name: "run: a suites file that is a FIFO",
    args: (d) => ["run", "--suite", "a", "--suites-file", fifo(), "--out", d.out],
    expect: [`${fifo()}: cannot read the suites file: it is a FIFO`],
  },
  {
    name: "run: a file in a suite and again on the command line",
    args: (d) => ["run", "--suite", "default", "scenarios/coordination.yaml", "--out", d.out],
    expect: ['scenarios/coordination.yaml: named twice (suite "default" (scenarios/suites.yaml:8) and the command line); it would run twice'],
  },
  {
    name: "run: one file named twice",
    args: (d) => ["run", VALID, `./${VALID}`, "--out", d.out],
    expect: [`./${VALID}: named twice (both on the command line); it would run twice`],
  },
  {
    name: "run: --live without the API token",
    args: (d) => ["run", "scenarios/server-github.yaml", "--live", "--out", d.out],
    env: { GITHUB_PERSONAL_ACCESS_TOKEN: "" },
    expect: [
      "mcp-slo: live mode needs the API tokens of its servers in the environment",
      "not set: GITHUB_PERSONAL_ACCESS_TOKEN (server github, scenario scenarios/server-github.yaml)",
    ],
  },
  {
    name: "run: control characters in a flag's value are shown escaped",
    args: (d) => ["run", VALID, "--profile", "\x1b[2J\x1b]0;pwned\x07", "--out", d.out],
    expect: ['--profile: expected a profile name: a lower-case letter, then up to 39 lower-case letters, digits, - or _, got "\\x1b[2J\\x1b]0;pwned\\x07"'],
  },
  // --out
  { name: "run: --out is a file", args: () => ["run", VALID, "--out", aFile()], expect: [`mcp-slo: --out ${aFile()}: it is a file, not a directory`] },
  {
    name: "run: --out under a file",
    args: () => ["run", VALID, "--out", path.join(aFile(), "run1")],
    expect: [`mcp-slo: --out ${path.join(aFile(), "run1")}: cannot be created: ${aFile()} is a file, not a directory`],
  },
  { name: "run: --out empty", args: () => ["run", VALID, "--out", ""], expect: ['mcp-slo: --out "": expected a directory path'] },
  {
    name: "run: --out under a device",
    args: () => ["run", VALID, "--out", "/dev/null/run1"],
    expect: ["mcp-slo: --out /dev/null/run1: cannot be created: /dev/null is a device, not a directory"],
  },
  {
    name: "run: --out where the file system refuses (/proc)",
    args: () => ["run", VALID, "--out", "/proc/mcp-slo-run1"],
    expect: ["mcp-slo: --out /proc/mcp-slo-run1: cannot be created: the file system refuses to create it there (ENOENT)"],
  },
  {
    name: "run: --out not writable",
    args: () => ["run", VALID, "--out", path.join(WORK, "read-only", "run1")],
    expect: [`mcp-slo: --out ${path.join(WORK, "read-only", "run1")}: cannot be created: ${path.join(WORK, "read-only")} is not writable (permission denied)`],
    unprivileged: true,
  },
  // validate
  { name: "validate: no file", args: () => ["validate"], expect: ["error: missing required argument 'file'"] },
  // evaluate: refused before Prometheus (nothing listens on port 9) is asked anything
  {
    name: "evaluate: no --prometheus",
    args: () => ["evaluate", VALID, "--from", "1", "--to", "2"],
    expect: ["error: required option '--prometheus <url>' not specified"],
  },
  {
    name: "evaluate: --prometheus not http",
    args: () => ["evaluate", VALID, ...PROM, "--prometheus", "ftp://127.0.0.1/"],
    expect: ['mcp-slo: --prometheus: expected an http(s) URL, got "ftp://127.0.0.1/"'],
  },
  {
    name: "evaluate: --prometheus not a URL",
    args: () => ["evaluate", VALID, ...PROM, "--prometheus", "prometheus"],
    expect: ['mcp-slo: --prometheus: expected a URL such as http://127.0.0.1:9090, got "prometheus"'],
  },
  {
    name: "evaluate: --from not a time",
    args: () => ["evaluate", VALID, ...PROM, "--from", "yesterday"],
    expect: ['mcp-slo: --from: expected an ISO 8601 time (2026-01-31T12:00:00Z) or unix seconds (up to the year 9999), got "yesterday"'],
  },
  {
    name: "evaluate: --from of 400 digits",
    args: () => ["evaluate", VALID, ...PROM, "--from", "9".repeat(400)],
    expect: ['mcp-slo: --from: expected an ISO 8601 time (2026-01-31T12:00:00Z) or unix seconds (up to the year 9999), got "999'],
  },
  {
    name: "evaluate: --to before --from",
    args: () => ["evaluate", VALID, ...PROM, "--to", "2026-01-31T11:00:00Z"],
    expect: ["mcp-slo: --to (2026-01-31T11:00:00.000Z) must be after --from (2026-01-31T12:00:00.000Z)"],
  },
  {
    name: "evaluate: --latency-metric not a metric name",
    args: () => ["evaluate", VALID, ...PROM, "--latency-metric", 'x{a="b"} or vector(1)'],
    expect: ["mcp-slo: --latency-metric: expected a Prometheus metric name such as k6_mcp_calls_total"],
  },
  {
    name: "evaluate: --matchers not label matchers",
    args: () => ["evaluate", VALID, ...PROM, "--matchers", "}) or vector(1"],
    expect: ['mcp-slo: --matchers: expected label matchers such as testid="nightly-42"'],
  },
  {
    name: "evaluate: --out under a file",
    args: () => ["evaluate", VALID, ...PROM, "--out", path.join(aFile(), "eval")],
    expect: [`mcp-slo: --out ${path.join(aFile(), "eval")}: cannot be created: ${aFile()} is a file, not a directory`],
  },
  {
    name: "evaluate: --profile nightly on a file without it",
    args: (d) => ["evaluate", VALID, ...PROM, "--profile", "nightly", "--out", d.out],
    expect: [`${VALID}:1: (top level): no profile "nightly" (--profile nightly)`],
  },
  {
    name: "evaluate: a scenario that is a FIFO",
    args: (d) => ["evaluate", fifo(), ...PROM, "--out", d.out],
    expect: [`${fifo()}: cannot read the scenario file: it is a FIFO`],
  },
  {
    name: "evaluate: an invalid scenario",
    args: (d) => ["evaluate", `${CORPUS}/bound-duration-zero.yaml`, ...PROM, "--out", d.out],
    expect: [`${CORPUS}/bound-duration-zero.yaml:6: duration: expected a duration between 1ms and 24h, found "0s"`],
  },
  // monitor
  {
    name: "monitor: --interval 0s",
    args: () => ["monitor", "--interval", "0s", "--port", "0"],
    expect: ['mcp-slo: --interval: expected a duration between 100ms and 1h, got "0s"'],
  },
  {
    name: "monitor: --interval of 400 digits",
    args: () => ["monitor", "--interval", `${"9".repeat(400)}s`, "--port", "0"],
    expect: ["mcp-slo: --interval: expected a duration between 100ms and 1h, such as"],
  },
  {
    name: "monitor: --duration 0s",
    args: () => ["monitor", "--duration", "0s", "--port", "0"],
    expect: ['mcp-slo: --duration: expected a duration between 1s and 720h, got "0s"'],
  },
  {
    name: "monitor: --port out of range",
    args: () => ["monitor", "--port", "99999"],
    expect: ['mcp-slo: --port: expected a port number 0..65535, got "99999"'],
  },
  {
    name: "monitor: --host not loopback",
    args: () => ["monitor", "--host", "0.0.0.0", "--port", "0"],
    expect: ["mcp-slo: refusing to serve metrics on 0.0.0.0"],
  },
  {
    name: "monitor: a probe file that does not exist",
    args: () => ["monitor", "probes/no-such.yaml", "--port", "0"],
    expect: ["probes/no-such.yaml: cannot read the probe file: no such file (ENOENT)"],
  },
  {
    name: "monitor: a probe file that is a FIFO",
    args: () => ["monitor", fifo(), "--port", "0"],
    expect: [`${fifo()}: cannot read the probe file: it is a FIFO`],
  },
  {
    name: "monitor: a probe file with an interval of 10ms, an unknown server, a timeout of 11m",
    args: () => ["monitor", `${CORPUS}/probes/bad-probes.yaml`, "--port", "0"],
    expect: [
      `${CORPUS}/probes/bad-probes.yaml:2: interval: expected a duration between 100ms and 1h, found "10ms"`,
      `${CORPUS}/probes/bad-probes.yaml:4: probes[0].server: unknown server "redys"`,
      `${CORPUS}/probes/bad-probes.yaml:5: probes[1].timeout: expected a duration between 1ms and 10m, found "11m"`,
    ],
  },
  // bridge
  { name: "bridge: no --server", args: () => ["bridge"], expect: ["error: required option '--server <name>' not specified"] },
  { name: "bridge: --server not in the catalog", args: () => ["bridge", "--server", "nope"], expect: ['mcp-slo: --server: no catalog server named "nope"'] },
  {
    name: "bridge: --port not a number",
    args: () => ["bridge", "--server", "memory", "--port", "http"],
    expect: ['mcp-slo: --port: expected a port number 0..65535, got "http"'],
  },
  {
    name: "bridge: --host not loopback",
    args: () => ["bridge", "--server", "memory", "--host", "0.0.0.0", "--port", "0"],
    expect: ["mcp-slo: refusing to serve MCP on 0.0.0.0"],
  },
  {
    name: "bridge: --wait of 2h",
    args: () => ["bridge", "--server", "memory", "--wait", "2h", "--port", "0"],
    expect: ['mcp-slo: --wait: expected a duration between 0s and 1h, got "2h"'],
  },
  {
    name: "bridge: a server that needs Redis, without --redis-url",
    args: () => ["bridge", "--server", "redis", "--port", "0"],
    env: { MCP_SLO_REDIS_URL: "" },
    expect: ["mcp-slo: --server redis needs redis: give --redis-url (or MCP_SLO_REDIS_URL)"],
  },
  {
    name: "bridge: --redis-url not a Redis URL",
    args: () => ["bridge", "--server", "redis", "--redis-url", "http://127.0.0.1:6379", "--port", "0"],
    expect: ['mcp-slo: --redis-url: expected a redis:// or rediss:// URL, got "http://127.0.0.1:6379"'],
  },
  {
    name: "bridge: --postgres-url with a password, not a URL",
    args: () => ["bridge", "--server", "postgres", "--postgres-url", "postgres//u:secret@db", "--port", "0"],
    expect: ["mcp-slo: --postgres-url: expected a postgres:// or postgresql:// URL"],
  },
  {
    name: "bridge: --sandbox under a file",
    args: () => ["bridge", "--server", "filesystem", "--sandbox", path.join(aFile(), "sandbox"), "--port", "0"],
    expect: [`mcp-slo: --sandbox ${path.join(aFile(), "sandbox")}: cannot be created: ${aFile()} is a file, not a directory`],
  },
  // the command itself
  { name: "an unknown subcommand", args: () => ["frobnicate"], expect: ["error: unknown command 'frobnicate'"] },
];

describe.concurrent("flags of every subcommand", () => {
  beforeAll(() => {
    writeFileSync(aFile(), "not a directory\n");
    writeFileSync(
      smokeOnly(),
      [
        "name: smoke-only",
        "servers: [redis]",
        "agents: 1",
        "duration: 1s",
        "workload:",
        "  kind: mix",
        "  calls:",
        '    - { server: redis, tool: get, args: { key: "k" } }',
        "profiles:",
        "  smoke: { agents: 1 }",
        "  ci: { agents: 1 }",
        "",
      ].join("\n"),
    );
    mkdirSync(path.join(WORK, "read-only"));
    chmodSync(path.join(WORK, "read-only"), 0o555);
  });

  it.for(FLAG_CASES.map((c) => c.name))("%s", async (name, { expect: e }) => {
    const c = FLAG_CASES.find((x) => x.name === name)!;
    const dir = newCaseDir();
    const before = statSync(aFile()).mtimeMs;
    const r = await runCase(c.args(dir), dir, { ...(c.env && { env: c.env }), ...(c.unprivileged && { prefix: UNPRIVILEGED }) });
    await expectRefused(e, r, dir, c.expect);
    // A refused --out that named an existing file leaves it as it was.
    e(readFileSync(aFile(), "utf8")).toBe("not a directory\n");
    e(statSync(aFile()).mtimeMs).toBe(before);
    if (c.args(dir).includes("/proc/mcp-slo-run1")) e(existsSync("/proc/mcp-slo-run1")).toBe(false);
  });
});

it("the corpus holds at least 60 cases", () => {
  expect(FIXTURES.length + MADE_FILES.length + FLAG_CASES.length).toBeGreaterThanOrEqual(60);
});

describe("the largest values accepted", () => {
  it("run for real without a timer overflow (callTimeout 1h, startTimeout 1h: no TimeoutOverflowWarning)", async () => {
    const dir = newCaseDir();
    const r = await runCase(["run", `${CORPUS}/largest/largest-timeouts.yaml`, "--out", dir.out, "--trace-sample", "0"], dir);
    const t = transcript(r);
    expect(r.code, t).toBe(0);
    expect(r.stderr, t).not.toMatch(/TimeoutOverflowWarning|Warning:/);
    expect(r.stdout, t).toMatch(/PASS +largest-timeouts generous/);
    expect(
      readdirSync(dir.tmp).filter((n) => !n.startsWith("tsx-")),
      "temp dirs left (only the outputs stay)",
    ).toEqual(["out"]);
    expect(await processesWithTmpdir(dir.tmp), "processes left").toEqual([]);
  }, 180_000);
});
