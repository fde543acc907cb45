/**
 * SLOs judged from Prometheus, end to end: a real Prometheus (Debian's package, remote-write
 * receiver and native histograms on, free loopback port, temp storage) receives what a real k6
 * sends with `-o experimental-prometheus-rw`, from a small script that calls a node:http
 * endpoint of this test on 127.0.0.1, tagging every call with server, tool and outcome the way
 * scenarios/k6/mcp-streamable-http.js does. The verdicts are then computed from PromQL, in
 * process and through `mcp-slo evaluate`.
 *
 * Then the project's own script against a real MCP server (the SDK's Streamable HTTP transport,
 * in this process, counting the sessions it opens), run by two k6 processes split with execution
 * segments as the k6 operator splits a test: with distinct instance tags the counts are exactly
 * the sum of the two k6 summaries and each agent's session is opened once; with the same labels at
 * once, or a rerun with the same labels within Prometheus's lookback, `evaluate` warns, naming the
 * series, and every verdict resting on the counts is inconclusive. That Prometheus scrapes itself,
 * so the remote writes it rejected can be dated.
 *
 * Everything stays on 127.0.0.1; nothing is left running.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadScenario } from "../config/load-scenario.js";
import { K6_SCRIPT as PROJECT_K6_SCRIPT } from "../drivers/k6-driver.js";
import { findProcessesOfRun } from "../stack/leftovers.js";
import { spawnManaged, type ManagedProcess } from "../stack/managed-process.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import type { RunRecord, SloResult } from "../results/types.js";
import { evaluateFromPrometheus, prometheusMeasurements, type PrometheusMeasurements } from "./prometheus-source.js";
import { startPrometheus } from "../testing/prometheus.js";
import { waitFor } from "../util/wait-for.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = path.join(ROOT, "bin", "mcp-slo.js");
const RUN_ID = `test-prom-source-${process.pid}`;
const registry = new ResourceRegistry({ runId: RUN_ID });
// After every describe block: the trend-stats case below makes its temp dir after the first block's cleanup ran.
afterAll(() => registry.disposeAll());

/** The project's own k6 (scripts/setup.sh builds it); outside CI a k6 at /tmp/k6bin will do. */
function k6Binary(): string | undefined {
  const own = path.join(ROOT, ".tools", "bin", "k6");
  if (existsSync(own)) return own;
  if (process.env.CI === "true") throw new Error(`${own} is missing: scripts/setup.sh builds it`);
  return existsSync("/tmp/k6bin/k6") ? "/tmp/k6bin/k6" : undefined;
}
const K6 = k6Binary();

const K6_SCRIPT = `
import http from "k6/http";
import { Counter, Trend } from "k6/metrics";
const callDuration = new Trend("mcp_call_duration", true);
const calls = new Counter("mcp_calls");
const BASE = __ENV.TARGET;
export const options = {
  scenarios: {
    fast: { executor: "constant-vus", vus: 2, duration: "3s", exec: "fast" },
    rare: { executor: "shared-iterations", vus: 1, iterations: 5, exec: "rare" },
    broken: { executor: "shared-iterations", vus: 1, iterations: 40, exec: "broken" },
  },
  // A submetric, so that the summary holds k6's own median of exactly the calls compared.
  thresholds: { "mcp_call_duration{tool:read_graph}": ["med>=0"] },
};
function call(tool, p) {
  const tags = { server: "memory", tool };
  const r = http.get(BASE + p, { tags });
  const outcome = r.status === 200 ? "ok" : r.status === 0 ? "timeout" : "error";
  callDuration.add(r.timings.duration, Object.assign({ outcome }, tags));
  calls.add(1, Object.assign({ outcome }, tags));
}
export function fast() { call("read_graph", "/ok"); }
export function rare() { call("open_nodes", "/ok"); }
export function broken() { call("search_nodes", "/fail"); }
export function handleSummary(data) { return { [__ENV.SUMMARY]: JSON.stringify(data) }; }
`;

