/**
 * The k6 driver: the scenario's mix, sent by the real k6 binary (built by scripts/setup.sh into
 * .tools/bin/k6) running scenarios/k6/mcp-streamable-http.js against the same MCP Streamable HTTP
 * endpoints (through Toxiproxy) the SDK driver would use.
 *
 * One k6 run per phase. Everything scenario-specific goes to the script as environment variables
 * holding JSON (see the script's header), so the same script runs unchanged under the k6 operator
 * (deploy/k6-operator/testrun.yaml):
 *  - closed model: `constant-vus` (one VU per agent) for a duration, `shared-iterations` when a
 *    count is given (bounded by the duration, if any);
 *  - open model: `constant-arrival-rate` (latency counts from the scheduled start as k6 starts
 *    iterations on schedule; arrivals with no free VU are k6's dropped_iterations);
 *  - a load shape (`load.stages`): `ramping-vus` (closed) or `ramping-arrival-rate` (open) with the
 *    same stages; a warm-up runs flat at the shape's first target.
 * The scenario's latency and success SLOs are mirrored as k6 thresholds, so a k6 user sees the same
 * targets; the harness's verdicts still come from the recorder, never from k6's exit code.
 *
 * The phase's t0 is the orchestrator's, not k6's: prepare() starts k6, whose setup() opens every
 * agent's sessions and then waits at a start gate (a held HTTP request to 127.0.0.1, its URL in
 * MCP_SLO_START_GATE); run(t0) answers it, and only then do k6's executors start. So k6's start-up
 * and session set-up (seconds, for a bridged server) lie before t0 and never shift the measurement
 * window against the fault timeline, which starts at the same t0.
 *
 * k6 writes every metric point to a JSON-lines file in a run temp dir; after it exits, the file is
 * streamed and every MCP call (`mcp_call_duration` points) becomes a recorder sample. A point's
 * time is when the call ended, on k6's clock (wall clock, ns); the start is the end minus the
 * call's latency. The script adds one `mcp_start_gate` point the moment the gate answered, so a
 * time is mapped onto the performance.now() clock from there, without crossing clocks (k6TimeMapping).
 */
import { createReadStream, existsSync } from "node:fs";
import { type FileHandle, open, rm } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import type { LoadShape } from "../contracts/load-shape.js";
import type { LoadPlan, Scenario } from "../contracts/plan.js";
import { HarnessError } from "../errors.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import type { Phase } from "../contracts/workload-env.js";
import type { Recorder } from "../metrics/recorder.js";
import type { FailureKind, Outcome } from "../results/types.js";
import { PROJECT_ROOT } from "../project-root.js";
import { spawnManaged, type ExitInfo, type ManagedProcess } from "../stack/managed-process.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import type { DriverPhase, LiveCounts, LoadDriver, PhaseResult, ReadyPhase } from "./driver.js";
import { emptyPhaseStats, watchProcess } from "./generator-health.js";
import { MAX_PHASE_MS } from "./sdk-driver.js";

export const K6_SCRIPT = path.join(PROJECT_ROOT, "scenarios", "k6", "mcp-streamable-http.js");

/** The k6 binary: MCP_SLO_K6_BIN, else the one scripts/setup.sh builds. */
export function k6Binary(): string {
  return process.env.MCP_SLO_K6_BIN || path.join(PROJECT_ROOT, ".tools", "bin", "k6");
}

/** k6 exits 99 when thresholds were crossed: still a completed run. */
const K6_OK_EXIT_CODES = new Set([0, 99]);
/** After SIGINT, how long k6 may take to stop and flush its output before SIGKILL. */
const STOP_GRACE_MS = 5000;
const SESSION_DELETE_TIMEOUT_MS = 2000;
/** How long k6 may take to start and open every agent's sessions (its setup() up to the start gate). */
const SETUP_LIMIT_MS = 120_000;

type K6Scenario = Record<string, string | number | { duration: string; target: number }[]>;

function msText(ms: number): string {
  return `${Math.max(1, Math.round(ms))}ms`;
}

