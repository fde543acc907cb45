/**
 * Faults as an experiment, in the manner of Chaos Toolkit: a steady-state
 * check before the measurement window opens (if it fails, no fault is
 * injected and the run says so instead of blaming one), the faults on their
 * timeline, probes of the affected path every interval throughout, then the
 * wait for recovery, the steady state after, and rollbacks that always run.
 *
 * The same object runs the RPO writers, with or without faults: writers
 * without any fault are a consistency check (acknowledged writes must all be
 * read back), and then nothing about steady states or recovery is reported.
 *
 * Timing (../shared/measurement.md, RTO and RPO):
 *  - the probe and the writers start before the warm-up, so the steady state
 *    is judged on probes sent before the window, and a writer has a history
 *    before the first fault (`rpo.lead` makes it longer);
 *  - a fault `at: 0s` is injected before the window's first call;
 *  - "healed at" is when the cause was removed (process spawned again, link
 *    restored); when it was ready again is recorded beside it;
 *  - a probe or a write is assigned to a fault window by when it was sent:
 *    anything sent before a fault began never counts inside it.
 * Internally every time is performance.now(); results are converted to ms
 * from the window's start.
 */
import type { FaultPlan, Scenario } from "../contracts/plan.js";
import type { HealTiming, Injected, ServerSessions } from "../contracts/fault-targets.js";
import { PROBE_AGENT, WRITER_AGENT } from "../contracts/sessions.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { findServer } from "../catalog/servers.js";
import type { FaultResult, ProbeSeries, RpoResult, SteadyStateCheck } from "../results/types.js";
import type { Stack } from "../providers/provider.js";
import type { McpSession } from "../stack/mcp-session.js";
import { measureRecovery, steadyStateMet, type ProbePoint } from "./recovery.js";
import { describeLoss, measureLoss } from "./rpo.js";
import { makeWriter, type StoreWriter } from "./writers.js";
import { sleep, sleepUntil } from "../util/sleep.js";

/** Resolves when `signal` aborts (at once when it already has); its listener goes with the abort. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Probe points kept for the report; a probe every 100 ms for 10 minutes fits. */
const MAX_PROBE_POINTS = 10_000;
const MAX_OBSERVATIONS_PER_FAULT = 12;

export interface FaultsOutcome {
  faults: FaultResult[];
  rpo: RpoResult[];
  /** Empty when the scenario injects no fault (RPO writers only). */
  steadyState: SteadyStateCheck[];
  /** Undefined when the scenario injects no fault. */
  probe: ProbeSeries | undefined;
}

/** The scenario's sessions as the experiment uses them (src/run/session-pool.ts's SessionPool is one). */
export interface ExperimentSessions extends ServerSessions {
  startAuxiliary(def: ServerDefinition, agent: number): Promise<McpSession>;
  /** The live session of an agent (or auxiliary id) to a server; a supervisor may swap it. */
  session(server: string, agent: number): McpSession | undefined;
  readonly sessions: readonly McpSession[];
  /** While true, what servers write to stderr is kept as observations. */
  captureLogs: boolean;
  /** Exits, supervisor actions and log lines, on performance.now(). */
  readonly events: readonly { at: number; kind: "exit" | "supervisor" | "log"; text: string }[];
}

interface FaultState {
  fault: FaultPlan;
  /** performance.now() times */
  injectedAt: number | null;
  healedAt: number | null;
  readyAt: number | null;
  notInjectedReason?: string;
  injected?: Injected;
  notes: { at: number; text: string }[];
  /** What each writer's store held right after the heal, for charging lost records to this fault. */
  snapshots: Map<StoreWriter, Set<number>>;
}

export class FaultExperiment {
  /** performance.now() when the window opened; undefined before. */
  private measureStart: number | undefined;
  private readonly points: ProbePoint[] = [];
  private readonly states: FaultState[];
  private readonly writers: StoreWriter[] = [];
  private readonly stopWriters = new AbortController();
  private readonly windowOver = new AbortController();
  private readonly stopProbing = new AbortController();
  private probing: Promise<void> | undefined;
  private writing: Promise<void>[] = [];
  private writersStartedAt: number | undefined;
  private timeline: Promise<void> | undefined;
  private beforeCheck: SteadyStateCheck | undefined;
  private rolledBack = false;
  private readonly injected: Injected[] = [];
  /** Aborted when the run halts (an SLO burned its budget): faults due are not injected, faults in place are healed at once. */
  private readonly halting = new AbortController();
  private haltReason: string | undefined;

