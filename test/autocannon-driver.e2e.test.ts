/**
 * End to end: `driver: autocannon` through the CLI. autocannon sends raw JSON-RPC tools/call
 * requests over MCP Streamable HTTP, one MCP session per connection, to redis (the stdio server
 * behind the in-harness HTTP bridge) and everything (native), each through its Toxiproxy hop;
 * closed model and open model. The run completes, both servers have latency rows, ok calls
 * dominate, and no process of the run outlives it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { classifyAnswer, correctionLatencies, findAnswer, splitByWeight } from "../src/drivers/autocannon-driver.js";
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

describe("autocannon driver helpers", () => {
  it("finds the JSON-RPC answer in a JSON body or an SSE stream, skipping notifications", () => {
    const answer = { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "hi" }] } };
    expect(findAnswer(JSON.stringify(answer), 7)).toEqual(answer);
    const sse = `event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{}}\n\nevent: message\ndata: ${JSON.stringify(answer)}\n\n`;
    expect(findAnswer(sse, 7)).toEqual(answer);
    expect(findAnswer(sse, 8)).toBeUndefined();
  });

  it("classifies answers: ok, JSON-RPC error, tool error, non-2xx, no answer, and the kind of each failure", () => {
    expect(classifyAnswer(200, '{"jsonrpc":"2.0","id":1,"result":{"content":[]}}', 1)).toEqual({ outcome: "ok" });
    expect(classifyAnswer(200, '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad"}}', 1)).toMatchObject({ outcome: "error", kind: "tool", error: "JSON-RPC error -32602: bad" });
    expect(classifyAnswer(200, 'data: {"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[{"type":"text","text":"nope"}]}}\n\n', 1)).toMatchObject({ outcome: "error", kind: "tool", error: "tool error: nope" });
    expect(classifyAnswer(404, "Session not found", 1)).toMatchObject({ outcome: "error", kind: "tool", error: "HTTP 404: Session not found" });
    expect(classifyAnswer(200, "", 1)).toMatchObject({ outcome: "error", kind: "protocol" });
    expect(classifyAnswer(200, '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"te', 1)).toMatchObject({ outcome: "error", kind: "protocol" });
    expect(classifyAnswer(200, '{"jsonrpc":"2.0","id":1,"result":{"content":"not a list"}}', 1)).toMatchObject({ outcome: "error", kind: "protocol" });
  });

  it("splits load by weight, every part at least the minimum", () => {
    expect(splitByWeight(4, [2, 2], 1)).toEqual([2, 2]);
    expect(splitByWeight(4, [3, 1], 1)).toEqual([3, 1]);
    expect(splitByWeight(1, [1, 1], 1)).toEqual([1, 1]);
    expect(splitByWeight(200, [1, 2, 1], 1)).toEqual([50, 100, 50]);
  });

  it("corrects for coordinated omission like HdrHistogram's recordValueWithExpectedInterval", () => {
    expect(correctionLatencies(5, 10)).toEqual([]);
    expect(correctionLatencies(35, 10)).toEqual([25, 15]);
    expect(correctionLatencies(40, 10)).toEqual([30, 20, 10]);
    expect(correctionLatencies(40, 0)).toEqual([]);
  });
});
