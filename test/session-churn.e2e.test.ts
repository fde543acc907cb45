/**
 * Session churn end to end: scenarios/session-churn.yaml (ci profile: 2 agents, 15 s, a new session
 * to the Redis MCP server for every call) through the real CLI, real Redis, real server processes.
 *
 * What it shows:
 *  - the setup (method initialize) is measured apart from the calls: results.json `sessions` has its
 *    p50/p95 beside the calls' latency, and as many setups in the window as calls (each call after
 *    warm-up is on a session of its own; a failed setup fails its call, so the two still match);
 *  - the SLOs scoped to `method: initialize` are judged on those setups;
 *  - replaced sessions are closed as the run goes: /proc, read every 200 ms while the CLI runs,
 *    never shows more Redis MCP server processes of the run at once than two per agent (the new
 *    session and the old one being closed) plus the availability probe's, though many different
 *    ones come and go; the harness's open descriptors do not grow with the setups; and once the
 *    CLI exited, nothing of the run is left;
 *  - report.html and summary.md show the setup beside the calls;
 *  - SIGINT while the agents swap sessions ends the run as promised (exit 130 within 10 s) with
 *    nothing left.
 *
 * About a minute on 2 cores (mostly the 15 s window and the stacks' start).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitUpTo } from "../src/util/wait-for.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, startCli, transcript } from "./support/cli.js";
import { descendantsMatching } from "./support/proc-tree.js";

afterAll(removeOutDirs);

const AGENTS = 2;
/** The availability probe's own session (not churned). */
const PROBE_SESSIONS = 1;
/** The Redis MCP server's process, by its package's path on its command line. */
const REDIS_SERVER = /server-redis/;

