/**
 * scripts/setup.sh leaves nothing behind when it is interrupted: a Ctrl-C or a kill during its
 * longest steps (npm ci, a go build) once left its temp log in /tmp (seen after a CI run was
 * stopped mid-setup). The script is run from a copy in a temp project whose npm is a stand-in that
 * only waits, so the test reaches the npm step at once and touches nothing of this repository.
 */
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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
