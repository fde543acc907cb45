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

  it("never draws a warm-up sample inside the window, however late the window opened", () => {
    // Planned: warm-up 0..2000, window from 2000. The window really opened at 3500 (a steady-state check, an RPO lead).
    const r = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 2000, now: 0 });
    r.record({ phase: "warmup", server: "redis", tool: "get", outcome: "ok", startedAt: 3400, endedAt: 3401 });
    r.startMeasuring(3500);
    r.record({ phase: "measure", server: "redis", tool: "get", outcome: "timeout", startedAt: 3500, endedAt: 3900 });
    const points = r.timelinePoints().points;
    expect(points.map((p) => [p.t, p.ok, p.timeout])).toEqual([
      [-500, 1, 0],
      [0, 0, 1],
    ]);
  });

  it("keeps the timeline bounded when a run outlasts its plan: the interval doubles and cells merge, nothing is lost", () => {
    // A count without a duration: planned as 60 s, so 1 s cells; the run lasts 30 min (10 calls a second; server b for its first 2 min).
    const r = new Recorder({ plannedMeasureMs: undefined, warmupMs: 5000, now: 0 });
    for (let t = 0; t < 5000; t += 500) r.record({ phase: "warmup", server: "a", tool: "x", outcome: "ok", startedAt: t, endedAt: t + 1 });
    r.startMeasuring(5000);
    const seconds = 30 * 60;
    let calls = 0;
    for (let t = 5000; t < 5000 + seconds * 1000; t += 100)
      for (const server of t < 125_000 ? ["a", "b"] : ["a"]) {
        r.record({ phase: "measure", server, tool: "x", outcome: t % 1000 === 0 ? "error" : "ok", startedAt: t, endedAt: t + 2 });
        calls++;
      }
    const { intervalMs, points } = r.timelinePoints();
    // 1 s -> 2 s -> 4 s: 1805 s of warm-up and window in at most 600 cells.
    expect(intervalMs).toBe(4000);
    expect(r.intervalMs).toBe(4000);
    expect(new Set(points.map((p) => p.t)).size).toBeLessThanOrEqual(600);
    const measured = points.filter((p) => p.t >= 0);
    expect(measured.reduce((n, p) => n + p.ok + p.error, 0)).toBe(calls);
    expect(measured.reduce((n, p) => n + p.error, 0)).toBe(calls / 10);
    expect(measured.filter((p) => p.server === "b").map((p) => p.ok + p.error)).toEqual(Array(30).fill(40));
    expect(measured.every((p) => p.t % 4000 === 0 && Math.abs((p.p50 ?? 0) - 2) < 0.02)).toBe(true);
    // Warm-up stays before the window, all of it.
    expect(points.filter((p) => p.t < 0).map((p) => [p.t, p.server, p.ok])).toEqual([
      [-8000, "a", 2],
      [-4000, "a", 8],
    ]);
  });
});

