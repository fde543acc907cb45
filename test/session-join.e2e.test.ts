/**
 * Agents joining and leaving end to end: scenarios/session-join.yaml (ci profile: 4 agents on a
 * closed ramp 1 -> 4 -> 1 over a 20 s window, sessions.churn.perJoin) through the real CLI, real
 * Redis, real Redis MCP server processes.
 *
 * What it shows:
 *  - the run's Redis MCP server processes follow the shape: /proc, read every 200 ms while the CLI
 *    runs and placed in the window from when its "measuring" line appeared, shows one agent's
 *    process while one agent runs, four while four do, one again after the ramp down (plus the
 *    availability probe's session throughout); the three that joined run on processes started for
 *    them, and the agent that stayed keeps its process from start to end;
 *  - each join is one session setup, measured as the method initialize and judged by the SLOs
 *    scoped to it: 3 in the window, as many as agents joined;
 *  - nothing of the run is left once the CLI exited, and SIGINT while agents join ends the run as
 *    promised (exit 130 within 10 s) with nothing left.
 *
 * About a minute and a half on 2 cores (two runs: the 20 s window and the stacks' start).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitUpTo } from "../src/util/wait-for.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, startCli, transcript } from "./support/cli.js";
import { descendantsMatching } from "./support/proc-tree.js";

afterAll(removeOutDirs);

/** The availability probe's own session (it neither joins nor leaves). */
const PROBE_SESSIONS = 1;
/** Agents that join on the ramp up (1 -> 4). */
const JOINING = 3;
/** The Redis MCP server's process, by its package's path on its command line. */
const REDIS_SERVER = /server-redis/;

interface Look {
  /**
   * Seconds into the window, from when the CLI's "measuring" line was seen (the window starts right after it
   * is written; the progress lines come only every 10 s under CI). Undefined outside the window.
   */
  second: number | undefined;
  pids: number[];
}

/** The looks at seconds [from, to) of the window. */
function within(looks: readonly Look[], from: number, to: number): Look[] {
  return looks.filter((l) => l.second !== undefined && l.second >= from && l.second < to);
}

