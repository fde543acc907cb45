/**
 * End to end: `driver: autocannon` through the CLI. autocannon sends raw JSON-RPC tools/call
 * requests over MCP Streamable HTTP, one MCP session per connection, to redis (the stdio server
 * behind the in-harness HTTP bridge) and everything (native), each through its Toxiproxy hop;
 * closed model and open model. The run completes, both servers have latency rows, ok calls
 * dominate, and no process of the run outlives it.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../src/results/types.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, transcript as transcriptOf } from "./support/cli.js";

afterAll(removeOutDirs);

async function runAndCheck(fixture: string): Promise<{ record: RunRecord; transcript: string }> {
  const out = await newOutDir("e2e-autocannon-");
  const r = await runCli(["run", fixture, "--out", out], { timeoutMs: 120_000 });
  const transcript = transcriptOf(r);
  expect([0, 1], transcript).toContain(r.code);
  const record = await readRecord(out);
  const scenario = record.scenarios[0]!;
  expect(scenario.status, transcript).toBe("completed");
  const calls = (server: string, outcomes: string[]) =>
    scenario.latency.filter((l) => l.server === server && outcomes.includes(l.outcome)).reduce((n, l) => n + l.count, 0);
  for (const server of ["redis", "everything"]) {
    expect(scenario.latency.some((l) => l.server === server && l.count > 0), `latency rows for ${server}\n${transcript}`).toBe(true);
    const ok = calls(server, ["ok"]);
    const failed = calls(server, ["error", "timeout"]);
    expect(ok, `${server}: ${ok} ok, ${failed} failed\n${transcript}`).toBeGreaterThan(10);
    expect(ok, `${server}: ${ok} ok, ${failed} failed\n${transcript}`).toBeGreaterThan(failed * 9);
  }
  expect(r.stderr + r.stdout, transcript).toMatch(/autocannon measure: redis \d+ conn/);

  await expectNothingLeft(record.runId);
  return { record, transcript };
}

describe("driver: autocannon", () => {
  it("closed model: 4 agents drive redis (bridged) and everything (native), and the run cleans up", async () => {
    const { record } = await runAndCheck("test/fixtures/e2e-autocannon.yaml");
    expect(record.scenarios[0]!.servers.map((s) => [s.name, s.transport])).toEqual([["redis", "http"], ["everything", "http"]]);
  }, 150_000);

  it("open model at 200/s: arrivals split by weight, corrected samples logged, and the run cleans up", async () => {
    const { transcript } = await runAndCheck("test/fixtures/e2e-autocannon-open.yaml");
    expect(transcript).toMatch(/redis \d+ conn 100\/s, everything \d+ conn 100\/s/);
    expect(transcript).toMatch(/coordinated-omission correction added \d+ samples/);
  }, 150_000);
});