const SCENARIO_YAML = `
name: k6-remote
description: SLOs of a k6 run on another machine, judged from Prometheus.
servers: [memory]
agents: 1
duration: 3s
workload: { kind: mix, calls: [{ server: memory, tool: read_graph }] }
slos:
  - { id: fast.p50, metric: latency.p50, objective: "< 200ms", scope: { server: memory, tool: read_graph } }
  - { id: fast.p50.impossible, metric: latency.p50, objective: "< 10us", scope: { server: memory, tool: read_graph } }
  - { id: fast.mean, metric: latency.mean, objective: "< 200ms", scope: { server: memory, tool: read_graph } }
  - { id: fast.max, metric: latency.max, objective: "< 10s", scope: { server: memory, tool: read_graph } }
  # 10 s, not 200 ms: five samples within any target can never prove a p99 (inconclusive), while one
  # sample above 200 ms on a busy machine made 4 of 5 within, which does prove a miss (fail).
  - { id: rare.p99, metric: latency.p99, objective: "< 10s", scope: { server: memory, tool: open_nodes } }
  - { id: fast.success, metric: success_rate, objective: ">= 99%", scope: { server: memory, tool: read_graph } }
  - { id: broken.success, metric: success_rate, objective: ">= 99%", scope: { server: memory, tool: search_nodes } }
  - { id: throughput, metric: throughput, objective: ">= 10/s", scope: { server: memory } }
  - { id: throughput.impossible, metric: throughput, objective: ">= 10000000/s", scope: { server: memory } }
  - { id: concurrency, metric: concurrent_agents, objective: ">= 1" }
`;

async function exitOf(p: ManagedProcess, withinMs: number): Promise<number | null> {
  const info = await Promise.race([p.exited, new Promise<undefined>((r) => setTimeout(r, withinMs))]);
  if (!info) throw new Error(`${p.name} still running after ${withinMs} ms:\n${p.stderrTail(30).join("\n")}`);
  return info.code;
}

interface K6Summary {
  metrics: Record<string, { values: Record<string, number> }>;
}

let server: http.Server;
let api = "";
let dir = "";
let fromMs = 0;
let toMs = 0;
let summary: K6Summary;
let m: PrometheusMeasurements;

