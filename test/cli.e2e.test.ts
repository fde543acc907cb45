/**
 * End-to-end tests of the `mcp-slo` command line: real Redis, PostgreSQL and MCP servers,
 * the CLI run as a child process exactly as a person or a CI job runs it.
 *
 * What they show:
 *  1. exit codes follow the verdicts (1 on an SLO breach, 0 when met) and junit.xml agrees;
 *  2. `validate` lists every mistake of a file with file:line: path:, without a stack trace;
 *  3. SIGINT / SIGTERM stop a run promptly with exit 130, partial results, and nothing left behind;
 *  4. a server that cannot start (crashes, or never answers initialize) is exit 3, named, with its stderr;
 *  5. every catalog server starts and offers the tools the catalog lists (library, not CLI);
 *  6. coordination and cache-aside workloads produce their measurements end to end.
 *
 * Scenarios are small (1-2 agents, seconds of load) so the file runs in a few minutes on 2 cores.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SERVER_CATALOG, serverVersion } from "../src/catalog/servers.js";
import type { ServerDefinition } from "../src/contracts/server-definition.js";
import { localProvider } from "../src/providers/local.js";
import type { Stack } from "../src/providers/provider.js";
import { RunRecord as RunRecordSchema } from "../src/results/schema.js";
import type { RunRecord } from "../src/results/types.js";
import { startSession, writeServerFiles } from "../src/stack/mcp-session.js";
import { ResourceRegistry } from "../src/stack/resource-registry.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, startCli, transcript, type CliOptions } from "./support/cli.js";
import { waitUpTo } from "../src/util/wait-for.js";

const FIXTURES = "test/fixtures"; // relative to ROOT, the CLI's cwd: messages name files as given

/** The project promises an interrupted run is over within about this long after the signal. */
const INTERRUPT_EXIT_BOUND_MS = 10_000;

/** A run that has not exited after this long gets SIGINT (so it can clean up), then SIGKILL. */
const GUARD: CliOptions = { timeoutMs: 150_000 };

afterEach(removeOutDirs);

function expectWellFormedRecord(record: RunRecord): void {
  // The record as written is one by the run record's schema (src/results/schema.ts, results.schema.json): every problem at once.
  expect(RunRecordSchema.safeParse(record).error?.issues ?? []).toEqual([]);
  expect(record.schemaVersion).toBe(1);
  expect(record.runId).toMatch(/^[A-Za-z0-9._-]+$/);
  for (const scenario of record.scenarios) {
    for (const slo of scenario.slos) {
      const where = `${scenario.name} ${slo.id}`;
      expect(typeof slo.id, where).toBe("string");
      expect(slo.objective, where).toEqual(expect.any(String));
      expect(slo.source?.document, where).toEqual(expect.any(String));
      expect(slo.source?.lines, where).toEqual(expect.any(String));
      expect(slo.measured === null || typeof slo.measured === "number", where).toBe(true);
      expect(slo.samples, where).toEqual(expect.any(Number));
      expect(["pass", "fail", "inconclusive"], where).toContain(slo.verdict);
    }
  }
}

/** The <testcase> elements of a junit.xml, each with its name and whether it holds a <failure>. */
function junitCases(xml: string): { name: string; failure: boolean; body: string }[] {
  const cases: { name: string; failure: boolean; body: string }[] = [];
  const re = /<testcase\s+name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    const body = m[2] ?? "";
    cases.push({ name: m[1]!, failure: /<failure\b/.test(body), body });
  }
  return cases;
}

const STACK_TRACE_LINE = /^ {4}at /m;

// ---------------------------------------------------------------------------------------------

