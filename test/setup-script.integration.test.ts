/**
 * scripts/setup.sh leaves nothing behind when it is interrupted: a Ctrl-C or a kill during its
 * longest steps (npm ci, a go build) once left its temp log in /tmp (seen after a CI run was
 * stopped mid-setup). The script is run from a copy in a temp project whose npm is a stand-in that
 * only waits, so the test reaches the npm step at once and touches nothing of this repository.
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
/** A temp project dir for the describe block it is made in, removed after it. */
function tempProject(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A stand-in `name` in `shimDir` that says it started with a file (its output goes to setup's log),
 * then waits.
 */
function waitingStandIn(shimDir: string, name: string, started: string): void {
  mkdirSync(shimDir, { recursive: true });
  writeFileSync(path.join(shimDir, name), `#!/bin/sh\n: > "${started}"\nexec sleep 30\n`, { mode: 0o755 });
}

/**
 * Runs setup.sh in `cwd` as its own process group (as a terminal's foreground job: the signal
 * reaches bash and the step's process alike); once `started` exists (a stand-in reached the step
 * under test), reads `during()` and sends `signal` to the group. Resolves with its exit code.
 */
function interruptWhen<T>(opts: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  started: string;
  signal: NodeJS.Signals;
  during: () => T;
}): Promise<{ code: number | null; during: T }> {
  const child = spawn("bash", ["scripts/setup.sh"], { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (x: string) => (stderr += x));
  let during: T | undefined;
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      clearInterval(poll);
      process.kill(-(child.pid as number), "SIGKILL");
      reject(new Error(`setup.sh did not reach the step under test or did not end; stderr: ${stderr}`));
    }, 60_000);
    // Bounded by the guard above.
    const poll = setInterval(() => {
      if (!existsSync(opts.started)) return;
      clearInterval(poll);
      during = opts.during();
      process.kill(-(child.pid as number), opts.signal);
    }, 50);
    child.on("close", (code) => {
      clearTimeout(guard);
      clearInterval(poll);
      if (during === undefined) reject(new Error(`setup.sh ended (code ${code}) before the step under test; stderr: ${stderr}`));
      else resolve({ code, during });
    });
  });
}

const project = tempProject("mcp-slo-setup-test-");

/** The script's own temp files live in the temp dir of the environment it runs with: a private one here. */
const scriptTmp = path.join(project, "tmp");
const shim = path.join(project, "shim");
const STARTED = path.join(project, "npm-started");

function prepare(): void {
  mkdirSync(path.join(project, "scripts"), { recursive: true });
  mkdirSync(scriptTmp, { recursive: true });
  copyFileSync(path.join(ROOT, "scripts", "setup.sh"), path.join(project, "scripts", "setup.sh"));
  // No node_modules: setup goes to `npm ci`, which is this stand-in.
  writeFileSync(path.join(project, "package-lock.json"), "{}\n");
  waitingStandIn(shim, "npm", STARTED);
}

async function runUntilNpm(signal: NodeJS.Signals): Promise<{ code: number | null; leftBefore: string[]; leftAfter: string[] }> {
  try {
    const r = await interruptWhen({
      cwd: project,
      env: { ...process.env, PATH: `${shim}:${process.env.PATH}`, TMPDIR: scriptTmp },
      started: STARTED,
      signal,
      during: () => readdirSync(scriptTmp),
    });
    return { code: r.code, leftBefore: r.during, leftAfter: readdirSync(scriptTmp) };
  } finally {
    rmSync(STARTED, { force: true });
  }
}

describe("scripts/setup.sh interrupted", () => {
  prepare();

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "%s during npm ci: exit %i, its temp log removed",
    async (signal, exitCode) => {
      const r = await runUntilNpm(signal);
      // The log existed while npm ran (so the test saw the step it means), and is gone after.
      expect(r.leftBefore.some((f) => f.startsWith("mcp-slo-setup-npm."))).toBe(true);
      expect(r.code).toBe(exitCode);
      expect(r.leftAfter).toEqual([]);
    },
    90_000,
  );
});

/** The hash lock of the redis-mcp-server venv, which setup.sh reads before its Python step. */
const REDIS_MCP_LOCK = path.join("scripts", "requirements", "redis-mcp-server.txt");

/**
 * A temp project setup.sh gets through up to its Python step: this repository's setup.sh and the
 * lock that step reads, npm's install present (node_modules as its lock says), the Go tools present
 * at the versions it pins.
 */
