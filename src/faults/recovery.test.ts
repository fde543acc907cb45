import { describe, expect, it } from "vitest";
import { measureRecovery, steadyStateMet, type ProbePoint } from "./recovery.js";

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
    expect(measureRecovery(points, { injectedAt: 1000, healedAt: 2000, consecutive: 3, limitMs: 60_000 })).toEqual({
      timeToDetectMs: 1000,
      rtoMs: 1001,
      afterHealMs: 1,
      recovered: true,
    });
  });

  it("does not take k successes that a still-acting fault let through for recovery", () => {
    // A flapping link healed at 5000: up for 500 ms between flaps, so 3 probes in a row succeed at 1500-1700 and at 3500-3700.
    const points = probes(10_000, 1000, 5000).map((p) => ({
      ...p,
      ok: p.t < 1000 || (p.t >= 1500 && p.t < 2000) || (p.t >= 3500 && p.t < 4000) || p.t >= 5000,
    }));
    const r = measureRecovery(points, { injectedAt: 1000, healedAt: 5000, consecutive: 3, limitMs: 60_000 });
    expect(r).toEqual({ timeToDetectMs: 0, rtoMs: 4000, afterHealMs: 0, recovered: true });
    // Never healed (no heal time to know the fault was still on): the first run of k counts, as before.
    expect(measureRecovery(points, { injectedAt: 1000, healedAt: null, consecutive: 3, limitMs: 60_000 }).rtoMs).toBe(500);
  });

  it("ignores a late failure of a probe sent while the fault was on, and probes sent before the fault", () => {
    const points: ProbePoint[] = [
      // sent before the fault, answered (failed) after it began: not part of its window
      { t: 950, ok: false, done: 1950 },
      { t: 1000, ok: false, done: 1001 },
      // sent just before the heal at 2000, its deadline ran out after probes sent after the heal had succeeded
      { t: 1990, ok: false, done: 2990 },
      { t: 2000, ok: true, done: 2010 },
      { t: 2100, ok: true, done: 2110 },
      { t: 2200, ok: true, done: 2210 },
    ];
    expect(measureRecovery(points, { injectedAt: 1000, healedAt: 2000, consecutive: 3, limitMs: 60_000 })).toEqual({
      timeToDetectMs: 1,
      rtoMs: 1010,
      afterHealMs: 10,
      recovered: true,
    });
  });

  it("does not give a fault the outage of the next one", () => {
    // f1 at 1000 let every probe through; f2 at 5000 broke the path until 7000.
    const points = probes(10_000, 5000, 7000);
    expect(measureRecovery(points, { injectedAt: 1000, healedAt: 2000, consecutive: 3, limitMs: 30_000, nextFaultAt: 5000 })).toEqual({
      timeToDetectMs: null,
      rtoMs: 0,
      afterHealMs: null,
      recovered: true,
    });
    expect(measureRecovery(points, { injectedAt: 5000, healedAt: 6000, consecutive: 3, limitMs: 30_000 }).rtoMs).toBe(2000);
  });

  it("says a fault no probe noticed recovered at once", () => {
    expect(measureRecovery(probes(5000, 99_999, 99_999), { injectedAt: 1000, healedAt: 2000, consecutive: 3, limitMs: 60_000 })).toEqual({
      timeToDetectMs: null,
      rtoMs: 0,
      afterHealMs: null,
      recovered: true,
    });
  });
});

describe("steadyStateMet", () => {
  it("holds when the last k probes succeeded", () => {
    expect(steadyStateMet(probes(1000, 200, 400), 3)).toBe(true);
    expect(steadyStateMet(probes(1000, 900, 2000), 3)).toBe(false);
    expect(steadyStateMet([{ t: 0, ok: true }], 3)).toBe(false);
  });
});
