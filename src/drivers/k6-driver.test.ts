/**
 * The k6 driver's pure parts: the k6 scenario per load model, the SLOs mirrored as k6 thresholds,
 * k6's timestamps, and the k6 operator manifest. Under real k6: k6-driver.integration.test.ts.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario } from "../config/load-scenario.js";
import type { Scenario } from "../contracts/plan.js";
import { PROJECT_ROOT } from "../project-root.js";
import { readK6TestRun } from "../testing/k6-testrun.js";
import type { Recorder } from "../metrics/recorder.js";
import {
  K6_SCRIPT,
  K6LiveTally,
  k6Env,
  k6GateTime,
  k6RunArgs,
  k6Scenario,
  k6TestId,
  k6Thresholds,
  k6TimeMapping,
  ingestK6Points,
  parseK6Time,
} from "./k6-driver.js";

const fixture = (name: string) => path.join(PROJECT_ROOT, "test", "fixtures", name);
const urls = new Map([
  ["redis", "http://127.0.0.1:1/mcp"],
  ["everything", "http://127.0.0.1:2/mcp"],
]);

describe("k6Scenario", () => {
  it("maps the closed model to constant-vus, or shared-iterations given a count, and the open model to constant-arrival-rate", async () => {
    const closed = await loadScenario(fixture("e2e-k6.yaml"), "ci");
    expect(k6Scenario(closed, 4000, undefined)).toEqual({ executor: "constant-vus", vus: 4, duration: "4000ms", gracefulStop: "6000ms" });
    expect(k6Scenario(closed, 4000, 100)).toEqual({ executor: "shared-iterations", vus: 4, iterations: 100, maxDuration: "4000ms", gracefulStop: "6000ms" });
    const open = await loadScenario(fixture("e2e-k6-open.yaml"), "ci");
    expect(k6Scenario(open, 4000, undefined)).toEqual({
      executor: "constant-arrival-rate",
      rate: 100,
      timeUnit: "1s",
      duration: "4000ms",
      preAllocatedVUs: 4,
      maxVUs: 16,
      gracefulStop: "6000ms",
    });
    // A count bounds the open model's duration; a fractional rate keeps its precision.
    expect(k6Scenario(open, 4000, 50)).toMatchObject({ duration: "500ms" });
    const slow: Scenario = { ...open, load: { model: "open", rate: 2.5, maxInFlight: 8 } };
    expect(k6Scenario(slow, 4000, undefined)).toMatchObject({ rate: 2500, timeUnit: "1000s", maxVUs: 8 });
  });
});

describe("k6Scenario of a load shape (load.stages)", () => {
  it("maps the open model to ramping-arrival-rate and the closed model to ramping-vus, with the same stages", async () => {
    const spike = await loadScenario(path.join(PROJECT_ROOT, "scenarios", "shape-spike.yaml"), "ci");
    expect(k6Scenario(spike, spike.durationMs, undefined)).toEqual({
      executor: "ramping-arrival-rate",
      startRate: 10,
      timeUnit: "1s",
      stages: [
        { duration: "10000ms", target: 10 },
        { duration: "1000ms", target: 50 },
        { duration: "10000ms", target: 50 },
        { duration: "1000ms", target: 10 },
        { duration: "10000ms", target: 10 },
      ],
      preAllocatedVUs: 4,
      maxVUs: 200,
      gracefulStop: "6000ms",
    });
    // A rate that is no whole number per second is given per 1000 s, every stage alike.
    const fractional: Scenario = {
      ...spike,
      load: { model: "open", rate: 2.5, maxInFlight: 8, shape: { start: 2.5, stages: [{ durationMs: 500, target: 10 }] } },
    };
    expect(k6Scenario(fractional, 500, undefined)).toMatchObject({ startRate: 2500, timeUnit: "1000s", stages: [{ duration: "500ms", target: 10_000 }] });
    const closed: Scenario = {
      ...spike,
      load: {
        model: "closed",
        thinkTimeMs: 0,
        shape: {
          start: 1,
          stages: [
            { durationMs: 3000, target: 4 },
            { durationMs: 2000, target: 0 },
          ],
        },
      },
    };
    expect(k6Scenario(closed, 5000, undefined)).toEqual({
      executor: "ramping-vus",
      startVUs: 1,
      stages: [
        { duration: "3000ms", target: 4 },
        { duration: "2000ms", target: 0 },
      ],
      gracefulRampDown: "6000ms",
      gracefulStop: "6000ms",
    });
  });
});

describe("k6Thresholds", () => {
  it("mirrors latency and success SLOs, one threshold per server for scope *", async () => {
    const s = await loadScenario(fixture("e2e-k6.yaml"), "ci");
    expect(k6Thresholds(s)).toEqual({
      "mcp_call_duration{server:redis}": ["p(50)<10000"],
      "mcp_call_duration{server:everything}": ["p(50)<10000"],
      checks: ["rate>=0.99"],
      "mcp_call_duration{server:redis,tool:get}": ["p(99)<0.8"],
    });
  });

  it("inverts an error rate and maps throughput to the rate of ok calls", async () => {
    const base = await loadScenario(fixture("e2e-k6.yaml"), "ci");
    const slo = base.slos[1]!;
    const s: Scenario = {
      ...base,
      slos: [
        { ...slo, metricName: "error_rate", metric: { family: "error_rate" }, threshold: { op: "<", value: 0.01, unit: "ratio" }, scope: { server: "redis" } },
        { ...slo, metricName: "throughput", metric: { family: "throughput" }, threshold: { op: ">=", value: 500, unit: "ops/s" }, scope: {} },
        { ...slo, metricName: "cache_hit_ratio", metric: { family: "cache_hit_ratio" }, threshold: { op: ">=", value: 0.9, unit: "ratio" }, scope: {} },
      ],
    };
    expect(k6Thresholds(s)).toEqual({ "checks{server:redis}": ["rate>0.99"], "mcp_calls{outcome:ok}": ["rate>=500"] });
  });
});

describe("parseK6Time", () => {
  it("keeps sub-millisecond precision and the zone", () => {
    expect(parseK6Time("2026-11-22T04:30:00.123456789Z")).toBeCloseTo(Date.parse("2026-11-22T04:30:00.123Z") + 0.456789, 6);
    expect(parseK6Time("2026-11-22T05:30:00.5+01:00")).toBe(Date.parse("2026-11-22T04:30:00.500Z"));
    expect(parseK6Time("2026-11-22T04:30:00Z")).toBe(Date.parse("2026-11-22T04:30:00Z"));
  });
});

describe("k6's point times onto the harness's clock", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mcp-slo-k6-points-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pointsFile = (name: string, lines: object[]) => {
    const file = path.join(dir, name);
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    return file;
  };
  const point = (metric: string, time: string, value: number, tags: Record<string, string>) => ({ metric, type: "Point", data: { time, value, tags } });
  const call = (time: string, ms: number, tool = "get") => point("mcp_call_duration", time, ms, { server: "redis", tool, outcome: "ok" });
  // k6 passed its gate at ...10.9998 s of its clock; a VU's first call started 0.3 ms later, in the
  // next wall-clock millisecond, and took 2 ms; the second ended 1 s after the gate.
  const lines = [
    { type: "Metric", metric: "mcp_start_gate", data: { name: "mcp_start_gate", type: "counter" } },
    point("http_req_duration", "2026-12-01T12:00:10.999700000Z", 0.2, { mcp_method: "start-gate" }),
    call("2026-12-01T12:00:11.002100000Z", 2),
    point("mcp_start_gate", "2026-12-01T12:00:10.999800000Z", 1, { group: "::setup" }),
    call("2026-12-01T12:00:11.999800000Z", 0.5, "set"),
    point("iterations", "2026-12-01T12:00:11.999900000Z", 1, {}),
  ];
  const gateOpenedAt = 5000.25;
  // Compared to 3 decimals: an epoch time in ms as a double resolves about 0.25 us.

  async function samples(file: string, toPerf: (k6Ms: number) => number) {
    const got: Parameters<Recorder["record"]>[0][] = [];
    const tallies = await ingestK6Points(file, { phase: "measure", recorder: { record: (s) => got.push(s) } }, toPerf);
    return { got, tallies };
  }

  it("maps every time from the gate point, on k6's clock alone: a first call starts after the gate opened, whatever the wall-clock offset", async () => {
    const file = pointsFile("with-gate.json", lines);
    const gate = await k6GateTime(file);
    expect(gate).toBeCloseTo(Date.parse("2026-12-01T12:00:10.999Z") + 0.8, 6);
    // The wall-clock offset is deliberately off by 3 ms: with the gate point it plays no part.
    const wallToPerf = Date.parse("2026-12-01T12:00:10.999Z") + 0.8 - gateOpenedAt + 3;
    const { got, tallies } = await samples(file, k6TimeMapping(gate, gateOpenedAt, wallToPerf));
    expect(got.map((s) => [s.tool, s.startedAt - gateOpenedAt, s.endedAt - gateOpenedAt])).toEqual([
      ["get", expect.closeTo(0.3, 3), expect.closeTo(2.3, 3)],
      ["set", expect.closeTo(999.5, 3), expect.closeTo(1000, 3)],
    ]);
    expect(Math.min(...got.map((s) => s.startedAt))).toBeGreaterThanOrEqual(gateOpenedAt);
    expect(tallies.lastEnd).toBeCloseTo(gateOpenedAt + 1000, 3);
    expect(tallies.iterations).toBe(1);
  });

  it("without a gate point (k6 stopped before its gate opened, or k6 run without the harness), falls back to the wall-clock offset", async () => {
    const file = pointsFile(
      "without-gate.json",
      lines.filter((l) => l.metric !== "mcp_start_gate"),
    );
    expect(await k6GateTime(file)).toBeUndefined();
    expect(await k6GateTime(path.join(dir, "missing.json"))).toBeUndefined();
    const wallToPerf = Date.parse("2026-12-01T12:00:10.999Z") + 0.8 - gateOpenedAt + 3;
    const { got } = await samples(file, k6TimeMapping(undefined, gateOpenedAt, wallToPerf));
    // 3 ms early: the fallback carries the offset's error.
    expect(got[0]!.startedAt - gateOpenedAt).toBeCloseTo(-2.7, 3);
  });
});

describe("k6RunArgs: every local k6 run has a testid of its own", () => {
  it("tags the run with the harness's run id and the phase, never a fixed value", () => {
    const a = k6RunArgs("/tmp/x/points.json", k6TestId("20261201T120000Z-a1b2c3", "warmup"));
    const b = k6RunArgs("/tmp/x/points.json", k6TestId("20261201T120000Z-a1b2c3", "measure"));
    const tag = (args: string[]) => args[args.indexOf("--tag") + 1];
    expect(tag(a)).toBe("testid=20261201T120000Z-a1b2c3-warmup");
    expect(tag(b)).toBe("testid=20261201T120000Z-a1b2c3-measure");
    expect(a.at(-1)).toBe(K6_SCRIPT);
    expect(a).toContain("json=/tmp/x/points.json");
  });
});

describe("deploy/k6-operator/testrun.yaml", () => {
  const { manifest, env } = readK6TestRun();

  it("is a k6 operator TestRun running the script from a ConfigMap with Prometheus remote write", () => {
    expect(manifest.apiVersion).toBe("k6.io/v1alpha1");
    expect(manifest.kind).toBe("TestRun");
    expect(manifest.spec.parallelism).toBeGreaterThan(1);
    expect(manifest.spec.script.configMap.file).toBe(path.basename(K6_SCRIPT));
    expect(manifest.spec.arguments).toContain("-o experimental-prometheus-rw");
    expect(env.K6_PROMETHEUS_RW_SERVER_URL).toMatch(/^https?:\/\//);
  });

  it("cannot be applied twice with one testid: a generated name, and a placeholder the script refuses", () => {
    // `kubectl apply` refuses generateName; `kubectl create` gives each TestRun a new name.
    expect(manifest.metadata.name).toBeUndefined();
    expect(manifest.metadata.generateName).toMatch(/-$/);
    expect(manifest.spec.arguments).toMatch(/--tag testid=@TESTID@(\s|$)/);
    expect(env.MCP_SLO_RUN_ID).toBe("@TESTID@");
    // The README's step substitutes it.
    expect(readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8")).toContain(
      'sed "s/@TESTID@/$TESTID/g" deploy/k6-operator/testrun.yaml | kubectl create -f -',
    );
  });

  it("pins the k6 image to the version scripts/setup.sh builds, by tag and digest", () => {
    const built = /go_tool k6 go\.k6\.io\/k6 v(\d+\.\d+\.\d+) /.exec(readFileSync(path.join(PROJECT_ROOT, "scripts", "setup.sh"), "utf8"))?.[1];
    expect(built).toBeDefined();
    expect(manifest.spec.runner.image).toMatch(new RegExp(`^grafana/k6:${built!.replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`));
  });

  it("passes the same environment JSON as the harness", async () => {
    const scenario = await loadScenario(fixture("e2e-k6.yaml"), "ci");
    const harness = Object.keys(k6Env({ scenario, durationMs: 4000, count: undefined, urls, runId: "r" }));
    const mine = Object.keys(env).filter((k) => k.startsWith("MCP_SLO_"));
    expect(harness).toEqual(expect.arrayContaining(mine));
    expect(mine).toEqual(expect.arrayContaining(["MCP_SLO_URLS", "MCP_SLO_MIX", "MCP_SLO_SCENARIO", "MCP_SLO_THRESHOLDS", "MCP_SLO_CALL_TIMEOUT_MS"]));
    for (const name of ["MCP_SLO_URLS", "MCP_SLO_MIX", "MCP_SLO_SCENARIO", "MCP_SLO_THRESHOLDS"]) expect(() => JSON.parse(env[name]!), name).not.toThrow();
  });
});

describe("the MCP protocol version k6 asks for", () => {
  // Drivers asking for different versions measure different server paths: the reference server
  // answers 2025-11-25 after a timer it does not run for 2025-06-18 (about 1 ms of every sample).
  it("is the harness's own, handed to the script, and the script's default for runs without the harness", async () => {
    const scenario = await loadScenario(fixture("e2e-k6.yaml"), "ci");
    expect(k6Env({ scenario, durationMs: 4000, count: undefined, urls, runId: "r" }).MCP_SLO_PROTOCOL_VERSION).toBe(LATEST_PROTOCOL_VERSION);
    const script = readFileSync(K6_SCRIPT, "utf8");
    const fallback = /const PROTOCOL_VERSION = __ENV\.MCP_SLO_PROTOCOL_VERSION \|\| "([^"]+)";/.exec(script)?.[1];
    expect(fallback).toBe(LATEST_PROTOCOL_VERSION);
  });
});

describe("K6LiveTally: the progress line's counts while k6 runs", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mcp-slo-k6-live-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const call = (outcome: string) =>
    JSON.stringify({
      metric: "mcp_call_duration",
      type: "Point",
      data: { time: "2026-12-01T12:00:11Z", value: 1, tags: { server: "redis", tool: "get", outcome } },
    });
  const other = JSON.stringify({ metric: "http_req_duration", type: "Point", data: { time: "2026-12-01T12:00:11Z", value: 1, tags: { outcome: "ok" } } });

  it("counts the calls k6 has flushed so far by outcome, a line cut at the end once it is whole, and nothing before the file exists", async () => {
    const file = path.join(dir, "points.json");
    const tally = new K6LiveTally(file);
    await tally.poll();
    expect([tally.ok, tally.failed]).toEqual([0, 0]);
    const first = `${call("ok")}\n${other}\n${call("error")}\n${call("ok")}\n`;
    const cutAt = 40;
    const next = call("timeout");
    writeFileSync(file, first + next.slice(0, cutAt));
    await tally.poll();
    expect([tally.ok, tally.failed]).toEqual([2, 1]);
    appendFileSync(file, `${next.slice(cutAt)}\n${call("ok")}\n`);
    await tally.poll();
    expect([tally.ok, tally.failed]).toEqual([3, 2]);
    await tally.poll();
    expect([tally.ok, tally.failed]).toEqual([3, 2]);
  });
});