describe("exit code follows the verdicts (1: an SLO failed, 0: all met)", () => {
  it("an impossible objective exits 1 with a <failure> for that SLO in junit.xml", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", `${FIXTURES}/e2e-impossible.yaml`, "--out", out], GUARD);
    expect(r.code, transcript(r)).toBe(1);

    const record = await readRecord(out);
    expect(record.status).toBe("completed");
    expect(record.verdict).toBe("fail");
    expectWellFormedRecord(record);
    const slo = record.scenarios[0]!.slos.find((s) => s.id === "impossible");
    expect(slo?.verdict).toBe("fail");
    expect(slo?.source.document).toBe(`${FIXTURES}/e2e-impossible.yaml`);
    expect(slo?.samples).toBeGreaterThan(0);
    expect(slo?.measured).toBeGreaterThan(0);

    const cases = junitCases(await readFile(path.join(out, "junit.xml"), "utf8"));
    // Named by the SLO's id and scope (junit.ts): stable when its objective changes.
    const tc = cases.find((c) => c.name === "impossible");
    expect(tc, `junit.xml testcases: ${cases.map((c) => c.name).join(", ")}`).toBeDefined();
    expect(tc!.failure).toBe(true);
  });

  it("a generous objective exits 0 and junit.xml has no <failure>", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", `${FIXTURES}/e2e-generous.yaml`, "--out", out], GUARD);
    expect(r.code, transcript(r)).toBe(0);

    const record = await readRecord(out);
    expect(record.status).toBe("completed");
    expect(record.verdict).toBe("pass");
    expectWellFormedRecord(record);
    expect(record.scenarios[0]!.slos.map((s) => [s.id, s.verdict])).toEqual([["generous", "pass"]]);

    const xml = await readFile(path.join(out, "junit.xml"), "utf8");
    expect(junitCases(xml).find((c) => c.name === "generous [server=redis]")).toBeDefined();
    expect(xml).not.toMatch(/<failure\b/);
    expect(await readFile(path.join(out, "verdicts.csv"), "utf8")).toMatch(
      /^scenario,variant,id,metric,objective,measured,unit,samples,verdict,reason,source\r\ne2e-generous,,generous,/,
    );
  });
});

describe("validate", () => {
  it("lists all three mistakes of a file with file:line: path:, exits 2, no stack trace", async () => {
    const file = `${FIXTURES}/e2e-three-mistakes.yaml`;
    const r = await runCli(["validate", file], { timeoutMs: 60_000 });
    expect(r.code, transcript(r)).toBe(2);
    const esc = file.replace(/[.]/g, "\\.");
    expect(r.stderr).toMatch(new RegExp(`${esc}:\\d+: agents: `)); // agents: 0
    expect(r.stderr).toMatch(new RegExp(`${esc}:\\d+: workload\\.calls\\[0\\]\\.tool: .*no_such_tool`)); // unknown tool
    expect(r.stderr).toMatch(new RegExp(`${esc}:\\d+: slos\\[0\\]\\.objective: .*fast please`)); // invalid objective
    expect(r.stderr).toMatch(/3 problem\(s\)/);
    expect(r.stdout + r.stderr).not.toMatch(STACK_TRACE_LINE);
  });
});

describe("interrupting a run", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s during the measurement: exit 130, partial results.json, no process or temp dir left",
    async (sig) => {
      const out = await newOutDir();
      const run = startCli(["run", `${FIXTURES}/e2e-long.yaml`, "--out", out], GUARD);
      // Wait for the measurement window (servers up, load running), then a little for some samples.
      await waitUpTo(() => /measur/.test(run.stderr()) || run.child.exitCode !== null, { what: "the measurement window", timeoutMs: 90_000, intervalMs: 100 });
      expect(run.stderr(), "the run never reached its measurement window").toMatch(/measur/);
      await new Promise((r) => setTimeout(r, 1_500));
      const signalledAt = performance.now();
      run.child.kill(sig);
      const r = await run.done;
      const exitMs = r.exitedAt - signalledAt;

      expect(r.code, transcript(r)).toBe(130);
      expect(r.stdout + r.stderr).not.toMatch(STACK_TRACE_LINE);
      expect(existsSync(path.join(out, "results.json")), "results.json written").toBe(true);
      const record = await readRecord(out);
      expect(record.status).toBe("interrupted");
      expectWellFormedRecord(record);
      const scenario = record.scenarios[0]!;
      expect(scenario.status).toBe("interrupted");
      const measuredSomething = scenario.latency.length > 0 || scenario.slos.some((s) => s.measured !== null && s.samples > 0);
      expect(measuredSomething, "partial results hold at least one latency row or measured SLO").toBe(true);

      await expectNothingLeft(record.runId);

      // Last, so a slow exit does not hide the other findings.
      expect(exitMs, `exited ${(exitMs / 1000).toFixed(1)} s after ${sig}`).toBeLessThan(INTERRUPT_EXIT_BOUND_MS);
    },
    150_000,
  );
});

