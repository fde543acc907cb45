/**
 * End-to-end tests of the `load` suite (scenarios/suites.yaml) under the ci
 * profile: the CLI as a child process, real Redis and real MCP servers.
 *
 * What they show:
 *  1. a capacity search over the Redis MCP server and over agent coordination
 *     finds a sustained rate, records every step (offered rate, achieved
 *     throughput, p50/p99, load-generator health) and stops for a stated reason;
 *     the scenario's verdicts are those of the last step that held;
 *  2. the guide's high-concurrency and stress load tests (scaled down) produce
 *     verdicts that cite the guide's lines.
 *
 * About 1 min for the capacity pair and 1.5 min for the load pair on 2 cores.
 * On a busy machine the generator may miss its schedule from the first step: the
 * capacity pair then runs once more, and if it still cannot keep up, the test checks
 * that the search says so and blames nothing on the server.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunRecord, ScenarioResult } from "../src/results/types.js";
import { newOutDir, readRecord, removeOutDirs, runCli, transcript } from "./support/cli.js";

const GUIDE_DOC = /MCP Enterprise Guide/;

afterAll(removeOutDirs);

async function runScenarios(files: string[], timeoutMs: number): Promise<{ record: RunRecord; out: string; code: number | null; log: string }> {
  const out = await newOutDir("mcp-slo-load-e2e-");
  const r = await runCli(["run", ...files.map((f) => `scenarios/${f}`), "--profile", "ci", "--out", out, "--trace-sample", "0"], { timeoutMs });
  const log = transcript(r);
  const record = await readRecord(out);
  return { record, out, code: r.code, log };
}

function scenario(record: RunRecord, name: string): ScenarioResult {
  const s = record.scenarios.find((x) => x.name === name);
  expect(s, `scenario ${name} in results.json`).toBeDefined();
  return s!;
}

function expectCitedVerdicts(s: ScenarioResult): void {
  expect(s.slos.length).toBeGreaterThan(0);
  for (const slo of s.slos) {
    expect(["pass", "fail", "inconclusive"]).toContain(slo.verdict);
    expect(slo.source.document, slo.id).toMatch(GUIDE_DOC);
    expect(slo.source.lines, slo.id).toMatch(/^\d/);
  }
}

/** True when the search could not even hold its first step because the harness could not keep its schedule (a busy machine). */
function firstStepGeneratorLimited(s: ScenarioResult): boolean {
  return s.capacity?.steps[0]?.outcome === "generator-limited";
}

function expectCapacity(s: ScenarioResult, basis: "calls" | "coordination"): void {
  expect(s.status).toBe("completed");
  const c = s.capacity!;
  expect(c, "capacity result").toBeDefined();
  expect(c.steps.length).toBeGreaterThanOrEqual(1);
  if (firstStepGeneratorLimited(s)) {
    // The machine was too busy (other test files, other runs) for the generator to keep even the first
    // step's schedule: the search must say so and blame nothing on the server. Not a harness bug.
    console.warn(`${s.name}: the load generator was the limit from the first step; no sustained rate could be shown on this machine now`);
    expect(c.limitedByGenerator).toBe(true);
    expect(c.sustainedRate).toBeNull();
    expect(c.brokenBy).toEqual([]);
    expect(c.breakingRate).toBeNull();
    expect(c.stopReason).toMatch(/load generator was the limit/);
    expect(c.verdictsFromStep).toBe(0);
    expectCitedVerdicts(s);
    return;
  }
  // A sustained rate was found: the first step held.
  expect(c.steps[0]!.outcome).toBe("sustained");
  expect(c.sustainedRate).toBeGreaterThan(0);
  expect(c.sustainedRate).toBeGreaterThanOrEqual(c.plan.startRate);
  const held = c.steps.filter((st) => st.outcome === "sustained");
  expect(c.sustainedRate).toBe(held[held.length - 1]!.offeredRate);
  expect(c.verdictsFromStep).toBe(held[held.length - 1]!.index);
  // Offered rates rise; every step has the figures the report shows.
  c.steps.forEach((st, i) => {
    expect(st.index).toBe(i);
    if (i > 0) expect(st.offeredRate).toBeGreaterThan(c.steps[i - 1]!.offeredRate);
    expect(st.basis).toBe(basis);
    expect(st.achievedThroughput).toBeGreaterThan(0);
    expect(st.p50).toBeGreaterThan(0);
    expect(st.p99).toBeGreaterThanOrEqual(st.p50!);
    expect(st.generator.offered).toBeGreaterThan(0);
    expect(st.generator.cpu).toBeGreaterThan(0);
  });
  // A sustained step kept up with its schedule (within 10 %: the window includes the drain).
  for (const st of held) expect(st.achievedThroughput).toBeGreaterThan(st.offeredRate * 0.9);
  // It stopped for a stated reason, and the last step says which.
  const last = c.steps[c.steps.length - 1]!;
  expect(c.stopReason.length).toBeGreaterThan(0);
  if (c.limitedByGenerator) {
    expect(last.outcome).toBe("generator-limited");
    expect(last.generatorLimit).toBeTruthy();
    expect(c.brokenBy).toEqual([]);
    expect(c.breakingRate).toBeNull();
  } else if (c.breakingRate !== null) {
    expect(last.outcome).toBe("broken");
    expect(c.breakingRate).toBe(last.offeredRate);
    expect(c.brokenBy.length).toBeGreaterThan(0);
    expect(c.brokenBy).toEqual(last.brokenBy);
  } else {
    expect(c.reachedMax).toBe(true);
    expect(last.offeredRate).toBe(c.plan.maxRate);
  }
  // The scenario's verdicts are those of the last step that held: none failed.
  expectCitedVerdicts(s);
  expect(s.slos.filter((x) => x.verdict === "fail")).toEqual([]);
  expect(s.load?.rate).toBe(c.sustainedRate);
}