/** The k6 scenario (executor) for one phase; `load` is the phase's (default: the scenario's). */
export function k6Scenario(s: Scenario, durationMs: number | undefined, count: number | undefined, load: LoadPlan = s.load): K6Scenario {
  const limitMs = Math.min(durationMs ?? MAX_PHASE_MS, MAX_PHASE_MS);
  // Calls in flight at the end may finish (they are recorded); none outlives its deadline by much.
  const gracefulStop = msText(s.callTimeoutMs + 1000);
  if (load.shape) return k6RampingScenario(s, load, load.shape, gracefulStop);
  if (load.model === "closed") {
    if (count !== undefined)
      return { executor: "shared-iterations", vus: Math.min(s.agents, count), iterations: count, maxDuration: msText(limitMs), gracefulStop };
    return { executor: "constant-vus", vus: s.agents, duration: msText(limitMs), gracefulStop };
  }
  const { rate, maxInFlight } = load;
  // k6 wants a whole number of iterations per time unit: 2.5/s is 2500 per 1000 s.
  const whole = Number.isInteger(rate);
  const runMs = count !== undefined ? Math.min(limitMs, Math.ceil((count / rate) * 1000)) : limitMs;
  return {
    executor: "constant-arrival-rate",
    rate: whole ? rate : Math.round(rate * 1000),
    timeUnit: whole ? "1s" : "1000s",
    duration: msText(runMs),
    preAllocatedVUs: s.agents,
    maxVUs: Math.max(s.agents, maxInFlight),
    gracefulStop,
  };
}

/**
 * A load shape as k6's ramping executors (the same stages, the same linear ramps): ramping-vus for
 * the closed model (target = VUs, one per agent), ramping-arrival-rate for the open model (target =
 * iterations per time unit; k6 integrates the rate, as the sdk driver does). A rate that is not a
 * whole number per second is given per 1000 s, as for the constant rate.
 */
function k6RampingScenario(s: Scenario, load: LoadPlan, shape: LoadShape, gracefulStop: string): K6Scenario {
  if (load.model === "closed") {
    return {
      executor: "ramping-vus",
      startVUs: shape.start,
      stages: shape.stages.map((x) => ({ duration: msText(x.durationMs), target: x.target })),
      // An agent the shape lets go finishes its call first (an agent leaves between calls, as in the sdk driver).
      gracefulRampDown: gracefulStop,
      gracefulStop,
    };
  }
  const whole = [shape.start, ...shape.stages.map((x) => x.target)].every(Number.isInteger);
  const perUnit = (rate: number) => (whole ? rate : Math.round(rate * 1000));
  return {
    executor: "ramping-arrival-rate",
    startRate: perUnit(shape.start),
    timeUnit: whole ? "1s" : "1000s",
    stages: shape.stages.map((x) => ({ duration: msText(x.durationMs), target: perUnit(x.target) })),
    preAllocatedVUs: s.agents,
    maxVUs: Math.max(s.agents, load.maxInFlight),
    gracefulStop,
  };
}

const K6_STAT: Record<string, string> = { p50: "p(50)", p95: "p(95)", p99: "p(99)", p99_9: "p(99.9)", mean: "avg", max: "max" };

function submetric(metric: string, tags: Record<string, string | undefined>): string {
  const parts = Object.entries(tags)
    .filter(([, v]) => v !== undefined && v !== "*")
    .map(([k, v]) => `${k}:${v}`);
  return parts.length ? `${metric}{${parts.join(",")}}` : metric;
}

function formatNumber(n: number): string {
  return String(Number(n.toPrecision(6)));
}

/**
 * The scenario's SLOs as k6 thresholds: latency statistics on mcp_call_duration (ms), success
 * rate and availability on `checks`, error rate on `checks` inverted, throughput on the rate of ok
 * calls. A scope "*" becomes one threshold per server. Other SLOs have no k6 counterpart.
 */