describe("a server that cannot start", () => {
  it("a custom server that exits at once: exit 3, names it, quotes its stderr, leaves nothing", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", `${FIXTURES}/e2e-broken-server.yaml`, "--out", out], GUARD);
    expect(r.code, transcript(r)).toBe(3);
    const all = r.stdout + r.stderr;
    expect(all).toMatch(/"broken"/);
    expect(all).toContain("boom: cannot start");
    expect(all).not.toMatch(STACK_TRACE_LINE);

    const record = await readRecord(out);
    expect(record.status).toBe("error");
    expect(record.scenarios[0]!.status).toBe("error");
    expect(record.scenarios[0]!.error).toContain("boom: cannot start");
    await expectNothingLeft(record.runId);
  });

  it("a custom server that never answers initialize: exit 3 soon after its startTimeout (2s)", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", `${FIXTURES}/e2e-hanging-server.yaml`, "--out", out], GUARD);
    expect(r.code, transcript(r)).toBe(3);
    const all = r.stdout + r.stderr;
    expect(all).toMatch(/"hanging"/);
    expect(all).toMatch(/did not answer initialize/);
    expect(all).not.toMatch(STACK_TRACE_LINE);
    // 2 s timeout + start/stop of the harness; the default startTimeout (30 s) would take far longer.
    expect(r.elapsedMs).toBeLessThan(25_000);

    const record = await readRecord(out);
    await expectNothingLeft(record.runId);
  });
});

describe("every catalog server starts and answers tools/list", () => {
  const runId = `e2e-catalog-${process.pid}-${Date.now()}`;
  const registry = new ResourceRegistry({ runId });
  let stack: Stack | undefined;

  beforeAll(async () => {
    // Proxied, as a scenario runs them by default: every server reaches its backend through Toxiproxy.
    // Servers that call a SaaS API get its local stand-in behind Toxiproxy, as offline runs do.
    stack = await localProvider.start({
      servers: SERVER_CATALOG,
      extraNeeds: [],
      registry,
      seedRows: 1000,
      proxied: true,
      redis: { persistence: "none" },
      postgres: { synchronousCommit: "on" },
    });
    await writeServerFiles(SERVER_CATALOG, stack.endpoints);
  });

  it("is the guide's eight servers, Redis's official one and the reference server, each with its version", async () => {
    expect(SERVER_CATALOG.map((d) => d.name)).toEqual([
      "github",
      "memory",
      "filesystem",
      "redis",
      "postgres",
      "firecrawl",
      "notion",
      "shadcn",
      "redis-official",
      "everything",
    ]);
    const r = await runCli(["servers"], { timeoutMs: 30_000 });
    expect(r.code, transcript(r)).toBe(0);
    for (const def of SERVER_CATALOG) {
      const row = r.stdout.split("\n").find((l) => l.startsWith(`${def.name} `));
      expect(row, `mcp-slo servers lists ${def.name}`).toBeDefined();
      expect(row).toContain(`${def.package}@${serverVersion(def)}`);
      expect(row).toMatch(/stdio, http \((native|bridge)\)/);
    }
    expect(r.stdout).not.toContain("not installed");
  });

  afterAll(async () => {
    await stack?.stop();
    await registry.disposeAll();
    await expectNothingLeft(runId);
  });

  describe.each(SERVER_CATALOG.map((d) => [d.name, d] as [string, ServerDefinition]))("%s", (_name, def) => {
    it("offers every tool the catalog lists", async () => {
      const session = await startSession({ def, agent: 0, endpoints: stack!.endpoints, registry, timeoutMs: 60_000 });
      try {
        expect(session.tools.length).toBeGreaterThan(0);
        expect(def.tools, `catalog entry ${def.name} lists its tools`).toBeDefined();
        const missing = (def.tools ?? []).filter((t) => !session.tools.includes(t));
        expect(missing, `tools/list answered: ${session.tools.join(", ")}`).toEqual([]);
        // And it works: its probe call (through its backend or upstream hop) is answered without an error.
        expect(def.probe, `catalog entry ${def.name} has a probe`).toBeDefined();
        const answer = await session.client.callTool({ name: def.probe!.tool, arguments: def.probe!.args });
        expect(answer.isError ?? false, JSON.stringify(answer.content).slice(0, 500)).toBe(false);
      } finally {
        await session.close();
      }
    });
  });
});

