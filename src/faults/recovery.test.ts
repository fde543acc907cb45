import { describe, expect, it } from "vitest";
import { measureRecovery, steadyStateMet, type ProbePoint } from "./recovery.js";
import { measureLoss } from "./rpo.js";

/** Probes every 100 ms from 0 to `until`, failing inside [down, up). */
function probes(until: number, down: number, up: number): ProbePoint[] {
  const out: ProbePoint[] = [];
  for (let t = 0; t <= until; t += 100) out.push({ t, ok: t < down || t >= up });
  return out;
}

describe("measureRecovery", () => {
  it("measures detection, RTO and time after heal", () => {
    const r = measureRecovery(probes(10_000, 2050, 4000), { injectedAt: 2000, healedAt: 3500, consecutive: 3, limitMs: 60_000 });
    expect(r).toEqual({ timeToDetectMs: 100, rtoMs: 2000, afterHealMs: 500, recovered: true });
  });

  it("needs k successes in a row: a lone success inside the outage does not count", () => {
    const points = probes(10_000, 2000, 5000).map((p) => (p.t === 3000 ? { ...p, ok: true } : p));
    expect(measureRecovery(points, { injectedAt: 2000, healedAt: null, consecutive: 3, limitMs: 60_000 }).rtoMs).toBe(3000);
  });

  it("reports 'did not recover' within the limit as a result", () => {
    const r = measureRecovery(probes(10_000, 2000, 20_000), { injectedAt: 2000, healedAt: 2500, consecutive: 3, limitMs: 5000 });
    expect(r).toEqual({ timeToDetectMs: 0, rtoMs: null, afterHealMs: null, recovered: false });
  });

  it("dates detection and recovery by when the answer came, not when the probe was sent", () => {
    // A 1 s freeze: the probe sent just before the end is answered when the server resumes, within its deadline.
    const points: ProbePoint[] = [
      { t: 900, ok: true, done: 901 },
      { t: 1000, ok: false, done: 2000 },
      { t: 1900, ok: true, done: 2001 },
      { t: 2000, ok: true, done: 2002 },
      { t: 2100, ok: true, done: 2101 },
    ];
    expect(measureRecovery(points, { injectedAt: 1000, healedAt: 2000, consecutive: 3, limitMs: 60_000 })).toEqual({ timeToDetectMs: 1000, rtoMs: 1001, afterHealMs: 1, recovered: true });
  });

  it("says a fault no probe noticed recovered at once", () => {
    expect(measureRecovery(probes(5000, 99_999, 99_999), { injectedAt: 1000, healedAt: 2000, consecutive: 3, limitMs: 60_000 })).toEqual({ timeToDetectMs: null, rtoMs: 0, afterHealMs: null, recovered: true });
  });
});

describe("steadyStateMet", () => {
  it("holds when the last k probes succeeded", () => {
    expect(steadyStateMet(probes(1000, 200, 400), 3)).toBe(true);
    expect(steadyStateMet(probes(1000, 900, 2000), 3)).toBe(false);
    expect(steadyStateMet([{ t: 0, ok: true }], 3)).toBe(false);
  });
});

describe("measureLoss", () => {
  const log = { acknowledged: new Map([[1, 100], [2, 200], [3, 300], [4, 400]]), attempted: 6 };

  it("counts acknowledged writes that are gone and dates the oldest", () => {
    expect(measureLoss(log, new Set([1, 4, 5]), 1000)).toEqual({ acknowledged: 4, present: 3, lost: 2, unacknowledgedPresent: 1, rpoMs: 800 });
  });

  it("gives RPO 0 when nothing acknowledged was lost", () => {
    expect(measureLoss(log, new Set([1, 2, 3, 4]), 1000).rpoMs).toBe(0);
  });
});