export function k6Thresholds(s: Scenario): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (metric: string, expr: string) => {
    out[metric] ??= [];
    const list = out[metric];
    if (!list.includes(expr)) list.push(expr);
  };
  for (const slo of s.slos) {
    const servers = slo.scope.server === "*" ? s.servers.map((d) => d.name) : [slo.scope.server];
    const { op, value } = slo.threshold;
    for (const server of servers) {
      const tags = { server, tool: slo.scope.tool };
      switch (slo.metric.family) {
        case "latency": {
          const stat = slo.metric.statistic ? K6_STAT[slo.metric.statistic] : undefined;
          if (stat && slo.threshold.unit === "ms") add(submetric("mcp_call_duration", tags), `${stat}${op}${formatNumber(value)}`);
          break;
        }
        case "success_rate":
        case "availability":
          if (slo.threshold.unit === "ratio") add(submetric("checks", tags), `rate${op}${formatNumber(value)}`);
          break;
        case "error_rate": {
          const flipped = { "<": ">", "<=": ">=", ">": "<", ">=": "<=" }[op];
          if (slo.threshold.unit === "ratio") add(submetric("checks", tags), `rate${flipped}${formatNumber(1 - value)}`);
          break;
        }
        case "throughput":
          if (slo.threshold.unit === "ops/s") add(submetric("mcp_calls", { ...tags, outcome: "ok" }), `rate${op}${formatNumber(value)}`);
          break;
        default:
          break;
      }
    }
  }
  return out;
}

/** The environment the script reads (the same JSON the k6 operator's TestRun passes). */
export function k6Env(ctx: Pick<DriverPhase, "scenario" | "durationMs" | "count" | "urls" | "runId"> & { load?: LoadPlan }): Record<string, string> {
  const s = ctx.scenario;
  const load = ctx.load ?? s.load;
  const mix = s.workload.calls;
  if (!mix) throw new HarnessError("invalid_input", `${s.file}: the k6 driver runs a mix of tool calls, not a ${s.workload.kind} workload`);
  // Refused at validation already (src/config/load-scenario.ts); sent as a tools/call it would be a wrong number.
  const other = mix.find((c) => c.method !== undefined);
  if (other) throw new HarnessError("invalid_input", `${s.file}: the k6 driver sends tools/call only, not ${other.method}`);
  const urls: Record<string, string> = {};
  for (const c of mix) {
    const url = ctx.urls.get(c.server);
    if (url === undefined) throw new HarnessError("internal", `k6 driver: no MCP Streamable HTTP URL for server "${c.server}"`);
    urls[c.server] = url;
  }
  return {
    MCP_SLO_URLS: JSON.stringify(urls),
    MCP_SLO_MIX: JSON.stringify(mix),
    MCP_SLO_CALL_TIMEOUT_MS: String(s.callTimeoutMs),
    MCP_SLO_START_TIMEOUT_MS: String(s.startTimeoutMs),
    MCP_SLO_THINK_TIME_MS: String(load.model === "closed" ? load.thinkTimeMs : 0),
    MCP_SLO_SCENARIO: JSON.stringify(k6Scenario(s, ctx.durationMs, ctx.count, load)),
    MCP_SLO_THRESHOLDS: JSON.stringify(k6Thresholds(s)),
    MCP_SLO_RUN_ID: ctx.runId,
    MCP_SLO_SEED: String(s.seed),
    // The version the harness's other drivers ask for: the drivers measure the same server path.
    MCP_SLO_PROTOCOL_VERSION: LATEST_PROTOCOL_VERSION,
  };
}

/**
 * The `testid` tag of one k6 run: unique per run and phase, never reused. Wherever this k6's
 * metrics also go (an output added through k6's own K6_OUT, a dashboard), series of two runs must
 * not share labels: in Prometheus a second run with the same labels is read as the continuation
 * of the first (its last value taken as the new run's start) or, at once, as one series whose
 * samples collide (rejected as out of order). The script refuses to remote-write without one.
 */
export function k6TestId(runId: string, phase: string): string {
  return `${runId}-${phase}`;
}