describe("sessions.churn.perJoin: agents joining and leaving the Redis MCP server on a closed ramp", () => {
  it("the server processes follow the shape 1 -> 4 -> 1, each join is one initialize, and nothing is left", async () => {
    const out = await newOutDir("mcp-slo-join-e2e-");
    const cli = startCli(["run", "scenarios/session-join.yaml", "--profile", "ci", "--out", out, "--trace-sample", "0"], { timeoutMs: 180_000 });
    let exited = false;
    void cli.done.then(() => {
      exited = true;
    });
    const looks: Look[] = [];
    let windowSeenAt: number | undefined;
    // Bounded: one look every 200 ms until the CLI exits, at most 180 s of them.
    for (let i = 0; i < 900 && !exited; i++) {
      const stderr = cli.stderr();
      if (windowSeenAt === undefined && /measuring 20 s/.test(stderr)) windowSeenAt = performance.now();
      const second = windowSeenAt === undefined || /stopping/.test(stderr) ? undefined : (performance.now() - windowSeenAt) / 1000;
      looks.push({ second, pids: await descendantsMatching(cli.child.pid!, REDIS_SERVER) });
      await new Promise((r) => setTimeout(r, 200));
    }
    const r = await cli.done;
    const log = transcript(r);
    // The SLOs may hold or not on a busy machine: a verdict, not a harness failure.
    expect([0, 1], log).toContain(r.code);
    const record = await readRecord(out);
    const s = record.scenarios.find((x) => x.name === "session-join");
    expect(s?.status, log).toBe("completed");
    const counts = (from: number, to: number) => within(looks, from, to).map((l) => l.pids.length);

    // The shape (agents): 1 until 5 s, 4 from 6 s to 14 s, 1 from 15 s. Each stretch is read clear of its ramps
    // (the look's clock may trail the window's by a look); a joining agent's process starts within its setup
    // (seconds at worst on a loaded machine), a leaving one's stops within its close.
    const before = counts(0.5, 4.5);
    const plateau = counts(8, 13.5);
    const after = counts(16.5, 19.5);
    const shown = `processes per look (second: count): ${looks
      .filter((l) => l.second !== undefined)
      .map((l) => `${l.second!.toFixed(1)}:${l.pids.length}`)
      .join(" ")}`;
    expect(before.length, shown).toBeGreaterThan(5);
    expect(plateau.length, shown).toBeGreaterThan(5);
    expect(after.length, shown).toBeGreaterThan(5);
    expect(new Set(before), shown).toEqual(new Set([1 + PROBE_SESSIONS]));
    expect(Math.max(...plateau), shown).toBe(4 + PROBE_SESSIONS);
    // Each joined agent holds its one new session while it stays: once all are up, no fewer and no more.
    expect(plateau.at(-1), shown).toBe(4 + PROBE_SESSIONS);
    expect(new Set(after), shown).toEqual(new Set([1 + PROBE_SESSIONS]));
    // Never more than one session per active agent (and the probe's), in the window.
    expect(Math.max(...looks.filter((l) => l.second !== undefined).map((l) => l.pids.length)), shown).toBeLessThanOrEqual(4 + PROBE_SESSIONS);
    // Before the warm-up's leaves, the run started a session for each of the 4 agents (its start-up checks).
    expect(Math.max(...looks.map((l) => l.pids.length)), shown).toBeLessThanOrEqual(4 + PROBE_SESSIONS);

    // The joined agents run on processes started for them; the agent that stayed (and the probe) on the ones it had.
    const pidsIn = (from: number, to: number) => new Set(within(looks, from, to).flatMap((l) => l.pids));
    const early = pidsIn(0.5, 4.5);
    const joined = [...pidsIn(8, 13.5)].filter((p) => !early.has(p));
    expect(joined.length, shown).toBe(JOINING);
    expect([...pidsIn(16.5, 19.5)].sort(), "the processes after the ramp down are the ones before it").toEqual([...early].sort());

    // Each join is one setup in the window, measured as initialize and judged.
    const sessions = s!.sessions;
    expect(sessions?.churn).toBe("an agent that leaves closes its sessions; one that joins sets up new ones");
    const init = sessions!.initialize.find((x) => x.server === "redis");
    expect(init, `initialize of redis: ${JSON.stringify(sessions)}`).toMatchObject({ ok: JOINING, failed: 0, timeouts: 0 });
    expect(init!.p50).toBeGreaterThan(0);
    expect(sessions!.opened).toBe(JOINING);
    // Closed: the 3 agents the shape started without (at the warm-up's start) and the 3 that left on the ramp down.
    expect(sessions!.closed).toBe(2 * JOINING);
    expect(sessions!.firstSessions).toBe(4);
    expect(sessions!.peakOpen).toBe(4);
    const initSlos = s!.slos.filter((x) => x.scope.method === "initialize");
    expect(initSlos.map((x) => x.id)).toEqual(["join.initialize.max"]);
    for (const slo of initSlos) expect(slo.samples, slo.id).toBe(JOINING);
    // The slowest of the 3 setups decides it: a verdict, not "inconclusive".
    expect(initSlos[0]!.verdict, JSON.stringify(initSlos[0])).not.toBe("inconclusive");
    // The calls went on while agents came and went.
    const windowCalls = s!.latency.filter((l) => l.server === "redis" && l.outcome === "ok").reduce((n, l) => n + l.count, 0);
    expect(windowCalls).toBeGreaterThan(20);

    await expectNothingLeft(record.runId);
    // A session an agent closed on leaving is the harness's doing, not a server exit to report.
    expect(s!.serverExits ?? []).toEqual([]);
    const md = await readFile(path.join(out, "summary.md"), "utf8");
    expect(md).toContain("an agent that leaves closes its sessions; one that joins sets up new ones");
    expect(sessions!.callsPerSession).toBeNull();
    expect(md).toContain("no calls per session (agents that stay keep their sessions)");
    const html = await readFile(path.join(out, "report.html"), "utf8");
    expect(html).toContain("no calls per session: agents that stay keep their sessions");
  }, 200_000);

  it("SIGINT while agents join: exit 130 within 10 s, nothing left", async () => {
    const out = await newOutDir("mcp-slo-join-sigint-e2e-");
    const run = startCli(["run", "scenarios/session-join.yaml", "--profile", "ci", "--out", out, "--trace-sample", "0"], { timeoutMs: 150_000 });
    await waitUpTo(() => /measuring 20 s/.test(run.stderr()) || run.child.exitCode !== null, {
      what: "the measurement window",
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    expect(run.stderr(), "the run never reached its measurement window").toMatch(/measuring 20 s/);
    // The joins start at 5.2, 5.5 and 5.8 s into the window and each takes a process start: one is most likely under way at 5.6 s.
    await new Promise((r) => setTimeout(r, 5_600));
    expect(run.child.exitCode, run.stderr()).toBeNull();
    const signalledAt = performance.now();
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code, transcript(r)).toBe(130);
    expect(r.exitedAt - signalledAt, transcript(r)).toBeLessThan(10_000);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status).toBe("interrupted");
    await expectNothingLeft(record.runId);
    expect(s.serverExits ?? []).toEqual([]);
  }, 200_000);
});
