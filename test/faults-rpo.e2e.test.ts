/**
 * RPO and fault timing end to end, with the real CLI on fixture scenarios and real servers
 * (../shared/measurement.md, RTO and RPO):
 *  - loss is loss: concurrent Memory writers with no fault lose acknowledged writes, and every RPO
 *    objective fails, with no steady-state wording anywhere;
 *  - a censored RPO never passes: Redis without persistence killed 6 s after the writer started;
 *  - a fault at 0 s acts on the window's first call; "healed at" is when the cause was removed,
 *    "ready at" beside it, and the time after heal is not negative.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ScenarioResult } from "../src/results/types.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, transcript } from "./support/cli.js";

afterAll(removeOutDirs);

const slo = (s: ScenarioResult, id: string) => {
  const found = s.slos.find((x) => x.id === id);
  expect(found, `SLO ${id}`).toBeDefined();
  return found!;
};
const outputs = async (out: string) =>
  Object.fromEntries(
    await Promise.all(["results.json", "summary.md", "report.html", "junit.xml"].map(async (f) => [f, await readFile(path.join(out, f), "utf8")] as const)),
  );

describe("loss is loss: concurrent Memory writers, no fault", () => {
  it("loses acknowledged writes, fails every RPO objective (exit 1) and says so, with no steady-state wording", async () => {
    const out = await newOutDir("faults-rpo-e2e-");
    const r = await runCli(["run", "test/fixtures/e2e-memory-consistency.yaml", "--out", out]);
    expect(r.code, transcript(r)).toBe(1);
    const rec = await readRecord(out);
    const s = rec.scenarios[0]!;
    const memory = s.rpo![0]!;
    expect(memory.store).toBe("memory");
    expect(memory.readBackError).toBeUndefined();
    expect(memory.acknowledged).toBeGreaterThan(20);
    expect(memory.lost).toBeGreaterThan(0);
    expect(memory.lost).toBe(memory.lostWithoutFault);
    expect(memory.acknowledged - memory.lost + memory.unacknowledgedPresent).toBe(memory.present);
    expect(memory.text).toBe(`acknowledged writes lost without a fault: ${memory.lost} of ${memory.acknowledged} (no fault was injected)`);
    for (const id of ["recovery.coordination.rpo", "memory-rpo-generous"]) {
      expect(slo(s, id).verdict).toBe("fail");
      expect(slo(s, id).reason).toMatch(/^acknowledged writes lost without a fault: memory: \d+ of \d+/);
    }
    expect(s.faults).toBeUndefined();
    expect(s.steadyState).toBeUndefined();
    expect(s.probe).toBeUndefined();
    const files = await outputs(out);
    expect(files["summary.md"]).toContain("acknowledged writes lost without a fault");
    for (const [name, text] of Object.entries({ ...files, stdout: r.stdout, stderr: r.stderr })) {
      expect(text, name).not.toMatch(/steady[ -]?state/i);
      expect(text, name).not.toMatch(/could not read back/);
    }
    console.log(`memory consistency: ${memory.lost} of ${memory.acknowledged} acknowledged writes lost without a fault, exit ${r.code}`);
    await expectNothingLeft(rec.runId);
  });
});

describe("a censored RPO never passes: Redis without persistence killed 6 s in", () => {
  it("is inconclusive under a target above the writer's age and fails one below it, as '>= N s'", async () => {
    const out = await newOutDir("faults-rpo-e2e-");
    const r = await runCli(["run", "test/fixtures/e2e-redis-censored.yaml", "--out", out]);
    expect(r.code, transcript(r)).toBe(1);
    const rec = await readRecord(out);
    const s = rec.scenarios[0]!;
    const redis = s.rpo![0]!;
    const fault = s.faults![0]!;
    expect(fault.injected).toBe(true);
    // Everything written before the kill is gone; what came after the restart is there.
    expect(redis.lost).toBeGreaterThan(0);
    expect(redis.lostWithoutFault).toBe(0);
    expect(redis.censored).toBe(true);
    expect(redis.faultId).toBe("f1");
    // The lower bound is the writer's age at the kill: from its first acknowledged write, sent before the window opened.
    const age = fault.injectedAtMs! - redis.writerStartedAtMs!;
    expect(redis.writerStartedAtMs!).toBeLessThan(0);
    expect(redis.rpoMs!).toBeLessThanOrEqual(age);
    expect(redis.rpoMs!).toBeGreaterThan(age - 2000);
    expect(redis.rpoMs!).toBeLessThan(30_000);
    const under30 = slo(s, "recovery.coordination.rpo");
    expect(under30.verdict).toBe("inconclusive");
    expect(under30.measuredText).toMatch(/^>= \d+(\.\d+)? s$/);
    expect(under30.reason).toMatch(/^the writer ran \d+(\.\d+)? s before the fault: too short to show an RPO under 30 s/);
    const under3 = slo(s, "rpo-under-3s");
    expect(under3.verdict).toBe("fail");
    expect(under3.measuredText).toBe(under30.measuredText);
    // The run said beforehand that this writer would be too young, and kept it in the record.
    expect(s.warnings?.some((w) => /rpo\.lead: the RPO writers will be only about 6 s old at fault f1/.test(w))).toBe(true);
    expect(r.stderr).toMatch(/warning: .*rpo\.lead/);
    const files = await outputs(out);
    expect(files["summary.md"]).toContain(`| ${under30.measuredText} |`);
    expect(files["report.html"]).toContain(`&gt;= ${under30.measuredText.slice(3)}`);
    console.log(`censored RPO: ${redis.text}; ${under30.id}: ${under30.verdict} (${under30.reason.split(" (")[0]}); ${under3.id}: ${under3.verdict}`);
    await expectNothingLeft(rec.runId);
  });
});

describe("fault timing: a fault at 0 s, and a kill healed when Redis was spawned again", () => {
  it("meets the window's first call, dates the heal at the spawn with ready-at beside it, and never gives a negative time after heal", async () => {
    const out = await newOutDir("faults-rpo-e2e-");
    const r = await runCli(["run", "test/fixtures/e2e-fault-at-zero.yaml", "--out", out]);
    expect(r.code, transcript(r)).toBe(0);
    const rec = await readRecord(out);
    const s = rec.scenarios[0]!;
    const [drop, kill] = s.faults!;
    expect(s.steadyState!.find((c) => c.phase === "before")!.met).toBe(true);
    // Injected before the window's first call: every call sent in the first second (all before the heal at 1 s) was dropped.
    expect(drop!.injectedAtMs!).toBeGreaterThanOrEqual(0);
    expect(drop!.injectedAtMs!).toBeLessThan(50);
    const first = s.timeline.points.find((p) => p.t === 0 && p.server === "redis")!;
    expect(first.timeout).toBeGreaterThan(0);
    expect([first.ok, first.error]).toEqual([0, 0]);
    // Warm-up calls stay before the window on the timeline.
    expect(s.timeline.points.filter((p) => p.t < 0).reduce((a, p) => a + p.ok, 0)).toBeGreaterThan(0);

    expect(kill!.recovered).toBe(true);
    expect(kill!.healedAtMs).not.toBeNull();
    expect(kill!.readyAtMs).not.toBeNull();
    // Healed when redis-server was spawned again, 1 s after the kill (plus the harness's own scheduling), and ready after that.
    expect(kill!.healedAtMs! - kill!.injectedAtMs!).toBeGreaterThanOrEqual(1000);
    expect(kill!.healedAtMs! - kill!.injectedAtMs!).toBeLessThan(2500);
    expect(kill!.readyAtMs!).toBeGreaterThanOrEqual(kill!.healedAtMs!);
    for (const f of [drop!, kill!]) {
      expect(f.afterHealMs, f.id).not.toBeNull();
      expect(f.afterHealMs!, f.id).toBeGreaterThanOrEqual(0);
      expect(f.injectedAtMs! + f.rtoMs!).toBeCloseTo(f.healedAtMs! + f.afterHealMs!, 3);
    }
    const files = await outputs(out);
    expect(files["summary.md"]).toContain(
      "| fault | what | injected at | healed at | ready at | detected after | RTO | after heal | supervisor | observations |",
    );
    expect(files["summary.md"]).toContain(
      "Healed at: when the cause was removed (the process spawned again, the link restored); ready at: when it answered again.",
    );
    expect(files["report.html"]).toContain('<th class="num">Healed at</th><th class="num">Ready at</th>');
    console.log(
      `fault timing: f1 injected at ${drop!.injectedAtMs!.toFixed(1)} ms, first second ${first.timeout} timeouts / ${first.ok} ok; f2 injected ${kill!.injectedAtMs!.toFixed(0)} ms, healed ${kill!.healedAtMs!.toFixed(0)} ms, ready ${kill!.readyAtMs!.toFixed(0)} ms, RTO ${kill!.rtoMs!.toFixed(0)} ms, after heal ${kill!.afterHealMs!.toFixed(0)} ms`,
    );
    await expectNothingLeft(rec.runId);
  });
});
