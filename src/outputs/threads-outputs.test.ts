/**
 * The threads driver's per-thread health (results.json load.threads) in the outputs: its schema and
 * the report's load generator block, where one late thread is a warning however punctual the rest.
 * The measurement is src/drivers/threads-driver.integration.test.ts.
 */
import { describe, expect, it } from "vitest";
import { sampleRunRecord } from "../../test/support/records.js";
import { RunRecord } from "../results/schema.js";
import type { ThreadHealth } from "../results/types.js";
import { renderHtmlReport } from "./html-report.js";

const WARNING = "The load generator may have been the limit in this scenario";

function withThreads(threads: ThreadHealth[]) {
  const run = sampleRunRecord();
  const load = run.scenarios[0]!.load!;
  load.offered = threads.reduce((n, t) => n + t.offered, 0);
  load.lateSends = threads.reduce((n, t) => n + t.lateSends, 0);
  load.dropped = 0;
  load.generatorCpu = Math.max(...threads.map((t) => t.cpu));
  load.threads = threads;
  return run;
}

const thread = (i: number, over: Partial<ThreadHealth> = {}): ThreadHealth => ({
  thread: i,
  agents: 4,
  offered: 10_000,
  lateSends: 0,
  dropped: 0,
  cpu: 0.4,
  eventLoopDelayP99Ms: 1.2,
  ...over,
});

describe("load.threads in the outputs", () => {
  it("report.html lists each thread's agents, sends, CPU and delay", async () => {
    const html = await renderHtmlReport(withThreads([thread(0), thread(1, { cpu: 0.55, eventLoopDelayP99Ms: 2.5 })]));
    expect(html).toContain(
      "thread 0: 4 agents, 10,000 sent, 0 late or dropped, 40 % CPU, delay p99 1.2 ms; thread 1: 4 agents, 10,000 sent, 0 late or dropped, 55 % CPU, delay p99 2.5 ms",
    );
    expect(html).toContain("55 % of one core (the busiest load thread)");
    expect(html).not.toContain(WARNING);
  });

  it("one thread late on more than 1 % of its sends warns, though the run's total is under 1 %", async () => {
    const run = withThreads([thread(0, { offered: 200, lateSends: 10 }), thread(1, { offered: 20_000 })]);
    const load = run.scenarios[0]!.load!;
    expect(load.lateSends / load.offered).toBeLessThan(0.01);
    expect(await renderHtmlReport(run)).toContain(WARNING);
  });

  it("results.json: in its schema; a run of another driver has none", async () => {
    const run = withThreads([thread(0)]);
    expect(RunRecord.safeParse(JSON.parse(JSON.stringify(run))).success).toBe(true);
    const bad = JSON.parse(JSON.stringify(run));
    bad.scenarios[0].load.threads[0].cpu = "busy";
    expect(RunRecord.safeParse(bad).success).toBe(false);
    expect(await renderHtmlReport(sampleRunRecord())).not.toContain("load threads");
  });
});
