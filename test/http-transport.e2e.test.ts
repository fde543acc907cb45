/**
 * End to end: a scenario with `transport: http` run through the CLI. The agents reach redis (the
 * stdio server behind the in-harness HTTP bridge) and everything (native Streamable HTTP), each
 * through a Toxiproxy hop client->server; the run completes and leaves no process behind.
 */
import { afterAll, describe, expect, it } from "vitest";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, transcript as transcriptOf } from "./support/cli.js";

afterAll(removeOutDirs);

describe("transport: http", () => {
  it("runs redis (bridged) and everything (native) over Streamable HTTP through Toxiproxy, and cleans up", async () => {
    const out = await newOutDir("e2e-http-");
    const r = await runCli(["run", "test/fixtures/e2e-http-transport.yaml", "--out", out], { timeoutMs: 120_000 });
    const transcript = transcriptOf(r);
    expect([0, 1], transcript).toContain(r.code);
    const record = await readRecord(out);
    const scenario = record.scenarios[0]!;
    expect(scenario.status, transcript).toBe("completed");
    expect(scenario.servers.map((s) => [s.name, s.transport])).toEqual([
      ["redis", "http"],
      ["everything", "http"],
    ]);
    expect(scenario.servers.every((s) => s.startToReadyMs.sessions === 2)).toBe(true);
    const okCalls = (server: string) => scenario.latency.filter((l) => l.server === server && l.outcome === "ok").reduce((n, l) => n + l.count, 0);
    expect(okCalls("redis"), transcript).toBeGreaterThan(0);
    expect(okCalls("everything"), transcript).toBeGreaterThan(0);

    await expectNothingLeft(record.runId);
  }, 150_000);
});
