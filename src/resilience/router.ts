/**
 * The agents' resilience (issue 15): a CallSender in front of the sdk driver's, doing for every call to a
 * server with a policy what the design module's resilience manager does (lines 187-245), and routing calls
 * of a server being switched to version B by the switch's share. Every attempt still goes through the
 * driver's CallContext, so each server's own figures (latency, availability, calls counted on the fallback
 * server itself) are what it answered; this layer logs what the agents got (./call-log.ts) and the
 * policy's decisions as events on the run's timeline.
 */
import type { ResiliencePlan } from "../contracts/plan.js";
import type { AttemptOptions, CallResult, CallSender, Phase } from "../contracts/workload-env.js";
import type { ResilienceEvent, ResilienceEventKind } from "../results/types.js";
import { seededRng, type Rng } from "../util/random.js";
import { sleep, sleepUntil } from "../util/sleep.js";
import { CircuitBreaker } from "./breaker.js";
import { CallLog, ROUTE, type Route } from "./call-log.js";
import { DegradedCache } from "./degraded-cache.js";
import { mapArguments } from "./map-arguments.js";

/** Events kept at most: a flapping breaker decides at every few calls for as long as the fault lasts. */
export const MAX_EVENTS = 2000;

/** Longest an agent waits for an open breaker with no fallback before its call fails (its next call asks again). */
const FAIL_FAST_WAIT_MAX_MS = 1000;

interface PolicyState {
  plan: ResiliencePlan;
  breaker: CircuitBreaker | undefined;
  cache: DegradedCache | undefined;
  /** Whether the latest answered call was answered by the fallback: the next primary answer is a fail-back. */
  onFallback: boolean;
}

/**
 * Which agents' calls to `from` go to `to` now (the switch controller moves it). Sticky per agent, as a
 * canary usually routes by user or session: with stdio every agent has its own server process, so an
 * agent moved whole keeps each version's processes as busy as the other's. Routing call by call would
 * leave version B's processes idle between calls at a small share, and an idle process answers slower
 * (seen: an identical version 2.4 times slower at 10 % of the calls, rolled back as a regression).
 */
export interface SwitchRouting {
  from: string;
  to: string;
  /** Agents whose calls go to `to`. */
  agentsOnB: ReadonlySet<number>;
  /** A fresh instance of version A (the switch's `baseline`) and the agents whose calls go to it. */
  baseline: string | undefined;
  agentsOnBaseline: ReadonlySet<number>;
}

/** What a call event is told: the window's start, so events are dated like faults. */
export interface RouterClock {
  windowStart(): number | undefined;
}

export class ResilientCalls implements CallSender {
  readonly logs = new Map<string, CallLog>();
  private readonly decisions: { at: number; kind: ResilienceEventKind; server: string; detail: string }[] = [];
  eventsNotKept = 0;
  private readonly policies = new Map<string, PolicyState>();
  private readonly rngs: Rng[];
  /** The version switch's routing, when the scenario has one. */
  routing: SwitchRouting | undefined;
  /** The switch's versions (and baseline), warmed alike during the warm-up. */
  warmB: { from: string; to: string; baseline: string | undefined } | undefined;
  private readonly warmTurn: number[] = [];
  signal: AbortSignal | undefined;
  /** Also told every event (spans of the run's trace). */
  onEvent: ((e: ResilienceEvent) => void) | undefined;

  constructor(
    private readonly inner: CallSender,
    plans: readonly ResiliencePlan[],
    agents: number,
    seed: number,
    private readonly clock: RouterClock,
    private readonly closedModel: boolean,
  ) {
    this.rngs = Array.from({ length: agents }, (_, i) => seededRng(seed * 7_919 + i + 1));
    for (const plan of plans) {
      const state: PolicyState = { plan, breaker: undefined, cache: undefined, onFallback: false };
      if (plan.breaker)
        state.breaker = new CircuitBreaker(plan.breaker, (t) =>
          this.event(t.to === "open" ? "breaker-opened" : t.to === "closed" ? "breaker-closed" : "breaker-half-open", plan.server, t.detail, t.at),
        );
      if (plan.fallback?.kind === "degraded") state.cache = new DegradedCache(plan.fallback.maxEntries);
      this.policies.set(plan.server, state);
      this.logs.set(plan.server, new CallLog());
    }
  }

