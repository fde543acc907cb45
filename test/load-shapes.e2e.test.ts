/**
 * End to end: a load shape (issue 19, `load.stages`). scenarios/shape-spike.yaml sends 10 calls/s to
 * the reference server, 50/s for 10 s (a spike of x5 with 1 s ramps), then 10/s again; the real CLI
 * runs it with the harness's own driver and with real k6 (ramping-arrival-rate), and the timeline of
 * results.json must show the shape: the ok-call rate of the spike's seconds about five times that of
 * the seconds before it, back down after, each second with its latency figures, and the planned
 * target per second beside them. A closed-model shape (test/fixtures/e2e-shape-closed.yaml) must
 * bring agents in and let them go (ramping-vus under k6). autocannon, which cannot ramp, must refuse
 * the scenario before anything starts.
 *
 * Ratios, not absolute figures: the machine may be slow, but a rate the server keeps up with
 * follows the plan.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario } from "../src/config/load-scenario.js";
import { areaUntil, shapeDurationMs } from "../src/contracts/load-shape.js";
import { k6Binary } from "../src/drivers/k6-driver.js";
import type { ScenarioResult } from "../src/results/types.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, ROOT, runCli, transcript } from "./support/cli.js";

afterAll(removeOutDirs);

const FILE = "scenarios/shape-spike.yaml";
const haveK6 = existsSync(k6Binary());
const inCi = process.env.CI === "true" || process.env.CI === "1";

/** Mean ok calls per second over the window's whole buckets that lie within [from, to) ms. */
function okRate(s: ScenarioResult, from: number, to: number): { rate: number; buckets: number } {
  const iv = s.timeline.intervalMs;
  const end = s.load!.measuredMs;
  const starts = [...new Set(s.timeline.points.map((p) => p.t))].filter((t) => t >= from && t + iv <= to && t + iv <= end);
  const ok = s.timeline.points.filter((p) => starts.includes(p.t)).reduce((n, p) => n + p.ok, 0);
  return { rate: starts.length ? ok / starts.length / (iv / 1000) : Number.NaN, buckets: starts.length };
}

