/**
 * The halt monitor on a fake clock (vitest's fake timers; Date.now() is the clock the samples and
 * the monitor share), fed by a real Recorder the way the sdk driver feeds it: callStarted with the
 * call's tool and start, callEnded, record. A server that hangs at 4 s; the same load healthy.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { HaltPlan, ResolvedSlo } from "../contracts/plan.js";
import { parseMetric } from "../contracts/metric-names.js";
import { parseThreshold } from "../contracts/units.js";
import { Recorder } from "../metrics/recorder.js";
import { HaltMonitor, type HaltTrip } from "./halt-monitor.js";

const CALL_TIMEOUT_MS = 1000;
const HANG_AT = 4000;

function slo(id: string, metric: string, objective: string, halt: HaltPlan, scope: ResolvedSlo["scope"] = { server: "s" }): ResolvedSlo {
  return {
    id,
    title: id,
    metricName: metric,
    metric: parseMetric(metric)!,
    threshold: parseThreshold(objective)!,
    objectiveText: objective,
    scope,
    source: { document: "test", lines: "1" },
    halt,
  };
}

/**
 * A load of one call every 10 ms per agent until `hangAt`, then calls that never answer and time out
 * after CALL_TIMEOUT_MS. closed: each agent waits for its call (one hung call per agent at a time);
 * open: a call every 10 ms whatever happened (hung calls pile up).
 */
function drive(opts: { recorder: Recorder; monitor: HaltMonitor; model: "closed" | "open"; agents: number; hangAt: number; untilMs: number }): void {
  const { recorder: r, monitor } = opts;
  const hung: { id: number; agent: number; startedAt: number }[] = [];
  const busy = new Set<number>();
  for (let now = 10; now <= opts.untilMs && !monitor.tripped; now += 10) {
    vi.advanceTimersByTime(10);
    for (const call of hung.filter((c) => now - c.startedAt >= CALL_TIMEOUT_MS)) {
      r.callEnded("s", call.id);
      r.record({ phase: "measure", server: "s", tool: "t", outcome: "timeout", startedAt: call.startedAt, endedAt: now, agent: call.agent });
      hung.splice(hung.indexOf(call), 1);
      busy.delete(call.agent);
    }
    for (let agent = 0; agent < opts.agents; agent++) {
      if (opts.model === "closed" && busy.has(agent)) continue;
      if (now < opts.hangAt) {
        const id = r.callStarted("s", { tool: "t", startedAt: now - 2 });
        r.callEnded("s", id);
        r.record({ phase: "measure", server: "s", tool: "t", outcome: "ok", startedAt: now - 2, endedAt: now, agent });
      } else {
        hung.push({ id: r.callStarted("s", { tool: "t", startedAt: now }), agent, startedAt: now });
        busy.add(agent);
      }
    }
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function setUp(slos: ResolvedSlo[], correctCounts: boolean) {
  const recorder = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: 0, correctCounts });
  recorder.startMeasuring(0);
  const trips: HaltTrip[] = [];
  const monitor = new HaltMonitor({ slos, servers: ["s"], recorder, onTrip: (t) => trips.push(t), now: () => Date.now() });
  monitor.start(0);
  return { recorder, monitor, trips };
}

describe("HaltMonitor", () => {
  const plan: HaltPlan = { burnRate: 10, windowMs: 2000, minSamples: 20, graceMs: 1000, everyMs: 250 };

  it("closed model, success rate: the timeouts and the calls they kept the agents from sending trip it one grace after they land", () => {
    const { recorder, monitor, trips } = setUp([slo("s.success", "success_rate", ">= 99%", plan)], true);
    drive({ recorder, monitor, model: "closed", agents: 2, hangAt: HANG_AT, untilMs: 10_000 });
    expect(trips).toHaveLength(1);
    const t = trips[0]!;
    expect(t.sloId).toBe("s.success");
    // Nothing is known bad before the first deadline (4 s + 1 s); over from the next evaluation, then the grace.
    expect(t.reading.overSince).toBeGreaterThanOrEqual(HANG_AT + CALL_TIMEOUT_MS);
    expect(t.reading.overSince).toBeLessThanOrEqual(HANG_AT + CALL_TIMEOUT_MS + plan.everyMs);
    expect(t.reading.at - t.reading.overSince).toBe(plan.graceMs);
    expect(t.reading.at).toBeLessThanOrEqual(HANG_AT + CALL_TIMEOUT_MS + plan.graceMs + plan.everyMs);
    // Two timeouts are 2 calls; with the closed model's correction they stand for ~99 calls each at 10 ms a call.
    expect(t.reading.samples).toBeGreaterThan(100);
    expect(t.reading.burnRate).toBeGreaterThanOrEqual(plan.burnRate);
    expect(t.reading.burnRate).toBeCloseTo(t.reading.bad / t.reading.samples / 0.01, 9);
    // Stopped: no timer left, and what it watched says it tripped.
    expect(vi.getTimerCount()).toBe(0);
    const [w] = monitor.watched();
    expect(w!.tripped).toBe(true);
    expect(w!.evaluations).toBe(t.reading.at / plan.everyMs);
  });

  it("open model, latency p99: calls in flight past the threshold trip it before any of them times out", () => {
    const latencyPlan: HaltPlan = { burnRate: 10, windowMs: 1000, minSamples: 20, graceMs: 500, everyMs: 250 };
    const { recorder, monitor, trips } = setUp([slo("s.p99", "latency.p99", "< 50ms", latencyPlan)], false);
    drive({ recorder, monitor, model: "open", agents: 1, hangAt: HANG_AT, untilMs: 10_000 });
    expect(trips).toHaveLength(1);
    const t = trips[0]!;
    expect(t.reading.at).toBeLessThan(HANG_AT + CALL_TIMEOUT_MS);
    expect(t.reading.at).toBeLessThanOrEqual(HANG_AT + 50 + latencyPlan.graceMs + latencyPlan.everyMs);
    expect(t.reading.inFlight).toBeGreaterThan(0);
    expect(t.reading.inFlight).toBe(t.reading.bad);
  });

  it("a healthy run with the same conditions is evaluated all along and never trips", () => {
    const { recorder, monitor, trips } = setUp(
      [slo("s.success", "success_rate", ">= 99%", plan), slo("all.p99", "latency.p99", "< 50ms", { ...plan, everyMs: 500 }, { server: "*" })],
      true,
    );
    drive({ recorder, monitor, model: "closed", agents: 2, hangAt: Number.POSITIVE_INFINITY, untilMs: 8000 });
    monitor.stop();
    expect(trips).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    const watched = monitor.watched();
    expect(watched.map((w) => w.slo)).toEqual(["s.success", "all.p99@s"]);
    expect(watched[0]!.evaluations).toBe(8000 / 250);
    expect(watched[1]!.evaluations).toBe(8000 / 500);
    for (const w of watched) {
      expect(w.tripped).toBe(false);
      expect(w.maxBurnRate).toBe(0);
      expect(w.maxBurnRateSamples).toBeGreaterThanOrEqual(20);
    }
  });
});
