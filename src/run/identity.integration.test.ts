/** A run's identity as `git` sees it: the checkout it ran in, the harness's own commit. */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../project-root.js";
import { collectIdentity, gitCheckout, harnessCommit, machineFingerprint } from "./identity.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "identity-test-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function gitIn(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { encoding: "utf8" }).trim();
}

describe("gitCheckout", () => {
  it("gives commit, branch and dirty state of a checkout; null outside one", async () => {
    const dir = await tempDir();
    expect(await gitCheckout(dir)).toBeNull();
    gitIn(dir, "init", "-q", "-b", "nightly");
    expect(await gitCheckout(dir)).toBeNull(); // no commit yet
    await writeFile(path.join(dir, "a.txt"), "one\n");
    gitIn(dir, "add", "a.txt");
    gitIn(dir, "commit", "-q", "-m", "one");
    const head = gitIn(dir, "rev-parse", "HEAD");
    expect(await gitCheckout(dir)).toEqual({ commit: head, branch: "nightly", dirty: false });
    // Untracked files (the run's own reports/) do not make it dirty; a changed tracked file does.
    await writeFile(path.join(dir, "untracked.txt"), "x\n");
    expect((await gitCheckout(dir))?.dirty).toBe(false);
    await writeFile(path.join(dir, "a.txt"), "two\n");
    expect((await gitCheckout(dir))?.dirty).toBe(true);
    gitIn(dir, "checkout", "-q", "--detach", "HEAD");
    expect(await gitCheckout(dir)).toEqual({ commit: head, branch: null, dirty: true });
  });

  it("the harness's commit is its own checkout's, and null for a directory inside another repository", async () => {
    expect(await harnessCommit()).toBe(execFileSync("git", ["-C", PROJECT_ROOT, "rev-parse", "HEAD"], { encoding: "utf8" }).trim());
    const dir = await tempDir();
    gitIn(dir, "init", "-q");
    await writeFile(path.join(dir, "a.txt"), "one\n");
    gitIn(dir, "add", "a.txt");
    gitIn(dir, "commit", "-q", "-m", "one");
    const nested = path.join(dir, "node_modules-like");
    await mkdir(nested);
    expect(await harnessCommit(nested)).toBeNull();
    expect(await harnessCommit(dir)).toBe(gitIn(dir, "rev-parse", "HEAD"));
  });

  it("collects the whole identity: harness commit, provider, tags, machine; no CI outside CI", async () => {
    const identity = await collectIdentity({ provider: "local", tags: { build: "1" }, env: {} });
    expect(identity).toMatchObject({ provider: "local", tags: { build: "1" }, ci: null, machine: machineFingerprint() });
    expect(identity.harness.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("runs git with the least-privilege environment and the run's marker: no token of the harness reaches it", async () => {
    // A `git` first on PATH that writes down its environment, then hands over to the real one.
    const bin = await tempDir();
    const dump = path.join(bin, "env.txt");
    const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    await writeFile(path.join(bin, "git"), `#!/bin/sh\nenv >> "${dump}"\nexec "${realGit}" "$@"\n`, { mode: 0o755 });
    const saved = { PATH: process.env.PATH, GITHUB_PERSONAL_ACCESS_TOKEN: process.env.GITHUB_PERSONAL_ACCESS_TOKEN };
    process.env.PATH = `${bin}:${process.env.PATH}`;
    process.env.GITHUB_PERSONAL_ACCESS_TOKEN = "canary-identity-token";
    try {
      const identity = await collectIdentity({ provider: "local", tags: {}, env: {}, runId: "identity-run-1" });
      expect(identity.harness.commit).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.GITHUB_PERSONAL_ACCESS_TOKEN === undefined) delete process.env.GITHUB_PERSONAL_ACCESS_TOKEN;
      else process.env.GITHUB_PERSONAL_ACCESS_TOKEN = saved.GITHUB_PERSONAL_ACCESS_TOKEN;
    }
    const seen = await readFile(dump, "utf8");
    expect(seen).toContain("MCP_SLO_RUN_ID=identity-run-1");
    expect(seen).not.toContain("canary-identity-token");
  });
});
