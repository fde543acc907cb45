import { describe, expect, it } from "vitest";
import type { Scenario } from "../contracts/plan.js";
import { compileFault, FaultSpec } from "./kinds/index.js";
import { parseThreshold } from "../contracts/units.js";
import { parseMetric } from "../contracts/metric-names.js";
import { censoringWarnings, describeLoss, measureLoss, type WriteLog } from "./rpo.js";
import { memoryRecords } from "./writers.js";

/** Writes 1..n, one every 100 ms from `start`, each acknowledged 5 ms after it was sent. */
function writes(n: number, start = 0): WriteLog {
  const acknowledged = new Map<number, { sentAt: number; ackAt: number }>();
  for (let seq = 1; seq <= n; seq++) acknowledged.set(seq, { sentAt: start + (seq - 1) * 100, ackAt: start + (seq - 1) * 100 + 5 });
  return { acknowledged, attempted: n, startedAt: start };
}
const range = (from: number, to: number) => new Set(Array.from({ length: to - from + 1 }, (_, i) => from + i));

describe("measureLoss", () => {
  it("counts acknowledged writes that are gone and dates the oldest against the fault", () => {
    // 100 writes over 10 s; the fault at 8 s takes the last 2 s (writes 61..80 acked before it), the rest came after.
    const present = new Set([...range(1, 60), ...range(81, 100), 101]);
    const r = measureLoss(writes(100), present, [{ id: "f1", at: 8000 }]);
    expect([r.acknowledged, r.present, r.lost, r.unacknowledgedPresent, r.lostWithoutFault]).toEqual([100, 81, 20, 1, 0]);
    expect(r.rpoMs).toBe(8000 - 6005);
    expect(r.censored).toBe(false);
    expect(r.worst?.faultId).toBe("f1");
  });

  it("charges a write acknowledged while the fault acted to that fault, one acknowledged after its heal not", () => {
    // A kill is an API call and a signal: injected at 7999, write 81 (sent 8000, acked 8005) still reached the
    // store and was lost with it. Healed at 9000; write 91 (acked 9005, after the heal) missing is no loss of f1.
    const present = new Set([...range(1, 60), ...range(82, 90), ...range(92, 100)]);
    const r = measureLoss(writes(100), present, [{ id: "f1", at: 7999, healedAt: 9000, presentAfter: present }]);
    expect([r.lost, r.lostWithoutFault]).toEqual([22, 1]);
    expect(r.byFault.map((f) => [f.faultId, f.lost])).toEqual([["f1", 21]]);
    expect(r.rpoMs).toBe(7999 - 6005);
  });

  it("gives RPO 0 when nothing acknowledged was lost", () => {
    const r = measureLoss(writes(10), range(1, 10), [{ id: "f1", at: 500 }]);
    expect([r.lost, r.rpoMs, r.censored, r.worst]).toEqual([0, 0, false, null]);
    expect(describeLoss({ ...r, faultInjected: true })).toBe("no loss");
  });

  it("calls acknowledged writes missing with no fault loss without a fault, with no RPO to date", () => {
    // Concurrent writers overwriting each other: every third record is gone, no fault was injected.
    const present = new Set([...range(1, 30)].filter((seq) => seq % 3 !== 0));
    const r = measureLoss(writes(30), present, []);
    expect([r.lost, r.lostWithoutFault, r.rpoMs, r.censored]).toEqual([10, 10, null, false]);
    expect(describeLoss({ ...r, faultInjected: false })).toBe("acknowledged writes lost without a fault: 10 of 30 (no fault was injected)");
  });

  it("does not charge a fault with writes sent after it began, nor with writes still there after it was healed", () => {
    // f1 at 2 s is healed and the store read back: everything was still there. Writes 40..50 vanish later, with no fault after them.
    const present = range(1, 39);
    const r = measureLoss(writes(50), present, [{ id: "f1", at: 2000, presentAfter: range(1, 30) }]);
    expect([r.lost, r.lostWithoutFault]).toEqual([11, 11]);
    expect(r.rpoMs).toBeNull();
  });

  it("charges each loss to the fault after which it was gone, not to an earlier fault that left it alone", () => {
    // f1 (a pause at 2 s) lost nothing; f2 (a crash at 6 s) lost 31..60.
    const r = measureLoss(writes(80), new Set([...range(1, 30), ...range(61, 80)]), [
      { id: "f1", at: 2000, presentAfter: range(1, 21) },
      { id: "f2", at: 6000, presentAfter: range(1, 30) },
    ]);
    expect(r.byFault.map((x) => [x.faultId, x.lost])).toEqual([["f2", 30]]);
    expect(r.rpoMs).toBe(6000 - 3005);
    expect(r.censored).toBe(false);
  });

  it("censors the RPO when the writer's first acknowledged write is lost: only a lower bound, the writer's age", () => {
    // Redis without persistence killed 6 s after the writer started: everything is gone.
    const r = measureLoss(writes(100, 1000), range(61, 100), [{ id: "f1", at: 7000 }]);
    expect([r.lost, r.censored]).toEqual([60, true]);
    expect(r.rpoMs).toBe(7000 - 1005);
    expect(r.worst?.writerAgeMs).toBe(7000 - 1005);
    expect(describeLoss({ ...r, faultInjected: true })).toMatch(/^RPO >= 6 s \(60 lost, dated against f1; censored/);
  });

  it("censors a later fault's RPO when everything older was already lost to an earlier one", () => {
    // f1 at 2 s wipes 1..20; f2 at 6 s wipes all that was written since (21..60).
    const r = measureLoss(writes(80), range(61, 80), [
      { id: "f1", at: 2000, presentAfter: new Set() },
      { id: "f2", at: 6000, presentAfter: new Set() },
    ]);
    expect(r.byFault.map((x) => [x.faultId, x.lost, x.censored])).toEqual([
      ["f1", 20, true],
      ["f2", 40, true],
    ]);
    expect(r.rpoMs).toBe(6000 - 2005);
  });

  it("keeps a write in flight at the fault as loss with RPO 0, said as above 0", () => {
    // Write 11 was sent at 1000, the fault came at 1002, its ack at 1005: lost all the same.
    const r = measureLoss(writes(11), range(1, 10), [{ id: "f1", at: 1002 }]);
    expect([r.lost, r.rpoMs, r.censored]).toEqual([1, 0, false]);
    expect(describeLoss({ ...r, faultInjected: true })).toMatch(/^RPO > 0 s/);
  });
});

describe("memoryRecords", () => {
  it("reads the Memory server's graph file as the server does: exact names of this run, one JSON object per line", () => {
    const prefix = "rpo-run1-";
    const text = [
      JSON.stringify({ type: "entity", name: "rpo-run1-1", entityType: "rpo-record", observations: [] }),
      JSON.stringify({ type: "entity", name: "rpo-run1-12", entityType: "rpo-record", observations: [] }),
      JSON.stringify({ type: "entity", name: "rpo-run1-12x", entityType: "agent", observations: [] }),
      JSON.stringify({ type: "entity", name: "rpo-run2-3", entityType: "rpo-record", observations: [] }),
      JSON.stringify({ type: "relation", from: "rpo-run1-5", to: "x", relationType: "knows" }),
      "",
    ].join("\n");
    expect([...memoryRecords(text, prefix)].sort((a, b) => a - b)).toEqual([1, 12]);
  });

  it("refuses a file the server could not load, rather than counting what a regex finds in it", () => {
    expect(() => memoryRecords(`{"type":"entity","name":"rpo-r-1"}\n{"type":"entity","name":"rpo-r-2"`, "rpo-r-")).toThrow(/line 2 is not JSON/);
  });
});

describe("censoringWarnings", () => {
  const rpoSlo = (objective: string) => ({
    id: `rpo${objective}`,
    title: "rpo",
    metricName: "rpo",
    metric: parseMetric("rpo")!,
    threshold: parseThreshold(objective)!,
    objectiveText: objective,
    scope: {},
    source: { document: "t", lines: "1" },
  });
  // Faults as the scenario schema compiles them (src/faults/kinds).
  const fault = (entry: Record<string, unknown>) => compileFault(FaultSpec.parse(entry))("f1");
  const kill = (atMs: number) => fault({ kind: "process", target: "redis", action: "kill", at: `${atMs}ms`, duration: "1s" });
  const scenario = (o: {
    leadMs: number;
    warmupMs: number;
    atMs: number;
    objectives: string[];
  }): Pick<Scenario, "file" | "faults" | "slos" | "rpo" | "warmupMs"> => ({
    file: "x.yaml",
    warmupMs: o.warmupMs,
    rpo: { stores: ["redis"], intervalMs: 20, leadMs: o.leadMs },
    faults: [kill(o.atMs)],
    slos: o.objectives.map(rpoSlo),
  });

  it("warns when the writer cannot be older than an RPO target at a fault that can lose writes, and says what lead would do", () => {
    const w = censoringWarnings(scenario({ leadMs: 0, warmupMs: 1000, atMs: 6000, objectives: ["<= 30s", "<= 0s"] }));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^x\.yaml: rpo\.lead: the RPO writers will be only about 7 s old at fault f1/);
    expect(w[0]).toMatch(/rpo<= 30s \(<= 30s\); set rpo\.lead to more than 24 s$/);
    expect(w[0]).not.toMatch(/<= 0s/);
  });

  it("says nothing when lead and warm-up make the writer old enough, or no fault can lose writes", () => {
    expect(censoringWarnings(scenario({ leadMs: 25_000, warmupMs: 1000, atMs: 6000, objectives: ["<= 30s"] }))).toEqual([]);
    expect(
      censoringWarnings({
        ...scenario({ leadMs: 0, warmupMs: 0, atMs: 1000, objectives: ["<= 30s"] }),
        faults: [fault({ kind: "hop-down", hop: "redis", at: "1s" })],
      }),
    ).toEqual([]);
  });
});