  constructor(
    private readonly deps: {
      scenario: Scenario;
      stack: Stack;
      pool: ExperimentSessions;
      runId: string;
      signal: AbortSignal;
      say: (line: string) => void;
      /** Where injections and heals are also recorded as trace events. */
      onFaultEvent?: (name: string, attrs: Record<string, string | number | boolean>) => void;
    },
  ) {
    this.states = deps.scenario.faults.map((fault) => ({ fault, injectedAt: null, healedAt: null, readyAt: null, notes: [], snapshots: new Map() }));
  }

  /** Faults are injected (and the affected path probed): otherwise only RPO writers run. */
  private get withFaults(): boolean {
    return this.states.length > 0 && this.deps.scenario.recovery !== undefined;
  }

  /** ms since the window opened (negative before it). */
  private rel(at: number): number {
    return at - (this.measureStart ?? at);
  }

  /** Starts the probe's and the writers' own sessions. */
  async prepare(): Promise<void> {
    const s = this.deps.scenario;
    if (this.withFaults) {
      const r = s.recovery!;
      const def = s.servers.find((d) => d.name === r.probe.server)!;
      await this.deps.pool.startAuxiliary(def, PROBE_AGENT);
    }
    for (const store of s.rpo?.stores ?? []) {
      if (store !== "postgres") await this.deps.pool.startAuxiliary(s.servers.find((d) => d.name === store) ?? findServer(store)!, WRITER_AGENT);
      const backendSettings = Object.fromEntries(
        this.deps.stack.backends.map((b) => [
          b.kind,
          Object.entries(b.settings)
            .map(([k, v]) => (k === "persistence" ? v : `${k}=${v}`))
            .join(", "),
        ]),
      );
      this.writers.push(
        makeWriter(store, {
          runId: this.deps.runId,
          intervalMs: s.rpo!.intervalMs,
          timeoutMs: s.callTimeoutMs,
          now: () => performance.now(),
          session: (server) => this.deps.pool.session(server, WRITER_AGENT),
          sandbox: this.deps.stack.endpoints.sandbox,
          workdir: this.deps.stack.endpoints.workdir,
          ...(this.deps.stack.redisCommand && { redisCommand: this.deps.stack.redisCommand }),
          ...(this.deps.stack.postgresQuery && { postgresQuery: this.deps.stack.postgresQuery }),
          ...((this.deps.stack.endpoints.hopUrl?.("harness", "postgres") ?? this.deps.stack.endpoints.postgres?.url) !== undefined && {
            postgresWriterUrl: this.deps.stack.endpoints.hopUrl?.("harness", "postgres") ?? this.deps.stack.endpoints.postgres!.url,
          }),
          durability: {
            redis: backendSettings.redis ?? "",
            postgres: backendSettings.postgres ?? "",
            memory: "every server process rewrites the whole JSON-lines file on every change (read, modify, rename over it)",
            filesystem: "one file per record, written by the server (no fsync)",
          },
        }),
      );
    }
  }

  /**
   * Starts the probe and the writers, before the warm-up: the steady state is then judged on probes
   * sent before the window opens, and the writers have a history before the first fault.
   */
  startBeforeWindow(): void {
    if (this.withFaults) this.probing = this.probeLoop();
    if (this.writers.length > 0) {
      this.writersStartedAt = performance.now();
      this.writing = this.writers.map((w) => w.run(this.stopWriters.signal));
    }
  }

  /**
   * Waits until the writers will have written `rpo.lead` by the time the window opens, given the
   * warm-up still to come: a writer younger than an RPO target at its fault cannot prove the target
   * when a fault loses everything it wrote (the RPO is then only known to be at least its age).
   */
  async lead(warmupMs: number): Promise<void> {
    const leadMs = this.deps.scenario.rpo?.leadMs ?? 0;
    if (this.writersStartedAt === undefined || leadMs <= 0) return;
    const rest = leadMs - warmupMs - (performance.now() - this.writersStartedAt);
    if (rest <= 0) return;
    this.deps.say(`RPO writers: writing ${(rest / 1000).toFixed(1)} s before the warm-up (rpo.lead ${(leadMs / 1000).toFixed(1)} s)`);
    await sleep(rest, this.deps.signal);
  }

