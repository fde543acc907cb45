/**
 * End-to-end tests of load through the CLI as a child process, real Redis and real MCP servers.
 *
 * What they show:
 *  1. a capacity search finds a sustained rate and a breaking rate, for calls and for agent
 *     coordination, records every step (offered rate, achieved throughput, p50/p99, load-generator
 *     health) and stops for a stated reason; the scenario's verdicts are those of the last step that
 *     held. It runs against a server whose capacity the test controls
 *     (test/fixtures/fixed-capacity-server.mjs: one call at a time, >= 10 ms each, so at most 100
 *     calls/s on any machine, a loaded one only slower), with steps far below and far above it: the
 *     sustained and breaking rates must bracket that capacity. (Against the real Redis MCP server and
 *     the guide's 15 ms target, whether the first step holds depends on how fast and how busy the
 *     machine is: that is a measurement, scenarios/capacity-redis.yaml, not a test of the search.)
 *  2. the guide's high-concurrency and stress load tests (scaled down) produce verdicts that cite
 *     the guide's lines.
 *
 * The search stops, blaming nothing on the server, when the load generator is late (more than 1 %
 * of arrivals more than 10 ms late). On a machine shared by many jobs the kernel alone makes a
 * woken process that late often enough, whatever the harness does; so where it may, the test runs
 * the harness with real-time priority (test/support/cli.ts, realtimeAllowed) and then requires the
 * generator to keep up. Where it may not, a generator-limited first step is retried once and then
 * accepted, loudly, as long as the search says so and blames nothing on the server.
 *
 * About 1.5 min for the capacity pair and 1.5-2.5 min for the load pair on 2 cores.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunRecord, ScenarioResult } from "../src/results/types.js";
import { newOutDir, readRecord, realtimeAllowed, removeOutDirs, runCli, transcript } from "./support/cli.js";

const GUIDE_DOC = /MCP Enterprise Guide/;

/** Whether the capacity searches run with real-time priority (see the header). */
const REALTIME = realtimeAllowed();
if (!REALTIME)
  console.warn(
    "\n*** load.e2e: cannot give the harness real-time priority here (chrt -R -r 1 failed); a busy machine may make the load generator the limit ***\n",
  );

afterAll(removeOutDirs);

/** Runs the files (scenarios/*: under the ci profile; test fixtures have no profiles). */
async function runScenarios(
  files: string[],
  timeoutMs: number,
  realtime = false,
): Promise<{ record: RunRecord; out: string; code: number | null; log: string }> {
  const out = await newOutDir("mcp-slo-load-e2e-");
  const profile = files.every((f) => f.startsWith("scenarios/")) ? ["--profile", "ci"] : [];
  const r = await runCli(["run", ...files, ...profile, "--out", out, "--trace-sample", "0"], { timeoutMs, realtime });
  const log = transcript(r);
  const record = await readRecord(out);
  return { record, out, code: r.code, log };
}

function scenario(record: RunRecord, name: string): ScenarioResult {
  const s = record.scenarios.find((x) => x.name === name);
  expect(s, `scenario ${name} in results.json`).toBeDefined();
  return s!;
}

/** Every verdict is a verdict and cites its source: the guide, or the scenario file that set it. */
function expectCitedVerdicts(s: ScenarioResult, document: RegExp = GUIDE_DOC): void {
  expect(s.slos.length).toBeGreaterThan(0);
  for (const slo of s.slos) {
    expect(["pass", "fail", "inconclusive"]).toContain(slo.verdict);
    expect(slo.source.document, slo.id).toMatch(document);
    expect(slo.source.lines, slo.id).toMatch(/^\d/);
  }
}

/** True when the search could not even hold its first step because the harness could not keep its schedule (a busy machine). */
function firstStepGeneratorLimited(s: ScenarioResult): boolean {
  return s.capacity?.steps[0]?.outcome === "generator-limited";
}

/** Calls per second the fixture serves at most (one at a time, >= 10 ms each: SERVICE_MS in the fixtures), on any machine. */
const FIXTURE_CAPACITY = 100;

