import { describe, expect, it } from "vitest";
import { Recorder } from "./recorder.js";

describe("Recorder", () => {
  it("keeps warm-up apart, counts calls by outcome and folds errors by message", () => {
    const r = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: 0 });
    r.record({ phase: "warmup", server: "redis", tool: "get", outcome: "ok", startedAt: 0, endedAt: 1 });
    for (let i = 0; i < 3; i++) r.record({ phase: "measure", server: "redis", tool: "get", outcome: "ok", startedAt: 10, endedAt: 12 });
    r.record({ phase: "measure", server: "redis", tool: "get", outcome: "error", startedAt: 10, endedAt: 11, error: "boom" });
    r.record({ phase: "measure", server: "redis", tool: "get", outcome: "error", startedAt: 10, endedAt: 11, error: "boom" });
    expect(r.count({}, ["ok"])).toBe(3);
    expect(r.count({ server: "redis" }, ["error", "timeout"])).toBe(2);
    expect(r.errorSummaries()).toEqual([{ server: "redis", tool: "get", outcome: "error", kind: "tool", message: "boom", count: 2 }]);
  });

  it("lets coordinated-omission corrections shape latency without counting as calls", () => {
    const r = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: 0 });
    for (let i = 0; i < 10; i++) r.record({ phase: "measure", server: "s", tool: "t", outcome: "ok", startedAt: 0, endedAt: 1 });
    for (let i = 0; i < 5; i++) r.recordCorrection({ phase: "measure", server: "s", tool: "t", latencyMs: 100 });
    expect(r.count({}, ["ok"])).toBe(10);
    expect(r.correctedSamples).toBe(5);
    const latency = r.select({ server: "s" }, ["ok", "timeout"]);
    expect(latency.totalCount).toBe(15);
    expect(r.select({}, ["error"]).totalCount).toBe(0);
  });
});