/** `k6 run` for one phase: no REST API (--address=), no summary, every point to `pointsFile`, tagged with the run's testid. */
export function k6RunArgs(pointsFile: string, testId: string): string[] {
  return [
    "run",
    "--quiet",
    "--no-usage-report",
    "--address=",
    "--summary-mode=disabled",
    "--tag",
    `testid=${testId}`,
    "--out",
    `json=${pointsFile}`,
    K6_SCRIPT,
  ];
}

const OUTCOMES = new Set<Outcome>(["ok", "error", "timeout"]);

interface K6Point {
  metric: string;
  type: string;
  data?: { time: string; value: number; tags?: Record<string, string> | null };
}

/** Wall-clock milliseconds of a k6 timestamp (RFC 3339 with up to nanoseconds), sub-ms kept. */
export function parseK6Time(text: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) return Date.parse(text);
  const whole = Date.parse(`${m[1]}${m[3]}`);
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return whole + frac;
}

export interface K6Tallies {
  iterations: number;
  dropped: number;
  sessions: { server: string; id: string }[];
  /** When the last call ended (performance.now() clock). */
  lastEnd: number | undefined;
}

/** The metric the script adds one point to when its start gate answered (scenarios/k6/mcp-streamable-http.js). */
const GATE_METRIC = "mcp_start_gate";

function pointOf(line: string): K6Point | undefined {
  try {
    const p = JSON.parse(line) as K6Point;
    return p.type === "Point" && p.data ? p : undefined;
  } catch {
    return undefined; // a line cut short by a kill
  }
}

/**
 * k6's time (wall clock, ms, sub-ms kept) of passing the start gate: its `mcp_start_gate` point;
 * undefined when the file has none. setup()'s samples reach the file before any VU's, so in
 * practice this reads the first lines only (correctness does not depend on it: the whole file is
 * searched).
 */
export async function k6GateTime(file: string): Promise<number | undefined> {
  if (!existsSync(file)) return undefined;
  const input = createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line.includes(`"${GATE_METRIC}"`)) continue;
      const p = pointOf(line);
      if (p?.metric === GATE_METRIC) return parseK6Time(p.data!.time);
    }
    return undefined;
  } finally {
    lines.close();
    input.destroy();
  }
}

/**
 * k6's clock (its points' times) onto performance.now(), the clock t0 is on.
 * With the gate point: `gateOpenedAt + (k6Time - gateTime)`. Both differences are taken on k6's
 * clock, so no cross-clock error remains; the one error left is the gate answer's own latency
 * (loopback, a fraction of a ms), by which every call is placed early, never before the gate
 * opened (>= t0: a call starts after k6 passed the gate). gateOpenedAt is when run() answered the
 * gate, t0 or just after it (after faults due at 0 s were injected).
 * Without the point (k6 stopped before its gate opened, or a script without it), the fallback is
 * the wall-clock offset taken when k6 started, `Date.now() - performance.now()`: Date.now() is
 * whole milliseconds, so a time may be mapped up to 1 ms off (a first call, before t0).
 */
export function k6TimeMapping(gateTime: number | undefined, gateOpenedAt: number, wallToPerf: number): (k6Ms: number) => number {
  if (gateTime === undefined) return (k6Ms) => k6Ms - wallToPerf;
  return (k6Ms) => gateOpenedAt + (k6Ms - gateTime);
}