describe("the load suite under the ci profile", () => {
  it("capacity searches find a sustained rate for the Redis MCP server and for coordination", async () => {
    const files = ["capacity-redis.yaml", "capacity-coordination.yaml"];
    let { record, out, code, log } = await runScenarios(files, 150_000);
    expect([0, 1], log).toContain(code);
    if (record.scenarios.some(firstStepGeneratorLimited)) {
      // A busy machine can make the generator late from the first step: one more try.
      console.warn("the load generator was the limit from the first step; running the capacity scenarios once more");
      ({ record, out, code, log } = await runScenarios(files, 150_000));
      expect([0, 1], log).toContain(code);
    }
    const redis = scenario(record, "capacity-redis");
    const coordination = scenario(record, "capacity-coordination");
    console.log(
      [redis, coordination]
        .map((s) => `${s.name}: sustained ${s.capacity?.sustainedRate}/s; ${s.capacity?.stopReason}\n` +
          s.capacity!.steps.map((st) => `  ${st.offeredRate}/s -> ${st.achievedThroughput.toFixed(1)}/s p50 ${st.p50?.toFixed(2)} p99 ${st.p99?.toFixed(2)} ms ${st.outcome} late ${st.generator.lateSends}/${st.generator.offered} cpu ${(st.generator.cpu * 100).toFixed(0)} %`).join("\n"))
        .join("\n"),
    );
    expectCapacity(redis, "calls");
    expectCapacity(coordination, "coordination");
    expect(coordination.coordination?.samples).toBeGreaterThan(0);
    const md = await readFile(path.join(out, "summary.md"), "utf8");
    expect(md).toContain(`Capacity: `);
    expect(md).toContain("| step | offered | achieved |");
    const html = await readFile(path.join(out, "report.html"), "utf8");
    expect(html).toContain(`<div class="capacity" id="capacity-0">`);
    expect(html).toContain(`<div class="capacity" id="capacity-1">`);
  }, 330_000);

  it("the guide's high-concurrency and stress tests, scaled down, give verdicts that cite the guide", async () => {
    const { record, code, log } = await runScenarios(["load-high-concurrency.yaml", "load-stress.yaml"], 150_000);
    expect([0, 1], log).toContain(code);
    const high = scenario(record, "load-high-concurrency");
    const stress = scenario(record, "load-stress");
    for (const [s, agents, ops] of [[high, 32, 1600], [stress, 64, 1280]] as const) {
      expect(s.status, log).toBe("completed");
      expect(s.load?.agents).toBe(agents);
      expect(s.load?.offered).toBe(ops);
      expect(s.servers[0]?.startToReadyMs.sessions).toBe(agents);
      expectCitedVerdicts(s);
    }
    const ids = (s: ScenarioResult) => s.slos.map((x) => x.id);
    expect(ids(high)).toEqual(expect.arrayContaining(["load.high_concurrency.success_rate", "load.high_concurrency.mean", "coordination.concurrent_agents", "availability"]));
    expect(ids(stress)).toEqual(expect.arrayContaining(["load.stress.success_rate", "load.stress.mean", "availability"]));
    expect(high.slos.find((x) => x.id === "load.high_concurrency.mean")?.source.lines).toBe("1829");
    expect(stress.slos.find((x) => x.id === "load.stress.success_rate")?.source.lines).toBe("1835-1840");
    // Every call of the window was judged: the mean and the success rate rest on all of them.
    expect(high.slos.find((x) => x.id === "load.high_concurrency.success_rate")?.samples).toBe(1600);
    expect(stress.slos.find((x) => x.id === "load.stress.success_rate")?.samples).toBe(1280);
  }, 180_000);
});
