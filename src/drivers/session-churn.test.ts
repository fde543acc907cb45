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
import { CallContext, type Agent } from "./sdk-driver.js";
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
});
