/**
 * The agents' resilience under load, end to end through the command line (issue 15), on the four
 * scenarios of scenarios/ at their smoke profile, with real servers, Redis and Toxiproxy:
 *  1. fallback to an alternative server when the primary's processes are killed: the calls really
 *     went to the fallback (counted on redis-official itself), the time to fail over is measured, the
 *     degradation is judged, and the run without the policy (matrix resilience=false) failed calls the
 *     policy's run did not;
 *  2. degraded mode while Redis is partitioned: answers served from the cache of last good results,
 *     marked, and the degradation judged;
 *  3. a canary of a deliberately slower version rolled back at its first step, as a regression;
 *  4. a blue-green switch between two real releases with no failed call.
 * Nothing the runs started is left behind.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ScenarioResult } from "../src/results/types.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, transcript } from "./support/cli.js";

afterEach(removeOutDirs);

function scenario(record: Awaited<ReturnType<typeof readRecord>>, name: string, variant?: string): ScenarioResult {
  const s = record.scenarios.find((x) => x.name === name && (variant === undefined || x.variant === variant));
  if (!s)
    throw new Error(`no scenario ${name}${variant ? `[${variant}]` : ""} in the record: ${record.scenarios.map((x) => `${x.name}[${x.variant}]`).join(", ")}`);
  return s;
}

/** The agents' failed share of one server: their own view with a policy, the corrected counts without (timeouts are in failed.transport). */
function failedShare(s: ScenarioResult, server: string): number {
  const view = s.resilience?.calls.find((c) => c.server === server);
  if (view) return view.failed / Math.max(1, view.calls);
  const rows = (s.calls ?? []).filter((c) => c.server === server);
  const failed = rows.reduce((a, c) => a + c.failed.tool + c.failed.protocol + c.failed.transport + c.missed, 0);
  const all = rows.reduce((a, c) => a + c.ok, 0) + failed;
  return failed / Math.max(1, all);
}

describe("resilience policies and version switches", () => {
  it("falls back to an alternative server and to degraded mode, rolls a slower canary back and switches blue-green without a failed call", async () => {
    const out = await newOutDir("resilience-");
    const r = await runCli(
      [
        "run",
        "scenarios/fallback-alternative-server.yaml",
        "scenarios/fallback-degraded-mode.yaml",
        "scenarios/canary-slower-version.yaml",
        "scenarios/blue-green-switch.yaml",
        "--profile",
        "smoke",
        "--out",
        out,
      ],
      { timeoutMs: 600_000 },
    );
    // The fallback to the (much slower, Python) official server is a real degradation: exit 1 is an SLO verdict, never 2 or 3.
    expect([0, 1], transcript(r)).toContain(r.code);
    const record = await readRecord(out);

    // 1. Alternative server.
    const alt = scenario(record, "fallback-alternative-server", "resilience=true");
    const altOff = scenario(record, "fallback-alternative-server", "resilience=false");
    const fb = alt.resilience!.fallbacks[0]!;
    expect(fb.kind).toBe("alternative-server");
    expect(fb.fallbackServer).toBe("redis-official");
    const onFallback = alt.resilience!.calls.find((c) => c.server === "redis")!;
    expect(onFallback.fallback, transcript(r)).toBeGreaterThan(0);
    // Counted on the fallback server itself: its own ok calls, by the recorder of each server.
    const official = (alt.calls ?? []).filter((c) => c.server === "redis-official").reduce((a, c) => a + c.ok, 0);
    expect(official).toBeGreaterThan(0);
    expect(official).toBeGreaterThanOrEqual(onFallback.fallback * 0.9);
    expect(fb.timeToFailOverMs).not.toBeNull();
    expect(fb.timeToFailOverMs!).toBeGreaterThan(0);
    expect(fb.timeToFailOverMs!).toBeLessThan(5000);
    expect(fb.latency.relative).not.toBeNull();
    expect(fb.throughput.relative).not.toBeNull();
    const altSlo = alt.slos.find((s) => s.id === "fallback.degradation")!;
    expect(altSlo.measured).not.toBeNull();
    expect(altSlo.source.lines).toBe("488");
    expect(alt.resilience!.events.some((e) => e.kind === "breaker-opened")).toBe(true);
    // Side by side: the same fault without the policy failed a larger share of the agents' calls.
    expect(altOff.resilience).toBeUndefined();
    expect(failedShare(altOff, "redis")).toBeGreaterThan(failedShare(alt, "redis"));

    // 2. Degraded mode.
    const deg = scenario(record, "fallback-degraded-mode", "resilience=true");
    const dfb = deg.resilience!.fallbacks[0]!;
    expect(dfb.kind).toBe("degraded");
    expect(dfb.during?.degraded ?? 0).toBeGreaterThan(0);
    expect(deg.resilience!.calls[0]!.degraded).toBeGreaterThan(0);
    expect(dfb.timeToFailOverMs).not.toBeNull();
    expect(deg.slos.find((s) => s.id === "fallback.degradation")!.measured).not.toBeNull();
    expect(failedShare(scenario(record, "fallback-degraded-mode", "resilience=false"), "redis")).toBeGreaterThan(failedShare(deg, "redis"));

    // 3. The slower canary: rolled back at the first step whose comparison is "regressed".
    const canary = scenario(record, "canary-slower-version").resilience!.switch!;
    expect(canary.outcome, JSON.stringify(canary.steps, null, 1)).toBe("rolled-back");
    const firstRegressed = canary.steps.findIndex((s) => s.comparison?.verdict === "regressed");
    expect(firstRegressed).toBeGreaterThanOrEqual(0);
    expect(canary.steps[firstRegressed]!.decision).toBe("rolled-back");
    expect(canary.steps.slice(0, firstRegressed).every((s) => s.decision === "next" || s.decision === "repeated")).toBe(true);
    expect(canary.to.standIn).toContain("stand-in");

    // 4. Blue-green between two releases of the reference server: every call after the switch on the new one, none failed.
    const bg = scenario(record, "blue-green-switch");
    const sw = bg.resilience!.switch!;
    expect(sw.outcome).toBe("switched");
    expect(sw.from.version).toBe("2026.8.18");
    expect(sw.calls).toBeGreaterThan(100);
    expect(sw.failedCalls).toBe(0);
    expect(sw.steps[0]!.to.calls).toBe(sw.calls);
    expect((bg.calls ?? []).filter((c) => c.server === "everything-green").reduce((a, c) => a + c.ok, 0)).toBeGreaterThanOrEqual(sw.calls);

    await expectNothingLeft(record.runId);
  }, 660_000);
});
