/**
 * Where every measured call lands. Drivers only emit (server, tool, outcome,
 * latency, time) into the recorder; they never aggregate. The recorder keeps
 * HDR histograms per server x tool x outcome, warm-up samples apart from the
 * measurement window, a bounded per-interval timeline, and error messages
 * folded by text. Memory is bounded whatever the run length.
 */
import type { CallCounts, ErrorSummary, FailureKind, LatencySummary, Outcome, TimelinePoint } from "../results/types.js";
import { AvailabilityTracker, type TimeSplit } from "./availability.js";
import { encodeHistogram, maxMs, meanMs, newHistogram, percentileMs, recordMs, type Histogram } from "./histogram.js";

export type Phase = "warmup" | "measure";

/**
 * A measured event as it lands, for a live watcher (the halt on burn: src/window/halt-monitor.ts);
 * `at` is when its outcome became known, on performance.now(). Only events of the measurement window.
 */
export type LiveEvent = {
  server: string;
  tool: string;
  at: number;
} /** A finished call; `missed`: the calls the closed model's correction counts as failed with it (a timeout's). */ & (
  | { kind: "call"; outcome: Outcome; latencyMs: number; missed: number }
  /** A backoff before calling a lost session again: the calls the agent could not send meanwhile (closed model). */
  | { kind: "missed"; missed: number }
  /** A latency a driver inferred for a call it could not send (Recorder.recordCorrection): latency only. */
  | { kind: "inferred-latency"; latencyMs: number }
);

/** A call in flight whose driver said what it is and when it started (the sdk driver's). */
export interface OpenCall {
  server: string;
  tool: string;
  /** Intended send (open model) or actual send, on performance.now(): the start its latency counts from. */
  startedAt: number;
}

interface TimelineCell {
  ok: number;
  error: number;
  timeout: number;
  latency: Histogram;
}

const MAX_TIMELINE_INTERVALS = 600;
const MAX_DISTINCT_ERRORS = 200;

/** Failed calls of one server x tool in the measurement window, by kind. */
interface FailureCounts {
  server: string;
  tool: string;
  tool_: number;
  protocol: number;
  transport: number;
  timeouts: number;
}

/** A sample's failure kind when its driver did not say: a timeout never had an answer; any other error is the server's answer. */
export function failureKindOf(outcome: Exclude<Outcome, "ok">, kind: FailureKind | undefined): FailureKind {
  return outcome === "timeout" ? "transport" : (kind ?? "tool");
}

export class Recorder {
  private readonly histograms = new Map<string, { server: string; tool: string; outcome: Outcome; phase: Phase; h: Histogram }>();
  private readonly corrections = new Map<string, { server: string; tool: string; phase: Phase; h: Histogram }>();
  private readonly timeline = new Map<string, TimelineCell>();
  private readonly errors = new Map<string, ErrorSummary>();
  private droppedErrorKinds = 0;
  /** Start of the measurement window on the performance.now() clock. */
  private measureStart: number;
  /**
   * Where the window was expected to start when the recorder was made. Warm-up samples are placed
   * on the timeline from here, since the window's real start is not known while they arrive; when it
   * is, they are shifted by the difference, so a warm-up sample can never land inside the window.
   */
  private readonly plannedStart: number;
  private measureEnd: number | undefined;
  readonly intervalMs: number;
  private inFlight = new Map<string, number>();
  private peakInFlight = new Map<string, number>();
  private readonly failures = new Map<string, FailureCounts>();
  /** Good and bad time per agent and server, and the closed model's missed calls (src/metrics/availability.ts). */
  private readonly availability: AvailabilityTracker;
  private readonly watchers = new Set<(e: LiveEvent) => void>();
  /** Calls in flight that said what they are, by the id callStarted gave them; as many as calls in flight. */
  private readonly open = new Map<number, OpenCall>();
  private lastCallId = 0;

  /** `correctCounts`: the closed model, where a stalled agent sends nothing and counts need the expected-interval correction. */
  constructor(opts: { plannedMeasureMs: number | undefined; warmupMs: number; now: number; correctCounts?: boolean }) {
    this.availability = new AvailabilityTracker(opts.correctCounts ?? false, opts.now + opts.warmupMs);

    // Warm-up is drawn on the timeline too (negative t), so the interval covers both.
    const span = (opts.plannedMeasureMs ?? 60_000) + opts.warmupMs;
    this.intervalMs = Math.max(1000, Math.ceil(span / MAX_TIMELINE_INTERVALS / 1000) * 1000);
    this.measureStart = opts.now + opts.warmupMs;
    this.plannedStart = this.measureStart;
  }

