/**
 * A real run (Redis and its MCP server, a short mix) writes traces.jsonl beside results.json:
 * a span for the run, one per scenario and per phase, one per sampled MCP call, each linked to
 * its parent, and fault events where the fault API was called (the fault work calls
 * `telemetry.faultEvent`; here the test calls it when the measurement window starts). The run
 * also serves live metrics while it lasts. Nothing of the run survives it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localProvider } from "../providers/local.js";
import { run } from "../run/run.js";
import { findProcessesOfRun } from "../stack/leftovers.js";
import { freeLoopbackPort } from "../stack/ports.js";
import { createOtelTelemetry, TRACE_FILE } from "./otel-telemetry.js";
import type { TraceFileSpan } from "./trace-file-exporter.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-run-trace-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a run's trace", () => {
  it("holds a span per scenario, phase and sampled call, parent-linked, with fault events", async () => {
    const scenarioFile = path.join(dir, "trace-mix.yaml");
    writeFileSync(
      scenarioFile,
      [
        "name: trace-mix",
        "description: A short Redis mix whose trace the test reads.",
        "servers: [redis]",
        "agents: 2",
        "warmup: 500ms",
        "duration: 2s",
        "workload:",
        "  kind: mix",
        "  calls:",
        '    - { server: redis, tool: set, weight: 1, args: { key: "t:{{agent}}:{{rand 1 20}}", value: "{{uuid}}" } }',
        '    - { server: redis, tool: get, weight: 1, args: { key: "t:{{agent}}:{{rand 1 20}}" } }',
        "slos:",
        '  - { id: generous, metric: latency.p50, objective: "< 10s", scope: { server: redis } }',
        "",
      ].join("\n"),
    );
    const outDir = path.join(dir, "out");
    const telemetry = await createOtelTelemetry({ runId: "trace-test", traceFile: path.join(outDir, TRACE_FILE), sampleEvery: 25, env: {} });
    const metricsPort = await freeLoopbackPort();
    let scraped = "";
    const outcome = await run({
      files: [scenarioFile],
      profile: "ci",
      outDir,
      reportsRoot: dir,
      provider: localProvider,
      failOnInconclusive: false,
      command: ["test"],
      telemetry,
      metrics: { host: "127.0.0.1", port: metricsPort, allowNonLoopback: false },
      progress: (line) => {
        if (/measuring/.test(line)) {
          // "measuring" is said just before the window opens; a fault comes once it is open.
          setTimeout(() => telemetry.faultEvent("redis.latency", { target: "redis", latency_ms: 50, token: "s3cr3t-value" }), 300);
          setTimeout(() => {
            void fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(async (r) => (scraped = await r.text()));
          }, 1000);
        }
      },
    });
    expect(outcome.record.status).toBe("completed");

    const spans = readFileSync(path.join(outDir, TRACE_FILE), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as TraceFileSpan);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const runSpan = spans.filter((s) => s.name === "mcp-slo run");
    expect(runSpan).toHaveLength(1);
    const scenario = spans.filter((s) => s.name === "scenario trace-mix");
    expect(scenario).toHaveLength(1);
    expect(scenario[0]!.parentSpanId).toBe(runSpan[0]!.spanId);
    expect(scenario[0]!.attributes).toMatchObject({ "mcp_slo.scenario": "trace-mix", "mcp_slo.status": "completed", "mcp_slo.slos.pass": 1 });
    const phases = spans.filter((s) => s.name.startsWith("phase "));
    expect(phases.map((p) => p.name).sort()).toEqual(["phase measure", "phase warm-up"]);
    for (const p of phases) expect(p.parentSpanId).toBe(scenario[0]!.spanId);

    const calls = spans.filter((s) => s.name.startsWith("tools/call "));
    const measured = outcome.record.scenarios[0]!.latency.reduce((n, l) => n + l.count, 0);
    // One call in 25 (warm-up calls too, which results.json keeps apart): at least the measured share.
    expect(calls.length).toBeGreaterThanOrEqual(Math.floor(measured / 25));
    for (const c of calls) {
      const parent = byId.get(c.parentSpanId!)!;
      expect(parent.name).toBe(c.attributes["mcp_slo.phase"] === "measure" ? "phase measure" : "phase warm-up");
      expect(c.attributes).toMatchObject({
        "mcp.method.name": "tools/call",
        "gen_ai.operation.name": "execute_tool",
        "network.transport": "pipe",
        "mcp_slo.server": "redis",
      });
      expect(["get", "set"]).toContain(c.attributes["gen_ai.tool.name"]);
      expect(c.startTimeMs).toBeGreaterThanOrEqual(parent.startTimeMs - 1);
    }
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);

    const measure = phases.find((p) => p.name === "phase measure")!;
    expect(measure.events).toEqual([
      expect.objectContaining({
        name: "fault redis.latency",
        attributes: { target: "redis", latency_ms: 50, token: "[REDACTED]", "mcp_slo.fault": "redis.latency" },
      }),
    ]);
    expect(readFileSync(path.join(outDir, TRACE_FILE), "utf8")).not.toContain("s3cr3t-value");

    // Live metrics during the run: the design module's histogram and the fault counter.
    expect(scraped).toMatch(/^mcp_response_time_seconds_count\{mcp_name="redis",operation="get"\} [1-9]/m);
    expect(scraped).toMatch(/^mcp_fault_events_total\{fault="redis.latency"\} 1$/m);
    expect(scraped).toMatch(/^mcp_slo_events_total\{slo_id="availability",mcp_name="redis"\} [1-9]/m);
    // The exporter stopped with the run.
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
    expect(await findProcessesOfRun(outcome.record.runId)).toEqual([]);
  });
});