  get phase(): Phase {
    return this.inner.phase;
  }

  /** The agent's sessions are the inner sender's: a task's end goes through to them (session churn per task). */
  taskDone(agentId: number): void | Promise<void> {
    return this.inner.taskDone?.(agentId);
  }

  /** Logs the calls of the switched server too (call before the load starts). */
  watch(server: string): void {
    if (!this.logs.has(server)) this.logs.set(server, new CallLog());
  }

  event(kind: ResilienceEventKind, server: string, detail: string, at = performance.now()): void {
    const e = { at, kind, server, detail };
    if (this.decisions.length < MAX_EVENTS) this.decisions.push(e);
    else this.eventsNotKept++;
    const start = this.clock.windowStart();
    this.onEvent?.({ atMs: start === undefined ? 0 : at - start, kind, server, detail });
  }

  /**
   * The decisions, dated from the window's start: read once the window opened. A decision of the warm-up
   * (a breaker opened before the window) is dated when it is read, so it comes out negative, as warm-up
   * times do everywhere else.
   */
  get events(): ResilienceEvent[] {
    const start = this.clock.windowStart() ?? performance.now();
    return this.decisions.map((d) => ({ atMs: d.at - start, kind: d.kind, server: d.server, detail: d.detail }));
  }

  async call(agentId: number, server: string, tool: string, args: Record<string, unknown>, intendedAt?: number, attempt?: AttemptOptions): Promise<CallResult> {
    const log = this.logs.get(server);
    if (log === undefined) return this.inner.call(agentId, server, tool, args, intendedAt, attempt);
    const t0 = intendedAt ?? performance.now();
    const rng = this.rngs[agentId]!;
    let target = server;
    let primaryRoute: Route = ROUTE.primary;
    const r = this.routing;
    const w = this.warmB;
    if (w !== undefined && w.from === server && this.inner.phase === "warmup") {
      // Warm-up: each agent's calls go in turn to A, B (and the baseline), so no version meets its first calls
      // in the window. Seen without it: an identical version B, first called at the switch, answered 50 %
      // slower (code not yet optimised, connections new). It narrows the gap between B and A's long-running
      // processes but does not close it: the switch's baseline does (./switch.ts).
      const turn = ((this.warmTurn[agentId] ?? 0) + 1) % (w.baseline === undefined ? 2 : 3);
      this.warmTurn[agentId] = turn;
      if (turn === 1) {
        target = w.to;
        primaryRoute = ROUTE.versionB;
      } else if (turn === 2 && w.baseline !== undefined) {
        target = w.baseline;
        primaryRoute = ROUTE.baseline;
      }
    } else if (r !== undefined && r.from === server && r.agentsOnB.has(agentId)) {
      target = r.to;
      primaryRoute = ROUTE.versionB;
    } else if (r?.baseline !== undefined && r.from === server && r.agentsOnBaseline.has(agentId)) {
      target = r.baseline;
      primaryRoute = ROUTE.baseline;
    }
    const state = this.policies.get(server);
    let result: CallResult;
    let route: Route = primaryRoute;
    let retried = false;
    let shortCircuited = false;
    if (state === undefined) result = await this.inner.call(agentId, target, tool, args, intendedAt, attempt);
    else {
      const p = await this.primary(state, agentId, target, tool, args, intendedAt, t0, rng);
      result = p.result;
      retried = p.retried;
      shortCircuited = p.shortCircuited;
      if (result.outcome !== "ok" && state.plan.fallback) {
        const fb = await this.fallback(state, agentId, tool, args, p.result);
        if (fb) {
          result = fb.result;
          route = fb.route;
        }
      } else if (result.outcome === "ok") state.cache?.store(tool, args, result.text, state.plan.fallback);
      if (result.outcome === "ok") {
        if (route === ROUTE.fallback || route === ROUTE.degraded) {
          if (!state.onFallback)
            this.event(
              "fallback-started",
              server,
              `${route === ROUTE.degraded ? "answered from the degraded-mode cache" : `answered by ${fallbackName(state.plan)}`}`,
              result.endedAt,
            );
          state.onFallback = true;
        } else if (state.onFallback) {
          state.onFallback = false;
          this.event("failed-back", server, `answered by ${target} again`, result.endedAt);
        }
      }
      if (shortCircuited && result.outcome !== "ok" && !state.plan.fallback && this.closedModel && state.breaker) {
        // Fail fast with nothing to fall back on: a closed-model agent would otherwise fail thousands of times a
        // second without any I/O, and the outage would be measured by how fast the harness can fail.
        const until = Math.min(state.breaker.nextAdmitAt(performance.now()), performance.now() + FAIL_FAST_WAIT_MAX_MS);
        await sleepUntil(until, this.signal);
        result = { ...result, endedAt: performance.now() };
      }
    }
    if (this.inner.phase === "measure")
      log.add({ agent: agentId, startedAt: t0, endedAt: result.endedAt, ok: result.outcome === "ok", route, retried, shortCircuited });
    return result;
  }