  /** The steady-state hypothesis, on the probes sent so far: checked right before the window opens. */
  async beforeWindow(): Promise<void> {
    if (this.withFaults) await this.checkBefore();
  }

  /**
   * Opens the measurement window at `t0` (the orchestrator's, the same the recorder's window starts
   * at): every fault due at 0 s is injected before this returns, so the window's first call already
   * meets them; later faults run on their timeline from t0.
   */
  async openWindow(t0: number): Promise<void> {
    this.measureStart = t0;
    // What servers say while faults happen is what they did about them.
    if (this.withFaults) this.deps.pool.captureLogs = true;
    const atOnce = this.states.filter((st) => st.fault.atMs <= 0);
    await Promise.all(atOnce.map((st) => this.guarded(st, () => this.injectFault(st))));
    // A fault that fails is a result about that fault; it must never take the run down with an unhandled rejection.
    this.timeline = Promise.all(this.states.map((st) => this.guarded(st, () => this.runFault(st)))).then(() => undefined);
  }

  private async guarded(st: FaultState, fn: () => Promise<void>): Promise<void> {
    await fn().catch((err: unknown) => {
      st.notes.push({ at: performance.now(), text: `harness error in this fault: ${(err as Error).message}` });
      if (st.injectedAt === null) st.notInjectedReason = `harness error: ${(err as Error).message}`;
    });
  }

  /** The steady-state hypothesis, on the probes answered before the window opens (waits, bounded, for k of them). */
  private async checkBefore(): Promise<void> {
    const r = this.deps.scenario.recovery!;
    const waitUntil = performance.now() + r.intervalMs * (r.consecutive + 5) + r.timeoutMs;
    while (this.points.length < r.consecutive && performance.now() < waitUntil && !this.deps.signal.aborted) await sleep(r.intervalMs, this.deps.signal);
    const before = this.sortedPoints();
    const met = steadyStateMet(before, r.consecutive);
    const failures = before.filter((p) => !p.ok).length;
    this.beforeCheck = {
      phase: "before",
      met,
      probes: before.length,
      failures,
      detail: met
        ? `the last ${r.consecutive} probes of ${r.probe.server}/${r.probe.tool} before the measurement window opened succeeded`
        : `steady state not met: the last ${r.consecutive} probes before the measurement window opened did not all succeed (${failures} of ${before.length} failed); no fault was injected`,
    };
  }

