/**
 * Halt on burn (issue 19), end to end: the real CLI, real Redis and the real Redis MCP server, whose
 * processes a `pause` fault freezes (SIGSTOP) 4 s into the window for a minute
 * (test/fixtures/e2e-halt-redis-pause.yaml). The success-rate SLO's halt condition must stop the run
 * within the bound the design gives, heal the pause then, and say "halted" in every output; the same
 * run without the fault (profile `healthy`) must not halt.
 *
 * The bound: nothing is known bad before the first calls pass their deadline (pause + callTimeout;
 * the sdk driver times a call out then, and a stuck call of a ratio SLO counts as bad only from its
 * deadline); from there the condition must hold for `grace`, checked every `every`, so the trip
 * comes at most pause + callTimeout + grace + every after the window opened, plus SLACK_MS for a
 * loaded 2-core machine (a timer firing late, the SDK's timeout landing late). After the trip the
 * window ends when the calls in flight answered (the pause is healed at the trip) or timed out: at
 * most callTimeout + SLACK_MS later.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { findProcessesOfRun } from "../src/stack/leftovers.js";
import { RUN_ID_ENV } from "../src/stack/resource-registry.js";
import { procStat } from "../src/util/proc-stat.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, ROOT, runCli, transcript } from "./support/cli.js";

afterEach(removeOutDirs);

const FILE = "test/fixtures/e2e-halt-redis-pause.yaml";
const SLACK_MS = 750;

interface Fixture {
  callTimeout: string;
  duration: string;
  slos: { id: string; halt?: { window: string; grace: string; every: string; burnRate: number; minSamples: number } }[];
}

const seconds = (text: string) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text)!;
  return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
};

async function fixture() {
  const doc = parseYaml(await readFile(path.join(ROOT, FILE), "utf8")) as Fixture;
  const halt = doc.slos.find((s) => s.halt)!.halt!;
  return { callTimeoutMs: seconds(doc.callTimeout), plannedMs: seconds(doc.duration), graceMs: seconds(halt.grace), everyMs: seconds(halt.every), halt };
}

/** The run id of the CLI `cliPid`: read from the environment of a process it started. */
async function runIdOf(cliPid: number): Promise<string | undefined> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat?.ppid !== cliPid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    const found = environ.split("\0").find((v) => v.startsWith(`${RUN_ID_ENV}=`));
    if (found) return found.slice(RUN_ID_ENV.length + 1);
  }
  return undefined;
}

