/**
 * The sdk driver (`driver: sdk`, the default): the MCP load driver on the SDK client. N agents are N sets of sessions
 * (one per server each). Workloads describe one operation; this module
 * schedules operations under the closed or open model, times every call,
 * and emits samples to the Recorder. It never aggregates.
 *
 * Open model: arrivals follow a fixed schedule; each call's latency counts
 * from its scheduled time, so a stalled server cannot hide behind the calls
 * it kept from being sent (coordinated omission). Closed model: each agent
 * sends its next operation when the previous one finished.
 *
 * A lost session is noticed, not hammered: after a transport failure (no
 * answer: the process died, the connection closed) the session is marked
 * dead and, in the closed model, the agent's next call to that server waits
 * a bounded, doubling backoff (50 ms .. 1 s) first. A call to a dead stdio
 * session fails without any I/O, so without it an agent would fire tens of
 * thousands of instant failures a second and an outage would be measured by
 * how fast the harness can fail. The wait is bad time (availability) and, in
 * the closed model, stands for the calls the agent would have sent (corrected
 * counts). A supervisor restart swaps a new session in (src/run/session-pool.ts);
 * the agent picks it up on its next call, and its first success clears the mark.
 */
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import type { LoadPlan } from "../contracts/plan.js";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { firstTimeAtLeast, ShapedArrivals, targetAt } from "../contracts/load-shape.js";
import type { AttemptOptions, CallResult, CallSender, MethodRequest, Operation, Phase } from "../contracts/workload-env.js";
import { TOOLS_CALL, type McpMethod } from "../contracts/mcp-methods.js";
import type { McpSession } from "../stack/mcp-session.js";
import { meterOf, type MessageMeter } from "../stack/message-meter.js";
import type { SampleSink } from "../metrics/recorder.js";
import type { FailureKind, Outcome } from "../results/types.js";
import { sleep, sleepUntil } from "../util/sleep.js";
import { preparePreciseWait, waitUntilPrecise } from "../util/precise-wait.js";
import { NO_CALL_HOOKS, type CallHooks } from "../telemetry/call-hooks.js";
import type { LoadDriver } from "./driver.js";
import { classifyCallError } from "../contracts/failure-kind.js";
import { emptyPhaseStats, watchHarness, type PhaseStats } from "./generator-health.js";
import type { SessionSource } from "./session-churn.js";

/** What a call needs of a session: its SDK client (a worker thread's sessions are nothing more). */
export interface CallSession {
  client: Client;
}

export interface Agent<S extends CallSession = McpSession> {
  id: number;
  sessions: ReadonlyMap<string, S>;
}

/** First and longest wait before calling a session that failed at the transport again. */
export const BACKOFF_MIN_MS = 50;
export const BACKOFF_MAX_MS = 1000;

/** Backoff before the next call after `failures` transport failures in a row: 50, 100, 200, ... 1000 ms. */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(10, Math.max(0, failures - 1)));
}

interface LostSession {
  /** transport failures in a row */
  failures: number;
  /** when the next call may go (performance.now()) */
  retryAt: number;
}

/** Per-agent tallies of the measurement window, for the concurrent-agents SLO. */
export interface AgentTally {
  ok: number;
  failed: number;
}

/** Sends and records the agents' calls (the workloads' CallSender). */
export class CallContext implements CallSender {
  readonly tallies: AgentTally[];
  phase: Phase = "warmup";
  /** Sampled spans and live metrics (src/telemetry); does nothing unless the run turns them on. */
  hooks: CallHooks = NO_CALL_HOOKS;
  /** Sessions that failed at the transport, by agent and server, until a call to them works again. */
  private readonly lost = new Map<string, LostSession>();
  /** Meters whose notifications this context counts already. */
  private readonly watched = new WeakSet<MessageMeter>();
  /** Stops a backoff wait at once (the run was interrupted). */
  signal: AbortSignal | undefined;
  /**
   * Session churn (./session-churn.ts): where each call gets its agent's session, renewed when due.
   * Undefined: the session the agent holds, for the whole run.
   */
  sessions: SessionSource | undefined;
  /**
   * Wait before calling a lost session again. The closed model's agents do (each waits for its
   * answers anyway); the open model sends on schedule whatever happened, and counts every
   * intended call, so it never waits.
   */
  readonly backoff: boolean;