  /** Moves the start of the measurement window (when warm-up ends by count, not time). */
  startMeasuring(now: number): void {
    this.measureStart = now;
    this.availability.open(now);
  }

  stopMeasuring(now: number): void {
    this.measureEnd ??= now;
    this.availability.close(this.measureEnd);
  }

  /** Start of the measurement window on the performance.now() clock. */
  get windowStart(): number {
    return this.measureStart;
  }

  get countsCorrected(): boolean {
    return this.availability.correctCounts;
  }

  get measuredMs(): number {
    return Math.max(0, (this.measureEnd ?? performance.now()) - this.measureStart);
  }

  /**
   * A call goes out. With `call` (its tool and the start its latency counts from), it is also kept
   * as an open call until callEnded(server, id) with the id returned: a live watcher sees how long
   * it has been waiting (openCalls).
   */
  callStarted(server: string, call?: { tool: string; startedAt: number }): number {
    const n = (this.inFlight.get(server) ?? 0) + 1;
    this.inFlight.set(server, n);
    if (n > (this.peakInFlight.get(server) ?? 0)) this.peakInFlight.set(server, n);
    const id = ++this.lastCallId;
    if (call) this.open.set(id, { server, tool: call.tool, startedAt: call.startedAt });
    return id;
  }

  callEnded(server: string, id?: number): void {
    this.inFlight.set(server, (this.inFlight.get(server) ?? 1) - 1);
    if (id !== undefined) this.open.delete(id);
  }

  /** Calls in flight that said what they are (callStarted with `call`). */
  openCalls(): IterableIterator<OpenCall> {
    return this.open.values();
  }

  /** Hears every event of the measurement window as it is recorded; returns the way to stop. */
  watch(listener: (e: LiveEvent) => void): () => void {
    this.watchers.add(listener);
    return () => void this.watchers.delete(listener);
  }

  private emit(e: LiveEvent): void {
    for (const w of this.watchers) w(e);
  }

  /** Peak calls in flight at once per server (measurement window and warm-up alike). */
  peakConcurrency(server: string): number {
    return this.peakInFlight.get(server) ?? 0;
  }

  /**
   * One finished call. `startedAt` is the intended send time in the open model
   * and the actual send in the closed model; `endedAt` is when the answer (or
   * the deadline) arrived. Both on the performance.now() clock. The phase is
   * the scheduler's: it drains warm-up before measuring, so no call straddles.
   */
  record(sample: {
    phase: Phase;
    server: string;
    tool: string;
    outcome: Outcome;
    startedAt: number;
    endedAt: number;
    error?: string;
    /** For outcome "error": what kind of failure (default "tool": the server answered that it failed). */
    kind?: FailureKind;
    /** Which agent sent it, when the driver knows: its own availability timeline and count correction. */
    agent?: number;
  }): void {
    const phase = sample.phase;
    const missed = this.availability.observe({
      agent: sample.agent,
      server: sample.server,
      tool: sample.tool,
      startedAt: sample.startedAt,
      endedAt: sample.endedAt,
      ok: sample.outcome === "ok",
      timedOut: sample.outcome === "timeout",
      measured: phase === "measure",
    });
    const latencyMs = sample.endedAt - sample.startedAt;
    const key = `${phase}\u0000${sample.server}\u0000${sample.tool}\u0000${sample.outcome}`;
    let entry = this.histograms.get(key);
    if (!entry) {
      entry = { server: sample.server, tool: sample.tool, outcome: sample.outcome, phase, h: newHistogram() };
      this.histograms.set(key, entry);
    }
    recordMs(entry.h, latencyMs);

    // Cells of the two phases are apart: the window may open later than planned (a steady-state check, an RPO writers' lead).
    const slot = Math.floor((sample.startedAt - (phase === "warmup" ? this.plannedStart : this.measureStart)) / this.intervalMs);
    const cellKey = `${slot}\u0000${sample.server}\u0000${phase}`;
    let cell = this.timeline.get(cellKey);
    if (!cell) {
      cell = { ok: 0, error: 0, timeout: 0, latency: newHistogram({ significantDigits: 2, packed: true }) };
      this.timeline.set(cellKey, cell);
    }
    cell[sample.outcome]++;
    if (sample.outcome === "ok") recordMs(cell.latency, latencyMs);

    if (sample.outcome !== "ok" && phase === "measure") {
      const kind = failureKindOf(sample.outcome, sample.kind);
      const countKey = `${sample.server}\u0000${sample.tool}`;
      let f = this.failures.get(countKey);
      if (!f) {
        f = { server: sample.server, tool: sample.tool, tool_: 0, protocol: 0, transport: 0, timeouts: 0 };
        this.failures.set(countKey, f);
      }
      if (kind === "tool") f.tool_++;
      else f[kind]++;
      if (sample.outcome === "timeout") f.timeouts++;
      const message = (sample.error ?? sample.outcome).slice(0, 300);
      const errKey = `${sample.server}\u0000${sample.tool}\u0000${sample.outcome}\u0000${kind}\u0000${message}`;
      const known = this.errors.get(errKey);
      if (known) known.count++;
      else if (this.errors.size < MAX_DISTINCT_ERRORS)
        this.errors.set(errKey, { server: sample.server, tool: sample.tool, outcome: sample.outcome, kind, message, count: 1 });
      else this.droppedErrorKinds++;
    }
    if (phase === "measure" && this.watchers.size > 0)
      this.emit({ kind: "call", server: sample.server, tool: sample.tool, at: sample.endedAt, outcome: sample.outcome, latencyMs, missed });
  }