  /** The server's attempts: breaker, retries with backoff and jitter, the deadline. */
  private async primary(
    state: PolicyState,
    agentId: number,
    target: string,
    tool: string,
    args: Record<string, unknown>,
    intendedAt: number | undefined,
    t0: number,
    rng: Rng,
  ): Promise<{ result: CallResult; retried: boolean; shortCircuited: boolean }> {
    const { plan, breaker } = state;
    if (breaker && !breaker.admit(performance.now())) {
      const now = performance.now();
      return {
        result: { outcome: "error", kind: "transport", text: "", startedAt: t0, endedAt: now, error: `circuit breaker of ${plan.server} is open` },
        retried: false,
        shortCircuited: true,
      };
    }
    const deadline = plan.deadlineMs === undefined ? Number.POSITIVE_INFINITY : t0 + plan.deadlineMs;
    let result: CallResult | undefined;
    let retried = false;
    for (let attempt = 0; attempt <= plan.retries.count; attempt++) {
      if (attempt > 0) {
        // Exponential backoff with jitter: the share `jitter` of each wait is drawn at random.
        const base = plan.retries.backoffMs * 2 ** (attempt - 1);
        const wait = base * (1 - plan.retries.jitter * rng());
        if (performance.now() + wait >= deadline) break;
        if (breaker && !breaker.admit(performance.now() + wait)) break;
        retried = true;
        await sleep(wait, this.signal);
        if (this.signal?.aborted) break;
      }
      const left = deadline - performance.now();
      if (left <= 0) break;
      const opts: AttemptOptions = { noBackoff: true, ...(Number.isFinite(left) && { timeoutMs: left }) };
      result = await this.inner.call(agentId, target, tool, args, attempt === 0 ? intendedAt : undefined, opts);
      breaker?.record(result.outcome === "ok", result.endedAt);
      if (result.outcome === "ok") break;
    }
    const now = performance.now();
    return {
      result: result ?? { outcome: "timeout", kind: "transport", text: "", startedAt: t0, endedAt: now, error: `deadline of ${plan.deadlineMs} ms passed` },
      retried,
      shortCircuited: false,
    };
  }

  private async fallback(
    state: PolicyState,
    agentId: number,
    tool: string,
    args: Record<string, unknown>,
    failed: CallResult,
  ): Promise<{ result: CallResult; route: Route } | undefined> {
    const fb = state.plan.fallback!;
    if (fb.kind === "degraded") {
      const text = fb.tools.includes(tool) ? state.cache!.lookup(tool, args) : undefined;
      const now = performance.now();
      if (text === undefined) return { result: { ...failed, endedAt: Math.max(failed.endedAt, now) }, route: ROUTE.degraded };
      return { result: { outcome: "ok", text, startedAt: failed.startedAt, endedAt: now, degraded: true }, route: ROUTE.degraded };
    }
    const m = fb.tools.get(tool);
    const fbArgs = m?.args === undefined ? args : (mapArguments(m.args, args) as Record<string, unknown>);
    // The fallback server's own lost-session backoff stays on: when it is down too, the agent waits as it would.
    const result = await this.inner.call(agentId, fb.server, m?.tool ?? tool, fbArgs);
    return { result: { ...result, startedAt: failed.startedAt }, route: ROUTE.fallback };
  }
}

function fallbackName(plan: ResiliencePlan): string {
  return plan.fallback?.kind === "server" ? plan.fallback.server : "the degraded-mode cache";
}
