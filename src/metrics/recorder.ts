/**
 * Where every measured call lands. Drivers only emit (server, tool, outcome,
 * latency, time) into the recorder; they never aggregate. The recorder keeps
 * HDR histograms per server x tool x outcome, warm-up samples apart from the
 * measurement window, a bounded per-interval timeline, and error messages
 * folded by text. Memory is bounded whatever the run length.
 */
import type {
  ByteFigures,
  CallCounts,
  ErrorSummary,
  FailureKind,
  LatencySummary,
  MethodSummary,
  NotificationCount,
  Outcome,
  PayloadSummary,
  TimelinePoint,
} from "../results/types.js";
import { TOOLS_CALL } from "../contracts/mcp-methods.js";
import { AvailabilityTracker, type TimeSplit } from "./availability.js";
import { callKey, inScope, type CallScope } from "./call-scope.js";
import * as hdr from "hdr-histogram-js";
import { encodeHistogram, maxMs, meanMs, newHistogram, percentileMs, recordMs, type Histogram } from "./histogram.js";

export type Phase = "warmup" | "measure";

/**
 * A measured event as it lands, for a live watcher (the halt on burn: src/window/halt-monitor.ts);
 * `at` is when its outcome became known, on performance.now(). Only events of the measurement window.
 */
export type LiveEvent = {
  server: string;
  tool: string;
  /** The MCP method when it is not tools/call (then `tool` is the method's name): ./call-scope.ts. */
  method?: string;
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
  /** The MCP method when it is not tools/call. */
  method?: string;
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

/** Failed calls of one server x tool (x method) in the measurement window, by kind. */
interface FailureCounts {
  server: string;
  tool: string;
  method: string | undefined;
  tool_: number;
  protocol: number;
  transport: number;
  timeouts: number;
}

/** A sample's failure kind when its driver did not say: a timeout never had an answer; any other error is the server's answer. */
export function failureKindOf(outcome: Exclude<Outcome, "ok">, kind: FailureKind | undefined): FailureKind {
  return outcome === "timeout" ? "transport" : (kind ?? "tool");
}

/** Largest message size tracked by a byte histogram: 1 GiB (the {{bytes N}} template makes at most 16 MiB). */
const HIGHEST_BYTES = 2 ** 30;

/**
 * Sizes of messages: exact count, sum (so the mean is exact) and largest, and an HDR histogram
 * (3 significant digits) for the percentiles. hdr-histogram-js directly, not ./histogram.ts, whose
 * helpers are in microseconds.
 */
class ByteTally {
  count = 0;
  private sum = 0;
  private max = 0;
  private readonly h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_BYTES, numberOfSignificantValueDigits: 3, useWebAssembly: false });

  add(bytes: number): void {
    this.count++;
    this.sum += bytes;
    if (bytes > this.max) this.max = bytes;
    this.h.recordValue(Math.min(HIGHEST_BYTES, Math.max(1, Math.round(bytes))));
  }

  figures(): ByteFigures {
    if (this.count === 0) return { count: 0, mean: 0, p50: 0, p95: 0, max: 0 };
    // A percentile is its bucket's highest equivalent value: never above the largest size actually seen.
    const at = (p: number) => Math.min(this.max, this.h.getValueAtPercentile(p));
    return { count: this.count, mean: this.sum / this.count, p50: at(50), p95: at(95), max: this.max };
  }
}

