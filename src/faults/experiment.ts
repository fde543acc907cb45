/**
 * Faults as an experiment, in the manner of Chaos Toolkit: a steady-state
 * check before the faults (if it fails, no fault is injected and the run
 * says so instead of blaming one), the faults on their timeline, probes of
 * the affected path every interval throughout, then the wait for recovery,
 * the steady state after, and rollbacks that always run.
 */
import type { ResolvedFault, Scenario } from "../config/load-scenario.js";
import { findServer } from "../catalog/servers.js";
import type { FaultResult, ProbeSeries, RpoResult, SteadyStateCheck } from "../results/types.js";
import type { Stack } from "../providers/provider.js";
import { PROBE_AGENT, WRITER_AGENT, type SessionPool } from "../run/session-pool.js";
import { inject, type Injected } from "./injector.js";
import { measureRecovery, steadyStateMet, type ProbePoint } from "./recovery.js";
import { measureLoss } from "./rpo.js";
import { makeWriter, type StoreWriter } from "./writers.js";
import { sleep } from "../util/sleep.js";

/** Probe points kept for the report; a probe every 100 ms for 10 minutes fits. */
const MAX_PROBE_POINTS = 10_000;
const MAX_OBSERVATIONS_PER_FAULT = 12;

export interface FaultsOutcome {
  faults: FaultResult[];
  rpo: RpoResult[];
  steadyState: SteadyStateCheck[];
  probe: ProbeSeries;
}

interface FaultState {
  fault: ResolvedFault;
  injectedAt: number | null;
  healedAt: number | null;
  notInjectedReason?: string;
  healing?: Promise<void>;
  notes: { at: number; text: string }[];
}

export class FaultExperiment {
  private measureStart = 0;
  private readonly points: ProbePoint[] = [];
  private readonly states: FaultState[];
  private readonly writers: StoreWriter[] = [];
  private readonly stopWriters = new AbortController();
  private readonly windowOver = new AbortController();
  private readonly stopProbing = new AbortController();
  private probing: Promise<void> | undefined;
  private writing: Promise<void>[] = [];
  private timeline: Promise<void> | undefined;
  private beforeCheck: SteadyStateCheck | undefined;
  private rolledBack = false;
  private readonly injected: Injected[] = [];

  constructor(
    private readonly o: {
      scenario: Scenario;
      stack: Stack;
      pool: SessionPool;
      runId: string;
      signal: AbortSignal;
      say: (line: string) => void;
      /** Where injections and heals are also recorded as trace events. */
      onFaultEvent?: (name: string, attrs: Record<string, string | number | boolean>) => void;
    },
  ) {
    this.states = o.scenario.faults.map((fault) => ({ fault, injectedAt: null, healedAt: null, notes: [] }));
  }

  /** ms since the start of the measurement window */
  private now(): number {
    return performance.now() - this.measureStart;
  }

  /** Starts the probe's and the writers' own sessions, before the measurement window. */
  async prepare(): Promise<void> {
    const s = this.o.scenario;
    const r = s.recovery!;
    const def = s.servers.find((d) => d.name === r.probe.server)!;
    await this.o.pool.startAuxiliary(def, PROBE_AGENT);
    for (const store of s.rpo?.stores ?? []) {
      if (store !== "postgres") await this.o.pool.startAuxiliary(s.servers.find((d) => d.name === store) ?? findServer(store)!, WRITER_AGENT);
      const backendSettings = Object.fromEntries(this.o.stack.backends.map((b) => [b.kind, Object.entries(b.settings).map(([k, v]) => (k === "persistence" ? v : `${k}=${v}`)).join(", ")]));
      this.writers.push(
        makeWriter(store, {
          runId: this.o.runId,
          intervalMs: s.rpo!.intervalMs,
          timeoutMs: s.callTimeoutMs,
          now: () => this.now(),
          session: (server) => this.o.pool.session(server, WRITER_AGENT),
          sandbox: this.o.stack.endpoints.sandbox,
          workdir: this.o.stack.endpoints.workdir,
          ...(this.o.stack.redisCommand && { redisCommand: this.o.stack.redisCommand }),
          ...(this.o.stack.postgresQuery && { postgresQuery: this.o.stack.postgresQuery }),
          ...((this.o.stack.endpoints.hopUrl?.("harness", "postgres") ?? this.o.stack.endpoints.postgres?.url) !== undefined && {
            postgresWriterUrl: this.o.stack.endpoints.hopUrl?.("harness", "postgres") ?? this.o.stack.endpoints.postgres!.url,
          }),
          durability: {
            redis: backendSettings["redis"] ?? "",
            postgres: backendSettings["postgres"] ?? "",
            memory: "the server rewrites its JSON-lines file on every change",
            filesystem: "one file per record, written by the server (no fsync)",
          },
        }),
      );
    }
  }

