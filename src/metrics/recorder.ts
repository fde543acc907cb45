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
/**
 * A latency left by a coarsening is folded in once per this much of the run's time (a packed histogram
 * takes about a millisecond to add). A coarsening leaves at most MAX_TIMELINE_INTERVALS / 2 per server
 * and phase, and the next one comes at least MAX_TIMELINE_INTERVALS / 2 doubled intervals (10 min) later:
 * 10 a second fold those of 20 servers and phases in time. Any still left are folded before the next.
 */
const FOLD_EVERY_MS = 100;
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

/**
 * The Recorder calls a driver's per-call path makes (src/drivers/sdk-driver.ts CallContext): the
 * Recorder itself on the main thread, a forwarder to it on a worker thread (src/drivers/threads).
 */
export type SampleSink = Pick<Recorder, "callStarted" | "callEnded" | "record" | "recordBackoff" | "recordNotification">;

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
  /**
   * Length of a timeline cell. Chosen so the planned span fits MAX_TIMELINE_INTERVALS; a run that
   * outlasts its plan (a count without a duration, a long drain) doubles it, merging cells pairwise,
   * whenever the cells would span more: the timeline's memory is bounded by the cell count, not time.
   */
  private interval: number;
  /** Lowest and highest slot a cell has (both phases), at the current interval. */
  private slotRange: { min: number; max: number } | undefined;
  /**
   * Latencies of cells merged by a coarsening, still to be added into the cell they became part of.
   * A packed histogram takes a millisecond or more to add, so they are added a few at a time as the run
   * goes on (and all before the timeline is read), never hundreds at once in the middle of a window.
   */
  private readonly pendingMerges: { into: TimelineCell; latency: Histogram }[] = [];
  /** When the last pending latency was folded in, on the samples' clock. */
  private lastFold = Number.NEGATIVE_INFINITY;
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
    this.interval = Math.max(1000, Math.ceil(span / MAX_TIMELINE_INTERVALS / 1000) * 1000);
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

  /** Length of a timeline cell now; it only grows (doubles) when a run outlasts the span it was planned for. */
  get intervalMs(): number {
    return this.interval;
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
    const cell = this.timelineCell(sample.startedAt - (phase === "warmup" ? this.plannedStart : this.measureStart), sample.server, phase);
    cell[sample.outcome]++;
    if (sample.outcome === "ok") recordMs(cell.latency, latencyMs);
    if (this.pendingMerges.length > 0 && sample.endedAt - this.lastFold >= FOLD_EVERY_MS) {
      this.lastFold = sample.endedAt;
      this.foldPendingMerges(1);
    }

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

  /** The timeline cell of a sample `sinceStart` ms after its phase's origin; made (and the timeline coarsened to keep it bounded) when new. */
  private timelineCell(sinceStart: number, server: string, phase: Phase): TimelineCell {
    let slot = Math.floor(sinceStart / this.interval);
    let cell = this.timeline.get(`${slot}\u0000${server}\u0000${phase}`);
    if (cell) return cell;
    const range = { min: Math.min(slot, this.slotRange?.min ?? slot), max: Math.max(slot, this.slotRange?.max ?? slot) };
    while (range.max - range.min + 1 > MAX_TIMELINE_INTERVALS) {
      this.coarsenTimeline();
      // floor(floor(x / i) / 2) = floor(x / 2i): the slots at the doubled interval, negative ones (warm-up) alike.
      range.min = Math.floor(range.min / 2);
      range.max = Math.floor(range.max / 2);
      slot = Math.floor(slot / 2);
    }
    this.slotRange = range;
    const key = `${slot}\u0000${server}\u0000${phase}`;
    cell = this.timeline.get(key);
    if (!cell) {
      cell = { ok: 0, error: 0, timeout: 0, latency: newHistogram({ significantDigits: 2, packed: true }) };
      this.timeline.set(key, cell);
    }
    return cell;
  }

  /**
   * Doubles the timeline's interval: cells 2k and 2k + 1 of a server and phase become cell k, their
   * counts added at once, their latencies merged by foldPendingMerges.
   */
  private coarsenTimeline(): void {
    // Every merge of the previous coarsening first: a pending cell must not be left pointing at a cell merged away.
    this.foldPendingMerges(Number.POSITIVE_INFINITY);
    const cells = [...this.timeline];
    this.timeline.clear();
    this.interval *= 2;
    for (const [key, cell] of cells) {
      const [slot, server, phase] = key.split("\u0000") as [string, string, Phase];
      const merged = `${Math.floor(Number(slot) / 2)}\u0000${server}\u0000${phase}`;
      const into = this.timeline.get(merged);
      if (!into) {
        this.timeline.set(merged, cell);
        continue;
      }
      into.ok += cell.ok;
      into.error += cell.error;
      into.timeout += cell.timeout;
      this.pendingMerges.push({ into, latency: cell.latency });
    }
  }

  /** Adds up to `n` latencies left by a coarsening into their cells. */
  private foldPendingMerges(n: number): void {
    for (let i = 0; i < n; i++) {
      const m = this.pendingMerges.pop();
      if (!m) return;
      m.into.latency.add(m.latency);
    }
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
    this.foldPendingMerges(Number.POSITIVE_INFINITY);
    const points: TimelinePoint[] = [];
    for (const [key, cell] of this.timeline) {
      const [slot, server, phase] = key.split("\u0000") as [string, string, Phase];
      const empty = cell.latency.totalCount === 0;
      points.push({
        // A warm-up cell starts where it started, before the window (t < 0), however late the window opened.
        t: Number(slot) * this.interval + (phase === "warmup" ? this.plannedStart - this.measureStart : 0),
        server,
        ok: cell.ok,
        error: cell.error,
        timeout: cell.timeout,
        p50: empty ? null : percentileMs(cell.latency, 50),
        p99: empty ? null : percentileMs(cell.latency, 99),
      });
    }
    points.sort((a, b) => a.t - b.t || a.server.localeCompare(b.server));
    return { intervalMs: this.interval, points };
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