  constructor(
    readonly recorder: SampleSink,
    readonly agents: readonly Agent<CallSession>[],
    readonly callTimeoutMs: number,
    opts: { backoff?: boolean } = {},
  ) {
    this.tallies = agents.map(() => ({ ok: 0, failed: 0 }));
    this.backoff = opts.backoff ?? true;
  }

  /** The agent ended a task: with churn per task, its sessions are replaced before its next calls. */
  taskDone(agentId: number): void {
    this.sessions?.taskDone(agentId);
  }

  /** Sessions currently marked dead (a transport failure and no success since). */
  get lostSessions(): number {
    return this.lost.size;
  }

  /**
   * Calls a tool on one agent's session and records the sample. `intendedAt`
   * (open model) is when the call was meant to be sent; latency counts from it.
   */
  async call(agentId: number, server: string, tool: string, args: Record<string, unknown>, intendedAt?: number, attempt?: AttemptOptions): Promise<CallResult> {
    return this.timed(agentId, server, TOOLS_CALL, tool, (client, timeout) => callToolExchange(client, tool, args, timeout), intendedAt, attempt);
  }

  /**
   * Sends a request of another MCP method on one agent's session and records the sample under its
   * method, with the method's name as its label (see src/metrics/recorder.ts for why a label alone
   * would not do). Same deadline, backoff and lost-session rules as a tool call.
   */
  async request(agentId: number, server: string, request: MethodRequest, intendedAt?: number): Promise<CallResult> {
    return this.timed(agentId, server, request.method, request.method, (client, timeout) => methodExchange(client, request, timeout), intendedAt, undefined);
  }

  /** Counts the notifications a session's server sends, under the phase they arrive in. */
  private watchNotifications(meter: MessageMeter, server: string): void {
    if (this.watched.has(meter)) return;
    this.watched.add(meter);
    meter.onNotification = (method) => this.recorder.recordNotification({ phase: this.phase, server, method });
  }