function expectCapacity(s: ScenarioResult, basis: "calls" | "coordination", latencySlo: string): void {
  expect(s.status).toBe("completed");
  const c = s.capacity!;
  expect(c, "capacity result").toBeDefined();
  expect(c.steps.length).toBeGreaterThanOrEqual(1);
  if (firstStepGeneratorLimited(s)) {
    // With real-time priority the generator keeps its schedule; late anyway is a harness problem.
    expect(REALTIME, `${s.name}: the load generator was late although it ran with real-time priority: ${c.stopReason}`).toBe(false);
    // The machine was too busy (other test files, other runs) for the generator to keep even the first
    // step's schedule: the search must say so and blame nothing on the server. Not a harness bug.
    console.warn(`${s.name}: the load generator was the limit from the first step; no sustained rate could be shown on this machine now`);
    expect(c.limitedByGenerator).toBe(true);
    expect(c.sustainedRate).toBeNull();
    expect(c.brokenBy).toEqual([]);
    expect(c.breakingRate).toBeNull();
    expect(c.stopReason).toMatch(/load generator was the limit/);
    expect(c.verdictsFromStep).toBe(0);
    expectCitedVerdicts(s, new RegExp(`${s.name}\\.yaml$`));
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
    // A broken step may complete nothing in time: at twice the capacity the 1 s settle alone queues a
    // second of work, so on a slow machine every coordination sample of the window outlasts the read
    // timeout (each is recorded at it, so p50 stays > 0) and 0 operations/s is the true figure.
    if (st.outcome === "sustained") expect(st.achievedThroughput).toBeGreaterThan(0);
    else expect(st.achievedThroughput).toBeGreaterThanOrEqual(0);
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
  expectCitedVerdicts(s, new RegExp(`${s.name}\\.yaml$`));
  expect(s.slos.filter((x) => x.verdict === "fail")).toEqual([]);
  expect(s.load?.rate).toBe(c.sustainedRate);
  if (c.limitedByGenerator) {
    expect(REALTIME, `${s.name}: the load generator was late although it ran with real-time priority: ${c.stopReason}`).toBe(false);
    console.warn(
      `${s.name}: the load generator was the limit before the server broke (${c.stopReason}); its capacity could not be bracketed on this machine now`,
    );
    return;
  }
  // The known capacity lies between what held and what broke, and latency is what broke: the
  // server fell behind (its calls queued), not the generator.
  expect(c.sustainedRate!).toBeLessThan(FIXTURE_CAPACITY);
  expect(c.breakingRate, c.stopReason).not.toBeNull();
  expect(c.breakingRate!).toBeGreaterThan(FIXTURE_CAPACITY);
  expect(c.brokenBy).toContain(latencySlo);
  expect(last.p50!).toBeGreaterThan(held[held.length - 1]!.p99!);
}

describe("load under the ci profile", () => {
  it("capacity searches find a sustained and a breaking rate that bracket a server's known capacity, for calls and for coordination", async () => {
    const files = ["test/fixtures/e2e-capacity-calls.yaml", "test/fixtures/e2e-capacity-coordination.yaml"];
    let { record, out, code, log } = await runScenarios(files, 150_000, REALTIME);
    if (!REALTIME && record.scenarios.some(firstStepGeneratorLimited)) {
      // Without real-time priority a busy machine can make the generator late from the first step: one more try.
      console.warn("the load generator was the limit from the first step; running the capacity scenarios once more");
      ({ record, out, code, log } = await runScenarios(files, 150_000));
    }
    // The verdicts are those of the step that held: none failed.
    expect(code, log).toBe(0);
    const calls = scenario(record, "e2e-capacity-calls");
    const coordination = scenario(record, "e2e-capacity-coordination");
    console.log(
      [calls, coordination]
        .map(
          (s) =>
            `${s.name}: sustained ${s.capacity?.sustainedRate}/s; ${s.capacity?.stopReason}\n` +
            s
              .capacity!.steps.map(
                (st) =>
                  `  ${st.offeredRate}/s -> ${st.achievedThroughput.toFixed(1)}/s p50 ${st.p50?.toFixed(2)} p99 ${st.p99?.toFixed(2)} ms ${st.outcome} late ${st.generator.lateSends}/${st.generator.offered} cpu ${(st.generator.cpu * 100).toFixed(0)} %`,
              )
              .join("\n"),
        )
        .join("\n"),
    );
    expectCapacity(calls, "calls", "fixture-p95");
    expectCapacity(coordination, "coordination", "fixture-coordination-p95");
    expect(coordination.coordination?.samples).toBeGreaterThan(0);
    const md = await readFile(path.join(out, "summary.md"), "utf8");
    expect(md).toContain(`Capacity: `);
    expect(md).toContain("| step | offered | achieved |");
    const html = await readFile(path.join(out, "report.html"), "utf8");
    expect(html).toContain(`<div class="capacity" id="capacity-0">`);
    expect(html).toContain(`<div class="capacity" id="capacity-1">`);
  }, 330_000);

  it("the guide's high-concurrency and stress tests, scaled down, give verdicts that cite the guide", async () => {
    // 96 sessions and 2880 calls: about 1.5 min on 2 idle cores, over 2 min on a busy machine. The
    // guard only catches a hung run, so it is far above that.
    const { record, code, log } = await runScenarios(["scenarios/load-high-concurrency.yaml", "scenarios/load-stress.yaml"], 360_000);
    expect([0, 1], log).toContain(code);
    const high = scenario(record, "load-high-concurrency");
    const stress = scenario(record, "load-stress");
    for (const [s, agents, ops] of [
      [high, 32, 1600],
      [stress, 64, 1280],
    ] as const) {
      expect(s.status, log).toBe("completed");
      expect(s.load?.agents).toBe(agents);
      expect(s.load?.offered).toBe(ops);
      expect(s.servers[0]?.startToReadyMs.sessions).toBe(agents);
      expectCitedVerdicts(s);
    }
    const ids = (s: ScenarioResult) => s.slos.map((x) => x.id);
    expect(ids(high)).toEqual(
      expect.arrayContaining(["load.high_concurrency.success_rate", "load.high_concurrency.mean", "coordination.concurrent_agents", "availability"]),
    );
    expect(ids(stress)).toEqual(expect.arrayContaining(["load.stress.success_rate", "load.stress.mean", "availability"]));
    expect(high.slos.find((x) => x.id === "load.high_concurrency.mean")?.source.lines).toBe("1829");
    expect(stress.slos.find((x) => x.id === "load.stress.success_rate")?.source.lines).toBe("1835-1840");
    // Every call of the window was judged: the mean and the success rate rest on all of them.
    expect(high.slos.find((x) => x.id === "load.high_concurrency.success_rate")?.samples).toBe(1600);
    expect(stress.slos.find((x) => x.id === "load.stress.success_rate")?.samples).toBe(1280);
  }, 400_000);
});