export class Recorder {
  /**
   * Keyed by phase, server, method, label and outcome. A request of another method than tools/call
   * carries its method, and its label (`tool`) is the method's name: the method in the key keeps it
   * apart from a tool of the same name, and every scope asks for the method (./call-scope.ts).
   * `method` is undefined for tools/call, so rows of tool calls are written as they always were.
   */
  private readonly histograms = new Map<string, { server: string; tool: string; method: string | undefined; outcome: Outcome; phase: Phase; h: Histogram }>();
  /** Message sizes per server x method x label in the measurement window (src/stack/message-meter.ts). */
  private readonly payload = new Map<
    string,
    { server: string; tool: string; method: string | undefined; request: ByteTally; response: ByteTally; unmetered: number }
  >();
  /** Notifications per server x method in the measurement window. */
  private readonly notifications = new Map<string, NotificationCount>();
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
  callStarted(server: string, call?: { tool: string; method?: string; startedAt: number }): number {
    const n = (this.inFlight.get(server) ?? 0) + 1;
    this.inFlight.set(server, n);
    if (n > (this.peakInFlight.get(server) ?? 0)) this.peakInFlight.set(server, n);
    const id = ++this.lastCallId;
    if (call)
      this.open.set(id, {
        server,
        tool: call.tool,
        ...(call.method !== undefined && call.method !== TOOLS_CALL && { method: call.method }),
        startedAt: call.startedAt,
      });
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
    /** The MCP method when it is not tools/call; `tool` is then the method's name. */
    method?: string;
    /** Serialized sizes of the request and its response, when the driver measured them. */
    requestBytes?: number;
    responseBytes?: number;
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
    const method = sample.method === TOOLS_CALL ? undefined : sample.method;
    const missed = this.availability.observe({
      agent: sample.agent,
      server: sample.server,
      tool: sample.tool,
      ...(method !== undefined && { method }),
      startedAt: sample.startedAt,
      endedAt: sample.endedAt,
      ok: sample.outcome === "ok",
      timedOut: sample.outcome === "timeout",
      measured: phase === "measure",
    });
    const latencyMs = sample.endedAt - sample.startedAt;
    const key = `${phase}\u0000${callKey(sample.server, method, sample.tool)}\u0000${sample.outcome}`;
    let entry = this.histograms.get(key);
    if (!entry) {
      entry = { server: sample.server, tool: sample.tool, method, outcome: sample.outcome, phase, h: newHistogram() };
      this.histograms.set(key, entry);
    }
    recordMs(entry.h, latencyMs);
    if (phase === "measure") this.recordSizes(sample.server, sample.tool, method, sample.requestBytes, sample.responseBytes);

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
      const countKey = callKey(sample.server, method, sample.tool);
      let f = this.failures.get(countKey);
      if (!f) {
        f = { server: sample.server, tool: sample.tool, method, tool_: 0, protocol: 0, transport: 0, timeouts: 0 };
        this.failures.set(countKey, f);
      }
      if (kind === "tool") f.tool_++;
      else f[kind]++;
      if (sample.outcome === "timeout") f.timeouts++;
      const message = (sample.error ?? sample.outcome).slice(0, 300);
      const errKey = `${callKey(sample.server, method, sample.tool)}\u0000${sample.outcome}\u0000${kind}\u0000${message}`;
      const known = this.errors.get(errKey);
      if (known) known.count++;
      else if (this.errors.size < MAX_DISTINCT_ERRORS)
        this.errors.set(errKey, {
          server: sample.server,
          tool: sample.tool,
          ...(method !== undefined && { method }),
          outcome: sample.outcome,
          kind,
          message,
          count: 1,
        });
      else this.droppedErrorKinds++;
    }
    if (phase === "measure" && this.watchers.size > 0)
      this.emit({
        kind: "call",
        server: sample.server,
        tool: sample.tool,
        ...(method !== undefined && { method }),
        at: sample.endedAt,
        outcome: sample.outcome,
        latencyMs,
        missed,
      });
  }

  /**
   * An agent waited `ms` before calling a server whose session it had lost (backoff after a
   * transport failure). That time is already bad time; in the closed model it also stands
   * for the calls the agent would have sent meanwhile (counted as missed, failed calls).
   */
  recordBackoff(w: { phase: Phase; agent: number; server: string; tool: string; method?: string; ms: number }): void {
    const method = w.method === TOOLS_CALL ? undefined : w.method;
    const missed = this.availability.waited({
      agent: w.agent,
      server: w.server,
      tool: w.tool,
      ...(method !== undefined && { method }),
      ms: w.ms,
      measured: w.phase === "measure",
    });
    if (missed > 0 && this.watchers.size > 0)
      this.emit({ kind: "missed", server: w.server, tool: w.tool, ...(method !== undefined && { method }), at: performance.now(), missed });
  }

  private recordSizes(server: string, tool: string, method: string | undefined, requestBytes: number | undefined, responseBytes: number | undefined): void {
    const key = callKey(server, method, tool);
    let p = this.payload.get(key);
    if (!p) {
      p = { server, tool, method, request: new ByteTally(), response: new ByteTally(), unmetered: 0 };
      this.payload.set(key, p);
    }
    if (requestBytes === undefined) p.unmetered++;
    else p.request.add(requestBytes);
    if (responseBytes !== undefined) p.response.add(responseBytes);
  }

  /** A notification the server sent an agent's session (e.g. notifications/resources/updated); counted in the measurement window only. */
  recordNotification(n: { phase: Phase; server: string; method: string }): void {
    if (n.phase !== "measure") return;
    const key = `${n.server}\u0000${n.method}`;
    const known = this.notifications.get(key);
    if (known) known.count++;
    else this.notifications.set(key, { server: n.server, method: n.method, count: 1 });
  }

  /** Notifications of the measurement window, per server and method. */
  notificationCounts(): NotificationCount[] {
    return [...this.notifications.values()].sort((a, b) => a.server.localeCompare(b.server) || a.method.localeCompare(b.method)).map((n) => ({ ...n }));
  }

  /** Whether any request of another method than tools/call was recorded in the measurement window. */
  get usedOtherMethods(): boolean {
    for (const e of this.histograms.values()) if (e.method !== undefined && e.phase === "measure") return true;
    return false;
  }

  /** Message sizes of the measurement window per server x method (x tool); empty when no driver measured them. */
  payloadSummaries(): PayloadSummary[] {
    return [...this.payload.values()]
      .filter((p) => p.request.count > 0 || p.response.count > 0)
      .sort((a, b) => a.server.localeCompare(b.server) || (a.method ?? TOOLS_CALL).localeCompare(b.method ?? TOOLS_CALL) || a.tool.localeCompare(b.tool))
      .map((p) => ({
        server: p.server,
        method: p.method ?? TOOLS_CALL,
        ...(p.method === undefined && { tool: p.tool }),
        request: p.request.figures(),
        response: p.response.figures(),
        unmetered: p.unmetered,
      }));
  }

  /** One row per server x method of the measurement window, tools/call over all its tools. */
  methodSummaries(): MethodSummary[] {
    const pairs = new Map<string, { server: string; method: string }>();
    for (const e of this.histograms.values()) {
      const method = e.method ?? TOOLS_CALL;
      if (e.phase === "measure") pairs.set(`${e.server}\u0000${method}`, { server: e.server, method });
    }
    return [...pairs.values()]
      .sort((a, b) => a.server.localeCompare(b.server) || a.method.localeCompare(b.method))
      .map(({ server, method }) => {
        const c = this.callCounts({ server, method });
        const failed = c.failed.tool + c.failed.protocol + c.failed.transport;
        const h = this.select({ server, method }, ["ok", "timeout"]);
        return {
          server,
          method,
          calls: c.ok + failed,
          ok: c.ok,
          failed,
          timeouts: c.timeouts,
          p50: percentileMs(h, 50),
          p95: percentileMs(h, 95),
          p99: percentileMs(h, 99),
        };
      });
  }

  /** Good and bad time of the measurement window in scope (load-based availability). */
  availabilityTime(scope: CallScope): TimeSplit {
    return this.availability.time(scope, performance.now());
  }

  /** Raw counts of the measurement window in scope, failures by kind, and the closed model's missed calls. */
  callCounts(scope: CallScope): {
    ok: number;
    failed: { tool: number; protocol: number; transport: number };
    timeouts: number;
    missed: number;
  } {
    const failed = { tool: 0, protocol: 0, transport: 0 };
    let timeouts = 0;
    for (const f of this.failures.values()) {
      if (!inScope(scope, f)) continue;
      failed.tool += f.tool_;
      failed.protocol += f.protocol;
      failed.transport += f.transport;
      timeouts += f.timeouts;
    }
    return { ok: this.count(scope, ["ok"]), failed, timeouts, missed: this.availability.missed(scope) };
  }

  /** One row per server x tool (or other method) called in the measurement window. */
  callSummaries(): CallCounts[] {
    const pairs = new Map<string, { server: string; tool: string; method: string | undefined }>();
    for (const e of this.histograms.values())
      if (e.phase === "measure") pairs.set(callKey(e.server, e.method, e.tool), { server: e.server, tool: e.tool, method: e.method });
    return [...pairs.values()]
      .sort((a, b) => a.server.localeCompare(b.server) || a.tool.localeCompare(b.tool) || (a.method ?? "").localeCompare(b.method ?? ""))
      .map(({ server, tool, method }) => {
        // A tool scope takes tools/call only; another method's row is scoped by its method (its label is its name).
        const c = this.callCounts(method === undefined ? { server, tool } : { server, method });
        const failed = c.failed.tool + c.failed.protocol + c.failed.transport;
        const raw = c.ok + failed;
        return {
          server,
          tool,
          ...(method !== undefined && { method }),
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
  select(scope: CallScope, outcomes: readonly Outcome[], phase: Phase = "measure"): Histogram {
    const out = newHistogram();
    if (outcomes.includes("ok")) {
      // Corrections come from k6 and autocannon, which send tool calls only.
      for (const e of this.corrections.values()) {
        if (e.phase !== phase) continue;
        if (!inScope(scope, e)) continue;
        out.add(e.h);
      }
    }
    for (const e of this.histograms.values()) {
      if (e.phase !== phase || !outcomes.includes(e.outcome)) continue;
      if (!inScope(scope, e)) continue;
      out.add(e.h);
    }
    return out;
  }

  count(scope: CallScope, outcomes: readonly Outcome[]): number {
    let n = 0;
    for (const e of this.histograms.values()) {
      if (e.phase !== "measure" || !outcomes.includes(e.outcome)) continue;
      if (!inScope(scope, e)) continue;
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
        ...(e.method !== undefined && { method: e.method }),
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