  private async timed(
    agentId: number,
    server: string,
    method: McpMethod,
    tool: string,
    exchange: Exchange,
    intendedAt: number | undefined,
    attempt: AttemptOptions | undefined,
  ): Promise<CallResult> {
    if (!this.agents[agentId]?.sessions.get(server)) throw new Error(`agent ${agentId} has no session to ${server}`);
    const timeoutMs = attempt?.timeoutMs ?? this.callTimeoutMs;
    const lostKey = `${agentId}\u0000${server}`;
    const lost = this.lost.get(lostKey);
    if (lost && this.backoff && attempt?.noBackoff !== true) {
      const from = performance.now();
      const waitMs = Math.min(BACKOFF_MAX_MS, lost.retryAt - from);
      if (waitMs > 0) {
        // Until the retry time on performance.now(), not a timer's word for it (timers may fire a millisecond early).
        await sleepUntil(from + waitMs, this.signal);
        this.recorder.recordBackoff({
          phase: this.phase,
          agent: agentId,
          server,
          tool,
          ...(method !== TOOLS_CALL && { method }),
          ms: performance.now() - from,
        });
      }
    }
    const phase = this.phase;
    const wantedAt = performance.now();
    // With churn, a new session may be set up first; the call is sent after it (a closed model's latency starts then).
    const lease = this.sessions ? await this.sessions.acquire(agentId, server, phase) : undefined;
    // Read after the wait: a supervisor may have swapped a new session in meanwhile.
    const session = lease === undefined ? this.agents[agentId]!.sessions.get(server)! : lease.ok ? lease.session : undefined;
    const sentAt = performance.now();
    // A call that got no session failed from when it was wanted: the failed setup is the agent's bad time.
    const startedAt = intendedAt ?? (session === undefined ? wantedAt : sentAt);
    const callId = this.recorder.callStarted(server, { tool, ...(method !== TOOLS_CALL && { method }), startedAt });
    const span = this.hooks.sampleCall() ? this.hooks.startCallSpan({ server, tool, agent: agentId, phase, startedAt }) : undefined;
    let rpcCode: number | undefined;
    let outcome: Outcome = "ok";
    let kind: FailureKind | undefined;
    let text = "";
    let structured: unknown;
    let error: string | undefined;
    const meter = session === undefined ? undefined : meterOf(session.client);
    if (meter) this.watchNotifications(meter, server);
    let sent: { promise: Promise<Answer>; id: string | number | undefined } | undefined;
    try {
      if (session === undefined) {
        // No session to send it on: a transport failure, sent nowhere (the closed model backs off before the next try).
        throw new SessionUnavailable(lease !== undefined && !lease.ok ? lease.error : `agent ${agentId} has no session to ${server}`);
      }
      sent = meter?.measure(() => exchange(session.client, timeoutMs));
      const answer = await (sent?.promise ?? exchange(session.client, timeoutMs));
      text = answer.text;
      structured = answer.structured;
      if (answer.toolError) {
        outcome = "error";
        kind = "tool";
        error = `tool error: ${text.slice(0, 200) || "(no text)"}`;
      }
    } catch (err) {
      const failure =
        err instanceof SessionUnavailable ? { outcome: "error" as const, kind: "transport" as const, message: err.message } : classifyCallError(err, timeoutMs);
      outcome = failure.outcome;
      kind = failure.kind;
      error = failure.message;
      if (err instanceof McpError && failure.outcome !== "timeout") rpcCode = err.code;
    }
    const endedAt = performance.now();
    // Measured after endedAt: serializing a large message again must not count as the server's time.
    const sizes = meter?.take(sent?.id);
    if (lease?.ok) lease.release();
    this.recorder.callEnded(server, callId);
    span?.end({ outcome, endedAt, ...(error !== undefined && { error }), ...(rpcCode !== undefined && { rpcCode }) });
    this.hooks.callEnded(server, tool, outcome, phase, endedAt - startedAt);
    this.recorder.record({
      phase,
      server,
      tool,
      outcome,
      startedAt,
      endedAt,
      agent: agentId,
      ...(kind !== undefined && { kind }),
      ...(error !== undefined && { error }),
      ...(method !== TOOLS_CALL && { method }),
      ...(sizes?.requestBytes !== undefined && { requestBytes: sizes.requestBytes }),
      ...(sizes?.responseBytes !== undefined && { responseBytes: sizes.responseBytes }),
    });
    if (outcome === "error" && kind === "transport") {
      // No answer and no deadline passed: the session is gone. Mark it; the next call waits.
      const failures = (this.lost.get(lostKey)?.failures ?? 0) + 1;
      this.lost.set(lostKey, { failures, retryAt: endedAt + backoffMs(failures) });
    } else if (outcome !== "timeout") {
      // Any answer, even a refusal, shows the session is alive again.
      this.lost.delete(lostKey);
    }
    if (phase === "measure") {
      const tally = this.tallies[agentId]!;
      if (outcome === "ok") tally.ok++;
      else tally.failed++;
    }
    return {
      outcome,
      text,
      startedAt,
      endedAt,
      ...(structured !== undefined && { structured }),
      ...(kind !== undefined && { kind }),
      ...(error !== undefined && { error }),
    };
  }
}

/** What a request's answer gives the caller: its text parts, and whether a tool said it failed. */
interface Answer {
  text: string;
  toolError: boolean;
  /** A tool's structuredContent, as it came (chained steps read it). */
  structured?: unknown;
}
type Exchange = (client: Client, timeoutMs: number) => Promise<Answer>;

/** Text parts of MCP content, joined. */
function textOf(content: unknown): string {
  const parts = Array.isArray(content) ? (content as { type?: string; text?: string }[]) : [];
  return parts
    .filter((c) => c.type === "text" && typeof c.text === "string")
    .map((c) => c.text)
    .join("\n");
}

async function callToolExchange(client: Client, tool: string, args: Record<string, unknown>, timeout: number): Promise<Answer> {
  const result = await client.callTool({ name: tool, arguments: args }, undefined, { timeout });
  return { text: textOf(result.content), toolError: result.isError === true, structured: result.structuredContent };
}

/**
 * One request of another method, by the SDK Client's own method for it (so its result is checked
 * against the SDK's schema like a tool's). The text is what a chained step could read: a list's names,
 * a resource's text, a prompt's messages' text, the completion's values.
 */
