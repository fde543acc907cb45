/**
 * End to end: a scenario with `transport: http` run through the CLI. The agents reach redis (the
 * stdio server behind the in-harness HTTP bridge) and everything (native Streamable HTTP), each
 * through a Toxiproxy hop client->server; the run completes and leaves no process behind.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../src/results/types.js";
import { findProcessesOfRun } from "../src/stack/leftovers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(ROOT, "bin", "mcp-slo.js");
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, CI: "true", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const guard = setTimeout(() => child.kill("SIGINT"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("transport: http", () => {
  it("runs redis (bridged) and everything (native) over Streamable HTTP through Toxiproxy, and cleans up", async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), "e2e-http-"));
    dirs.push(out);
    const r = await runCli(["run", "test/fixtures/e2e-http-transport.yaml", "--out", out]);
    const transcript = `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
    expect([0, 1], transcript).toContain(r.code);
    const record = JSON.parse(await readFile(path.join(out, "results.json"), "utf8")) as RunRecord;
    const scenario = record.scenarios[0]!;
    expect(scenario.status, transcript).toBe("completed");
    expect(scenario.servers.map((s) => [s.name, s.transport])).toEqual([["redis", "http"], ["everything", "http"]]);
    expect(scenario.servers.every((s) => s.startToReadyMs.sessions === 2)).toBe(true);
    const okCalls = (server: string) => scenario.latency.filter((l) => l.server === server && l.outcome === "ok").reduce((n, l) => n + l.count, 0);
    expect(okCalls("redis"), transcript).toBeGreaterThan(0);
    expect(okCalls("everything"), transcript).toBeGreaterThan(0);

    let left = await findProcessesOfRun(record.runId);
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((res) => setTimeout(res, 250));
      left = await findProcessesOfRun(record.runId);
    }
    expect(left, "processes of the run still alive").toEqual([]);
  }, 150_000);
});