  /** Called when the measurement window opens. */
  start(measureStart: number): void {
    this.measureStart = measureStart;
    // What servers say while faults happen is what they did about them.
    this.o.pool.captureLogs = true;
    this.probing = this.probeLoop();
    this.writing = this.writers.map((w) => w.run(this.stopWriters.signal));
    // A fault that fails is a result about that fault; it must never take the run down with an unhandled rejection.
    this.timeline = Promise.all(
      this.states.map((st) =>
        this.runFault(st).catch((err: unknown) => {
          st.notes.push({ at: this.now(), text: `harness error in this fault: ${(err as Error).message}` });
          if (st.injectedAt === null) st.notInjectedReason = `harness error: ${(err as Error).message}`;
        }),
      ),
    ).then(() => undefined);
  }

  private async probeLoop(): Promise<void> {
    const r = this.o.scenario.recovery!;
    const inFlight = new Set<Promise<void>>();
    // Bounded: stopped by finish(); never longer than the window plus every fault's recovery limit.
    const hardStop = performance.now() + (this.o.scenario.durationMs ?? 3_600_000) + this.states.reduce((a, st) => a + st.fault.atMs + r.limitMs, 0) + 60_000;
    for (let next = performance.now(); !this.stopProbing.signal.aborted && performance.now() < hardStop; next += r.intervalMs) {
      await sleep(next - performance.now(), this.stopProbing.signal);
      if (this.stopProbing.signal.aborted) break;
      const t = this.now();
      // Each probe has its own deadline; a slow one does not hold back the next.
      const p = (async () => {
        const session = this.o.pool.session(r.probe.server, PROBE_AGENT);
        let ok = false;
        try {
          if (session) {
            const res = await session.client.callTool({ name: r.probe.tool, arguments: r.probe.args }, undefined, { timeout: r.timeoutMs });
            ok = res.isError !== true;
          }
        } catch {
          ok = false;
        }
        if (this.points.length < MAX_PROBE_POINTS) this.points.push({ t, ok, done: this.now() });
      })();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await Promise.allSettled([...inFlight]);
  }

  private sortedPoints(): ProbePoint[] {
    return [...this.points].sort((a, b) => a.t - b.t);
  }

  private async runFault(st: FaultState): Promise<void> {
    const r = this.o.scenario.recovery!;
    await sleep(st.fault.atMs - this.now(), this.windowOver.signal);
    if (this.windowOver.signal.aborted || this.o.signal.aborted) {
      st.notInjectedReason = this.o.signal.aborted ? "the run was interrupted first" : "the measurement window ended first";
      return;
    }
    // The steady state must hold before the first fault, or a failure could not be blamed on it.
    if (!this.beforeCheck) {
      const waitUntil = performance.now() + r.intervalMs * (r.consecutive + 5) + r.timeoutMs;
      while (this.points.length < r.consecutive && performance.now() < waitUntil) await sleep(r.intervalMs);
      const before = this.sortedPoints();
      const met = steadyStateMet(before, r.consecutive);
      const failures = before.filter((p) => !p.ok).length;
      this.beforeCheck = {
        phase: "before",
        met,
        probes: before.length,
        failures,
        detail: met ? `the last ${r.consecutive} probes of ${r.probe.server}/${r.probe.tool} before the first fault succeeded` : `steady state not met: the last ${r.consecutive} probes before the first fault did not all succeed (${failures} of ${before.length} failed); no fault was injected`,
      };
    }
    if (!this.beforeCheck.met) {
      st.notInjectedReason = "steady state not met before the fault";
      return;
    }
    this.o.say(`fault ${st.fault.id}: ${st.fault.description}`);
    st.injectedAt = this.now();
    this.o.onFaultEvent?.("fault.injected", { "mcp_slo.fault.id": st.fault.id, "mcp_slo.fault.kind": st.fault.spec.kind, "mcp_slo.fault.description": st.fault.description });
    let injected: Injected;
    try {
      injected = await inject(st.fault, {
        toxiproxy: this.o.stack.toxiproxy,
        handles: this.o.stack.handles,
        pool: this.o.pool,
        signal: this.o.signal,
        note: (text) => st.notes.push({ at: this.now(), text }),
      });
    } catch (err) {
      st.injectedAt = null;
      st.notInjectedReason = `injection failed: ${(err as Error).message}`;
      return;
    }
    this.injected.push(injected);
    if (st.fault.durationMs === undefined) return;
    st.healing = (async () => {
      await sleep(st.fault.durationMs! - (this.now() - st.injectedAt!), this.o.signal);
      await injected.heal().catch((err: unknown) => st.notes.push({ at: this.now(), text: `heal failed: ${(err as Error).message}` }));
      st.healedAt = this.now();
      this.o.onFaultEvent?.("fault.healed", { "mcp_slo.fault.id": st.fault.id, "mcp_slo.fault.kind": st.fault.spec.kind });
    })();
    await st.healing;
  }

  private recoveryOf(st: FaultState) {
    const r = this.o.scenario.recovery!;
    return measureRecovery(this.sortedPoints(), { injectedAt: st.injectedAt!, healedAt: st.healedAt, consecutive: r.consecutive, limitMs: r.limitMs });
  }

  /** After the load: wait (bounded) for recovery, check the steady state after, roll back, read back. */
  async finish(): Promise<FaultsOutcome> {
    const r = this.o.scenario.recovery!;
    this.windowOver.abort();
    await this.timeline;
    // Recovery is waited for with the probe still running, until each fault recovered or ran out of its limit.
    for (;;) {
      if (this.o.signal.aborted) break;
      const pending = this.states.filter((st) => st.injectedAt !== null && !this.recoveryOf(st).recovered && this.now() < st.injectedAt + r.limitMs);
      if (pending.length === 0) break;
      await sleep(r.intervalMs * 2, this.o.signal);
    }
    const afterFrom = this.now();
    await sleep(r.intervalMs * (r.consecutive + 1) + r.timeoutMs, this.o.signal);
    this.stopWriters.abort();
    await Promise.allSettled(this.writing);
    this.stopProbing.abort();
    await this.probing;
    await this.rollback();

    const points = this.sortedPoints();
    const during = points.filter((p) => this.states.some((st) => st.injectedAt !== null && p.t >= st.injectedAt && p.t <= (st.healedAt ?? st.injectedAt + r.limitMs)));
    const after = points.filter((p) => p.t >= afterFrom);
    const afterMet = steadyStateMet(after, r.consecutive);
    const steadyState: SteadyStateCheck[] = [
      this.beforeCheck ?? { phase: "before", met: false, probes: 0, failures: 0, detail: "no fault was due before the run ended" },
      {
        phase: "during",
        met: during.every((p) => p.ok),
        probes: during.length,
        failures: during.filter((p) => !p.ok).length,
        detail: during.length === 0 ? "no probe fell inside a fault window" : `${during.filter((p) => !p.ok).length} of ${during.length} probes inside fault windows failed`,
      },
      {
        phase: "after",
        met: afterMet,
        probes: after.length,
        failures: after.filter((p) => !p.ok).length,
        detail: afterMet ? `the last ${r.consecutive} probes after recovery succeeded` : `the stack did not return to its steady state: ${after.filter((p) => !p.ok).length} of ${after.length} probes after the faults failed`,
      },
    ];

    const events = this.o.pool.events.map((e) => ({ ...e, at: e.at - this.measureStart }));
    const faults: FaultResult[] = this.states.map((st, i) => {
      const f = st.fault;
      const target = f.spec.kind === "toxic" || f.spec.kind === "hop-down" ? f.spec.hop : f.spec.kind === "process" ? f.spec.target : f.spec.server;
      const base = { id: f.id, kind: f.spec.kind, target, description: f.description, limitMs: r.limitMs, supervisor: r.supervisor };
      if (st.injectedAt === null) {
        return { ...base, injected: false, notInjectedReason: st.notInjectedReason ?? "not injected", injectedAtMs: null, healedAtMs: null, timeToDetectMs: null, rtoMs: null, afterHealMs: null, recovered: false, observations: [] };
      }
      const rec = this.recoveryOf(st);
      const from = st.injectedAt;
      const nextInjected = this.states.slice(i + 1).find((x) => x.injectedAt !== null)?.injectedAt ?? Number.POSITIVE_INFINITY;
      const until = Math.min(nextInjected, from + r.limitMs);
      const inWindow = (e: { at: number }) => e.at >= from && e.at < until;
      // Exits, restarts and heal notes first; log lines fill what room is left, two per process.
      const important = [...events.filter((e) => e.kind !== "log"), ...st.notes].filter(inWindow);
      const perProcess = new Map<string, number>();
      const logs = events.filter((e) => e.kind === "log" && inWindow(e)).filter((e) => {
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
        injectedAtMs: from,
        healedAtMs: st.healedAt,
        ...rec,
        observations: seen.length ? seen : ["no process exited and nothing else was observed"],
      };
    });

    const rpo: RpoResult[] = [];
    const injectedTimes = this.states.filter((st) => st.injectedAt !== null).map((st) => st.injectedAt!).sort((a, b) => a - b);
    for (const w of this.writers) {
      let present: Set<number>;
      try {
        present = await w.readBack();
      } catch (err) {
        this.o.say(`RPO read-back of ${w.store} failed: ${(err as Error).message}`);
        rpo.push({ store: w.store, durability: w.durability, acknowledged: w.log.acknowledged.size, present: 0, lost: 0, unacknowledgedPresent: 0, faultAtMs: null, rpoMs: null });
        continue;
      }
      // Loss is dated against the first fault injected after the oldest lost write was acknowledged.
      const lostAcks = [...w.log.acknowledged].filter(([seq]) => !present.has(seq)).map(([, at]) => at);
      const oldestLost = lostAcks.length ? Math.min(...lostAcks) : undefined;
      const faultAt = oldestLost === undefined ? (injectedTimes[0] ?? null) : (injectedTimes.find((t) => t >= oldestLost) ?? injectedTimes[injectedTimes.length - 1] ?? null);
      rpo.push({ store: w.store, durability: w.durability, faultAtMs: faultAt, ...measureLoss(w.log, present, faultAt) });
      await w.close();
    }
    const probe: ProbeSeries = { server: r.probe.server, tool: r.probe.tool, intervalMs: r.intervalMs, timeoutMs: r.timeoutMs, consecutive: r.consecutive, points: points.map(({ t, ok }) => ({ t, ok })) };
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
    if (this.o.stack.toxiproxy) tasks.push(this.o.stack.toxiproxy.reset());
    for (const layer of this.o.pool.stdioLayers.values()) layer.clear();
    for (const s of this.o.pool.sessions) s.process.signal("SIGCONT");
    for (const h of Object.values(this.o.stack.handles)) {
      h.resume();
      if (!h.isRunning()) tasks.push(h.restart());
    }
    await Promise.allSettled(tasks);
    await Promise.allSettled(this.writers.map((w) => w.close()));
  }
}