describe("halt on burn: a Redis MCP server paused halfway through the window", () => {
  it("stops the load within callTimeout + grace + one evaluation, heals the pause, says halted everywhere and exits 1", async () => {
    const f = await fixture();
    const out = await newOutDir("halt-e2e-");
    // While the run waits for recovery (after the window, before the stack stops), no process of the run may still be paused.
    let stopped: { pid: number; cmd: string }[] | undefined;
    let checking: Promise<void> | undefined;
    const r = await runCli(["run", FILE, "--out", out], {
      timeoutMs: 240_000,
      onStderr: (text, child) => {
        if (checking || !/waiting for recovery/.test(text)) return;
        checking = (async () => {
          const runId = await runIdOf(child.pid!);
          if (runId === undefined) return;
          stopped = (await findProcessesOfRun(runId)).filter((p) => procStat(p.pid)?.state === "T");
        })();
      },
    });
    await checking;
    expect(r.code, transcript(r)).toBe(1);
    expect(stopped, "the run's processes were looked at while it waited for recovery").toEqual([]);

    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status).toBe("completed");
    const h = s.halted!;
    expect(h, "results.json: the scenario's halted").toBeDefined();
    expect(h.slo).toBe("redis.success_rate");
    expect(record.halted).toEqual([{ scenario: s.name, slo: h.slo, atMs: h.atMs, burnRate: h.burnRate }]);

    // When: not before the pause plus the grace, not after pause + callTimeout + grace + one evaluation (+ slack).
    const fault = s.faults![0]!;
    const pausedAt = fault.injectedAtMs!;
    const bound = pausedAt + f.callTimeoutMs + f.graceMs + f.everyMs;
    expect(h.atMs, `halted at ${h.atMs} ms, paused at ${pausedAt} ms, bound ${bound} ms`).toBeGreaterThanOrEqual(pausedAt + f.graceMs);
    expect(h.atMs).toBeLessThanOrEqual(bound + SLACK_MS);
    expect(h.atMs - h.overSinceMs).toBeGreaterThanOrEqual(f.graceMs);
    // Why: the figures that tripped it meet the condition, and are consistent with each other.
    expect(h.burnRate).toBeGreaterThanOrEqual(f.halt.burnRate);
    expect(h.samples).toBeGreaterThanOrEqual(f.halt.minSamples);
    expect(h.burnRate).toBeCloseTo(h.bad / h.samples / h.budget, 6);
    expect(h.budget).toBeCloseTo(0.01, 12);
    expect(h.condition).toEqual({ burnRate: 10, windowMs: 2000, minSamples: 20, graceMs: 1000, everyMs: 250 });

    // The load stopped: the window is shorter than planned, and ended once the calls in flight answered or timed out.
    expect(h.plannedMs).toBe(f.plannedMs);
    expect(s.load!.measuredMs).toBe(h.measuredMs);
    expect(s.load!.measuredMs).toBeLessThan(f.plannedMs);
    expect(s.load!.measuredMs).toBeLessThanOrEqual(h.atMs + f.callTimeoutMs + SLACK_MS);

    // The pause (planned for 60 s) was healed at the halt, and the stack recovered.
    expect(fault.injected).toBe(true);
    expect(fault.healedAtMs, "healed").not.toBeNull();
    expect(fault.healedAtMs! - h.atMs).toBeGreaterThanOrEqual(0);
    expect(fault.healedAtMs! - h.atMs).toBeLessThanOrEqual(SLACK_MS);
    expect(fault.observations.some((o) => /healed early: the run halted/.test(o))).toBe(true);
    expect(fault.recovered).toBe(true);

    // The halting SLO fails on the halt; the other is judged on what was measured before it.
    const halting = s.slos.find((x) => x.id === "redis.success_rate")!;
    expect(halting.verdict).toBe("fail");
    expect(halting.reason).toMatch(/^judged fail on the halt: halted /);
    expect(s.slos.find((x) => x.id === "redis.latency.p99")!.reason).not.toMatch(/halt/);
    expect(s.haltWatch).toEqual([expect.objectContaining({ slo: "redis.success_rate", tripped: true })]);

    // Every output says so.
    expect(r.stdout).toMatch(/^HALTED +e2e-halt-redis-pause: halted /m);
    expect(r.stderr).toMatch(/HALT [\d.]+ s into the window: redis\.success_rate burns its error budget/);
    const summary = await readFile(path.join(out, "summary.md"), "utf8");
    expect(summary).toContain("- **Halted**: e2e-halt-redis-pause halted ");
    expect(summary).toContain("**Halted:** halted ");
    const junit = await readFile(path.join(out, "junit.xml"), "utf8");
    expect(junit).toMatch(/<testcase name="halted" classname="e2e-halt-redis-pause"[^>]*>\s*<failure message="halted [^"]*" type="halted">/);
    const report = await readFile(path.join(out, "report.html"), "utf8");
    expect(report).toContain('data-halted-slo="redis.success_rate"><strong>Halted.</strong> halted ');
    expect(report).toMatch(/<span class="badge fail">Halted<\/span> <strong>e2e-halt-redis-pause<\/strong>: halted /);

    await expectNothingLeft(record.runId);
  }, 250_000);

  it("the same run and halt condition without the fault never halts, having evaluated the burn rate all along", async () => {
    const f = await fixture();
    const out = await newOutDir("halt-e2e-");
    const r = await runCli(["run", FILE, "--profile", "healthy", "--out", out], { timeoutMs: 240_000 });
    expect(r.code, transcript(r)).toBe(0);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.halted).toBeUndefined();
    expect(record.halted).toBeUndefined();
    expect(r.stdout).not.toMatch(/HALTED/);
    const [w] = s.haltWatch!;
    expect(w!.tripped).toBe(false);
    // An evaluation every 250 ms through the 12 s window (the timer may skip one on a loaded machine).
    expect(w!.evaluations).toBeGreaterThanOrEqual(Math.floor(f.plannedMs / f.everyMs) - 2);
    expect(w!.maxBurnRate).not.toBeNull();
    expect(w!.maxBurnRate!).toBeLessThan(f.halt.burnRate);
    expect(s.load!.measuredMs).toBeGreaterThanOrEqual(f.plannedMs);
    await expectNothingLeft(record.runId);
  }, 250_000);
});