async function methodExchange(client: Client, r: MethodRequest, timeout: number): Promise<Answer> {
  const options = { timeout };
  const lines = (items: readonly string[]): Answer => ({ text: items.join("\n"), toolError: false });
  switch (r.method) {
    case "tools/list":
      return lines((await client.listTools(undefined, options)).tools.map((t) => t.name));
    case "resources/list":
      return lines((await client.listResources(undefined, options)).resources.map((x) => x.uri));
    case "resources/templates/list":
      return lines((await client.listResourceTemplates(undefined, options)).resourceTemplates.map((x) => x.uriTemplate));
    case "prompts/list":
      return lines((await client.listPrompts(undefined, options)).prompts.map((p) => p.name));
    case "resources/read": {
      const result = await client.readResource({ uri: r.uri }, options);
      return { text: result.contents.map((c) => ("text" in c && typeof c.text === "string" ? c.text : "")).join("\n"), toolError: false };
    }
    case "resources/subscribe":
      await client.subscribeResource({ uri: r.uri }, options);
      return { text: "", toolError: false };
    case "prompts/get": {
      const result = await client.getPrompt({ name: r.name, arguments: r.arguments }, options);
      return { text: result.messages.map((m) => textOf([m.content])).join("\n"), toolError: false };
    }
    case "completion/complete": {
      const result = await client.complete({ ref: r.ref, argument: r.argument }, options);
      return { text: result.completion.values.join("\n"), toolError: false };
    }
    case "ping":
      await client.ping(options);
      return { text: "", toolError: false };
  }
}
/** A call that found no session to go on (its agent's new session did not start). */
class SessionUnavailable extends Error {}

/** An arrival sent later than this after its scheduled time counts as a late send. */
export const LATE_SEND_MS = 10;
/** Hard bound for a phase given only a count, so every loop stops by itself. */
export const MAX_PHASE_MS = 2 * 60 * 60 * 1000;
/** Longest the closed-model loop may keep the event loop to itself. */
const MAX_LOOP_HOLD_MS = 5;
/** After the phase ends, how long in-flight operations may take to finish. */
const DRAIN_GRACE_MS = 10_000;

/**
 * Runs one phase (warm-up or measurement) from `t0` (default: now): operations until `durationMs`
 * has passed since t0 or `count` operations were started, whichever first, then waits for those
 * in flight (bounded) so the next phase starts clean. The open model's schedule starts at t0.
 */