  private async probeLoop(): Promise<void> {
    const r = this.deps.scenario.recovery!;
    const s = this.deps.scenario;
    const inFlight = new Set<Promise<void>>();
    // Bounded: stopped by finish() or rollback(); never longer than lead, warm-up, window and every fault's recovery limit.
    const hardStop =
      performance.now() +
      (s.rpo?.leadMs ?? 0) +
      s.warmupMs +
      (s.durationMs ?? 3_600_000) +
      this.states.reduce((a, st) => a + st.fault.atMs + r.limitMs, 0) +
      60_000;
    for (let next = performance.now(); !this.stopProbing.signal.aborted && performance.now() < hardStop; next += r.intervalMs) {
      await sleep(next - performance.now(), this.stopProbing.signal);
      if (this.stopProbing.signal.aborted) break;
      const t = performance.now();
      // Each probe has its own deadline; a slow one does not hold back the next.
      const p = (async () => {
        const session = this.deps.pool.session(r.probe.server, PROBE_AGENT);
        let ok = false;
        try {
          if (session) {
            const res = await session.client.callTool({ name: r.probe.tool, arguments: r.probe.args }, undefined, { timeout: r.timeoutMs });
            ok = res.isError !== true;
          }
        } catch {
          ok = false;
        }
        if (this.points.length < MAX_PROBE_POINTS) this.points.push({ t, ok, done: performance.now() });
      })();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await Promise.allSettled([...inFlight]);
  }

  private sortedPoints(): ProbePoint[] {
    return [...this.points].sort((a, b) => a.t - b.t);
  }

  /** Injects one fault (when the steady state held before the window). */
  private async injectFault(st: FaultState): Promise<void> {
    if (st.injectedAt !== null || st.notInjectedReason !== undefined) return;
    if (!this.beforeCheck?.met) {
      st.notInjectedReason = "steady state not met before the measurement window opened";
      return;
    }
    this.deps.say(`fault ${st.fault.id}: ${st.fault.description}`);
    st.injectedAt = performance.now();
    this.deps.onFaultEvent?.("fault.injected", {
      "mcp_slo.fault.id": st.fault.id,
      "mcp_slo.fault.kind": st.fault.kind,
      "mcp_slo.fault.description": st.fault.description,
    });
    try {
      st.injected = await st.fault.inject({
        hops: this.deps.stack.toxiproxy?.hops,
        backends: this.deps.stack.handles,
        sessions: this.deps.pool,
        signal: this.deps.signal,
        note: (text) => st.notes.push({ at: performance.now(), text }),
      });
    } catch (err) {
      st.injectedAt = null;
      st.notInjectedReason = `injection failed: ${(err as Error).message}`;
      return;
    }
    this.injected.push(st.injected);
  }

  /**
   * The run halts (src/window/halt-monitor.ts): no fault is injected any more, and every fault in
   * place is healed now rather than at the end of its duration (or never, for one without). The
   * probe, the recovery wait and the read-back go on as after any window.
   */
  halt(reason: string): void {
    if (this.halting.signal.aborted) return;
    this.haltReason = reason;
    this.halting.abort();
  }

  private async runFault(st: FaultState): Promise<void> {
    if (st.injectedAt === null && st.notInjectedReason === undefined) {
      await sleepUntil(this.measureStart! + st.fault.atMs, AbortSignal.any([this.windowOver.signal, this.halting.signal]));
      if (this.windowOver.signal.aborted || this.deps.signal.aborted || this.halting.signal.aborted) {
        st.notInjectedReason = this.deps.signal.aborted
          ? "the run was interrupted first"
          : this.halting.signal.aborted
            ? `the run halted first (${this.haltReason})`
            : "the measurement window ended first";
        return;
      }
      await this.injectFault(st);
    }
    const injected = st.injected;
    if (!injected || st.injectedAt === null) return;
    let healing: Promise<HealTiming>;
    if (injected.healing) healing = injected.healing;
    else {
      // A fault lasts its duration; one without stays until the window ends (the rollback removes it,
      // unrecorded, as before). A halt heals either at once.
      const until = st.fault.durationMs === undefined ? undefined : st.injectedAt + st.fault.durationMs;
      if (until === undefined) await untilAborted(AbortSignal.any([this.windowOver.signal, this.halting.signal]));
      else await sleepUntil(until, AbortSignal.any([this.deps.signal, this.halting.signal]));
      const early = this.halting.signal.aborted && (until === undefined || performance.now() < until);
      if (until === undefined && !early) return;
      if (early) st.notes.push({ at: performance.now(), text: `healed early: the run halted (${this.haltReason})` });
      healing = injected.heal();
    }
    let timing: HealTiming;
    try {
      timing = await healing;
    } catch (err) {
      // The cause may still be there: not healed.
      st.notes.push({ at: performance.now(), text: `heal failed: ${(err as Error).message}` });
      return;
    }
    st.healedAt = timing.removedAt;
    st.readyAt = timing.readyAt;
    this.deps.onFaultEvent?.("fault.healed", { "mcp_slo.fault.id": st.fault.id, "mcp_slo.fault.kind": st.fault.kind });
    // What each store holds once the fault is over: a record missing here was lost by this fault (or before it).
    for (const w of this.writers) {
      try {
        st.snapshots.set(w, await w.readBack());
      } catch (err) {
        st.notes.push({ at: performance.now(), text: `reading ${w.store} back after the heal failed: ${(err as Error).message}` });
      }
    }
  }

  private recoveryOf(st: FaultState) {
    const r = this.deps.scenario.recovery!;
    // The next fault to begin after this one: its outage is not this one's.
    const next = Math.min(...this.states.map((x) => x.injectedAt ?? Number.POSITIVE_INFINITY).filter((t) => t > st.injectedAt!));
    return measureRecovery(this.sortedPoints(), {
      injectedAt: st.injectedAt!,
      healedAt: st.healedAt,
      consecutive: r.consecutive,
      limitMs: r.limitMs,
      nextFaultAt: next,
    });
  }

  /** After the load: wait (bounded) for recovery, check the steady state after, roll back, read back. */
  async finish(): Promise<FaultsOutcome> {
    const r = this.deps.scenario.recovery;
    this.windowOver.abort();
    await this.timeline;
    let afterFrom = performance.now();
    if (this.withFaults && r) {
      // Recovery is waited for with the probe still running, until each fault recovered or ran out of its limit.
      for (;;) {
        if (this.deps.signal.aborted) break;
        const pending = this.states.filter((st) => st.injectedAt !== null && !this.recoveryOf(st).recovered && performance.now() < st.injectedAt + r.limitMs);
        if (pending.length === 0) break;
        await sleep(r.intervalMs * 2, this.deps.signal);
      }
      afterFrom = performance.now();
      await sleep(r.intervalMs * (r.consecutive + 1) + r.timeoutMs, this.deps.signal);
    }
    this.stopWriters.abort();
    await Promise.allSettled(this.writing);
    this.stopProbing.abort();
    await this.probing;
    await this.rollback();

    const points = this.sortedPoints();
    const steadyState: SteadyStateCheck[] = [];
    if (this.withFaults && r) {
      // A probe belongs to a fault window when it was sent inside it.
      const during = points.filter((p) =>
        this.states.some((st) => st.injectedAt !== null && p.t >= st.injectedAt && p.t <= (st.healedAt ?? st.injectedAt + r.limitMs)),
      );
      const after = points.filter((p) => p.t >= afterFrom);
      const afterMet = steadyStateMet(after, r.consecutive);
      steadyState.push(
        this.beforeCheck ?? { phase: "before", met: false, probes: 0, failures: 0, detail: "the measurement window never opened" },
        {
          phase: "during",
          met: during.every((p) => p.ok),
          probes: during.length,
          failures: during.filter((p) => !p.ok).length,
          detail:
            during.length === 0
              ? "no probe was sent inside a fault window"
              : `${during.filter((p) => !p.ok).length} of ${during.length} probes sent inside fault windows failed`,
        },
        {
          phase: "after",
          met: afterMet,
          probes: after.length,
          failures: after.filter((p) => !p.ok).length,
          detail: afterMet
            ? `the last ${r.consecutive} probes after recovery succeeded`
            : `the stack did not return to its steady state: ${after.filter((p) => !p.ok).length} of ${after.length} probes after the faults failed`,
        },
      );
    }

    const events = this.deps.pool.events;
    const faults: FaultResult[] = this.states.map((st, i) => {
      const f = st.fault;
      const base = { id: f.id, kind: f.kind, target: f.target, description: f.description, limitMs: r?.limitMs ?? 0, supervisor: r?.supervisor ?? false };
      if (st.injectedAt === null) {
        return {
          ...base,
          injected: false,
          notInjectedReason: st.notInjectedReason ?? "not injected",
          injectedAtMs: null,
          healedAtMs: null,
          readyAtMs: null,
          timeToDetectMs: null,
          rtoMs: null,
          afterHealMs: null,
          recovered: false,
          observations: [],
        };
      }
      const rec = this.recoveryOf(st);
      const from = st.injectedAt;
      const nextInjected = this.states.slice(i + 1).find((x) => x.injectedAt !== null)?.injectedAt ?? Number.POSITIVE_INFINITY;
      const until = Math.min(nextInjected, from + (r?.limitMs ?? 0));
      const inWindow = (e: { at: number }) => e.at >= from && e.at < until;
      // Exits, restarts and heal notes first; log lines fill what room is left, two per process.
      const important = [...events.filter((e) => e.kind !== "log"), ...st.notes].filter(inWindow);
      const perProcess = new Map<string, number>();
      const logs = events
        .filter((e) => e.kind === "log" && inWindow(e))
        .filter((e) => {
          const who = e.text.split(" ")[0]!;
          perProcess.set(who, (perProcess.get(who) ?? 0) + 1);
          return perProcess.get(who)! <= 2;
        });
      const seen = [...important, ...logs.slice(0, Math.max(0, MAX_OBSERVATIONS_PER_FAULT - important.length))]
        .sort((a, b) => a.at - b.at)
        .map((e) => `+${((e.at - from) / 1000).toFixed(2)} s: ${e.text}`);
      return {
        ...base,
        injected: true,
        injectedAtMs: this.rel(from),
        healedAtMs: st.healedAt === null ? null : this.rel(st.healedAt),
        readyAtMs: st.readyAt === null ? null : this.rel(st.readyAt),
        ...rec,
        observations: seen.length ? seen : ["no process exited and nothing else was observed"],
      };
    });

    const rpo: RpoResult[] = [];
    for (const w of this.writers) {
      const startedAt = w.log.startedAt === undefined ? null : this.rel(w.log.startedAt);
      let present: Set<number>;
      try {
        present = await w.readBack();
      } catch (err) {
        const message = (err as Error).message;
        this.deps.say(`RPO read-back of ${w.store} failed: ${message}`);
        rpo.push({
          store: w.store,
          durability: w.durability,
          acknowledged: w.log.acknowledged.size,
          present: 0,
          lost: 0,
          unacknowledgedPresent: 0,
          faultAtMs: null,
          rpoMs: null,
          writerStartedAtMs: startedAt,
          readBackError: message,
          text: `unknown: could not read ${w.store} back (${message})`,
        });
        await w.close();
        continue;
      }
      const loss = measureLoss(
        w.log,
        present,
        this.states
          .filter((st) => st.injectedAt !== null)
          .map((st) => ({
            id: st.fault.id,
            at: st.injectedAt!,
            ...(st.healedAt !== null && st.fault.actsOnProcess && { healedAt: st.healedAt }),
            ...(st.snapshots.has(w) && { presentAfter: st.snapshots.get(w)! }),
          })),
      );
      const censoredWorst = loss.byFault
        .filter((x) => x.censored)
        .reduce<(typeof loss.byFault)[number] | null>((a, x) => (a === null || x.rpoMs > a.rpoMs ? x : a), null);
      const result: RpoResult = {
        store: w.store,
        durability: w.durability,
        acknowledged: loss.acknowledged,
        present: loss.present,
        lost: loss.lost,
        unacknowledgedPresent: loss.unacknowledgedPresent,
        faultAtMs: loss.worst ? this.rel(loss.worst.faultAt) : null,
        faultId: loss.worst?.faultId ?? null,
        rpoMs: loss.rpoMs,
        censored: loss.censored,
        writerAgeMs: censoredWorst ? censoredWorst.writerAgeMs : null,
        lostWithoutFault: loss.lostWithoutFault,
        writerStartedAtMs: startedAt,
      };
      result.text = describeLoss({ ...loss, faultInjected: this.states.some((st) => st.injectedAt !== null) });
      rpo.push(result);
      await w.close();
    }
    const probe: ProbeSeries | undefined =
      this.withFaults && r
        ? {
            server: r.probe.server,
            tool: r.probe.tool,
            intervalMs: r.intervalMs,
            timeoutMs: r.timeoutMs,
            consecutive: r.consecutive,
            points: points.map(({ t, ok }) => ({ t: this.rel(t), ok })),
          }
        : undefined;
    return { faults, rpo, steadyState, probe };
  }

  /** Always runs, also on interruption: no toxic stays, no process stays paused, dead backends are started again. */
  async rollback(): Promise<void> {
    if (this.rolledBack) return;
    this.rolledBack = true;
    this.stopWriters.abort();
    this.stopProbing.abort();
    this.windowOver.abort();
    const tasks: Promise<unknown>[] = [];
    if (this.deps.stack.toxiproxy) tasks.push(this.deps.stack.toxiproxy.reset());
    for (const layer of this.deps.pool.stdioLayers.values()) layer.clear();
    for (const s of this.deps.pool.sessions) s.process?.signal("SIGCONT");
    // A self-healing fault (a graceful restart) still under way finishes first, so nothing is started twice.
    tasks.push(...this.injected.flatMap((x) => (x.healing ? [x.healing] : [])));
    await Promise.allSettled(tasks);
    const restarts: Promise<unknown>[] = [];
    for (const h of Object.values(this.deps.stack.handles)) {
      h.resume();
      if (!h.isRunning()) restarts.push(h.restart());
    }
    await Promise.allSettled(restarts);
    await Promise.allSettled(this.writers.map((w) => w.close()));
  }
}