describe.skipIf(K6 === undefined)("SLOs judged from k6 results in a real Prometheus", () => {
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.statusCode = req.url === "/fail" ? 500 : 200;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { ok: req.url !== "/fail" } }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    dir = await registry.makeTempDir("prom-source");
    api = (await startPrometheus({ registry, args: ["--web.enable-remote-write-receiver", "--enable-feature=native-histograms"] })).url;

    await writeFile(path.join(dir, "script.js"), K6_SCRIPT);
    const summaryFile = path.join(dir, "summary.json");
    fromMs = Date.now() - 1000;
    const k6 = spawnManaged({
      name: "k6",
      command: K6!,
      args: ["run", "--quiet", "--no-usage-report", "--tag", `testid=${RUN_ID}`, "-o", "experimental-prometheus-rw", "script.js"],
      cwd: dir,
      env: {
        TARGET: target,
        SUMMARY: summaryFile,
        K6_NO_USAGE_REPORT: "true",
        K6_PROMETHEUS_RW_SERVER_URL: `${api}/api/v1/write`,
        K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: "true",
        K6_PROMETHEUS_RW_PUSH_INTERVAL: "1s",
      },
      registry,
    });
    expect(await exitOf(k6, 30_000), k6.stderrTail(30).join("\n")).toBe(0);
    toMs = Date.now() + 1000;
    summary = JSON.parse(await readFile(summaryFile, "utf8")) as K6Summary;
    const expected = summary.metrics.mcp_calls!.values.count!;
    // k6 flushes its last samples when it stops; wait until they are queryable.
    m = await waitFor(
      async () => {
        const got = await prometheusMeasurements({ url: api, fromMs, toMs, matchers: `testid="${RUN_ID}"` });
        const c = got.calls({});
        return c.ok + c.failed === expected ? got : undefined;
      },
      { what: "every call of k6 in Prometheus", timeoutMs: 10_000, intervalMs: 200 },
    );
  }, 60_000);

  afterAll(async () => {
    await registry.disposeAll();
    await new Promise((r) => server?.close(r));
    expect(await findProcessesOfRun(RUN_ID)).toEqual([]);
  });

  it("writes the series the source reads, as native histograms and counters with the script's tags", async () => {
    const names = ((await (await fetch(`${api}/api/v1/label/__name__/values`)).json()) as { data: string[] }).data;
    process.stdout.write(`series written by k6: ${names.join(", ")}\n`);
    expect(names).toEqual(
      expect.arrayContaining([
        "k6_mcp_call_duration_seconds",
        "k6_mcp_calls_total",
        "k6_http_reqs_total",
        "k6_http_req_duration_seconds",
        "k6_http_req_failed_rate",
        "k6_vus",
      ]),
    );
    const tools = ((await (await fetch(`${api}/api/v1/label/tool/values`)).json()) as { data: string[] }).data;
    expect(tools.sort()).toEqual(["open_nodes", "read_graph", "search_nodes"]);
    const other = await prometheusMeasurements({ url: api, fromMs, toMs, matchers: 'testid="another-run"' });
    expect(other.calls({})).toEqual({ ok: 0, failed: 0 });
  });

  it("counts what k6 counted", () => {
    const k6Calls = summary.metrics.mcp_calls!.values.count!;
    const k6Requests = summary.metrics.http_reqs!.values.count!;
    expect(k6Requests).toBe(k6Calls);
    expect(m.servers).toEqual(["memory"]);
    expect(m.calls({ tool: "search_nodes" })).toEqual({ ok: 0, failed: 40 });
    expect(m.calls({ tool: "open_nodes" })).toEqual({ ok: 5, failed: 0 });
    const all = m.calls({});
    expect(all.ok + all.failed).toBe(k6Calls);
    expect(m.latency({}).totalCount).toBe(k6Calls - 40); // failed calls are not latency samples
    // The upper bound of the median's bucket is close to k6's own (interpolated) median.
    const med = summary.metrics["mcp_call_duration{tool:read_graph}"]!.values.med!;
    const p50 = m.latency({ tool: "read_graph" }).percentileMs(50)!;
    expect(p50).toBeGreaterThanOrEqual(med * 0.95);
    expect(p50).toBeLessThan(med * 1.5);
  });

  it("judges percentile, success-rate and throughput objectives from PromQL by the same rules", async () => {
    const scenarioFile = path.join(dir, "k6-remote.yaml");
    await writeFile(scenarioFile, SCENARIO_YAML);
    const scenario = await loadScenario(scenarioFile, "ci");
    const results = evaluateFromPrometheus(scenario.slos, m);
    const byId = new Map(results.map((r) => [r.id, r]));
    const verdict = (id: string) => byId.get(id)?.verdict;
    for (const r of results) process.stdout.write(`${r.verdict.padEnd(12)} ${r.id}: ${r.measuredText} (n=${r.samples}): ${r.reason}\n`);
    expect(verdict("fast.p50")).toBe("pass");
    expect(verdict("fast.p50.impossible")).toBe("fail");
    expect(verdict("fast.mean")).toBe("pass");
    expect(verdict("fast.max")).toBe("pass");
    expect(verdict("rare.p99")).toBe("inconclusive"); // 5 samples cannot prove a p99
    expect(byId.get("rare.p99")!.samples).toBe(5);
    expect(verdict("fast.success")).toBe("pass");
    expect(verdict("broken.success")).toBe("fail");
    expect(verdict("throughput")).toBe("pass");
    expect(verdict("throughput.impossible")).toBe("fail");
    expect(verdict("concurrency")).toBe("inconclusive");
    expect(byId.get("concurrency")!.reason).toMatch(/not measured from Prometheus/);
  });

  it("mcp-slo evaluate prints the verdicts, writes the four outputs and exits 1 on a failed SLO", async () => {
    const scenarioFile = path.join(dir, "k6-remote.yaml");
    await writeFile(scenarioFile, SCENARIO_YAML);
    const out = path.join(dir, "out");
    const cli = spawnManaged({
      name: "mcp-slo evaluate",
      command: process.execPath,
      args: [
        CLI,
        "evaluate",
        "--prometheus",
        api,
        "--from",
        String(fromMs / 1000),
        "--to",
        new Date(toMs).toISOString(),
        "--out",
        out,
        "--matchers",
        `testid="${RUN_ID}"`,
        scenarioFile,
      ],
      cwd: ROOT,
      env: { CI: "true" },
      registry,
    });
    const lines: string[] = [];
    cli.onLine((l) => lines.push(l));
    const code = await exitOf(cli, 30_000);
    const text = [...lines, ...cli.stderrTail(50)].join("\n");
    expect(code, text).toBe(1);
    expect(text).toMatch(/^PASS +k6-remote fast\.p50: latency p50 < /m);
    expect(text).toMatch(/^FAIL +k6-remote broken\.success: success rate >= 99/m);
    const record = JSON.parse(await readFile(path.join(out, "results.json"), "utf8")) as RunRecord;
    expect(record.verdict).toBe("fail");
    const slos = record.scenarios[0]!.slos as SloResult[];
    expect(slos.find((s) => s.id === "rare.p99")?.verdict).toBe("inconclusive");
    for (const f of ["junit.xml", "summary.md", "report.html"]) expect(existsSync(path.join(out, f)), f).toBe(true);
  });
});