export async function runPhase(opts: {
  load: LoadPlan;
  workers: number;
  operation: Operation;
  durationMs: number | undefined;
  count: number | undefined;
  signal: AbortSignal;
  onTick?: (elapsedMs: number) => void;
  t0?: number;
  /** Agents the workers stand for (a closed shape's target counts agents; a coordination worker is two). Default: workers. */
  agents?: number;
  /**
   * A closed shape turned this worker off, after its operation in flight ended (session churn per join
   * closes its agent's sessions). Once per leave: not again while the worker stays off.
   */
  onLeave?: (worker: number) => void;
}): Promise<PhaseStats> {
  const { load, workers, operation, signal } = opts;
  const limitMs = Math.min(opts.durationMs ?? MAX_PHASE_MS, MAX_PHASE_MS);
  const count = opts.count ?? Number.POSITIVE_INFINITY;
  const stats = emptyPhaseStats();
  if (limitMs <= 0 || count <= 0) return stats;

  const generator = watchHarness();
  const t0 = opts.t0 ?? performance.now();
  const endAt = t0 + limitMs;
  const phaseEnded = new AbortController();
  const stopPhase = () => phaseEnded.abort();
  signal.addEventListener("abort", stopPhase, { once: true });
  // The phase ends at endAt on performance.now(), the clock its window is measured on: a bare timer may
  // fire a millisecond early, and a window planned for 12 s would then measure 11.9999 s.
  const endTimer = new AbortController();
  void sleepUntil(endAt, endTimer.signal).then(() => {
    if (!endTimer.signal.aborted) stopPhase();
  });
  const ticker = opts.onTick ? setInterval(() => opts.onTick!(performance.now() - t0), 1000) : undefined;
  const inFlight = new Set<Promise<void>>();
  let seq = 0;

  const launch = (worker: number, intendedAt: number | undefined) => {
    const n = seq++;
    stats.offered++;
    const p = operation(worker, n, intendedAt).then(
      () => void stats.completed++,
      () => void stats.completed++,
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };

  try {
    if (load.model === "closed") {
      let lastYield = performance.now();
      const shape = load.shape;
      const perAgent = workers / Math.max(1, opts.agents ?? workers);
      await Promise.all(
        Array.from({ length: workers }, async (_, worker) => {
          let away = false;
          while (!phaseEnded.signal.aborted && seq < count && performance.now() < endAt) {
            if (shape) {
              // A worker beyond the shape's current agents waits until the shape reaches it (its call in flight, if
              // any, finished first: an agent leaves between calls). Bounded: by the phase's end, and at least 1 ms.
              const elapsed = performance.now() - t0;
              if (Math.round(targetAt(shape, elapsed) * perAgent) <= worker) {
                if (!away) opts.onLeave?.(worker);
                away = true;
                const wake = firstTimeAtLeast(shape, elapsed, (worker + 0.5) / perAgent);
                if (wake === undefined || t0 + wake >= endAt) break;
                await sleep(Math.max(1, t0 + wake - performance.now()), phaseEnded.signal);
                continue;
              }
              away = false;
            }
            await launch(worker, undefined);
            if (load.thinkTimeMs > 0) await sleep(load.thinkTimeMs, phaseEnded.signal);
            // A call to a dead session fails without any I/O: the loop would then run on microtasks
            // alone and starve every timer (probes, fault timeline, phase end). Yield now and then.
            else if (performance.now() - lastYield > MAX_LOOP_HOLD_MS) {
              await new Promise<void>((r) => setImmediate(r));
              lastYield = performance.now();
            }
          }
        }),
      );
    } else {
      // Arrival k is due at t0 + k / rate, or, with a shape, when the area under its rate reaches k.
      const intervalMs = 1000 / load.rate;
      const shaped = load.shape ? new ShapedArrivals(load.shape) : undefined;
      let k = 0;
      let next = shaped ? t0 + (shaped.timeOf(0) ?? Number.POSITIVE_INFINITY) : t0;
      let worker = 0;
      while (!phaseEnded.signal.aborted && seq < count) {
        const now = performance.now();
        // Fire every arrival that is due; a late tick sends the backlog at once, each timed from its own schedule.
        while (next <= now && seq < count && next < endAt) {
          if (inFlight.size >= load.maxInFlight) stats.dropped++;
          else {
            if (now - next > LATE_SEND_MS) stats.lateSends++;
            launch(worker, next);
            worker = (worker + 1) % workers;
          }
          k++;
          next = shaped ? t0 + (shaped.timeOf(k) ?? Number.POSITIVE_INFINITY) : next + intervalMs;
        }
        if (next >= endAt) break;
        // To the fraction of a millisecond: a send woken late would carry the harness's lateness into the latency.
        await waitUntilPrecise(next, phaseEnded.signal);
      }
      // The last arrival went before endAt; the window is the whole duration all the same, not until that
      // arrival answered (a 12 s window at 10/s would otherwise measure ~11.9 s and overstate throughput).
      if (seq < count) await sleepUntil(endAt, phaseEnded.signal);
    }
    stats.elapsedMs = performance.now() - t0;
    // Bounded drain: operations have call deadlines, but a workload may poll; never wait forever.
    const drained = new AbortController();
    await Promise.race([Promise.allSettled([...inFlight]), sleep(DRAIN_GRACE_MS, drained.signal)]);
    // The losing timer must not keep the process alive after the run.
    drained.abort();
  } finally {
    endTimer.abort();
    if (ticker) clearInterval(ticker);
    signal.removeEventListener("abort", stopPhase);
    Object.assign(stats, generator.stop(stats.elapsedMs));
  }
  return stats;
}

/**
 * The harness's own driver: it schedules the workload's operation on the agents' sessions the
 * run opened (src/run/session-pool.ts); nothing to prepare before t0.
 */
export const sdkDriver: LoadDriver = {
  name: "sdk",
  title: "the harness's MCP SDK driver",
  needs: { http: false, plainCalls: false },
  knowsAgents: true,
  harnessTimed: true,
  ownSessions: false,
  capacitySearch: true,
  async prepare(p) {
    // The open model's arrivals are woken by a helper thread (src/util/precise-wait.ts): started before t0.
    if (p.load.model === "open") await preparePreciseWait();
    return {
      run: (t0) =>
        runPhase({
          load: p.load,
          workers: p.workload.workers,
          operation: p.workload.operation,
          durationMs: p.durationMs,
          count: p.count,
          signal: p.signal,
          ...(p.onTick && { onTick: p.onTick }),
          t0,
          agents: p.scenario.agents,
          ...(p.onWorkerLeaves && { onLeave: p.onWorkerLeaves }),
        }),
      dispose: async () => undefined,
    };
  },
};
