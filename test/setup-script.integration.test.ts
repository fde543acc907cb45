/**
 * scripts/setup.sh leaves nothing behind when it is interrupted: a Ctrl-C or a kill during its
 * longest steps (npm ci, a go build) once left its temp log in /tmp (seen after a CI run was
 * stopped mid-setup). The script is run from a copy in a temp project whose npm is a stand-in that
 * only waits, so the test reaches the npm step at once and touches nothing of this repository.
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const project = mkdtempSync(path.join(tmpdir(), "mcp-slo-setup-test-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** The script's own temp files live in the temp dir of the environment it runs with: a private one here. */
const scriptTmp = path.join(project, "tmp");
const shim = path.join(project, "shim");
const STARTED = path.join(project, "npm-started");

function prepare(): void {
  mkdirSync(path.join(project, "scripts"), { recursive: true });
  mkdirSync(scriptTmp, { recursive: true });
  mkdirSync(shim, { recursive: true });
  copyFileSync(path.join(ROOT, "scripts", "setup.sh"), path.join(project, "scripts", "setup.sh"));
  // No node_modules: setup goes to `npm ci`, which is this stand-in: it says it started, then waits.
  writeFileSync(path.join(project, "package-lock.json"), "{}\n");
  // Its output goes to setup's log, so it says it started with a file.
  writeFileSync(path.join(shim, "npm"), `#!/bin/sh\n: > "${STARTED}"\nexec sleep 30\n`);
  chmodSync(path.join(shim, "npm"), 0o755);
}

function runUntilNpm(signal: NodeJS.Signals): Promise<{ code: number | null; leftBefore: string[]; leftAfter: string[] }> {
  const child = spawn("bash", ["scripts/setup.sh"], {
    cwd: project,
    env: { ...process.env, PATH: `${shim}:${process.env.PATH}`, TMPDIR: scriptTmp },
    // Its own process group, as a terminal's foreground job: the signal reaches bash and npm alike.
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  let leftBefore: string[] = [];
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      clearInterval(poll);
      process.kill(-(child.pid as number), "SIGKILL");
      reject(new Error(`setup.sh did not reach npm or did not end; stderr: ${stderr}`));
    }, 60_000);
    // Bounded by the guard above.
    const poll = setInterval(() => {
      if (!existsSync(STARTED)) return;
      clearInterval(poll);
      leftBefore = readdirSync(scriptTmp);
      process.kill(-(child.pid as number), signal);
    }, 50);
    child.on("close", (code) => {
      clearTimeout(guard);
      clearInterval(poll);
      rmSync(STARTED, { force: true });
      resolve({ code, leftBefore, leftAfter: readdirSync(scriptTmp) });
    });
  });
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

/**
 * The conformance step (npm ci of scripts/conformance into .tools/conformance) installs into a temp
 * dir beside its place and moves it in once complete: killed during its npm ci, it leaves neither
 * a half tree nor the temp dir. A second temp project gets past the earlier steps (node_modules
 * installed, the Go tools and the Python venv present with their version markers) to reach it.
 */
describe("scripts/setup.sh interrupted in the conformance step", () => {
  const p2 = mkdtempSync(path.join(tmpdir(), "mcp-slo-setup-conf-test-"));
  afterAll(() => rmSync(p2, { recursive: true, force: true }));
  const started = path.join(p2, "npm-started");

  it("SIGTERM during its npm ci: exit 143, no .tools/conformance, no temp dir left", async () => {
    mkdirSync(path.join(p2, "scripts", "conformance"), { recursive: true });
    copyFileSync(path.join(ROOT, "scripts", "setup.sh"), path.join(p2, "scripts", "setup.sh"));
    for (const f of ["package.json", "package-lock.json"])
      copyFileSync(path.join(ROOT, "scripts", "conformance", f), path.join(p2, "scripts", "conformance", f));
    writeFileSync(path.join(p2, "package-lock.json"), "{}\n");
    mkdirSync(path.join(p2, "node_modules"), { recursive: true });
    writeFileSync(path.join(p2, "node_modules", ".package-lock.json"), "{}\n");
    const bin = path.join(p2, ".tools", "bin");
    mkdirSync(bin, { recursive: true });
    // Present at the versions setup.sh pins, as its markers say.
    const setup = readFileSync(path.join(ROOT, "scripts", "setup.sh"), "utf8");
    for (const m of setup.matchAll(/^go_tool (\S+) \S+ (\S+) /gm)) {
      writeFileSync(path.join(bin, m[1]!), "#!/bin/sh\n", { mode: 0o755 });
      writeFileSync(path.join(bin, `.${m[1]}-version`), `${m[2]}\n`);
    }
    const venv = path.join(p2, ".tools", "venv-redis-mcp");
    mkdirSync(path.join(venv, "bin"), { recursive: true });
    writeFileSync(path.join(venv, "bin", "redis-mcp-server"), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(path.join(venv, ".redis-mcp-server-version"), `${/^redis_mcp_version=(\S+)/m.exec(setup)![1]}\n`);
    // The venv step also checks the hash lock it was installed from (scripts/requirements/redis-mcp-server.txt).
    const lock = path.join("scripts", "requirements", "redis-mcp-server.txt");
    mkdirSync(path.join(p2, path.dirname(lock)), { recursive: true });
    copyFileSync(path.join(ROOT, lock), path.join(p2, lock));
    writeFileSync(
      path.join(venv, ".redis-mcp-server-requirements-sha256"),
      `${createHash("sha256")
        .update(readFileSync(path.join(ROOT, lock)))
        .digest("hex")}\n`,
    );
    const shim2 = path.join(p2, "shim");
    mkdirSync(shim2, { recursive: true });
    writeFileSync(path.join(shim2, "npm"), `#!/bin/sh\n: > "${started}"\nexec sleep 30\n`, { mode: 0o755 });

    const child = spawn("bash", ["scripts/setup.sh"], {
      cwd: p2,
      env: { ...process.env, PATH: `${shim2}:${process.env.PATH}` },
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (x: string) => (stderr += x));
    let during: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const guard = setTimeout(() => {
        clearInterval(poll);
        process.kill(-(child.pid as number), "SIGKILL");
        reject(new Error(`setup.sh did not reach the conformance npm ci or did not end; stderr: ${stderr}`));
      }, 60_000);
      // Bounded by the guard above.
      const poll = setInterval(() => {
        if (!existsSync(started)) return;
        clearInterval(poll);
        during = readdirSync(path.join(p2, ".tools"));
        process.kill(-(child.pid as number), "SIGTERM");
      }, 50);
      child.on("close", (c) => {
        clearTimeout(guard);
        clearInterval(poll);
        resolve(c);
      });
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
