/**
 * One scenario, four load drivers: the harness's SDK driver, its threads driver
 * (two threads here), autocannon and k6 run the same MCP Streamable HTTP scenario
 * (--driver) and must give the same kind of verdicts and comparable numbers.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../src/results/types.js";
import { minimumTrialsToProve } from "../src/slo/statistics.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, transcript } from "./support/cli.js";

afterAll(removeOutDirs);

const DRIVERS = ["sdk", "threads", "autocannon", "k6"] as const;
const records = new Map<string, RunRecord>();

describe.each(DRIVERS)("driver %s", (driver) => {
  it("runs the scenario to a verdict for every SLO and leaves nothing behind", async () => {
    const out = await newOutDir();
    // Two threads whatever the machine: the agents really are split (auto would be one on 2 cores).
    const threads = driver === "threads" ? ["--threads", "2"] : [];
    const r = await runCli(["run", "test/fixtures/e2e-http-transport.yaml", "--driver", driver, ...threads, "--out", out]);
    expect([0, 1], transcript(r)).toContain(r.code);
    const rec = await readRecord(out);
    records.set(driver, rec);
    const s = rec.scenarios[0]!;
    expect(s.status).toBe("completed");
    for (const server of ["redis", "everything"]) {
      expect(
        s.latency.filter((l) => l.server === server && l.outcome === "ok").reduce((a, l) => a + l.count, 0),
        `${driver}: ok calls to ${server}`,
      ).toBeGreaterThan(0);
    }
    if (driver === "threads") {
      // One agent per thread, every send counted once, each thread judged on its own health.
      const threads = s.load!.threads!;
      expect(threads.map((t) => t.agents)).toEqual([1, 1]);
      expect(threads.reduce((n, t) => n + t.offered, 0)).toBe(s.load!.offered);
      for (const t of threads) expect(t.offered, JSON.stringify(t)).toBeGreaterThan(0);
    } else expect(s.load!.threads).toBeUndefined();
    await expectNothingLeft(rec.runId);
  });
});

describe("the four drivers", () => {
  it("give the same SLOs the same kind of verdicts, and latencies of one order", () => {
    expect([...records.keys()].sort()).toEqual([...DRIVERS].sort());
    const ids = DRIVERS.map((d) =>
      records
        .get(d)!
        .scenarios[0]!.slos.map((x) => x.id)
        .sort(),
    );
    for (const other of ids.slice(1)) expect(other).toEqual(ids[0]);
    // No driver fails a generous objective on a healthy local stack; where one is inconclusive,
    // it is only because that run had too few samples to prove it (a loaded machine sends fewer).
    for (const d of DRIVERS) {
      for (const slo of records.get(d)!.scenarios[0]!.slos) {
        expect(["pass", "inconclusive"], `${d} ${slo.id}: ${slo.reason}`).toContain(slo.verdict);
        if (slo.verdict === "inconclusive") {
          const need = slo.metric === "success_rate" ? minimumTrialsToProve(0.99) : minimumTrialsToProve(0.5);
          expect(slo.samples, `${d} ${slo.id}: inconclusive with ${slo.samples} samples (${slo.reason})`).toBeLessThan(need);
        }
      }
    }
    // Same endpoint, same concurrency: medians within a factor of 10 of each other (a unit or timing
    // mistake in one driver would be off by 1000).
    const p50 = DRIVERS.map((d) => records.get(d)!.scenarios[0]!.slos.find((x) => x.id === "generous@everything")!.measured!);
    expect(Math.max(...p50) / Math.min(...p50), `p50 ${DRIVERS.join("/")}: ${p50.join(" / ")} ms`).toBeLessThan(10);
  });
});
