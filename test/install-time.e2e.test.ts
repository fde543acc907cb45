/**
 * End to end: install.time measured for real. The CLI runs scenarios/install-time.yaml (smoke:
 * the memory server), which cold-installs @modelcontextprotocol/server-memory from the npm registry
 * into empty temp dirs, starts the fresh copy and judges install.time and server.start_to_ready.
 * Also: an unreachable registry is an environment error (exit 3) naming it, an install stopped at
 * its limit is a result, and Ctrl-C during an install leaves no process and no temp dir.
 *
 * These reach the npm registry (allowed: a registry, not a SaaS). Skipped, loudly, only when it
 * cannot be reached from here; every other failure is a failure.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { findServer, packageVersion } from "../src/catalog/servers.js";
import { measureInstall } from "../src/install/measure-install.js";
import { type CliResult, expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, startCli, transcript as transcriptOf } from "./support/cli.js";
import { registriesPerTest } from "../src/testing/registry.js";

afterAll(removeOutDirs);
const newRegistry = registriesPerTest();

const PKG = "@modelcontextprotocol/server-memory";
const reachable = await promisify(execFile)("npm", ["view", `${PKG}@${packageVersion(PKG)}`, "version"], { timeout: 60_000 }).then(
  () => true,
  (err: unknown) => {
    console.warn(`SKIPPED install-time e2e: the npm registry cannot be reached from here (npm view ${PKG}: ${(err as Error).message.split("\n")[0]})`);
    return false;
  },
);

describe.skipIf(!reachable)("install.time, measured", () => {
  it("cold-installs the memory server from npm and judges install time and start-to-ready with measured values", async () => {
    const out = await newOutDir("e2e-install-");
    const r = await runCli(["run", "scenarios/install-time.yaml", "--profile", "smoke", "--out", out], { timeoutMs: 600_000 });
    const transcript = transcriptOf(r);
    expect([0, 1], transcript).toContain(r.code);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status, transcript).toBe("completed");
    const [inst] = s.install!;
    expect(inst).toMatchObject({ server: "memory", package: PKG, version: packageVersion(PKG), registry: "npm", outcome: "installed" });
    // A cold npm install downloads ~100 packages: it cannot take a few milliseconds.
    expect(inst!.installMs).toBeGreaterThan(500);
    expect(inst!.command).toContain("--cache <tmp>/npm-cache");
    expect(inst!.startToReadyMs).toBeGreaterThan(0);

    const install = s.slos.find((x) => x.id === "install.time@memory")!;
    expect(["pass", "fail"], transcript).toContain(install.verdict);
    expect(install.measured).toBeCloseTo(inst!.installMs, 3);
    expect(install.verdict).toBe(inst!.installMs < 5 * 60_000 ? "pass" : "fail");
    expect(install.reason).toMatch(/registry download included/);
    const ready = s.slos.find((x) => x.id === "server.start_to_ready@memory")!;
    expect(ready.measured).toBeCloseTo(inst!.startToReadyMs!, 3);
    expect(["pass", "fail"]).toContain(ready.verdict);
    expect(s.servers[0]!.startToReadyMs.sessions).toBe(1);

    await expectNothingLeft(record.runId);
  }, 660_000);

  it("an unreachable registry is an environment error (exit 3) that names it, not a failed SLO", async () => {
    const out = await newOutDir("e2e-install-nonet-");
    // npm reads its registry from the environment: a closed loopback port stands in for "no network".
    const saved = { registry: process.env.npm_config_registry, retries: process.env.npm_config_fetch_retries };
    process.env.npm_config_registry = "http://127.0.0.1:9/";
    process.env.npm_config_fetch_retries = "0";
    let r: CliResult;
    try {
      r = await runCli(["run", "scenarios/install-time.yaml", "--profile", "smoke", "--out", out], { timeoutMs: 180_000 });
    } finally {
      for (const [k, v] of [
        ["npm_config_registry", saved.registry],
        ["npm_config_fetch_retries", saved.retries],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const transcript = transcriptOf(r);
    expect(r.code, transcript).toBe(3);
    expect(r.stdout + r.stderr).toMatch(
      /memory: cold install of @modelcontextprotocol\/server-memory@\S+ from the npm registry failed: could not reach the npm registry/,
    );
    const record = await readRecord(out);
    expect(record.scenarios[0]!.status).toBe("error");
    expect(record.scenarios[0]!.slos.every((x) => x.verdict !== "fail")).toBe(true);
    await expectNothingLeft(record.runId);
  }, 200_000);

  it("stops an install at its limit (a result) and removes its temp dir", async () => {
    const registry = newRegistry();
    const r = await measureInstall({ def: findServer("memory")!, registry, limitMs: 200, startToReady: false });
    expect([r.outcome, r.installMs]).toEqual(["timeout", 200]);
    // registriesPerTest checks no process of the run is left; the dir is removed at once.
    expect(registry.tempDirs.length).toBe(1);
    const { existsSync } = await import("node:fs");
    expect(existsSync(registry.tempDirs[0]!)).toBe(false);
  });

  it("Ctrl-C during an install: exit 130, no process, no temp dir left", async () => {
    const out = await newOutDir("e2e-install-int-");
    let sent = false;
    const run = startCli(["run", "scenarios/install-time.yaml", "--profile", "smoke", "--out", out], {
      timeoutMs: 180_000,
      onStderr: (text, child) => {
        if (!sent && text.includes("cold install of memory")) {
          sent = true;
          // Give npm a moment to be mid-download, then interrupt.
          setTimeout(() => child.kill("SIGINT"), 700);
        }
      },
    });
    const r = await run.done;
    expect(r.code, transcriptOf(r)).toBe(130);
    const record = await readRecord(out);
    expect(record.status).toBe("interrupted");
    await expectNothingLeft(record.runId);
  }, 200_000);
});
