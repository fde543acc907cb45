/**
 * The OpenTelemetry telemetry on its own, through the interface the run uses: spans nest under
 * the innermost open scope, call spans carry the MCP semantic-convention attributes, one call in
 * N is sampled, faults become events (the API the fault work calls), secrets never reach the file.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as incubating from "@opentelemetry/semantic-conventions/incubating";
import { afterAll, describe, expect, it } from "vitest";
import { REDACTED } from "./redact.js";
import { createOtelTelemetry, otlpTracesEndpoint, SEMCONV } from "./otel-telemetry.js";
import { NOOP_TELEMETRY } from "./telemetry.js";
import type { TraceFileSpan } from "./trace-file-exporter.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-otel-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readTrace = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as TraceFileSpan);

describe("OpenTelemetry telemetry", () => {
  it("times call spans on the clock of the phase span they belong to, however far Date.now() has drifted from timeOrigin + performance.now()", async () => {
    const traceFile = path.join(dir, "drift.jsonl");
    const t = await createOtelTelemetry({ runId: "drift", traceFile, sampleEvery: 1, env: {} });
    // The wall clock 40 ms behind the monotonic one, as after a long run (NTP slews Date.now(), not timeOrigin).
    const realNow = Date.now;
    Date.now = () => realNow() - 40;
    try {
      const phase = t.startSpan("phase measure");
      const startedAt = performance.now();
      await new Promise((r) => setTimeout(r, 5));
      t.startCallSpan({ server: "redis", tool: "get", agent: 0, phase: "measure", startedAt }).end({ outcome: "ok", endedAt: performance.now() });
      phase.end();
    } finally {
      Date.now = realNow;
    }
    await t.shutdown();
    const spans = readTrace(traceFile);
    const phase = spans.find((s) => s.name === "phase measure")!;
    const call = spans.find((s) => s.name === "tools/call get")!;
    expect(call.startTimeMs).toBeGreaterThanOrEqual(phase.startTimeMs - 1);
    expect(call.startTimeMs + call.durationMs).toBeLessThanOrEqual(phase.startTimeMs + phase.durationMs + 1);
    expect(call.durationMs).toBeGreaterThanOrEqual(4);
  });

  it("writes parent-linked spans, sampled MCP call spans and fault events to a JSON-lines file", async () => {
    const traceFile = path.join(dir, "traces.jsonl");
    const t = await createOtelTelemetry({ runId: "unit", traceFile, sampleEvery: 3, env: {} });
    expect(t.enabled).toBe(true);
    const faults: string[] = [];
    t.onFault((name) => faults.push(name));
    const run = t.startSpan("mcp-slo run");
    const scenario = t.startSpan("scenario s1", { "mcp_slo.scenario": "s1" });
    const phase = t.startSpan("phase measure");
    // One call in three, the first one included: calls 1, 4, 7.
    expect(Array.from({ length: 7 }, () => t.sampleCall())).toEqual([true, false, false, true, false, false, true]);
    const now = performance.now();
    t.startCallSpan({ server: "redis", tool: "get", agent: 0, phase: "measure", startedAt: now - 2 }).end({ outcome: "ok", endedAt: now });
    t.startCallSpan({ server: "redis", tool: "set", agent: 1, phase: "measure", startedAt: now - 5 }).end({
      outcome: "error",
      endedAt: now,
      error: "Authorization: Bearer abcdefghijklmnop",
      rpcCode: -32603,
    });
    t.faultEvent("redis.kill", { target: "redis", password: "hunter2", note: `ghp_${"x".repeat(36)}` });
    phase.end();
    scenario.end();
    t.faultEvent("after-the-scenario", {});
    run.end();
    t.faultEvent("outside-any-run", {});
    await t.shutdown();
    expect(faults).toEqual(["redis.kill", "after-the-scenario", "outside-any-run"]);

    const spans = readTrace(traceFile);
    const byName = (n: string) => spans.find((s) => s.name === n)!;
    expect(byName("mcp-slo run").parentSpanId).toBeNull();
    expect(byName("scenario s1").parentSpanId).toBe(byName("mcp-slo run").spanId);
    expect(byName("phase measure").parentSpanId).toBe(byName("scenario s1").spanId);
    const get = byName("tools/call get");
    expect(get.parentSpanId).toBe(byName("phase measure").spanId);
    expect(get.kind).toBe("client");
    expect(get.durationMs).toBeCloseTo(2, 0);
    expect(get.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "get",
      "gen_ai.operation.name": "execute_tool",
      "network.transport": "pipe",
      "mcp_slo.server": "redis",
    });
    const set = byName("tools/call set");
    expect(set.status).toEqual({ code: "error", message: REDACTED });
    expect(set.attributes).toMatchObject({ "error.type": "-32603", "rpc.response.status_code": "-32603" });
    const fault = byName("phase measure").events.find((e) => e.name === "fault redis.kill")!;
    expect(fault.attributes).toEqual({ target: "redis", password: REDACTED, note: REDACTED, "mcp_slo.fault": "redis.kill" });
    // A fault lands on the innermost scope still open; outside any scope it gets a span of its own.
    expect(byName("mcp-slo run").events.map((e) => e.name)).toEqual(["fault after-the-scenario"]);
    expect(byName("fault outside-any-run").parentSpanId).toBeNull();
    expect(new Set(spans.filter((s) => !s.name.startsWith("fault ")).map((s) => s.traceId)).size).toBe(1);
    expect(readFileSync(traceFile, "utf8")).not.toMatch(/hunter2|ghp_x|abcdefghijklmnop/);
  });

  it("ends scopes left open at shutdown, and a second telemetry in the same process works", async () => {
    const traceFile = path.join(dir, "second.jsonl");
    const t = await createOtelTelemetry({ runId: "unit2", traceFile, sampleEvery: 1, env: {} });
    t.startSpan("mcp-slo run");
    t.startSpan("scenario left-open");
    await t.shutdown();
    const spans = readTrace(traceFile);
    expect(spans.map((s) => s.name).sort()).toEqual(["mcp-slo run", "scenario left-open"]);
    expect(spans.every((s) => s.attributes["mcp_slo.ended_by"] === "shutdown")).toBe(true);
  });

  it("uses the semantic-convention names of @opentelemetry/semantic-conventions", () => {
    expect(SEMCONV.mcpMethodName).toBe(incubating.ATTR_MCP_METHOD_NAME);
    expect(SEMCONV.mcpMethodToolsCall).toBe(incubating.MCP_METHOD_NAME_VALUE_TOOLS_CALL);
    expect(SEMCONV.genAiToolName).toBe(incubating.ATTR_GEN_AI_TOOL_NAME);
    expect(SEMCONV.genAiOperationName).toBe(incubating.ATTR_GEN_AI_OPERATION_NAME);
    expect(SEMCONV.genAiOperationExecuteTool).toBe(incubating.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL);
    expect(SEMCONV.networkTransport).toBe(incubating.ATTR_NETWORK_TRANSPORT);
    expect(SEMCONV.networkTransportPipe).toBe(incubating.NETWORK_TRANSPORT_VALUE_PIPE);
    expect(SEMCONV.jsonrpcProtocolVersion).toBe(incubating.ATTR_JSONRPC_PROTOCOL_VERSION);
    expect(SEMCONV.errorType).toBe(incubating.ATTR_ERROR_TYPE);
    expect(SEMCONV.rpcResponseStatusCode).toBe(incubating.ATTR_RPC_RESPONSE_STATUS_CODE);
  });

  it("reads the OTLP endpoint from the standard variables", () => {
    expect(otlpTracesEndpoint({})).toBeUndefined();
    expect(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/" })).toBe("http://127.0.0.1:4318/v1/traces");
    expect(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:9/t" })).toBe(
      "http://127.0.0.1:9/t",
    );
  });

  it("the no-op telemetry samples nothing and accepts every call", async () => {
    expect(NOOP_TELEMETRY.sampleCall()).toBe(false);
    NOOP_TELEMETRY.startSpan("x").end();
    NOOP_TELEMETRY.faultEvent("x", { a: 1 });
    await NOOP_TELEMETRY.shutdown();
  });
});