/** Streams k6's JSON output into the recorder, its times mapped with `toPerf` (k6TimeMapping). */
export async function ingestK6Points(
  file: string,
  ctx: { phase: Phase; recorder: Pick<Recorder, "record"> },
  toPerf: (k6Ms: number) => number,
): Promise<K6Tallies> {
  const t: K6Tallies = { iterations: 0, dropped: 0, sessions: [], lastEnd: undefined };
  if (!existsSync(file)) return t;
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of lines) {
    // Most points are k6's own http_* metrics: skip them without parsing.
    const wanted =
      line.includes('"mcp_call_duration"') || line.includes('"iterations"') || line.includes('"dropped_iterations"') || line.includes('"mcp_sessions"');
    if (!wanted) continue;
    const p = pointOf(line);
    if (!p?.data) continue;
    const tags = p.data.tags ?? {};
    switch (p.metric) {
      case "iterations":
        t.iterations += p.data.value;
        break;
      case "dropped_iterations":
        t.dropped += p.data.value;
        break;
      case "mcp_sessions":
        if (tags.server && tags.session) t.sessions.push({ server: tags.server, id: tags.session });
        break;
      case "mcp_call_duration": {
        const outcome = tags.outcome as Outcome;
        if (!tags.server || !tags.tool || !OUTCOMES.has(outcome)) break;
        const endedAt = toPerf(parseK6Time(p.data.time));
        const startedAt = endedAt - Math.max(0, p.data.value);
        if (t.lastEnd === undefined || endedAt > t.lastEnd) t.lastEnd = endedAt;
        ctx.recorder.record({
          phase: ctx.phase,
          server: tags.server,
          tool: tags.tool,
          outcome,
          startedAt,
          endedAt,
          ...(outcome !== "ok" && { error: tags.mcp_error ?? outcome }),
          ...(outcome === "error" && { kind: k6FailureKind(tags.mcp_error) }),
        });
        break;
      }
      default:
        break;
    }
  }
  return t;
}

/** Bytes read per poll at most: a poll never holds more than this in memory, and the next one goes on from there. */
const LIVE_READ_BYTES = 4 * 1024 * 1024;

/**
 * Counts k6's MCP calls while k6 runs, for the progress line only: it reads what k6 has appended to
 * its JSON output since the last poll (k6 flushes it about once a second) and counts the
 * `mcp_call_duration` points by outcome. The recorder still gets every point from the whole file
 * after k6 exited (ingestK6Points); nothing here is judged.
 */
export class K6LiveTally implements LiveCounts {
  ok = 0;
  failed = 0;
  private offset = 0;
  private partial = "";
  private busy = false;
  private buffer: Buffer | undefined;

  constructor(private readonly file: string) {}

  /** Reads what is new (at most LIVE_READ_BYTES); a poll while one runs is skipped. */
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.file, "r");
      this.buffer ??= Buffer.alloc(LIVE_READ_BYTES);
      const { bytesRead } = await handle.read(this.buffer, 0, LIVE_READ_BYTES, this.offset);
      this.offset += bytesRead;
      // Read as latin1: the fields counted are ASCII, so a multi-byte character cut at a read's end cannot garble
      // them; a line cut at the end of what k6 has flushed waits for the rest.
      const text = this.partial + this.buffer.subarray(0, bytesRead).toString("latin1");
      const cut = text.lastIndexOf("\n");
      this.partial = text.slice(cut + 1);
      for (const line of text.slice(0, cut + 1).split("\n")) {
        if (!line.includes('"mcp_call_duration"')) continue;
        const outcome = pointOf(line)?.data?.tags?.outcome;
        if (outcome === "ok") this.ok++;
        else if (outcome === "error" || outcome === "timeout") this.failed++;
      }
    } catch {
      // Not written yet (k6 creates it when its output starts): nothing to count so far.
    } finally {
      await handle?.close();
      this.busy = false;
    }
  }
}

/**
 * The failure kind of a k6 call from the reason the script tags it with (scenarios/k6/mcp-streamable-http.js,
 * `record`): an HTTP status, a JSON-RPC error or a tool error is the server's answer (tool); a body
 * that is not a JSON-RPC answer is a protocol error; k6's own connection errors ("k6: ...") and a
 * session that could not be opened are transport failures.
 */
export function k6FailureKind(mcpError: string | undefined): FailureKind {
  if (mcpError === undefined) return "tool";
  if (mcpError === "unreadable answer" || mcpError === "no JSON-RPC answer") return "protocol";
  if (/^(k6: |initialize: |notifications\/initialized: )/.test(mcpError)) return "transport";
  return "tool";
}