describe("trend stats only (no native histograms)", () => {
  it("never passes a percentile on k6's point estimate", async () => {
    const now = Date.now();
    const t = now / 1000 - 5;
    const fake = (async (_url: string | URL | Request, init?: RequestInit) => {
      const q = new URLSearchParams(String(init?.body)).get("query") ?? "";
      const result = q.startsWith("k6_mcp_calls_total")
        ? [{ metric: { __name__: "k6_mcp_calls_total", server: "memory", tool: "read_graph", outcome: "ok" }, values: [[t, "5000"]] }]
        : q.includes("_(p[0-9]+")
          ? [{ metric: { __name__: "k6_mcp_call_duration_p99", server: "memory", tool: "read_graph", outcome: "ok" }, values: [[t, "0.002"]] }]
          : [];
      return new Response(JSON.stringify({ status: "success", data: { resultType: "matrix", result } }));
    }) as typeof fetch;
    const src = await prometheusMeasurements({ url: "http://127.0.0.1:1", fromMs: now - 60_000, toMs: now, fetch: fake });
    const scenarioYaml = path.join(await registry.makeTempDir("trend"), "s.yaml");
    await writeFile(scenarioYaml, SCENARIO_YAML);
    const results = evaluateFromPrometheus((await loadScenario(scenarioYaml, "ci")).slos, src);
    const p50 = results.find((r) => r.id === "fast.p50")!;
    expect(p50.verdict).toBe("inconclusive");
    expect(p50.reason).toMatch(/only a point estimate.*TREND_AS_NATIVE_HISTOGRAM/);
    expect(results.find((r) => r.id === "fast.success")!.verdict).toBe("pass");
  });
});

// ---- several k6 runners, the project's script, a real MCP server ----

const SEG_RUN_ID = `${RUN_ID}-runners`;
const segRegistry = new ResourceRegistry({ runId: SEG_RUN_ID });
/** Every agent (VU) of the whole test, over both runners. */
const AGENTS = 4;

interface McpFixture {
  url: string;
  /** The x-mcp-slo-agent header of every session opened, in order. */
  sessions: string[];
  close(): Promise<void>;
}

