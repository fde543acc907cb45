import { describe, expect, it } from "vitest";
import { McpMetrics } from "./metrics.js";

/** What recordVerdicts reads of a scenario besides the field under test. */
const emptyScenarioResult = { slos: [] };
import { classify, EVENT_SLOS, eventSloOf } from "./slo-events.js";
import { SLO_CATALOG } from "../slo/catalog.js";

const value = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("SLOs as per-call events", () => {
  it("takes the catalog SLOs a call can count, with the right objective", () => {
    const ids = EVENT_SLOS.map((s) => s.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "availability",
        "server.response_time",
        "server.alert.error_rate",
        "redis.latency.p50",
        "cache.l1.access",
        "load.high_concurrency.success_rate",
      ]),
    );
    for (const id of [
      "coordination.latency.p50",
      "redis.throughput",
      "cache.hit_ratio",
      "load.high_concurrency.mean",
      "recovery.infrastructure.rto",
      "security.score",
    ])
      expect(ids).not.toContain(id);
    const byId = (id: string) => eventSloOf(SLO_CATALOG.find((s) => s.id === id)!)!;
    expect(byId("availability").kind).toBe("success");
    expect(byId("availability").objective).toBeCloseTo(0.999, 12);
    expect(byId("availability").errorBudget).toBeCloseTo(0.001, 12);
    expect(byId("server.alert.error_rate")).toMatchObject({ kind: "success", objective: 0.95, errorBudget: 0.05 });
    expect(byId("server.response_time")).toMatchObject({ kind: "latency", objective: 0.95, thresholdMs: 15, scope: {} });
    expect(byId("cache.l1.access")).toMatchObject({ scope: { server: "redis", tool: "get" }, thresholdMs: 1 });
  });

  it("classifies calls: failed calls are no latency event, timeouts are bad ones", () => {
    const latency = EVENT_SLOS.find((s) => s.id === "server.response_time")!;
    expect(classify(latency, "ok", 3)).toBe("good");
    expect(classify(latency, "ok", 15)).toBe("bad");
    expect(classify(latency, "timeout", 5000)).toBe("bad");
    expect(classify(latency, "error", 1)).toBe("none");
    const availability = EVENT_SLOS.find((s) => s.id === "availability")!;
    expect(classify(availability, "error", 1)).toBe("bad");
  });
});

describe("McpMetrics", () => {
  it("exports an install scenario's cold installs under the design module's installation metrics", async () => {
    const m = new McpMetrics();
    const install = (server: string, registry: "npm" | "pypi" | "go", outcome: "installed" | "failed", installMs: number) => ({
      server,
      package: server,
      version: "1",
      registry,
      command: "",
      outcome,
      installMs,
      limitMs: 900_000,
      startToReadyMs: null,
    });
    m.recordVerdicts({
      ...emptyScenarioResult,
      name: "install-time",
      install: [install("memory", "npm", "installed", 9_500), install("github", "go", "installed", 77_000), install("redis-official", "pypi", "failed", 1_200)],
    } as never);
    const text = await m.text();
    expect(value(text, 'mcp_installation_duration_seconds_sum{mcp_name="memory",source="npm",environment="cold"}')).toBeCloseTo(9.5, 9);
    expect(value(text, 'mcp_installation_duration_seconds_sum{mcp_name="github",source="go",environment="cold"}')).toBeCloseTo(77, 9);
    expect(text).not.toContain('mcp_installation_duration_seconds_sum{mcp_name="redis-official"');
    expect(value(text, 'mcp_installation_success_total{mcp_name="memory",source="npm",result="success"}')).toBe(1);
    expect(value(text, 'mcp_installation_success_total{mcp_name="redis-official",source="pypi",result="failure"}')).toBe(1);
  });

  it("counts SLO events and derives compliance, remaining budget and burn rate", async () => {
    let now = 1_000_000_000;
    const m = new McpMetrics({ now: () => now });
    // 1000 calls to redis get, one a second, the first 2 failed: availability 99.8 % against 99.9 %.
    for (let i = 0; i < 1000; i++) {
      m.observeCall("redis", "get", i < 2 ? "error" : "ok", 0.5);
      now += 1000;
    }
    const text = await m.text();
    expect(value(text, 'mcp_slo_events_total{slo_id="availability",mcp_name="redis"}')).toBe(1000);
    expect(value(text, 'mcp_slo_good_events_total{slo_id="availability",mcp_name="redis"}')).toBe(998);
    expect(value(text, 'mcp_slo_compliance_ratio{slo_id="availability",mcp_name="redis"}')).toBeCloseTo(0.998, 9);
    // 0.2 % bad against a 0.1 % budget: the budget is overspent by as much again.
    expect(value(text, 'mcp_slo_error_budget_remaining_ratio{slo_id="availability",mcp_name="redis"}')).toBeCloseTo(-1, 6);
    // The last 5 minutes hold no failure; the last hour holds both.
    expect(value(text, 'mcp_slo_burn_rate{slo_id="availability",mcp_name="redis",window="5m"}')).toBe(0);
    expect(value(text, 'mcp_slo_burn_rate{slo_id="availability",mcp_name="redis",window="1h"}')).toBeCloseTo(2, 6);
    expect(value(text, 'mcp_error_rate{mcp_name="redis",error_type="error"}')).toBe(0);
    expect(value(text, 'mcp_error_rate{mcp_name="redis",error_type="timeout"}')).toBe(0);
    // Latency SLOs scoped to another server or tool see nothing of these calls.
    expect(text).not.toContain('mcp_slo_events_total{slo_id="memory.latency.p50"');
    expect(value(text, 'mcp_slo_good_events_total{slo_id="cache.l1.access",mcp_name="redis"}')).toBe(998);
    expect(value(text, 'mcp_slo_objective_ratio{slo_id="availability"}')).toBeCloseTo(0.999, 12);
  });

  it("declares the design module's metric names, and keeps the security ones empty without a scan", async () => {
    const text = await new McpMetrics().text();
    for (const name of [
      "mcp_installation_duration_seconds histogram",
      "mcp_installation_success_total counter",
      "mcp_response_time_seconds histogram",
      "mcp_error_rate gauge",
      "mcp_security_validation_score gauge",
      "mcp_vulnerability_count gauge",
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(text).not.toMatch(/^mcp_security_validation_score\{/m);
  });
});