describe("session churn: a new session for every call to the Redis MCP server", () => {
  it("measures initialize apart from the calls, judges it, and leaves no process behind", async () => {
    const out = await newOutDir("mcp-slo-churn-e2e-");
    const cli = startCli(["run", "scenarios/session-churn.yaml", "--profile", "ci", "--out", out, "--trace-sample", "0"], { timeoutMs: 180_000 });
    let exited = false;
    void cli.done.then(() => {
      exited = true;
    });
    // Bounded: one look every 200 ms until the CLI exits, at most 180 s of them.
    let mostAtOnce = 0;
    const seen = new Set<number>();
    // The harness's open file descriptors while the window runs: each session's stdio pipes must go with it.
    const fdsInWindow: number[] = [];
    for (let i = 0; i < 900 && !exited; i++) {
      const now = await descendantsMatching(cli.child.pid!, REDIS_SERVER);
      mostAtOnce = Math.max(mostAtOnce, now.length);
      for (const pid of now) seen.add(pid);
      if (/measure 1\//.test(cli.stderr()) && !/stopping/.test(cli.stderr())) {
        const fds = await readdir(`/proc/${cli.child.pid}/fd`).catch(() => undefined);
        if (fds) fdsInWindow.push(fds.length);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const r = await cli.done;
    const log = transcript(r);
    // The SLOs may hold or not on a busy machine: a verdict, not a harness failure.
    expect([0, 1], log).toContain(r.code);
    const record = await readRecord(out);
    const s = record.scenarios.find((x) => x.name === "session-churn");
    expect(s?.status, log).toBe("completed");
    const sessions = s!.sessions;
    expect(sessions, "results.json sessions").toBeDefined();
    expect(sessions!.churn).toBe("a new session for every call");

    // The setups, beside the calls.
    const init = sessions!.initialize.find((x) => x.server === "redis");
    expect(init, "initialize of redis").toBeDefined();
    // On a loaded 2-core machine a setup took 2.4 s (the first sessions' start-to-ready too): a few per agent at least.
    expect(init!.ok).toBeGreaterThanOrEqual(AGENTS * 2);
    expect(init!.p50).toBeGreaterThan(0);
    expect(init!.p95!).toBeGreaterThanOrEqual(init!.p50!);
    const callRows = s!.latency.filter((l) => l.server === "redis");
    const windowCalls = callRows.reduce((n, l) => n + l.count, 0);
    expect(windowCalls).toBeGreaterThanOrEqual(AGENTS * 2);
    // Every call of the window went on a session set up for it (the agents' first sessions served warm-up calls).
    expect(init!.ok + init!.failed + init!.timeouts, `setups vs calls: ${JSON.stringify(sessions)}`).toBe(windowCalls);
    expect(sessions!.callsPerSession).toBeCloseTo(windowCalls / init!.ok, 6);
    // A session setup spawns a process and runs a handshake; a call on a live session does neither.
    const okCalls = callRows.filter((l) => l.outcome === "ok");
    const callP50 = Math.max(...okCalls.map((l) => l.p50));
    expect(init!.p50!, `initialize p50 ${init!.p50} ms vs call p50 ${callP50} ms`).toBeGreaterThan(callP50);
    expect(sessions!.opened).toBeGreaterThanOrEqual(init!.ok);
    expect(sessions!.firstSessions).toBe(AGENTS);
    // Each replaced session is closed once its call ended; the last few may still be closing when the window is read.
    expect(sessions!.closed).toBeGreaterThanOrEqual(sessions!.opened - AGENTS * 2);
    expect(sessions!.peakOpen).toBeLessThanOrEqual(AGENTS * 2);

    // Judged on those setups.
    const initSlos = s!.slos.filter((x) => x.scope.method === "initialize");
    expect(initSlos.map((x) => x.id).sort()).toEqual(["sessions.initialize.p50", "sessions.initialize.p95", "sessions.initialize.success"]);
    for (const slo of initSlos) {
      expect(slo.samples, slo.id).toBe(init!.ok + init!.failed + init!.timeouts);
      expect(slo.measured, slo.id).not.toBeNull();
    }
    const p50Slo = initSlos.find((x) => x.id === "sessions.initialize.p50")!;
    expect(p50Slo.measured).toBeCloseTo(init!.p50!, 0);

    // Processes: many came and went, never more at once than the agents' new and closing ones plus the probe's.
    expect(seen.size, `distinct Redis MCP server processes seen: ${seen.size}`).toBeGreaterThan(AGENTS + PROBE_SESSIONS + 3);
    expect(mostAtOnce, "Redis MCP server processes of the run at once").toBeLessThanOrEqual(AGENTS * 2 + PROBE_SESSIONS);
    // No descriptor per setup stays behind: from the window's first look to its last, the count moves by at most
    // the pipes of the sessions open at the two moments (3 per session, at most 2 per agent and the probe's).
    const fdGrowth = fdsInWindow.at(-1)! - fdsInWindow[0]!;
    const sessionPipes = 3 * (AGENTS * 2 + PROBE_SESSIONS);
    expect(fdsInWindow.length, "looks at the harness's descriptors in the window").toBeGreaterThan(5);
    expect(fdGrowth, `descriptors over the window: ${fdsInWindow.join(" ")}`).toBeLessThanOrEqual(sessionPipes);
    // That bound tells a leak apart only when a leak of a pipe pair per setup would pass it.
    expect(2 * init!.ok, "enough setups in the window for the descriptor check to tell").toBeGreaterThan(sessionPipes);
    await expectNothingLeft(record.runId);
    // The exits of replaced sessions are the harness's doing, not server exits to report.
    expect(s!.serverExits ?? []).toEqual([]);

    const html = await readFile(path.join(out, "report.html"), "utf8");
    expect(html).toContain("Session setup beside the calls");
    expect(html).toMatch(/<strong>initialize<\/strong>/);
    const md = await readFile(path.join(out, "summary.md"), "utf8");
    expect(md).toContain("Session setup (initialize), a new session for every call");
  }, 200_000);

  it("SIGINT while agents swap sessions: exit 130 within 10 s, partial sessions figures, nothing left", async () => {
    const out = await newOutDir("mcp-slo-churn-sigint-e2e-");
    const run = startCli(["run", "scenarios/session-churn.yaml", "--profile", "ci", "--out", out, "--trace-sample", "0"], { timeoutMs: 150_000 });
    await waitUpTo(() => /measure 1\//.test(run.stderr()) || run.child.exitCode !== null, {
      what: "the measurement window",
      timeoutMs: 90_000,
      intervalMs: 100,
    });
    expect(run.stderr(), "the run never reached its measurement window").toMatch(/measure 1\//);
    // Setups take hundreds of ms to seconds: two agents swapping every call are most likely in one now.
    await new Promise((r) => setTimeout(r, 2_000));
    const signalledAt = performance.now();
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code, transcript(r)).toBe(130);
    // The project's bound for an interrupted run (test/cli.e2e.test.ts): a setup under way is cut short, a close takes its grace at most.
    expect(r.exitedAt - signalledAt, transcript(r)).toBeLessThan(10_000);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status).toBe("interrupted");
    expect(s.sessions?.churn).toBe("a new session for every call");
    await expectNothingLeft(record.runId);
    expect(s.serverExits ?? []).toEqual([]);
  }, 200_000);
});
