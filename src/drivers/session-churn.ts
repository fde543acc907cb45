/**
 * Session churn (scenario `sessions.churn`): the sdk driver's swap point. Before each call an agent
 * asks for its session to the server (acquire); when that session is due (its N calls made, T old,
 * or the agent's task ended) a new one is opened first (the pool spawns its process and runs the
 * initialize handshake), swapped in, and the old one is closed once the last call on it has ended.
 *
 * Each setup is recorded as the method initialize (src/metrics/session-starts.ts), never as a call:
 * in the closed model the call starts after it, so a tool's latency holds no setup; in the open
 * model the call's latency counts from its scheduled time as always, so the wait for the new
 * session is in it, as any other delay of a late send.
 *
 * Bounded: one setup at a time per agent and server (a call of the agent arriving meanwhile waits
 * for that one and shares the new session: it never waits for a second), each bounded by the
 * scenario's startTimeout and cut short by an interruption; and at most two sessions per agent and
 * server at once (a setup waits for the session replaced before to be closed), so a server slow to
 * stop cannot pile up processes. A setup that fails is recorded as a
 * failed initialize and fails the call that needed it (the driver records a transport failure, so
 * the closed model's backoff keeps a server that cannot start from being spawned in a loop); the
 * old session stays the agent's, and its next call tries again.
 *
 * Per join (policy "join"): the closed model's load shape turns agents off and on
 * (runPhase). An agent turned off leaves: `leave` closes its sessions once its last call on them
 * ended, and they stay closed while it is away; its next call (it joined again) first sets up new
 * ones, recorded as initialize like any other renewal. The new setup waits for the close, so an
 * agent that leaves and joins quickly still holds at most two sessions per server.
 */
import { describeChurn, type ChurnPolicy } from "../contracts/sessions.js";
import type { SessionsSummary } from "../results/types.js";
import type { Phase } from "../contracts/workload-env.js";
import type { SessionStarts } from "../metrics/session-starts.js";
import type { McpSession } from "../stack/mcp-session.js";
import type { Agent } from "./sdk-driver.js";

export const SESSIONS_DEFINITION =
  "A session setup (the method initialize) runs from the moment the harness starts the new session (over stdio: before it spawns the server's process) " +
  "to the server's answer to initialize (over HTTP: the initialize request alone); no tools/list. It is recorded apart from the calls and never enters a tool's " +
  "latency, the call counts or availability. An agent sets up its new session before its next call, when the old one is due; a call of the agent arriving " +
  "meanwhile waits for that setup and shares the new session. In the closed model a call's latency starts after the setup; in the open model it counts " +
  "from the call's scheduled time, so the wait for a setup is in it. The replaced session is closed (its process stopped) once its last call ended, and " +
  "an agent has at most two sessions to a server at once: a new setup first waits for the session replaced before it to be closed (not part of the setup). " +
  "initialize latency counts ok setups (the SLO also counts timed-out ones at the start timeout); a failed setup also fails the call that needed it. " +
  "With churn per join, an agent that the closed model's load shape turns off closes its sessions once its call ended (over stdio its server processes stop), " +
  "and one turned on again sets up new sessions before its first call: each join is one setup per server.";

/** What the churn needs of the run's sessions (src/run/session-pool.ts SessionPool). */
export interface SessionOpener {
  /** Opens a new session of the agent to the server and makes it the agent's; throws when it cannot start. */
  renew(server: string, agent: number): Promise<McpSession>;
  /** Closes a replaced session (in the background); `onClosed` gets how long it took. */
  retire(s: McpSession, onClosed?: (ms: number) => void): void;
}

/** A session to make one call on (release it when the call ended), or why there is none. */
export type SessionLease = { ok: true; session: McpSession; release(): void } | { ok: false; error: string };

/** Where CallContext gets an agent's session when sessions churn. */
export interface SessionSource {
  acquire(agentId: number, server: string, phase: Phase): Promise<SessionLease>;
  taskDone(agentId: number): void;
}

interface AgentServerState {
  session: McpSession;
  /** Calls started on `session`. */
  calls: number;
  /** performance.now() when `session` was started. */
  openedAt: number;
  /** The agent ended a task since `session` was opened. */
  taskEnded: boolean;
  /** The agent left (per join): `session` is closed or closing, and its next call sets up a new one. */
  left: boolean;
  /** The setup under way: undefined when it worked, else why not. */
  renewing: Promise<string | undefined> | undefined;
  /** Settles when the session `session` replaced is closed (its last call ended, its process stopped). */
  previousClosed: Promise<void> | undefined;
}

export class SessionChurn implements SessionSource {
  private readonly state = new Map<string, AgentServerState>();
  /** Calls in flight per session. */
  private readonly leases = new Map<McpSession, number>();
  /** Replaced sessions not yet handed to the pool to close (a call still runs on them), and who waits for their close. */
  private readonly replaced = new Map<McpSession, () => void>();

  constructor(
    readonly policy: ChurnPolicy,
    private readonly agents: readonly Agent[],
    private readonly opener: SessionOpener,
    readonly starts: SessionStarts,
    private readonly opts: { startTimeoutMs: number; signal?: AbortSignal },
  ) {}

  private stateOf(agentId: number, server: string): AgentServerState | undefined {
    const current = this.agents[agentId]?.sessions.get(server);
    if (!current) return undefined;
    const key = `${agentId}\u0000${server}`;
    let st = this.state.get(key);
    // First call, or a supervisor restarted the session behind the churn's back: count from the session the agent has.
    if (!st || (st.session !== current && st.renewing === undefined)) {
      st = {
        session: current,
        calls: 0,
        openedAt: current.spawnedAt ?? performance.now(),
        taskEnded: st?.taskEnded ?? false,
        left: st?.left ?? false,
        renewing: undefined,
        previousClosed: st?.previousClosed,
      };
      this.state.set(key, st);
    }
    return st;
  }