/** A real MCP server over Streamable HTTP (the SDK's transport), one McpServer per session: echo answers, refuse is a tool error. */
async function startMcpFixture(): Promise<McpFixture> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const sessions: string[] = [];
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const sid = req.headers["mcp-session-id"];
    if (typeof sid === "string") {
      const t = transports.get(sid);
      if (!t) return void res.writeHead(404).end();
      return t.handleRequest(req, res);
    }
    const agent = String(req.headers["x-mcp-slo-agent"] ?? "none");
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports.set(id, transport);
        sessions.push(agent);
      },
      onsessionclosed: (id) => void transports.delete(id),
    });
    const mcp = new McpServer({ name: "segments-fixture", version: "1.0.0" });
    mcp.registerTool("echo", { inputSchema: { message: z.string() } }, ({ message }) => ({ content: [{ type: "text", text: message }] }));
    mcp.registerTool("refuse", { description: "always a tool error" }, () => ({ isError: true, content: [{ type: "text", text: "refused" }] }));
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    sessions,
    close: async () => {
      await Promise.allSettled([...transports.values()].map((t) => t.close()));
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** `k6 run --summary-export`: the end-of-test figures a k6 user sees. */
interface K6Export {
  metrics: Record<string, { count?: number }>;
}

interface RunnerTags {
  testid: string;
  /** The k6 operator tags each runner with its own instance_id. */
  instance?: string;
  /** This runner's execution segment of the sequence 0,1/2,1 (as the operator passes them); none: the whole test. */
  segment?: string;
}

const RUNNERS_SCENARIO_YAML = `
name: k6-runners
description: The project's script split over two k6 runners, judged from Prometheus.
# The fixture is this test's in-process MCP server; evaluate only reads the SLOs, it starts nothing.
servers: [{ name: fixture, command: node, args: ["--version"] }]
agents: ${AGENTS}
duration: 3s
workload: { kind: mix, calls: [{ server: fixture, tool: echo }] }
slos:
  - { id: echo.p50, metric: latency.p50, objective: "< 200ms", scope: { server: fixture, tool: echo } }
  - { id: echo.success, metric: success_rate, objective: ">= 95%", scope: { server: fixture, tool: echo } }
  - { id: success, metric: success_rate, objective: ">= 95%", scope: { server: fixture } }
  - { id: throughput, metric: throughput, objective: ">= 10/s", scope: { server: fixture } }
`;

let fixture: McpFixture;
let promUrl = "";
let runnersDir = "";
let scenarioFile = "";

describe.skipIf(K6 === undefined)("several k6 runners of the project's script: counts trusted only when their labels keep them apart", () => {
  beforeAll(async () => {
    fixture = await startMcpFixture();
    runnersDir = await segRegistry.makeTempDir("prom-runners");
    scenarioFile = path.join(runnersDir, "k6-runners.yaml");
    await writeFile(scenarioFile, RUNNERS_SCENARIO_YAML);
    promUrl = (
      await startPrometheus({
        registry: segRegistry,
        // Scraping itself, as most Prometheus servers do: the counts of rejected writes can then be dated.
        config: (listen) => `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: prometheus\n    static_configs: [{ targets: ["${listen}"] }]\n`,
        args: ["--web.enable-remote-write-receiver", "--enable-feature=native-histograms"],
      })
    ).url;
  }, 60_000);

  afterAll(async () => {
    await segRegistry.disposeAll();
    await fixture?.close();
    expect(await findProcessesOfRun(SEG_RUN_ID)).toEqual([]);
  });

  /** Runs the project's script in one k6 per runner, all at once, as the k6 operator's pods run; returns each runner's summary. */
  /**
   * `length`: a duration (constant-vus), or a number of calls shared by all runners (shared-iterations:
   * the count the test asserts on is then the test's, not the machine's speed of the moment).
   */
  async function runRunners(runners: RunnerTags[], length: string | { calls: number }, thinkMs = 5): Promise<K6Export[]> {
    const executor =
      typeof length === "string"
        ? { executor: "constant-vus", vus: AGENTS, duration: length, gracefulStop: "3s" }
        : { executor: "shared-iterations", vus: AGENTS, iterations: length.calls, maxDuration: "60s", gracefulStop: "3s" };
    const started = runners.map((r, i) => {
      const summary = path.join(runnersDir, `summary-${r.testid}-${i}.json`);
      const proc = spawnManaged({
        name: `k6 runner ${i + 1}`,
        command: K6!,
        args: [
          "run",
          "--quiet",
          "--no-usage-report",
          "--address=",
          "--summary-export",
          summary,
          ...(r.segment ? [`--execution-segment=${r.segment}`, "--execution-segment-sequence=0,1/2,1"] : []),
          "-o",
          "experimental-prometheus-rw",
          "--tag",
          `testid=${r.testid}`,
          ...(r.instance ? ["--tag", `instance_id=${r.instance}`] : []),
          PROJECT_K6_SCRIPT,
        ],
        cwd: runnersDir,
        env: {
          K6_NO_USAGE_REPORT: "true",
          K6_PROMETHEUS_RW_SERVER_URL: `${promUrl}/api/v1/write`,
          K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: "true",
          K6_PROMETHEUS_RW_PUSH_INTERVAL: "1s",
          MCP_SLO_URLS: JSON.stringify({ fixture: fixture.url }),
          MCP_SLO_MIX: JSON.stringify([
            { server: "fixture", tool: "echo", weight: 9, args: { message: "hello {{agent}}" } },
            { server: "fixture", tool: "refuse", weight: 1, args: {} },
          ]),
          MCP_SLO_SCENARIO: JSON.stringify(executor),
          // Submetrics, so that the summary holds k6's own count of ok and failed calls.
          MCP_SLO_THRESHOLDS: JSON.stringify({ "mcp_calls{outcome:ok}": ["count>=0"], "mcp_calls{outcome:error}": ["count>=0"] }),
          MCP_SLO_THINK_TIME_MS: String(thinkMs),
          MCP_SLO_RUN_ID: r.testid,
        },
        registry: segRegistry,
      });
      return { proc, summary };
    });
    for (const { proc } of started) expect(await exitOf(proc, 60_000), proc.stderrTail(30).join("\n")).toBe(0);
    return Promise.all(started.map(async ({ summary }) => JSON.parse(await readFile(summary, "utf8")) as K6Export));
  }

  const count = (e: K6Export, metric: string) => e.metrics[metric]?.count ?? 0;

  /**
   * Waits until Prometheus holds a run's last push: the series' last values of testid add up to at
   * least `calls` (k6 counts from 0 in each run, so its final total). A k6 starved of CPU on a busy
   * machine writes late, and Prometheus answers with what it has: a measurement taken before then
   * reads a run that is not all there.
   */
  async function ingested(testid: string, calls: number): Promise<void> {
    const query = `sum(last_over_time(k6_mcp_calls_total{testid="${testid}"}[10m]))`;
    let seen = 0;
    await waitFor(
      async () => {
        const res = await fetch(`${promUrl}/api/v1/query`, { method: "POST", body: new URLSearchParams({ query }) });
        const json = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
        seen = Number(json.data?.result?.[0]?.value[1] ?? 0);
        return seen >= calls ? true : undefined;
      },
      { what: `Prometheus to hold the ${calls} calls of run ${testid} (it has ${seen})`, timeoutMs: 20_000, intervalMs: 200 },
    );
  }

  /** Measurements once Prometheus holds the last push of every runner (k6 pushes when it stops). */
  async function measure(testid: string, fromMs: number, toMs: number, expectedCalls?: number): Promise<PrometheusMeasurements> {
    return waitFor(
      async () => {
        const got = await prometheusMeasurements({ url: promUrl, fromMs, toMs, matchers: `testid="${testid}"` });
        const c = got.calls({});
        if (expectedCalls !== undefined) return c.ok + c.failed === expectedCalls ? got : undefined;
        return c.ok + c.failed > 0 ? got : undefined;
      },
      { what: `the runners' last push in Prometheus (${testid})`, timeoutMs: 15_000, intervalMs: 200 },
    );
  }

  async function judge(m: PrometheusMeasurements): Promise<Map<string, SloResult>> {
    const results = evaluateFromPrometheus((await loadScenario(scenarioFile, "ci")).slos, m);
    for (const r of results) process.stdout.write(`${r.verdict.padEnd(12)} ${r.id}: ${r.measuredText} (n=${r.samples}): ${r.reason}\n`);
    return new Map(results.map((r) => [r.id, r]));
  }

  const printed = (m: PrometheusMeasurements) => {
    for (const w of m.warnings()) process.stdout.write(`warning: ${w}\n`);
    return m.warnings();
  };

  it("two runners with distinct instance tags: exactly the sum of their k6 summaries, right verdicts, one session per agent", async () => {
    const testid = `distinct-${process.pid}`;
    const fromMs = Date.now() - 1000;
    const before = fixture.sessions.length;
    const summaries = await runRunners(
      [
        { testid, instance: "1", segment: "0:1/2" },
        { testid, instance: "2", segment: "1/2:1" },
      ],
      // A number of calls, not 3 s: at 3 s a machine busy with other work made only 70 ok calls.
      { calls: 300 },
    );
    const toMs = Date.now() + 1000;
    const ok = summaries.reduce((n, e) => n + count(e, "mcp_calls{outcome:ok}"), 0);
    const failed = summaries.reduce((n, e) => n + count(e, "mcp_calls{outcome:error}"), 0);
    expect(ok + failed).toBe(summaries.reduce((n, e) => n + count(e, "mcp_calls"), 0));
    expect(ok).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(0);

    // Each runner's setup() opened sessions for its own half of the agents only: 4, not 2 x 4.
    const opened = fixture.sessions.slice(before);
    expect(opened.sort()).toEqual(["0", "1", "2", "3"]);
    expect(summaries.reduce((n, e) => n + count(e, "mcp_sessions"), 0)).toBe(AGENTS);

    const m = await measure(testid, fromMs, toMs, ok + failed);
    process.stdout.write(
      `k6 summaries: ${summaries.map((e) => `${count(e, "mcp_calls{outcome:ok}")} ok + ${count(e, "mcp_calls{outcome:error}")} failed`).join(", ")}; evaluate: ${JSON.stringify(m.calls({}))}\n`,
    );
    expect(printed(m)).toEqual([]);
    expect(m.calls({})).toEqual({ ok, failed });
    expect(m.latency({}).totalCount).toBe(ok); // the failed calls are no latency samples
    const byId = await judge(m);
    expect(byId.get("echo.p50")!.verdict).toBe("pass");
    expect(byId.get("echo.success")!.verdict).toBe("pass");
    expect(byId.get("success")!.verdict).toBe("fail"); // one call in ten is refused
    expect(byId.get("success")!.samples).toBe(ok + failed);
    expect(byId.get("throughput")!.verdict).toBe("pass");
  }, 120_000);

  it("two runners with the same labels at once: warnings naming the series, every count verdict inconclusive, no total", async () => {
    const testid = `same-${process.pid}`;
    const fromMs = Date.now() - 1000;
    const summaries = await runRunners(
      [
        { testid, segment: "0:1/2" },
        { testid, segment: "1/2:1" },
      ],
      "4s",
    );
    const toMs = Date.now() + 1000;
    const total = summaries.reduce((n, e) => n + count(e, "mcp_calls"), 0);
    const m = await measure(testid, fromMs, toMs);
    const read = m.calls({});
    process.stdout.write(
      `k6 summaries: ${summaries.map((e) => count(e, "mcp_calls")).join(" + ")} = ${total} calls; the series read say ${read.ok + read.failed}\n`,
    );
    const warnings = printed(m);
    expect(warnings.length).toBeGreaterThan(0);
    expect(m.problems.some((p) => p.breaksCounts && (p.kind === "rejected" || p.kind === "writers"))).toBe(true);
    const byId = await judge(m);
    for (const r of byId.values()) {
      expect(r.verdict, r.id).toBe("inconclusive");
      expect(r.measured, r.id).toBeNull();
      expect(r.reason, r.id).toMatch(/counts this verdict rests on cannot be trusted/);
    }

    // Through the CLI: the warnings on the terminal and in every output, the verdicts inconclusive.
    const out = path.join(runnersDir, "out-same");
    const cli = spawnManaged({
      name: "mcp-slo evaluate",
      command: process.execPath,
      args: [
        CLI,
        "evaluate",
        "--prometheus",
        promUrl,
        "--from",
        String(fromMs / 1000),
        "--to",
        String(toMs / 1000),
        "--out",
        out,
        "--matchers",
        `testid="${testid}"`,
        "--fail-on-inconclusive",
        scenarioFile,
      ],
      cwd: ROOT,
      env: { CI: "true" },
      registry: segRegistry,
    });
    const code = await exitOf(cli, 30_000);
    const stderr = cli.stderrTail(50).join("\n");
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/^mcp-slo: warning: /m);
    const record = JSON.parse(await readFile(path.join(out, "results.json"), "utf8")) as RunRecord;
    expect(record.counts).toEqual({ pass: 0, fail: 0, inconclusive: 4 });
    const noted = record.notes.filter((n) => n.startsWith("Warning: "));
    expect(noted.length).toBeGreaterThan(0);
    const summaryMd = await readFile(path.join(out, "summary.md"), "utf8");
    const report = await readFile(path.join(out, "report.html"), "utf8");
    for (const n of noted) {
      const head = n.slice("Warning: ".length, "Warning: ".length + 40);
      expect(summaryMd).toContain(head);
      expect(report).toContain(head.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"));
    }
  }, 120_000);

  it("a rerun with the same labels within the lookback: a warning naming the series, every count verdict inconclusive", async () => {
    const testid = `rerun-${process.pid}`;
    // A short, slow first run: its last count is below the second run's first, so the counters
    // never go down and only the samples' times tell the runs apart (the silent undercount).
    const first = await runRunners([{ testid, instance: "1" }], "1s", 250);
    // The premise: the first run is in Prometheus (its samples are what the second one's read must not start from).
    await ingested(testid, count(first[0]!, "mcp_calls"));
    // Long enough for k6's heartbeat to show the first run ended (a push a second, so > 6 s of
    // silence), well within Prometheus's 5-minute lookback: the same mechanism as a rerun a minute later.
    await new Promise((r) => setTimeout(r, 15_000));
    const fromMs = Date.now() - 500;
    const summaries = await runRunners([{ testid, instance: "1" }], "3s");
    const toMs = Date.now() + 1000;
    await ingested(testid, count(summaries[0]!, "mcp_calls"));
    const m = await measure(testid, fromMs, toMs);
    const read = m.calls({});
    process.stdout.write(
      `k6 summaries: first run ${count(first[0]!, "mcp_calls")} calls, second run ${count(summaries[0]!, "mcp_calls")}; the series read say ${read.ok + read.failed}\n`,
    );
    const warnings = printed(m);
    const earlier = m.problems.filter((p) => p.kind === "earlier_run");
    expect(earlier.length, warnings.join("\n")).toBeGreaterThan(0);
    expect(earlier.map((p) => p.series?.__name__)).toContain("k6_mcp_calls_total");
    // The echo counter did not go down: without the heartbeat, its first run's last value would have been taken as the start.
    expect(m.problems.filter((p) => p.kind === "writers" && p.series?.__name__ === "k6_mcp_calls_total" && p.series.tool === "echo")).toEqual([]);
    expect(warnings.join("\n")).toMatch(/k6_mcp_calls_total\{.*testid="rerun-/);
    const byId = await judge(m);
    for (const r of byId.values()) {
      expect(r.verdict, r.id).toBe("inconclusive");
      expect(r.measured, r.id).toBeNull();
    }
  }, 120_000);
});
