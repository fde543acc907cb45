import { describe, expect, it } from "vitest";
import { fallbackResilience, resilienceRunRecord } from "../../test/support/resilience-records.js";
import { McpMetrics } from "./metrics.js";

const value = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("fallback metrics of a run's exporter", () => {
  it("exports each fallback's time to fail over and both degradations when its scenario ends", async () => {
    const m = new McpMetrics();
    for (const s of resilienceRunRecord().scenarios) m.recordVerdicts(s);
    const text = await m.text();
    expect(value(text, 'mcp_fallback_failover_seconds{mcp_name="redis",fallback="redis-official"}')).toBeCloseTo(0.18, 9);
    expect(value(text, 'mcp_fallback_degradation_ratio{mcp_name="redis",figure="latency"}')).toBeCloseTo(0.0533, 9);
    expect(value(text, 'mcp_fallback_degradation_ratio{mcp_name="redis",figure="throughput"}')).toBeCloseTo(0.005, 9);
    // The run without the policies and the canary had no fallback: no other series.
    expect(text.match(/^mcp_fallback_\w+\{/gm)?.length).toBe(3);
  });

  it("leaves out what was not measured: no fail-over, a side with no call; degraded mode is labelled degraded", async () => {
    const m = new McpMetrics();
    const [f] = fallbackResilience().fallbacks;
    const degraded = { ...f!, fallbackServer: null, kind: "degraded" as const, latency: { ...f!.latency, relative: null } };
    const never = { ...f!, server: "memory", timeToFailOverMs: null };
    m.recordVerdicts({ name: "x", slos: [], resilience: { ...fallbackResilience(), fallbacks: [degraded, never] } } as never);
    const text = await m.text();
    expect(value(text, 'mcp_fallback_failover_seconds{mcp_name="redis",fallback="degraded"}')).toBeCloseTo(0.18, 9);
    expect(text).not.toContain('mcp_fallback_degradation_ratio{mcp_name="redis",figure="latency"}');
    expect(value(text, 'mcp_fallback_degradation_ratio{mcp_name="redis",figure="throughput"}')).toBeCloseTo(0.005, 9);
    expect(text).not.toContain('mcp_fallback_failover_seconds{mcp_name="memory"');
    expect(value(text, 'mcp_fallback_degradation_ratio{mcp_name="memory",figure="latency"}')).toBeCloseTo(0.0533, 9);
  });
});
