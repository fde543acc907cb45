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
    expect(
      scenario.latency.some((l) => l.server === server && l.count > 0),
      `latency rows for ${server}\n${transcript}`,
    ).toBe(true);
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
    expect(record.scenarios[0]!.servers.map((s) => [s.name, s.transport])).toEqual([
      ["redis", "http"],
      ["everything", "http"],
    ]);
  }, 150_000);

  it("open model at 200/s: arrivals split by weight, corrected samples logged, and the run cleans up", async () => {
    const { transcript } = await runAndCheck("test/fixtures/e2e-autocannon-open.yaml");
    expect(transcript).toMatch(/redis \d+ conn 100\/s, everything \d+ conn 100\/s/);
    expect(transcript).toMatch(/coordinated-omission correction added \d+ samples/);
  }, 150_000);

  // The orchestrator's t=0 is the recorder's and the fault experiment's (src/window/measure-window.ts): a fault at
  // 1 s shows in the bucket of calls sent from 1 s, with autocannon (which opens its sessions before t=0) as with the
  // sdk driver. Buckets group calls by when they were sent; the toxic delays answers by 800 ms from 1 s to 3 s, so
  // every call sent in [1 s, 2 s) is delayed whole, and of those sent in [0 s, 1 s) only the last few.
  // autocannon sends each second's arrivals in one burst (a per-connection budget), so its medians are higher than the
  // sdk driver's in every second. Its module is loaded in prepare() (it took 0.1 s to seconds after t0 before); its
  // sockets still open at t0 (autocannon connects in its client's constructor): their set-up is in each first call.
  it.each(["sdk", "autocannon"])(
    "%s: a fault at 1 s shows in the calls sent from 1 s, not in those of the first second",
    async (driver) => {
      const out = await newOutDir("e2e-fault-clock-");
      const r = await runCli(["run", "test/fixtures/e2e-autocannon-fault-clock.yaml", "--driver", driver, "--out", out], { timeoutMs: 120_000 });
      const transcript = transcriptOf(r);
      expect([0, 1], transcript).toContain(r.code);
      const record = await readRecord(out);
      const scenario = record.scenarios[0]!;
      expect(
        scenario.faults?.map((f) => [f.injected, f.injectedAtMs !== null && f.injectedAtMs >= 1000 && f.injectedAtMs < 1500]),
        transcript,
      ).toEqual([[true, true]]);
      expect(scenario.timeline.intervalMs).toBe(1000);
      const bucket = (t: number) => scenario.timeline.points.find((p) => p.server === "everything" && p.t === t);
      const [first, second] = [bucket(0), bucket(1000)];
      const shown = JSON.stringify(scenario.timeline.points);
      expect(first?.ok, shown).toBeGreaterThan(10);
      expect(second?.ok, shown).toBeGreaterThan(10);
      // Medians, not maxima: a call sent just before 1 s has its answer delayed. A window shifted by half a second
      // against the fault clock would delay half the first second's calls and bring its median up to the second's.
      expect(second!.p50!, shown).toBeGreaterThanOrEqual(700);
      expect(first!.p50!, shown).toBeLessThan(second!.p50! - 400);
      await expectNothingLeft(record.runId);
    },
    150_000,
  );
});