  private due(st: AgentServerState): boolean {
    switch (this.policy.kind) {
      case "calls":
        return st.calls >= this.policy.everyCalls;
      case "time":
        return performance.now() - st.openedAt >= this.policy.everyMs;
      case "task":
        return st.taskEnded;
      case "join":
        return st.left;
    }
  }

  async acquire(agentId: number, server: string, phase: Phase): Promise<SessionLease> {
    const st = this.stateOf(agentId, server);
    if (!st) return { ok: false, error: `agent ${agentId} has no session to ${server}` };
    if (st.renewing === undefined && this.due(st)) {
      const renewing = this.renew(st, agentId, server, phase);
      st.renewing = renewing;
      void renewing.finally(() => {
        if (st.renewing === renewing) st.renewing = undefined;
      });
    }
    // A setup under way (this call's or one an earlier call of the agent started): wait for it and share its session.
    if (st.renewing !== undefined) {
      const failure = await st.renewing;
      if (failure !== undefined) return { ok: false, error: failure };
    }
    return this.lease(st);
  }

  taskDone(agentId: number): void {
    const prefix = `${agentId}\u0000`;
    for (const [key, st] of this.state) if (key.startsWith(prefix)) st.taskEnded = true;
  }

  /**
   * The agent left (per join: a closed load shape turned it off between its calls): each of its sessions is
   * closed once no call runs on it, and its next call sets up a new one. Called again while away: nothing more.
   */
  leave(agentId: number): void {
    for (const server of this.agents[agentId]?.sessions.keys() ?? []) {
      const st = this.stateOf(agentId, server);
      if (!st || st.left) continue;
      if (st.renewing !== undefined) {
        // A setup under way (a call of the agent still in flight): the session it brings is the one to close.
        void st.renewing.then(() => this.leave(agentId));
        continue;
      }
      st.left = true;
      const old = st.session;
      st.previousClosed = new Promise<void>((resolve) => this.replaced.set(old, resolve));
      this.retireIfIdle(old);
    }
  }

  /** The sessions block of results.json. `windowCalls`: calls of the window (all outcomes); `peakOpen`: the pool's figure. */
  summary(figures: { windowCalls: number; peakOpen: number; firstSessions: number }): SessionsSummary {
    const initialize = this.starts.summaries();
    const windowSetups = initialize.reduce((n, x) => n + x.ok, 0);
    const close = this.starts.closeSummary();
    return {
      churn: describeChurn(this.policy),
      definition: SESSIONS_DEFINITION,
      initialize,
      opened: this.starts.opened,
      failed: this.starts.failed,
      closed: close?.count ?? 0,
      firstSessions: figures.firstSessions,
      // Per join, the agents that stay call on their first sessions all along: calls over setups would say nothing.
      callsPerSession: windowSetups > 0 && this.policy.kind !== "join" ? figures.windowCalls / windowSetups : null,
      close,
      peakOpen: Math.max(figures.peakOpen, figures.firstSessions),
    };
  }

  private async renew(st: AgentServerState, agentId: number, server: string, phase: Phase): Promise<string | undefined> {
    // At most two sessions (processes, over stdio) per agent and server: the one in use and one more, being
    // set up or being closed. A new setup waits until the session replaced before is closed; that wait is
    // bounded (its last call by the call timeout, its close by the stop's grace) and is no part of the setup.
    await st.previousClosed;
    const startedAt = performance.now();
    try {
      const fresh = await this.opener.renew(server, agentId);
      this.starts.record({ phase, server, outcome: "ok", startedAt, endedAt: performance.now() });
      if (st.left) {
        // Joined again: the session it left with is closed already (awaited above), nothing to replace.
        Object.assign(st, { session: fresh, calls: 0, openedAt: fresh.spawnedAt ?? startedAt, taskEnded: false, left: false, previousClosed: undefined });
        return undefined;
      }
      const old = st.session;
      const previousClosed = new Promise<void>((resolve) => this.replaced.set(old, resolve));
      Object.assign(st, { session: fresh, calls: 0, openedAt: fresh.spawnedAt ?? startedAt, taskEnded: false, previousClosed });
      this.retireIfIdle(old);
      return undefined;
    } catch (err) {
      const endedAt = performance.now();
      const message = (err as Error).message.split("\n")[0] ?? "";
      // An interrupted run stops its setups: that is no failure of the server.
      if (this.opts.signal?.aborted !== true)
        this.starts.record({ phase, server, outcome: endedAt - startedAt >= this.opts.startTimeoutMs ? "timeout" : "error", startedAt, endedAt });
      return `no session: a new session to ${server} did not start (${message})`;
    }
  }

  private lease(st: AgentServerState): SessionLease {
    const session = st.session;
    st.calls++;
    this.leases.set(session, (this.leases.get(session) ?? 0) + 1);
    let released = false;
    return {
      ok: true,
      session,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.leases.get(session) ?? 1) - 1;
        if (left > 0) this.leases.set(session, left);
        else {
          this.leases.delete(session);
          this.retireIfIdle(session);
        }
      },
    };
  }

  private retireIfIdle(s: McpSession): void {
    const closed = this.replaced.get(s);
    if (closed === undefined || this.leases.has(s)) return;
    this.replaced.delete(s);
    this.opener.retire(s, (ms) => {
      this.starts.recordClose(ms);
      closed();
    });
  }
}