/** Ends the MCP sessions k6's VUs opened (k6 has no per-VU teardown): the bridge then stops their children. */
async function endSessions(sessions: K6Tallies["sessions"], urls: ReadonlyMap<string, string>): Promise<void> {
  await Promise.allSettled(
    sessions.map(async ({ server, id }) => {
      const url = urls.get(server);
      if (!url) return;
      const res = await fetch(url, {
        method: "DELETE",
        headers: { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" },
        signal: AbortSignal.timeout(SESSION_DELETE_TIMEOUT_MS),
      });
      await res.body?.cancel();
    }),
  );
}

/**
 * The start gate k6's setup() waits at (scenarios/k6/mcp-streamable-http.js): an HTTP server on
 * 127.0.0.1 that holds every request until open() answers it. `reached` resolves when k6 arrives,
 * i.e. when its agents' sessions are open and its load has not begun.
 */
async function openStartGate(registry: ResourceRegistry): Promise<{ url: string; reached: Promise<void>; open(): void; close(): Promise<void> }> {
  const held: ServerResponse[] = [];
  let arrived: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  let opened = false;
  const server = createServer((req, res) => {
    req.resume();
    if (opened) res.end("open\n");
    else {
      held.push(res);
      arrived();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const answerAll = (status: number, text: string) => {
    for (const res of held.splice(0)) res.writeHead(status).end(text);
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    untrack();
    answerAll(503, "the harness stopped this phase\n");
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const untrack = registry.addResource({
    name: "k6 start gate",
    dispose: close,
    disposeSync: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/start`,
    reached,
    open() {
      opened = true;
      answerAll(200, "open\n");
    },
    close,
  };
}

/** Until k6 reached the start gate, exited, or ran out of SETUP_LIMIT_MS; "aborted" when the run was interrupted first. */
async function untilAtGate(proc: ManagedProcess, reached: Promise<void>, signal: AbortSignal): Promise<"ready" | "aborted" | ExitInfo | "too slow"> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      reached.then(() => "ready" as const),
      proc.exited,
      new Promise<"too slow">((resolve) => (timer = setTimeout(() => resolve("too slow"), SETUP_LIMIT_MS))),
      new Promise<"aborted">((resolve) => {
        onAbort = () => resolve("aborted");
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

export const k6Driver: LoadDriver = {
  name: "k6",
  title: "k6",
  needs: { http: true, plainCalls: true },
  knowsAgents: false,
  // k6 times its calls in its own process: the harness's event loop is not their clock.
  harnessTimed: false,
  ownSessions: true,
  capacitySearch: false,
  recordsAfterLoad: true,
  async prepare(ctx): Promise<ReadyPhase> {
    if ((ctx.durationMs !== undefined && ctx.durationMs <= 0) || (ctx.count !== undefined && ctx.count <= 0) || ctx.signal.aborted)
      return { run: async () => emptyPhaseStats(), dispose: async () => undefined };
    const bin = k6Binary();
    if (!existsSync(bin)) {
      throw new HarnessError("environment", `the k6 driver needs the k6 binary, not found at ${bin}`, {
        hint: "run bash scripts/setup.sh (it builds k6 with go install into .tools/bin)",
      });
    }
    const env = k6Env(ctx);
    const dir = await ctx.registry.makeTempDir(`k6-${ctx.phase}`);
    const out = path.join(dir, "points.json");
    const args = k6RunArgs(out, k6TestId(ctx.runId, ctx.phase));
    const gate = await openStartGate(ctx.registry);

    // Wall clock -> performance.now(), taken now: the fallback of k6TimeMapping, for a run without its gate point.
    const wallToPerf = Date.now() - performance.now();
    const proc = spawnManaged({
      name: `k6 (${ctx.phase})`,
      command: bin,
      args,
      env: { ...env, MCP_SLO_START_GATE: gate.url, K6_NO_USAGE_REPORT: "true" },
      cwd: dir,
      registry: ctx.registry,
      stopSignal: "SIGINT",
      // k6 is the load generator, not the stack: it keeps the harness's priority (src/stack/managed-process.ts).
      priority: "harness",
    });
    const generator = watchProcess(proc.pid);
    const stop = async () => {
      await proc.stop({ signal: "SIGINT", graceMs: STOP_GRACE_MS });
      await gate.close();
      generator.stop();
    };
    const atGate = await untilAtGate(proc, gate.reached, ctx.signal);
    if (atGate !== "ready") {
      await stop();
      if (atGate === "aborted") return { run: async () => emptyPhaseStats(), dispose: async () => undefined };
      if (atGate === "too slow")
        throw new HarnessError("environment", `k6 did not open its agents' sessions within ${SETUP_LIMIT_MS / 1000} s`, { details: proc.stderrTail(20) });
      throw new HarnessError(
        "environment",
        `k6 failed before its load began (${atGate.code !== null ? `exit code ${atGate.code}` : `signal ${atGate.signal}`})`,
        { details: proc.stderrTail(20) },
      );
    }
    let running = false;
    return {
      run: async (t0) => {
        running = true;
        return runK6({ ctx, proc, gate, generator, out, wallToPerf, t0 });
      },
      dispose: async () => {
        if (!running) await stop();
      },
    };
  },
};

/** The load of one phase: the gate opened at t0, then k6's points read into the recorder once it exited. */
async function runK6(k6Run: {
  ctx: DriverPhase;
  proc: ManagedProcess;
  gate: { open(): void; close(): Promise<void> };
  generator: { stop(): { cpu: number; eventLoopDelayP99Ms: number } };
  out: string;
  wallToPerf: number;
  t0: number;
}): Promise<PhaseResult> {
  const { ctx, proc, out, wallToPerf, t0 } = k6Run;
  const stats: PhaseResult = emptyPhaseStats();
  // Taken before the gate answers: k6 passes it after this instant, never before.
  const gateOpenedAt = performance.now();
  k6Run.gate.open();
  // k6's points reach the recorder after it exited: the progress counts them from its output as it goes.
  const live = new K6LiveTally(out);
  let ticking = true;
  const ticker = ctx.onTick
    ? setInterval(
        () =>
          void live.poll().then(() => {
            // A poll that ends after the phase did says nothing: the phase's own lines follow.
            if (ticking) ctx.onTick!(performance.now() - t0, { ok: live.ok, failed: live.failed });
          }),
        1000,
      )
    : undefined;
  const onAbort = () => void proc.stop({ signal: "SIGINT", graceMs: STOP_GRACE_MS });
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  if (ctx.signal.aborted) onAbort();
  let exit: ExitInfo;
  try {
    exit = await proc.exited;
  } finally {
    ticking = false;
    if (ticker) clearInterval(ticker);
    ctx.signal.removeEventListener("abort", onAbort);
    await k6Run.gate.close();
  }
  stats.elapsedMs = performance.now() - t0;
  // Share of one core over k6's whole life (set-up included).
  stats.cpu = k6Run.generator.stop().cpu;
  if (!ctx.signal.aborted && (exit.code === null || !K6_OK_EXIT_CODES.has(exit.code))) {
    throw new HarnessError("environment", `k6 failed (${exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`})`, {
      details: proc.stderrTail(20),
    });
  }
  const tallies = await ingestK6Points(out, ctx, k6TimeMapping(await k6GateTime(out), gateOpenedAt, wallToPerf));
  // The load ended with its last call, not when its points were read back; and not before the planned
  // end of a timed window unless halted (an open model's last arrival may answer before it: the window
  // is still the whole duration, or throughput would be overstated).
  if (tallies.lastEnd !== undefined) {
    const plannedEnd = ctx.durationMs !== undefined && !ctx.signal.aborted ? t0 + ctx.durationMs : Number.NEGATIVE_INFINITY;
    stats.loadEndedAt = Math.max(tallies.lastEnd, Math.min(plannedEnd, performance.now()));
    stats.elapsedMs = stats.loadEndedAt - t0;
  }
  // The points can be large on a long run: free the disk now rather than at the end of the run.
  await rm(out, { force: true });
  await endSessions(tallies.sessions, ctx.urls);
  stats.offered = tallies.iterations;
  stats.completed = tallies.iterations;
  stats.dropped = tallies.dropped;
  return stats;
}
