/**
 * Every MCP method a workload step can send (issue 19), end to end: the real CLI runs
 * scenarios/methods-reference.yaml against the reference server and the record must hold, for each
 * method, requests that were answered, a latency verdict of its own resting on exactly that method's
 * samples, message sizes that match what was sent, and the resource updates its subscriptions brought.
 * Then a server that does not declare a method the file sends: exit 3 at start, naming the server,
 * the method and the path in the file, before any load.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MCP_METHODS } from "../src/contracts/mcp-methods.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, transcript } from "./support/cli.js";

afterEach(removeOutDirs);

const GUARD = { timeoutMs: 180_000 };
const scratch: string[] = [];
afterAll(async () => Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true }))));

describe("scenarios/methods-reference.yaml against the reference server (smoke profile)", () => {
  it("measures and judges every method on its own, counts the subscriptions' updates and the bytes of each message", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", "scenarios/methods-reference.yaml", "--profile", "smoke", "--out", out], GUARD);
    // The targets are generous; on a loaded machine a p95 may still miss one: a verdict either way, never a harness error.
    expect([0, 1], transcript(r)).toContain(r.code);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status, transcript(r)).toBe("completed");

    const methods = s.methods ?? [];
    expect(methods.map((m) => m.method).sort()).toEqual([...MCP_METHODS].sort());
    for (const m of methods) {
      expect(m.server).toBe("everything");
      expect(m.calls, m.method).toBeGreaterThan(0);
      // The reference server answers every one of these; a failure would be a harness bug (a wrong request).
      expect(m.ok, `${m.method}: ${JSON.stringify(s.errors.filter((e) => e.method === m.method || e.tool === m.method))}`).toBe(m.calls);
      expect(m.p50).toBeGreaterThan(0);
      expect(m.p50).toBeLessThanOrEqual(m.p95);
      expect(m.p95).toBeLessThanOrEqual(m.p99);
      // Its own verdict, on exactly its own samples (ok and timed-out requests of that method, nothing else).
      const slo = s.slos.find((x) => x.scope.method === m.method && x.metric === "latency.p95");
      expect(slo, `a latency SLO scoped to ${m.method}`).toBeDefined();
      expect(slo!.samples).toBe(m.ok + m.timeouts);
      expect(["pass", "fail", "inconclusive"]).toContain(slo!.verdict);
      if (slo!.verdict !== "inconclusive") expect(slo!.measured).toBeCloseTo(m.p95, 1);
    }
    // The weights (2 of 12 for tools/call and resources/read, 1 for the others) show in the counts.
    const count = (method: string) => methods.find((m) => m.method === method)!.calls;
    expect(count("resources/read")).toBeGreaterThan(count("ping"));

    // A method's rows never mix with a tool's: the tool call rows are the tools only.
    // (The setup's toggle-subscriber-updates went out in the warm-up.)
    expect((s.calls ?? []).filter((c) => c.method === undefined).map((c) => c.tool)).toEqual(["echo"]);
    expect((s.calls ?? []).filter((c) => c.method !== undefined).map((c) => c.tool)).toEqual(
      (s.calls ?? []).filter((c) => c.method !== undefined).map((c) => c.method),
    );

    // Subscribed URIs get an update every 5 s once the setup step turned them on: a 12 s window sees some.
    const updated = (s.notifications ?? []).find((n) => n.method === "notifications/resources/updated");
    expect(updated?.count ?? 0, JSON.stringify(s.notifications)).toBeGreaterThan(0);

    // Message sizes: a ping is {"method":"ping","jsonrpc":"2.0","id":N}, 39 bytes and the id's digits.
    const payload = (method: string, tool?: string) => s.payload!.find((p) => p.method === method && p.tool === tool)!;
    const ping = payload("ping");
    expect(ping.unmetered).toBe(0);
    expect(ping.request.count).toBe(count("ping"));
    expect(ping.request.p50).toBeGreaterThanOrEqual(39 + 1);
    expect(ping.request.max).toBeLessThanOrEqual(39 + 7);
    // An echo's argument is {{bytes 1024}}: its request carries the 1024 bytes and an envelope, its answer echoes them.
    const echo = payload("tools/call", "echo");
    expect(echo.request.mean).toBeGreaterThan(1024);
    expect(echo.request.mean).toBeLessThan(1024 + 200);
    expect(echo.response.p50).toBeGreaterThan(1024);
    expect(echo.response.count).toBe(echo.request.count);

    // What people read: the per-method table in the report, and in the summary.
    const report = await readFile(path.join(out, "report.html"), "utf8");
    for (const method of MCP_METHODS) expect(report).toContain(`data-method="${method}"`);
    expect(report).toContain("Message sizes");
    const summary = await readFile(path.join(out, "summary.md"), "utf8");
    expect(summary).toContain("completion/complete");
    await expectNothingLeft(record.runId);
  }, 200_000);
});

describe("a method the server does not declare", () => {
  it("is exit 3 at start, naming the server, the method and its path in the file", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "methods-undeclared-"));
    scratch.push(dir);
    const file = path.join(dir, "undeclared.yaml");
    // The memory server declares tools and resources, no prompts.
    await writeFile(
      file,
      [
        "name: undeclared-method",
        "servers: [memory]",
        "agents: 1",
        "duration: 2s",
        "workload:",
        "  kind: mix",
        "  calls:",
        "    - { server: memory, tool: read_graph }",
        "    - { server: memory, method: prompts/list }",
        "",
      ].join("\n"),
    );
    const out = await newOutDir();
    const r = await runCli(["run", file, "--out", out], GUARD);
    expect(r.code, transcript(r)).toBe(3);
    expect(r.stderr + r.stdout).toContain(
      'server "memory" does not declare the prompts capability, so it need not answer prompts/list (workload.calls[1].method)',
    );
  }, 120_000);
});