function projectPastGoTools(dir: string): void {
  mkdirSync(path.join(dir, path.dirname(REDIS_MCP_LOCK)), { recursive: true });
  copyFileSync(path.join(ROOT, REDIS_MCP_LOCK), path.join(dir, REDIS_MCP_LOCK));
  mkdirSync(path.join(dir, "scripts"), { recursive: true });
  copyFileSync(path.join(ROOT, "scripts", "setup.sh"), path.join(dir, "scripts", "setup.sh"));
  writeFileSync(path.join(dir, "package-lock.json"), "{}\n");
  mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  writeFileSync(path.join(dir, "node_modules", ".package-lock.json"), "{}\n");
  const bin = path.join(dir, ".tools", "bin");
  mkdirSync(bin, { recursive: true });
  // Present at the versions setup.sh pins, as its markers say.
  const setup = readFileSync(path.join(ROOT, "scripts", "setup.sh"), "utf8");
  for (const m of setup.matchAll(/^go_tool (\S+) \S+ (\S+) /gm)) {
    writeFileSync(path.join(bin, m[1]!), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(path.join(bin, `.${m[1]}-version`), `${m[2]}\n`);
  }
}

/**
 * pip removes its temp dirs (pip-unpack-*, pip-install-*, its build tracker) only when it ends
 * normally: a setup killed during its pip install once left dozens in /tmp. setup.sh gives pip a
 * TMPDIR of its own temp dir, removed however it ends. Here python3 is a stand-in that makes its
 * venv and, as pip, a pip-unpack dir under the TMPDIR it was given, then waits.
 */
describe("scripts/setup.sh interrupted in its pip install", () => {
  const p3 = tempProject("mcp-slo-setup-pip-test-");
  const started = path.join(p3, "pip-started");

  it("SIGTERM during pip install: exit 143, pip's temp dirs removed with setup's own", async () => {
    projectPastGoTools(p3);
    const tmp = path.join(p3, "tmp");
    mkdirSync(tmp);
    const shim3 = path.join(p3, "shim");
    mkdirSync(shim3);
    writeFileSync(
      path.join(shim3, "python3"),
      [
        "#!/bin/sh",
        // setup's checks (version, the venv module): passed
        'if [ "$1" = -c ]; then exit 0; fi',
        // python3 -m venv DIR: a venv whose python is this stand-in
        'if [ "$1" = -m ] && [ "$2" = venv ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0; fi',
        // python -m pip install ...: unpacks where pip would, says where, waits
        `mkdir "\${TMPDIR:-/tmp}/pip-unpack-stand-in" && printf %s "\${TMPDIR:-/tmp}" > "${started}" && exec sleep 30`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const r = await interruptWhen({
      cwd: p3,
      env: { ...process.env, PATH: `${shim3}:${process.env.PATH}`, TMPDIR: tmp },
      started,
      signal: "SIGTERM",
      during: () => ({ pipTmp: readFileSync(started, "utf8"), tmp: readdirSync(tmp) }),
    });
    // pip's TMPDIR was setup's own temp dir, under the TMPDIR setup was given, and held pip's unpack dir.
    expect(path.dirname(r.during.pipTmp)).toBe(tmp);
    expect(path.basename(r.during.pipTmp)).toMatch(/^mcp-slo-setup-pip\./);
    expect(readdirSync(tmp), "setup's TMPDIR after the kill").toEqual([]);
    expect(r.during.tmp).toContain(path.basename(r.during.pipTmp));
    expect(r.code).toBe(143);
  }, 90_000);
});

/**
 * The conformance step (npm ci of scripts/conformance into .tools/conformance) installs into a temp
 * dir beside its place and moves it in once complete: killed during its npm ci, it leaves neither
 * a half tree nor the temp dir. A second temp project gets past the earlier steps (node_modules
 * installed, the Go tools and the Python venv present with their version markers) to reach it.
 */
describe("scripts/setup.sh interrupted in the conformance step", () => {
  const p2 = tempProject("mcp-slo-setup-conf-test-");
  const started = path.join(p2, "npm-started");

  it("SIGTERM during its npm ci: exit 143, no .tools/conformance, no temp dir left", async () => {
    projectPastGoTools(p2);
    mkdirSync(path.join(p2, "scripts", "conformance"), { recursive: true });
    for (const f of ["package.json", "package-lock.json"])
      copyFileSync(path.join(ROOT, "scripts", "conformance", f), path.join(p2, "scripts", "conformance", f));
    const setup = readFileSync(path.join(ROOT, "scripts", "setup.sh"), "utf8");
    const venv = path.join(p2, ".tools", "venv-redis-mcp");
    mkdirSync(path.join(venv, "bin"), { recursive: true });
    writeFileSync(path.join(venv, "bin", "redis-mcp-server"), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(path.join(venv, ".redis-mcp-server-version"), `${/^redis_mcp_version=(\S+)/m.exec(setup)![1]}\n`);
    // The venv step also checks the hash lock it was installed from.
    writeFileSync(
      path.join(venv, ".redis-mcp-server-requirements-sha256"),
      `${createHash("sha256")
        .update(readFileSync(path.join(ROOT, REDIS_MCP_LOCK)))
        .digest("hex")}\n`,
    );
    const shim2 = path.join(p2, "shim");
    waitingStandIn(shim2, "npm", started);

    const { code, during } = await interruptWhen({
      cwd: p2,
      env: { ...process.env, PATH: `${shim2}:${process.env.PATH}` },
      started,
      signal: "SIGTERM",
      during: () => readdirSync(path.join(p2, ".tools")),
    });
    // It was in the conformance step (its temp dir existed), and nothing of it is left.
    expect(
      during.some((f) => f.startsWith("conformance.tmp-")),
      `.tools during npm ci: ${during.join(", ")}`,
    ).toBe(true);
    expect(code).toBe(143);
    expect(readdirSync(path.join(p2, ".tools")).sort()).toEqual(["bin", "venv-redis-mcp"]);
  }, 90_000);
});