describe("coordination and cache-aside end to end (smoke profile)", () => {
  it("results.json has coordination samples and an agreeing cache hit count", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", "scenarios/coordination.yaml", "scenarios/cache-aside.yaml", "--profile", "smoke", "--out", out], { timeoutMs: 170_000 });
    // Smoke-sized runs may miss the guide's targets (exit 1); anything else is a harness problem.
    expect([0, 1], transcript(r)).toContain(r.code);

    const record = await readRecord(out);
    expect(record.status).toBe("completed");
    expectWellFormedRecord(record);

    const coordination = record.scenarios.find((s) => s.name === "coordination");
    expect(coordination?.status).toBe("completed");
    expect(coordination?.coordination, "coordination block").toBeDefined();
    expect(coordination!.coordination!.samples).toBeGreaterThan(0);
    expect(coordination!.coordination!.p50).toBeGreaterThan(0);

    const cacheAside = record.scenarios.find((s) => s.name === "cache-aside");
    expect(cacheAside?.status).toBe("completed");
    const cache = cacheAside?.cache;
    expect(cache, "cache block").toBeDefined();
    expect(cache!.agree).toBe(true);
    expect(cache!.client.hits).toBeGreaterThan(0);
    expect(cache!.client.hits + cache!.client.misses).toBeGreaterThan(0);
    expect(cache!.redisInfo.hits).toBe(cache!.client.hits);
    expect(cache!.redisInfo.misses).toBe(cache!.client.misses);
  }, 180_000);
});

describe("the open model", () => {
  it("schedules arrivals at the offered rate and times calls from their scheduled send", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", "scenarios/redis-open-model.yaml", "--profile", "smoke", "--out", out], GUARD);
    expect([0, 1], transcript(r)).toContain(r.code);
    const s = (await readRecord(out)).scenarios[0]!;
    expect(s.load!.model).toBe("open");
    expect(s.load!.rate).toBe(400);
    // 400/s over a 5 s window: the schedule offers about 2000 calls.
    expect(s.load!.offered).toBeGreaterThan(1800);
    expect(s.load!.offered).toBeLessThan(2200);
    expect(s.load!.completed + s.load!.dropped).toBe(s.load!.offered);
  });

  it("says inconclusive, not fail, when the load generator could not send what was asked", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", "test/fixtures/e2e-overloaded-generator.yaml", "--out", out], GUARD);
    expect(r.code, transcript(r)).toBe(0);
    const s = (await readRecord(out)).scenarios[0]!;
    expect(s.load!.dropped).toBeGreaterThan(0);
    const slo = s.slos.find((x) => x.id === "offered-rate")!;
    expect(slo.verdict).toBe("inconclusive");
    expect(slo.reason).toMatch(/load generator was the limit/);
  });
});