  /**
   * An agent waited `ms` before calling a server whose session it had lost (backoff after a
   * transport failure). That time is already bad time; in the closed model it also stands
   * for the calls the agent would have sent meanwhile (counted as missed, failed calls).
   */
  recordBackoff(w: { phase: Phase; agent: number; server: string; tool: string; ms: number }): void {
    const missed = this.availability.waited({ agent: w.agent, server: w.server, tool: w.tool, ms: w.ms, measured: w.phase === "measure" });
    if (missed > 0 && this.watchers.size > 0) this.emit({ kind: "missed", server: w.server, tool: w.tool, at: performance.now(), missed });
  }

  /** Good and bad time of the measurement window in scope (load-based availability). */
  availabilityTime(scope: { server?: string; tool?: string }): TimeSplit {
    return this.availability.time(scope, performance.now());
  }

  /** Raw counts of the measurement window in scope, failures by kind, and the closed model's missed calls. */
  callCounts(scope: { server?: string; tool?: string }): {
    ok: number;
    failed: { tool: number; protocol: number; transport: number };
    timeouts: number;
    missed: number;
  } {
    const failed = { tool: 0, protocol: 0, transport: 0 };
    let timeouts = 0;
    for (const f of this.failures.values()) {
      if (scope.server !== undefined && f.server !== scope.server) continue;
      if (scope.tool !== undefined && f.tool !== scope.tool) continue;
      failed.tool += f.tool_;
      failed.protocol += f.protocol;
      failed.transport += f.transport;
      timeouts += f.timeouts;
    }
    return { ok: this.count(scope, ["ok"]), failed, timeouts, missed: this.availability.missed(scope) };
  }

  /** One row per server x tool called in the measurement window. */
  callSummaries(): CallCounts[] {
    const pairs = new Map<string, { server: string; tool: string }>();
    for (const e of this.histograms.values()) if (e.phase === "measure") pairs.set(`${e.server}\u0000${e.tool}`, { server: e.server, tool: e.tool });
    return [...pairs.values()]
      .sort((a, b) => a.server.localeCompare(b.server) || a.tool.localeCompare(b.tool))
      .map(({ server, tool }) => {
        const c = this.callCounts({ server, tool });
        const failed = c.failed.tool + c.failed.protocol + c.failed.transport;
        const raw = c.ok + failed;
        return {
          server,
          tool,
          ok: c.ok,
          failed: c.failed,
          timeouts: c.timeouts,
          missed: c.missed,
          successRate: { raw: raw > 0 ? c.ok / raw : null, corrected: raw + c.missed > 0 ? c.ok / (raw + c.missed) : null },
        };
      });
  }