describe("Recorder: failures by kind, time-based availability, corrected counts", () => {
  it("counts the three kinds apart (a timeout is a transport failure) and folds errors by kind and message", () => {
    const r = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: 0 });
    r.startMeasuring(0);
    const base = { phase: "measure", server: "s", tool: "t", startedAt: 0, endedAt: 1 } as const;
    r.record({ ...base, outcome: "ok" });
    r.record({ ...base, outcome: "error", kind: "tool", error: "refused" });
    r.record({ ...base, outcome: "error", kind: "protocol", error: "bad frame" });
    r.record({ ...base, outcome: "error", kind: "transport", error: "Not connected" });
    r.record({ ...base, outcome: "timeout", endedAt: 2000 });
    // A driver that does not say: an error is the server's answer.
    r.record({ ...base, outcome: "error", error: "HTTP 503" });
    expect(r.callCounts({ server: "s" })).toEqual({ ok: 1, failed: { tool: 2, protocol: 1, transport: 2 }, timeouts: 1, missed: 0 });
    expect(r.errorSummaries().map((e) => [e.kind, e.outcome, e.message])).toEqual(
      expect.arrayContaining([
        ["tool", "error", "refused"],
        ["protocol", "error", "bad frame"],
        ["transport", "error", "Not connected"],
        ["transport", "timeout", "timeout"],
        ["tool", "error", "HTTP 503"],
      ]),
    );
    const [row] = r.callSummaries();
    expect(row).toMatchObject({ server: "s", tool: "t", ok: 1, timeouts: 1, missed: 0, successRate: { raw: 1 / 6, corrected: 1 / 6 } });
  });

  it("keeps each agent's timeline, and in the closed model counts the calls a timeout kept the agent from sending", () => {
    const r = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: 0, correctCounts: true });
    r.startMeasuring(0);
    for (let t = 0; t < 1000; t += 10) r.record({ phase: "measure", agent: 0, server: "s", tool: "t", outcome: "ok", startedAt: t, endedAt: t + 5 });
    r.record({ phase: "measure", agent: 0, server: "s", tool: "t", outcome: "timeout", startedAt: 1000, endedAt: 2000 });
    r.stopMeasuring(2000);
    expect(r.availabilityTime({ server: "s" })).toEqual({ goodMs: 1000, badMs: 1000 });
    // Pace 10 ms: a 1000 ms timeout stands for 99 calls not sent.
    expect(r.callCounts({}).missed).toBe(99);
    expect(r.callSummaries()[0]!.successRate).toEqual({ raw: 100 / 101, corrected: 100 / 200 });
  });

  it("message sizes per server x method x tool: exact mean and max, percentiles never above the max, no response for a timeout", () => {
    const r = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: 0 });
    // Warm-up sizes are not the window's.
    r.record({ phase: "warmup", server: "s", tool: "t", outcome: "ok", startedAt: 0, endedAt: 1, requestBytes: 9999, responseBytes: 9999 });
    for (let i = 1; i <= 100; i++)
      r.record({ phase: "measure", server: "s", tool: "t", outcome: "ok", startedAt: 0, endedAt: 1, requestBytes: 3000 + i, responseBytes: 10 * i });
    r.record({ phase: "measure", server: "s", tool: "t", outcome: "timeout", startedAt: 0, endedAt: 1, requestBytes: 3000 });
    r.record({ phase: "measure", server: "s", tool: "ping", method: "ping", outcome: "ok", startedAt: 0, endedAt: 1, responseBytes: 39 });
    const [ping, t] = r.payloadSummaries();
    expect(t).toMatchObject({ server: "s", method: "tools/call", tool: "t", unmetered: 0 });
    expect(t!.request.count).toBe(101);
    expect(t!.request.mean).toBeCloseTo((3000 * 101 + 5050) / 101, 9);
    expect(t!.request.max).toBe(3100);
    // 3 significant digits: within 0.1 %, and never above the largest size seen.
    expect(t!.request.p95).toBeGreaterThanOrEqual(3095 * 0.999);
    expect(t!.request.p95).toBeLessThanOrEqual(3100);
    expect(t!.response).toMatchObject({ count: 100, mean: 505, p50: 500, max: 1000 });
    // A method's row has no tool; a request whose send the meter did not see is counted as unmetered.
    expect(ping).toMatchObject({ method: "ping", unmetered: 1, request: { count: 0 }, response: { count: 1, max: 39 } });
    expect("tool" in ping!).toBe(false);
  });

  it("counts notifications of the window only, per server and method", () => {
    const r = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: 0 });
    r.recordNotification({ phase: "warmup", server: "s", method: "notifications/resources/updated" });
    for (let i = 0; i < 3; i++) r.recordNotification({ phase: "measure", server: "s", method: "notifications/resources/updated" });
    r.recordNotification({ phase: "measure", server: "a", method: "notifications/message" });
    expect(r.notificationCounts()).toEqual([
      { server: "a", method: "notifications/message", count: 1 },
      { server: "s", method: "notifications/resources/updated", count: 3 },
    ]);
  });
});
