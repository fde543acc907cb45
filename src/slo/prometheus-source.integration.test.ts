/**
 * SLOs judged from Prometheus, end to end: a real Prometheus (Debian's package, remote-write
 * receiver and native histograms on, free loopback port, temp storage) receives what a real k6
 * sends with `-o experimental-prometheus-rw`, from a small script that calls a node:http
 * endpoint of this test on 127.0.0.1, tagging every call with server, tool and outcome the way
 * scenarios/k6/mcp-streamable-http.js does. The verdicts are then computed from PromQL, in
 * process and through `mcp-slo evaluate`. Everything stays on 127.0.0.1; nothing is left running.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenario } from "../config/load-scenario.js";
import { findProcessesOfRun } from "../stack/leftovers.js";
import { spawnManaged, type ManagedProcess } from "../stack/managed-process.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import type { RunRecord, SloResult } from "../results/types.js";
import { evaluateFromPrometheus, prometheusMeasurements, type PrometheusMeasurements } from "./prometheus-source.js";
import { startPrometheus } from "../../test/support/prometheus.js";
import { waitFor } from "../../test/support/wait.js";

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
  - { id: rare.p99, metric: latency.p99, objective: "< 200ms", scope: { server: memory, tool: open_nodes } }
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
    m = await waitFor("every call of k6 in Prometheus", 10_000, async () => {
      const got = await prometheusMeasurements({ url: api, fromMs, toMs, matchers: `testid="${RUN_ID}"` });
      const c = got.calls({});
      return c.ok + c.failed === expected ? got : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    await registry.disposeAll();
    await new Promise((r) => server?.close(r));
    expect(await findProcessesOfRun(RUN_ID)).toEqual([]);
  });

  it("writes the series the source reads, as native histograms and counters with the script's tags", async () => {
    const names = ((await (await fetch(`${api}/api/v1/label/__name__/values`)).json()) as { data: string[] }).data;
    process.stdout.write(`series written by k6: ${names.join(", ")}\n`);
    expect(names).toEqual(expect.arrayContaining(["k6_mcp_call_duration_seconds", "k6_mcp_calls_total", "k6_http_reqs_total", "k6_http_req_duration_seconds", "k6_http_req_failed_rate", "k6_vus"]));
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
      args: [CLI, "evaluate", "--prometheus", api, "--from", String(fromMs / 1000), "--to", new Date(toMs).toISOString(), "--out", out, "--matchers", `testid="${RUN_ID}"`, scenarioFile],
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