describe("load shapes: a spike stage (scenarios/shape-spike.yaml), a closed-model ramp", () => {
  for (const driver of ["sdk", "k6"] as const) {
    it.skipIf(driver === "k6" && !haveK6 && !inCi)(
      `${driver}: the timeline shows the spike in the ok-call rate, with latency per second and the plan beside it`,
      async () => {
        const plan = await loadScenario(path.join(ROOT, FILE), "ci");
        const shape = plan.load.shape!;
        const stageStart = (i: number) => shape.stages.slice(0, i).reduce((n, x) => n + x.durationMs, 0);
        const out = await newOutDir("e2e-shape-");
        const r = await runCli(["run", FILE, "--profile", "ci", "--driver", driver, "--out", out], { timeoutMs: 180_000 });
        const said = transcript(r);
        expect([0, 1], said).toContain(r.code);
        const record = await readRecord(out);
        const s = record.scenarios[0]!;
        expect(s.status, said).toBe("completed");

        // The shape as planned, in results.json.
        expect(s.load!.shape).toEqual({ unit: "arrivals/s", start: shape.start, stages: shape.stages });
        expect(s.load!.durationMs).toBe(shapeDurationMs(shape));
        const planned = s.timeline.planned!;
        const plannedAt = (t: number) => planned.find((p) => p.t === t)!.target;
        expect(plannedAt(5_000)).toBeCloseTo(shape.stages[0]!.target, 6);
        expect(plannedAt(15_000)).toBeCloseTo(shape.stages[2]!.target, 6);
        expect(plannedAt(25_000)).toBeCloseTo(shape.stages[4]!.target, 6);
        expect(
          planned.some((p) => p.t < 0),
          "the warm-up's buckets, at the first target",
        ).toBe(true);

        // Every arrival of the plan was sent or counted as dropped (none beyond maxInFlight / k6's VUs, on a healthy run): the area under the rate.
        const area = areaUntil(shape, shapeDurationMs(shape));
        const offered = s.load!.offered + s.load!.dropped;
        expect(Math.abs(offered - area), `${offered} offered, ${area} planned\n${said}`).toBeLessThanOrEqual(Math.max(2, area * 0.01));

        // The ok-call rate of whole seconds inside each flat stage.
        const before = okRate(s, stageStart(0), stageStart(1));
        const spike = okRate(s, stageStart(2), stageStart(3));
        const after = okRate(s, stageStart(4), stageStart(5));
        const rates = `before ${before.rate.toFixed(1)}/s (${before.buckets} s), spike ${spike.rate.toFixed(1)}/s (${spike.buckets} s), after ${after.rate.toFixed(1)}/s (${after.buckets} s)`;
        expect(before.buckets, rates).toBeGreaterThanOrEqual(9);
        expect(spike.buckets, rates).toBeGreaterThanOrEqual(9);
        expect(after.buckets, rates).toBeGreaterThanOrEqual(8);
        const planRatio = shape.stages[2]!.target / shape.stages[0]!.target;
        expect(spike.rate / before.rate, rates).toBeGreaterThan(planRatio * 0.8);
        expect(spike.rate / before.rate, rates).toBeLessThan(planRatio * 1.2);
        expect(after.rate / before.rate, rates).toBeGreaterThan(0.8);
        expect(after.rate / before.rate, rates).toBeLessThan(1.2);

        // Latency per second, through the spike as before and after it.
        for (const p of s.timeline.points.filter((x) => x.t >= 0 && x.ok > 0)) {
          expect(p.p50, `bucket ${p.t}`).not.toBeNull();
          expect(p.p99!, `bucket ${p.t}`).toBeGreaterThanOrEqual(p.p50!);
        }
        expect(s.timeline.points.filter((p) => p.t >= stageStart(2) && p.t < stageStart(3) && p.p99 !== null).length).toBeGreaterThanOrEqual(9);
        // The other outputs say the shape too.
        expect(readFileSync(path.join(out, "summary.md"), "utf8")).toContain(
          "Load shape (open model): arrivals/s: 10 at the start, then 10 over 10s, 50 over 1s",
        );
        expect(readFileSync(path.join(out, "report.html"), "utf8")).toContain("open, shaped: arrivals/s: 10 at the start");
        await expectNothingLeft(record.runId);
      },
      240_000,
    );
  }

  for (const driver of ["sdk", "k6"] as const) {
    it.skipIf(driver === "k6" && !haveK6 && !inCi)(
      `${driver}: a closed-model shape brings agents in and lets them go (ramping-vus under k6)`,
      async () => {
        const file = "test/fixtures/e2e-shape-closed.yaml";
        const plan = await loadScenario(path.join(ROOT, file), "ci");
        const shape = plan.load.shape!;
        const stageStart = (i: number) => shape.stages.slice(0, i).reduce((n, x) => n + x.durationMs, 0);
        const out = await newOutDir("e2e-shape-closed-");
        const r = await runCli(["run", file, "--driver", driver, "--out", out], { timeoutMs: 180_000 });
        const said = transcript(r);
        expect([0, 1], said).toContain(r.code);
        const record = await readRecord(out);
        const s = record.scenarios[0]!;
        expect(s.status, said).toBe("completed");
        expect(s.load!.shape?.unit).toBe("agents");
        // The planned agents per second: 1, then 4 (a whole second inside the plateau), then 1.
        const planned = s.timeline.planned!;
        expect(planned.find((p) => p.t === 1000)?.target).toBe(1);
        expect(planned.find((p) => p.t === 5000)?.target).toBe(4);
        expect(planned.find((p) => p.t === 10_000)?.target).toBe(1);
        // Four agents with a 100 ms think time send up to four times one agent's calls (less when the calls slow down).
        const one = okRate(s, stageStart(0), stageStart(1));
        const four = okRate(s, stageStart(2), stageStart(3));
        const oneAgain = okRate(s, stageStart(4), stageStart(5));
        const rates = `1 agent ${one.rate.toFixed(1)}/s, 4 agents ${four.rate.toFixed(1)}/s, 1 agent again ${oneAgain.rate.toFixed(1)}/s`;
        expect(four.rate / one.rate, rates).toBeGreaterThan(2);
        expect(four.rate / one.rate, rates).toBeLessThan(4.6);
        expect(oneAgain.rate / one.rate, rates).toBeGreaterThan(0.6);
        expect(oneAgain.rate / one.rate, rates).toBeLessThan(1.5);
        await expectNothingLeft(record.runId);
      },
      240_000,
    );
  }

  it("autocannon cannot ramp: --driver autocannon is refused at validation, naming the path and the driver", async () => {
    const out = await newOutDir("e2e-shape-autocannon-");
    const r = await runCli(["run", FILE, "--driver", "autocannon", "--out", path.join(out, "never")], { timeoutMs: 60_000 });
    const said = transcript(r);
    expect(r.code, said).toBe(2);
    expect(said).toContain("load.stages: --driver autocannon cannot run a load shape");
    expect(said).toContain(FILE);
    expect(existsSync(path.join(out, "never")), "nothing was started or written").toBe(false);
  });

  it("defines a soak at --profile nightly (validated, not run here)", async () => {
    const nightly = await loadScenario(path.join(ROOT, FILE), "nightly", { requireProfile: true });
    const longest = Math.max(...nightly.load.shape!.stages.map((x) => x.durationMs));
    expect(longest).toBeGreaterThanOrEqual(60 * 60 * 1000);
    expect(nightly.durationMs).toBe(shapeDurationMs(nightly.load.shape!));
  });
});