  /**
   * A latency a driver infers rather than observes: a coordinated-omission
   * correction (a call that was due while an earlier one stalled). It shapes
   * the latency distribution the SLOs judge, but it is no call: it never
   * enters call counts, success rates or throughput.
   */
  recordCorrection(sample: { phase: Phase; server: string; tool: string; latencyMs: number }): void {
    const key = `${sample.phase}\u0000${sample.server}\u0000${sample.tool}`;
    let entry = this.corrections.get(key);
    if (!entry) {
      entry = { server: sample.server, tool: sample.tool, phase: sample.phase, h: newHistogram() };
      this.corrections.set(key, entry);
    }
    recordMs(entry.h, sample.latencyMs);
    if (sample.phase === "measure" && this.watchers.size > 0)
      this.emit({ kind: "inferred-latency", server: sample.server, tool: sample.tool, at: performance.now(), latencyMs: sample.latencyMs });
  }

  /** Latency corrections recorded in the measurement window. */
  get correctedSamples(): number {
    let n = 0;
    for (const e of this.corrections.values()) if (e.phase === "measure") n += e.h.totalCount;
    return n;
  }

  /** Histograms of the measurement window matching a scope; outcomes filter which kinds count. Corrections count as ok latencies. */
  select(scope: { server?: string; tool?: string }, outcomes: readonly Outcome[], phase: Phase = "measure"): Histogram {
    const out = newHistogram();
    if (outcomes.includes("ok")) {
      for (const e of this.corrections.values()) {
        if (e.phase !== phase) continue;
        if (scope.server !== undefined && e.server !== scope.server) continue;
        if (scope.tool !== undefined && e.tool !== scope.tool) continue;
        out.add(e.h);
      }
    }
    for (const e of this.histograms.values()) {
      if (e.phase !== phase || !outcomes.includes(e.outcome)) continue;
      if (scope.server !== undefined && e.server !== scope.server) continue;
      if (scope.tool !== undefined && e.tool !== scope.tool) continue;
      out.add(e.h);
    }
    return out;
  }

  count(scope: { server?: string; tool?: string }, outcomes: readonly Outcome[]): number {
    let n = 0;
    for (const e of this.histograms.values()) {
      if (e.phase !== "measure" || !outcomes.includes(e.outcome)) continue;
      if (scope.server !== undefined && e.server !== scope.server) continue;
      if (scope.tool !== undefined && e.tool !== scope.tool) continue;
      n += e.h.totalCount;
    }
    return n;
  }

  latencySummaries(): LatencySummary[] {
    return [...this.histograms.values()]
      .filter((e) => e.phase === "measure")
      .sort((a, b) => a.server.localeCompare(b.server) || a.tool.localeCompare(b.tool) || a.outcome.localeCompare(b.outcome))
      .map((e) => ({
        server: e.server,
        tool: e.tool,
        outcome: e.outcome,
        count: e.h.totalCount,
        mean: meanMs(e.h),
        p50: percentileMs(e.h, 50),
        p95: percentileMs(e.h, 95),
        p99: percentileMs(e.h, 99),
        p99_9: percentileMs(e.h, 99.9),
        max: maxMs(e.h),
        histogram: encodeHistogram(e.h),
      }));
  }

  timelinePoints(): { intervalMs: number; points: TimelinePoint[] } {
    const points: TimelinePoint[] = [];
    for (const [key, cell] of this.timeline) {
      const [slot, server, phase] = key.split("\u0000") as [string, string, Phase];
      const empty = cell.latency.totalCount === 0;
      points.push({
        // A warm-up cell starts where it started, before the window (t < 0), however late the window opened.
        t: Number(slot) * this.intervalMs + (phase === "warmup" ? this.plannedStart - this.measureStart : 0),
        server,
        ok: cell.ok,
        error: cell.error,
        timeout: cell.timeout,
        p50: empty ? null : percentileMs(cell.latency, 50),
        p99: empty ? null : percentileMs(cell.latency, 99),
      });
    }
    points.sort((a, b) => a.t - b.t || a.server.localeCompare(b.server));
    return { intervalMs: this.intervalMs, points };
  }

  errorSummaries(): ErrorSummary[] {
    const list = [...this.errors.values()].sort((a, b) => b.count - a.count);
    if (this.droppedErrorKinds > 0) {
      list.push({
        server: "*",
        tool: "*",
        outcome: "error",
        message: `${this.droppedErrorKinds} further calls failed with messages beyond the first ${MAX_DISTINCT_ERRORS} kinds`,
        count: this.droppedErrorKinds,
      });
    }
    return list;
  }
}
