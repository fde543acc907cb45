/**
 * Session churn at the sdk driver's swap point, with real SDK Clients and real McpServers linked
 * in memory (InMemoryTransport: the SDK's own pair, no I/O, no child process). The opener here
 * does what the session pool does (open a new session and make it the agent's; close a replaced
 * one), with in-memory sessions instead of processes, and can be told to be slow or to fail.
 */
import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ChurnPolicy } from "../contracts/sessions.js";
import { maxMs } from "../metrics/histogram.js";
import { Recorder } from "../metrics/recorder.js";
import { SessionStarts } from "../metrics/session-starts.js";
import type { McpSession } from "../stack/mcp-session.js";
import { activeAgents, shapeDurationMs, type LoadShape } from "../contracts/load-shape.js";
import { CallContext, runPhase, type Agent } from "./sdk-driver.js";
import { SessionChurn, type SessionOpener } from "./session-churn.js";

let opened = 0;

/** A session to an in-memory server with tools `ok` and `slow` (answers after `slowMs`); `calls` counts the calls it got. */
async function memorySession(agent: number, slowMs = 60): Promise<McpSession & { calls: number; closed: boolean; serial: number }> {
  const server = new McpServer({ name: "mem", version: "1.0.0" });
  const session = { calls: 0, closed: false, serial: opened++ } as McpSession & { calls: number; closed: boolean; serial: number };
  server.registerTool("ok", { description: "answers" }, async () => {
    session.calls++;
    return { content: [{ type: "text", text: "fine" }] };
  });
  server.registerTool("slow", { description: "answers late" }, async () => {
    session.calls++;
    await new Promise((r) => setTimeout(r, slowMs));
    return { content: [{ type: "text", text: "late" }] };
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
  return Object.assign(session, {
    server: { name: "mem" },
    agent,
    client,
    startToReadyMs: 0,
    spawnedAt: performance.now(),
    serverVersion: "1.0.0",
    tools: ["ok", "slow"],
    close: async () => {
      session.closed = true;
      await client.close();
    },
  });
}

/** What the session pool does for churn, in memory; `setupMs` delays each new session, `failNext` makes setups fail. */
class MemoryOpener implements SessionOpener {
  setupMs = 0;
  failNext = 0;
  renewals = 0;
  readonly retired: McpSession[] = [];
  constructor(private readonly agents: Agent[]) {}
  async renew(server: string, agent: number): Promise<McpSession> {
    this.renewals++;
    if (this.setupMs > 0) await new Promise((r) => setTimeout(r, this.setupMs));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('MCP server "mem" (session of agent 0) failed to start: exited (code 1) before answering initialize');
    }
    const s = await memorySession(agent);
    (this.agents[agent]!.sessions as Map<string, McpSession>).set(server, s);
    return s;
  }
  retire(s: McpSession, onClosed?: (ms: number) => void): void {
    this.retired.push(s);
    void s.close().then(() => onClosed?.(1));
  }
}

async function setup(policy: ChurnPolicy, opts: { backoff?: boolean } = {}) {
  const agents: Agent[] = [{ id: 0, sessions: new Map([["mem", await memorySession(0)]]) }];
  const recorder = new Recorder({ plannedMeasureMs: 10_000, warmupMs: 0, now: performance.now() });
  const calls = new CallContext(recorder, agents, 2000, opts);
  calls.phase = "measure";
  const opener = new MemoryOpener(agents);
  const starts = new SessionStarts();
  const churn = new SessionChurn(policy, agents, opener, starts, { startTimeoutMs: 1000 });
  calls.sessions = churn;
  const current = () => agents[0]!.sessions.get("mem") as McpSession & { calls: number; closed: boolean; serial: number };
  return { agents, recorder, calls, opener, starts, churn, current };
}

describe("session churn", () => {
  it("everyCalls: 1 gives every call after the agent's first a new session, and closes each old one", async () => {
    const t = await setup({ kind: "calls", everyCalls: 1 });
    const first = t.current();
    const used: McpSession[] = [];
    for (let i = 0; i < 5; i++) {
      expect((await t.calls.call(0, "mem", "ok", {})).outcome).toBe("ok");
      used.push(t.current());
    }
    // The first call went on the session the agent started with; each later one on its own new session.
    expect(first.calls).toBe(1);
    expect(new Set(used).size).toBe(5);
    for (const s of used) expect((s as unknown as { calls: number }).calls).toBe(1);
    expect(t.starts.counts({})).toEqual({ ok: 4, failed: 0 });
    // Every replaced session was handed back to be closed; the live one was not.
    expect(used[0]).toBe(first);
    expect(t.opener.retired).toEqual(used.slice(0, 4));
    expect(t.opener.retired).not.toContain(t.current());
    // The setups are not calls: five calls, four initialize samples kept apart.
    expect(t.recorder.count({}, ["ok"])).toBe(5);
    expect(t.starts.summaries()).toMatchObject([{ server: "mem", ok: 4, failed: 0, timeouts: 0 }]);
  });

  it("everyCalls: 3 renews after three calls on a session", async () => {
    const t = await setup({ kind: "calls", everyCalls: 3 });
    for (let i = 0; i < 7; i++) await t.calls.call(0, "mem", "ok", {});
    expect(t.opener.renewals).toBe(2);
    expect(t.current().calls).toBe(1);
  });

  it("perTask renews after each task the agent ended, not before", async () => {
    const t = await setup({ kind: "task" });
    await t.calls.call(0, "mem", "ok", {});
    await t.calls.call(0, "mem", "ok", {});
    expect(t.opener.renewals).toBe(0);
    t.calls.taskDone(0);
    await t.calls.call(0, "mem", "ok", {});
    await t.calls.call(0, "mem", "ok", {});
    expect(t.opener.renewals).toBe(1);
    t.calls.taskDone(0);
    t.calls.taskDone(0);
    await t.calls.call(0, "mem", "ok", {});
    expect(t.opener.renewals).toBe(2);
  });

  it("every: T renews at the first call once the session is T old", async () => {
    const t = await setup({ kind: "time", everyMs: 80, text: "80ms" });
    await t.calls.call(0, "mem", "ok", {});
    await t.calls.call(0, "mem", "ok", {});
    expect(t.opener.renewals).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    await t.calls.call(0, "mem", "ok", {});
    expect(t.opener.renewals).toBe(1);
    await t.calls.call(0, "mem", "ok", {});
    expect(t.opener.renewals).toBe(1);
  });

  it("the setup is not in a closed-model call's latency; it is its own initialize sample", async () => {
    const t = await setup({ kind: "calls", everyCalls: 1 });
    await t.calls.call(0, "mem", "ok", {});
    t.opener.setupMs = 120;
    const r = await t.calls.call(0, "mem", "ok", {});
    expect(r.outcome).toBe("ok");
    expect(r.endedAt - r.startedAt).toBeLessThan(100);
    const setups = t.starts.select({}, ["ok"]);
    expect(setups.totalCount).toBe(1);
    expect(maxMs(setups)).toBeGreaterThanOrEqual(110);
  });

  it("in the open model the call's latency counts from its scheduled time, the wait for the setup included", async () => {
    const t = await setup({ kind: "calls", everyCalls: 1 }, { backoff: false });
    await t.calls.call(0, "mem", "ok", {});
    t.opener.setupMs = 120;
    const intendedAt = performance.now();
    const r = await t.calls.call(0, "mem", "ok", {}, intendedAt);
    expect(r.startedAt).toBe(intendedAt);
    expect(r.endedAt - r.startedAt).toBeGreaterThanOrEqual(110);
  });

  it("calls arriving during a setup wait for that one and share its session: never a second wait", async () => {
    const t = await setup({ kind: "calls", everyCalls: 1 }, { backoff: false });
    await t.calls.call(0, "mem", "ok", {});
    t.opener.setupMs = 50;
    const results = await Promise.all([0, 1, 2].map(() => t.calls.call(0, "mem", "ok", {}, performance.now())));
    expect(results.map((r) => r.outcome)).toEqual(["ok", "ok", "ok"]);
    expect(t.opener.renewals).toBe(1);
    expect(t.current().calls).toBe(3);
  });

  it("a replaced session is closed only once the call still running on it ended", async () => {
    const t = await setup({ kind: "calls", everyCalls: 1 }, { backoff: false });
    const first = t.current();
    const slow = t.calls.call(0, "mem", "slow", {}, performance.now());
    // Due after that one call: the next call sets up a new session while the slow call still runs on the first.
    await new Promise((r) => setTimeout(r, 10));
    expect((await t.calls.call(0, "mem", "ok", {}, performance.now())).outcome).toBe("ok");
    expect(t.current()).not.toBe(first);
    expect(t.opener.retired).toEqual([]);
    expect(first.closed).toBe(false);
    expect((await slow).outcome).toBe("ok");
    expect(t.opener.retired).toEqual([first]);
  });

  it("a setup that fails is a failed initialize and fails the call (transport, sent nowhere); the next call tries again", async () => {
    const t = await setup({ kind: "calls", everyCalls: 1 });
    const first = t.current();
    await t.calls.call(0, "mem", "ok", {});
    t.opener.failNext = 1;
    const failed = await t.calls.call(0, "mem", "ok", {});
    expect(failed).toMatchObject({ outcome: "error", kind: "transport" });
    expect(failed.error).toMatch(/^no session: a new session to mem did not start \(MCP server "mem" .*failed to start/);
    expect(first.calls).toBe(1);
    expect(t.starts.counts({})).toEqual({ ok: 0, failed: 1 });
    expect(t.recorder.callCounts({}).failed.transport).toBe(1);
    // The agent kept its old session, and its next call (after the closed model's backoff) sets up a new one.
    expect(t.current()).toBe(first);
    expect(t.opener.retired).toEqual([]);
    const again = await t.calls.call(0, "mem", "ok", {});
    expect(again.outcome).toBe("ok");
    expect(t.starts.counts({})).toEqual({ ok: 1, failed: 1 });
    expect(t.opener.retired).toEqual([first]);
  });

  it("the sessions summary: calls per session, setups and closes", async () => {
    const t = await setup({ kind: "calls", everyCalls: 2 });
    for (let i = 0; i < 6; i++) await t.calls.call(0, "mem", "ok", {});
    await new Promise((r) => setTimeout(r, 10));
    const summary = t.churn.summary({ windowCalls: t.recorder.count({}, ["ok", "error", "timeout"]), peakOpen: 2, firstSessions: 1 });
    expect(summary).toMatchObject({ churn: "a new session every 2 calls", opened: 2, failed: 0, closed: 2, firstSessions: 1, callsPerSession: 3, peakOpen: 2 });
    expect(summary.initialize[0]!.p50).toBeGreaterThan(0);
  });

  it("perJoin: a leaving agent's session closes once its call ended; joining again sets one up before the next call", async () => {
    const t = await setup({ kind: "join" });
    const first = t.current();
    await t.calls.call(0, "mem", "ok", {});
    await t.calls.call(0, "mem", "ok", {});
    expect(t.opener.renewals).toBe(0);
    // Leaves while a call of its own is still in flight: the session stays open for that call.
    const inFlight = t.calls.call(0, "mem", "slow", {});
    await new Promise((r) => setTimeout(r, 10));
    t.churn.leave(0);
    expect(first.closed).toBe(false);
    expect((await inFlight).outcome).toBe("ok");
    await new Promise((r) => setTimeout(r, 5));
    expect(first.closed).toBe(true);
    expect(t.opener.retired).toEqual([first]);
    // Away: leaving again closes nothing more.
    t.churn.leave(0);
    expect(t.opener.retired).toEqual([first]);
    // Joins: its first call goes on a new session, set up (and recorded as initialize) before it.
    expect((await t.calls.call(0, "mem", "ok", {})).outcome).toBe("ok");
    const second = t.current();
    expect(second).not.toBe(first);
    expect(second.calls).toBe(1);
    expect(t.starts.counts({})).toEqual({ ok: 1, failed: 0 });
    // Staying: no more setups.
    await t.calls.call(0, "mem", "ok", {});
    expect(t.opener.renewals).toBe(1);
    // Leaves and joins again: one more setup, and the session it left with closed.
    t.churn.leave(0);
    await t.calls.call(0, "mem", "ok", {});
    expect(t.opener.renewals).toBe(2);
    await new Promise((r) => setTimeout(r, 5));
    expect(second.closed).toBe(true);
    expect(t.opener.retired).toEqual([first, second]);
    expect(t.current().closed).toBe(false);
  });

  it("perJoin: joining waits for the session the agent left with to be closed (at most two per agent and server)", async () => {
    const t = await setup({ kind: "join" });
    const first = t.current();
    const closedWhenRenewed: boolean[] = [];
    const renew = t.opener.renew.bind(t.opener);
    t.opener.renew = async (server, agent) => {
      closedWhenRenewed.push(first.closed);
      return renew(server, agent);
    };
    // Its slow call still runs when it leaves and when its next call (it joined again) arrives.
    const slow = t.calls.call(0, "mem", "slow", {});
    await new Promise((r) => setTimeout(r, 10));
    t.churn.leave(0);
    const next = await t.calls.call(0, "mem", "ok", {});
    expect((await slow).outcome).toBe("ok");
    expect(next.outcome).toBe("ok");
    expect(closedWhenRenewed).toEqual([true]);
  });

  it("perJoin under a closed load shape 1 -> 4 -> 1 -> 4 (runPhase): one setup per join, sessions closed while away", async () => {
    const shape: LoadShape = {
      start: 1,
      stages: [
        { durationMs: 150, target: 1 },
        { durationMs: 1, target: 4 },
        { durationMs: 150, target: 4 },
        { durationMs: 1, target: 1 },
        { durationMs: 150, target: 1 },
        { durationMs: 1, target: 4 },
        { durationMs: 150, target: 4 },
      ],
    };
    const agents: Agent[] = [];
    for (let id = 0; id < 4; id++) agents.push({ id, sessions: new Map([["mem", await memorySession(id)]]) });
    const firstSessions = agents.map((a) => a.sessions.get("mem") as McpSession & { closed: boolean });
    const recorder = new Recorder({ plannedMeasureMs: 1000, warmupMs: 0, now: performance.now() });
    const calls = new CallContext(recorder, agents, 2000);
    calls.phase = "measure";
    const opener = new MemoryOpener(agents);
    const starts = new SessionStarts();
    const churn = new SessionChurn({ kind: "join" }, agents, opener, starts, { startTimeoutMs: 1000 });
    calls.sessions = churn;
    const t0 = performance.now();
    // Sessions open per agent, sampled at each call's start: only agents the shape counts then hold an open one.
    const openAt: { at: number; open: number }[] = [];
    const leaves: { worker: number; at: number; busy: boolean }[] = [];
    const busy = new Set<number>();
    const isOpen = (s: McpSession) => !(s as McpSession & { closed: boolean }).closed;
    await runPhase({
      load: { model: "closed", thinkTimeMs: 0, shape },
      workers: 4,
      operation: async (worker) => {
        busy.add(worker);
        try {
          await calls.call(worker, "mem", "ok", {});
          openAt.push({ at: performance.now() - t0, open: agents.filter((a) => isOpen(a.sessions.get("mem")!)).length });
          await new Promise((r) => setTimeout(r, 5));
        } finally {
          busy.delete(worker);
        }
      },
      durationMs: shapeDurationMs(shape),
      count: undefined,
      signal: new AbortController().signal,
      t0,
      onLeave: (worker) => {
        leaves.push({ worker, at: performance.now() - t0, busy: busy.has(worker) });
        churn.leave(worker);
      },
    });
    await new Promise((r) => setTimeout(r, 10));
    // Agents 1..3 left at the start and after the step down, each between its calls; agent 0 never left.
    expect(leaves.filter((l) => l.worker === 0)).toEqual([]);
    for (const w of [1, 2, 3]) {
      const own = leaves.filter((l) => l.worker === w);
      expect(own.length, `leaves of agent ${w}`).toBe(2);
      expect(own[0]!.at).toBeLessThan(150);
      expect(own[1]!.at).toBeGreaterThanOrEqual(301);
      expect(own[1]!.at).toBeLessThan(453);
    }
    expect(leaves.every((l) => !l.busy)).toBe(true);
    // Two joins of three agents: six setups, each agent's first session closed when it left the first time.
    expect(starts.counts({})).toEqual({ ok: 6, failed: 0 });
    expect(opener.renewals).toBe(6);
    expect(firstSessions.map((s) => s.closed)).toEqual([false, true, true, true]);
    // The agent that stayed called on its first session all along: no calls-per-session figure.
    expect(churn.summary({ windowCalls: recorder.count({}, ["ok"]), peakOpen: 4, firstSessions: 4 })).toMatchObject({
      churn: "an agent that leaves closes its sessions; one that joins sets up new ones",
      opened: 6,
      callsPerSession: null,
    });
    // At its end the shape holds 4 agents, each on an open session; every other session was closed.
    expect(agents.every((a) => isOpen(a.sessions.get("mem")!))).toBe(true);
    expect(opener.retired.length).toBe(6);
    expect(opener.retired.every((s) => !isOpen(s))).toBe(true);
    // While one agent ran, one session was open (the others' closing may lag a call by a few ms).
    const alone = openAt.filter((x) => (x.at > 30 && x.at < 140) || (x.at > 340 && x.at < 440));
    expect(alone.length).toBeGreaterThan(0);
    for (const x of alone) expect(x.open, `${x.at.toFixed(0)} ms`).toBe(Math.round(activeAgents(shape, x.at)));
  });
});
