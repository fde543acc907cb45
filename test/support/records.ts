/**
 * Run records for the output tests (report.html, summary.md, junit.xml,
 * results.json), built from a base plus `with...` overrides rather than
 * written out whole. Values are invented but consistent with each other
 * (counts match the SLO verdicts, timelines match the load, faults match the
 * probe), and the sources point at the real lines of the seed documents. Some
 * text carries HTML on purpose so the renderers' escaping is exercised.
 *
 * The base: `baseRunRecord()` (a completed run with no scenario) and
 * `baseScenario()` (a completed scenario that measured nothing). The pieces:
 * `server`, `openLoad`, `latency`, `slo`. The overrides: `withScenarios`
 * (counts follow the verdicts) and `withHostileText` (markup in every free
 * text). The records the tests use: `sampleRunRecord()` (3 scenarios, 9 SLOs),
 * `faultScenario()`, `capacityScenario()` and `capacityRunRecord()`.
 */
import type {
  CapacityStep,
  FaultResult,
  LatencySummary,
  LoadSummary,
  Outcome,
  ProbeSeries,
  RunRecord,
  ScenarioResult,
  ServerInfo,
  SloResult,
  TimelinePoint,
} from "../../src/results/types.js";
import { encodeHistogram, newHistogram } from "../../src/metrics/histogram.js";
import { seededRng } from "../../src/util/random.js";

const GUIDE = "MCP Enterprise Guide (003_ba5d8098385d04d0.txt)";

/**
 * A real HDR histogram (report.html decodes them for its latency distributions) whose percentiles
 * are the given figures: `count` samples spread between the figures, linearly within each stretch.
 * At most 20 000 distinct values, each recorded with a weight, so a large count costs no time and
 * the histogram still holds exactly `count` samples.
 */
export function histogramOf(count: number, figures: { p50: number; p95: number; p99: number; p99_9: number; max: number }): string {
  const h = newHistogram();
  const n = Math.max(1, Math.min(count, 20_000));
  const knots: [number, number][] = [
    [0, figures.p50 * 0.4],
    [0.5, figures.p50],
    [0.95, figures.p95],
    [0.99, figures.p99],
    [0.999, figures.p99_9],
    [1, figures.max],
  ];
  for (let i = 0; i < n; i++) {
    const q = (i + 0.5) / n;
    const k = knots.findIndex(([kq]) => kq >= q);
    const [q1, v1] = knots[k]!;
    const [q0, v0] = knots[k - 1]!;
    const weight = Math.floor(((i + 1) * count) / n) - Math.floor((i * count) / n);
    const us = Math.max(1, Math.round((v0 + ((v1 - v0) * (q - q0)) / (q1 - q0)) * 1000));
    if (weight > 0) h.recordValueWithCount(us, weight);
  }
  return encodeHistogram(h);
}

// ---------------------------------------------------------------------------
// The base records and the overrides

/** A completed run on a CI runner, with no scenario yet: counts zero, verdict pass. */
export function baseRunRecord(): RunRecord {
  return {
    schemaVersion: 1,
    runId: "2025-11-22T03-30-00Z-7f3a",
    harness: { name: "mcp-slo-harness", version: "0.1.0" },
    status: "completed",
    verdict: "pass",
    startedAt: "2025-11-22T03:30:00.000Z",
    endedAt: "2025-11-22T03:34:00.000Z",
    command: ["mcp-slo", "run", "--suite", "default", "--profile", "ci", "--out", "reports/latest"],
    profile: "ci",
    environment: { node: "v20.20.0", platform: "linux x64", cpus: 4, cpuModel: "AMD EPYC 7B13", memoryGiB: 15.6, hostname: "ci-runner-3" },
    counts: { pass: 0, fail: 0, inconclusive: 0 },
    scenarios: [],
    notes: [],
  };
}

/** `run` with `scenarios`; its counts and verdict are those of the scenarios' SLOs. */
export function withScenarios(run: RunRecord, scenarios: ScenarioResult[]): RunRecord {
  const counts = { pass: 0, fail: 0, inconclusive: 0 };
  for (const x of scenarios.flatMap((s) => s.slos)) counts[x.verdict]++;
  const verdict = counts.fail > 0 ? "fail" : counts.inconclusive > 0 ? "inconclusive" : "pass";
  return { ...run, verdict, counts, scenarios };
}

/** A completed scenario of profile ci that measured nothing yet, between `startedAt` and `endedAt`. */
export function baseScenario(name: string, file: string, startedAt: string, endedAt: string): ScenarioResult {
  return {
    name,
    description: "",
    file,
    profile: "ci",
    status: "completed",
    startedAt,
    endedAt,
    servers: [],
    backends: [],
    load: null,
    latency: [],
    timeline: { intervalMs: 1000, points: [] },
    errors: [],
    slos: [],
  };
}

/** A payload that runs if a renderer forgets to escape: a tag, an attribute breaker and an entity. */
export const HOSTILE = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'"&amp;`;

/** Fields whose values are a fixed vocabulary (verdicts, outcomes, kinds) or a time: a renderer looks them up, so they stay. */
const FIXED_VOCABULARY = new Set([
  "verdict",
  "status",
  "outcome",
  "kind",
  "phase",
  "decision",
  "statistic",
  "transport",
  "upstream",
  "mode",
  "model",
  "basis",
  "unit",
  "metric",
  "store",
  "registry",
  "severity",
  "category",
  "state",
  "startedAt",
  "endedAt",
  "histogram",
  "lines",
  "schemaVersion",
]);

/**
 * `run` with HOSTILE appended to every free text in it: names of servers,
 * tools, scenarios and stores, ids, messages, stderr lines, notes, the
 * environment. What a renderer shows of a record must come out escaped.
 */
export function withHostileText(run: RunRecord): RunRecord {
  const walk = (value: unknown, key: string): unknown => {
    if (typeof value === "string") return FIXED_VOCABULARY.has(key) ? value : value + HOSTILE;
    if (Array.isArray(value)) return value.map((x) => walk(x, key));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    return value;
  };
  // The walk keeps every key and every non-string value; strings stay strings, so the shape is still a RunRecord.
  return walk(run, "") as RunRecord;
}

// ---------------------------------------------------------------------------
// Pieces of a scenario

const PACKAGES = {
  redis: ["@modelcontextprotocol/server-redis", "2025.4.25"],
  postgres: ["@modelcontextprotocol/server-postgres", "0.6.2"],
  memory: ["@modelcontextprotocol/server-memory", "2026.8.31"],
  github: ["github-mcp-server", "0.20.1"],
} as const;

/** A catalog server as it ran: start-to-ready p50, max and sessions, and its tools. */
export function server(
  name: keyof typeof PACKAGES,
  [p50, max, sessions]: [number, number, number],
  tools: string[],
  { transport = "stdio", upstream = "none" }: Partial<Pick<ServerInfo, "transport" | "upstream">> = {},
): ServerInfo {
  const [pkg, version] = PACKAGES[name];
  return { name, package: pkg, version, transport, startToReadyMs: { p50, max, sessions }, upstream, tools };
}

/** An open-model load with no dropped calls and a 10 ms lateness threshold, unless told otherwise. */
export function openLoad(load: Omit<LoadSummary, "model" | "dropped" | "lateThresholdMs"> & Partial<LoadSummary>): LoadSummary {
  return { model: "open", dropped: 0, lateThresholdMs: 10, ...load };
}

/** One latency row: [count, mean, p50, p95, p99, p99.9, max] in ms. */
export function latency(server: string, tool: string, outcome: Outcome, figures: [number, number, number, number, number, number, number]): LatencySummary {
  const [count, mean, p50, p95, p99, p99_9, max] = figures;
  return { server, tool, outcome, count, mean, p50, p95, p99, p99_9, max, histogram: histogramOf(count, { p50, p95, p99, p99_9, max }) };
}

/** An SLO result; unscoped, measured against the real thing and with no interval unless told otherwise. */
export function slo(partial: Omit<SloResult, "scope" | "standIn" | "interval"> & Partial<SloResult>): SloResult {
  return { scope: {}, standIn: false, interval: null, ...partial };
}

/** A source line of the MCP Enterprise Guide. */
function guide(lines: string, quote?: string): SloResult["source"] {
  return quote === undefined ? { document: GUIDE, lines } : { document: GUIDE, lines, quote };
}

function wilson(low: number, high: number, of: string): SloResult["interval"] {
  return { low, high, kind: "wilson95", of };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** A seeded timeline with a stall two thirds into the window, so the charts have something to show. */
function timeline(
  servers: { name: string; okPerInterval: number; p50: number; p99: number }[],
  intervalMs: number,
  warmupMs: number,
  durationMs: number,
  seed: number,
): TimelinePoint[] {
  const random = seededRng(seed);
  const points: TimelinePoint[] = [];
  for (let t = -warmupMs; t < durationMs; t += intervalMs) {
    for (const s of servers) {
      const jitter = 0.85 + random() * 0.3;
      const stall = t >= durationMs * 0.6 && t < durationMs * 0.65 ? 3.5 : 1;
      const errors = random() < 0.15 ? Math.ceil(random() * 3) : 0;
      const timeouts = stall > 1 && random() < 0.5 ? 1 : 0;
      points.push({
        t,
        server: s.name,
        ok: Math.round((s.okPerInterval * jitter) / Math.sqrt(stall)),
        error: errors,
        timeout: timeouts,
        p50: round(s.p50 * jitter * (stall > 1 ? 1.6 : 1)),
        p99: round(s.p99 * jitter * stall),
      });
    }
  }
  return points;
}

// ---------------------------------------------------------------------------
// The scenarios of the sample run

function coordinationScenario(): ScenarioResult {
  const shape = [
    { name: "redis", okPerInterval: 1800, p50: 1.4, p99: 6.2 },
    { name: "postgres", okPerInterval: 650, p50: 3.1, p99: 14.8 },
  ];
  const cacheRatio = 38_410 / (38_410 + 822);
  return {
    ...baseScenario("coordination-and-cache", "scenarios/coordination-and-cache.yaml", "2025-11-22T03:30:00.000Z", "2025-11-22T03:31:20.000Z"),
    description: "Two agents coordinate through Redis; a cache-aside workload reads Postgres through Redis.",
    servers: [server("redis", [412.5, 655.1, 8], ["set", "get", "delete", "list"]), server("postgres", [530.2, 801.9, 8], ["query"])],
    backends: [
      { kind: "redis", version: "7.2.4", endpoint: "127.0.0.1:6390", settings: { appendonly: "no", maxmemory: "0" } },
      { kind: "postgres", version: "16.3", endpoint: "127.0.0.1:5440", settings: { synchronous_commit: "on" } },
    ],
    load: openLoad({
      agents: 32,
      rate: 2400,
      warmupMs: 10_000,
      durationMs: 60_000,
      measuredMs: 60_012,
      offered: 144_000,
      completed: 143_611,
      lateSends: 212,
      throughput: 2393.0,
      generatorCpu: 0.41,
      eventLoopDelayP99Ms: 3.7,
    }),
    latency: [
      latency("redis", "get", "ok", [71_200, 1.62, 1.41, 3.2, 6.1, 19.8, 41.2]),
      latency("redis", "set", "ok", [33_950, 1.71, 1.48, 3.4, 6.6, 21.3, 44.9]),
      latency("postgres", "query", "ok", [38_361, 3.9, 3.1, 8.7, 14.9, 48.2, 130.4]),
      latency("postgres", "query", "timeout", [100, 5000, 5000, 5000, 5000, 5000, 5000]),
    ],
    timeline: { intervalMs: 1000, points: timeline(shape, 1000, 10_000, 60_000, 7) },
    errors: [
      { server: "postgres", tool: "query", outcome: "timeout", message: "no response within 5000 ms", count: 100 },
      { server: "redis", tool: "get", outcome: "error", message: 'MCP error -32603: value <script>alert("x")</script> & co is not valid JSON', count: 3 },
    ],
    coordination: {
      definition:
        "Agent A writes a unique key through the Redis MCP server; agent B, in another session, reads back-to-back until it sees the key. Latency = B's first response containing the key - start of A's write.",
      samples: 2000,
      timeouts: 0,
      p50: 4.1,
      p95: 9.8,
      p99: 18.4,
      mean: 5.0,
      meanReadLatencyMs: 1.5,
      histogram: histogramOf(2000, { p50: 4.1, p95: 9.8, p99: 18.4, p99_9: 30, max: 41 }),
    },
    cache: {
      definition:
        "Cache-aside: read the key through Redis MCP; on a miss read the row through Postgres MCP and write it to Redis. Hit ratio = hits / (hits + misses).",
      keys: 10_000,
      zipfExponent: 1.1,
      client: { hits: 38_410, misses: 822, ratio: cacheRatio },
      redisInfo: { hits: 38_410, misses: 822, ratio: cacheRatio },
      agree: true,
    },
    slos: [
      slo({
        id: "coordination.latency.p99",
        title: "Coordination latency p99",
        metric: "coordination_latency.p99",
        objective: "p99 < 25 ms",
        source: guide("1789", 'latency_p99: "25ms"'),
        measured: 18.4,
        unit: "ms",
        measuredText: "18.4 ms",
        samples: 2000,
        interval: wilson(0.9921, 0.9968, "share of samples below 25 ms"),
        margin: 6.6,
        marginText: "6.6 ms to spare",
        verdict: "pass",
        reason: "99.5 % of 2000 samples were below 25 ms; the 95 % interval lies above 99 %.",
      }),
      slo({
        id: "coordination.latency.p50",
        title: "Coordination latency p50",
        metric: "coordination_latency.p50",
        objective: "p50 < 7 ms",
        source: guide("1787", 'latency_p50: "7ms"'),
        measured: 4.1,
        unit: "ms",
        measuredText: "4.1 ms",
        samples: 2000,
        interval: wilson(0.861, 0.889, "share of samples below 7 ms"),
        margin: 2.9,
        marginText: "2.9 ms to spare",
        verdict: "pass",
        reason: "87.5 % of samples were below 7 ms; the 95 % interval lies above 50 %.",
      }),
      slo({
        id: "cache.hit_ratio",
        title: "Redis cache hit ratio",
        metric: "cache_hit_ratio",
        objective: "cache hit ratio > 99 %",
        source: guide("1813, 269, 590, 1234", "**Cache Hit Ratio**: >99% through intelligent caching patterns"),
        scope: { server: "redis" },
        measured: 0.9801,
        unit: "ratio",
        measuredText: "98.01 %",
        samples: 39_232,
        interval: wilson(0.9787, 0.9814, "hit ratio"),
        margin: -0.0099,
        marginText: "0.99 points short",
        verdict: "fail",
        reason: "the 95 % interval [97.87 %, 98.14 %] lies entirely below 99 %.",
      }),
    ],
  };
}

function toolLatencyScenario(): ScenarioResult {
  const shape = [
    { name: "memory", okPerInterval: 95, p50: 8.5, p99: 31 },
    { name: "github", okPerInterval: 40, p50: 38, p99: 140 },
  ];
  return {
    ...baseScenario("tool-latency <baseline> & friends", "scenarios/tool-latency.yaml", "2025-11-22T03:31:25.000Z", "2025-11-22T03:32:10.000Z"),
    description: "Per-server response time at a modest open-model rate; GitHub runs against a local stand-in.",
    servers: [
      server("memory", [380.0, 512.7, 4], ["create_entities", "search_nodes", "read_graph"]),
      server("github", [95.3, 140.2, 4], ["get_issue", "search_repositories"], { transport: "http", upstream: "stand-in" }),
    ],
    load: openLoad({
      agents: 8,
      rate: 140,
      warmupMs: 5000,
      durationMs: 40_000,
      measuredMs: 40_004,
      offered: 5600,
      completed: 5545,
      lateSends: 9,
      throughput: 138.6,
      generatorCpu: 0.12,
      eventLoopDelayP99Ms: 1.9,
    }),
    latency: [
      latency("memory", "search_nodes", "ok", [3761, 10.1, 8.4, 19.7, 30.8, 61.0, 88.3]),
      latency("github", "get_issue", "ok", [120, 49.5, 38.2, 101.4, 141.0, 160.2, 160.2]),
      latency("github", "search_repositories", "ok", [1612, 51.0, 39.0, 118.0, 150.1, 210.5, 260.7]),
      latency("github", "search_repositories", "error", [52, 12.0, 11.0, 20.2, 25.0, 25.0, 25.0]),
    ],
    timeline: { intervalMs: 1000, points: timeline(shape, 1000, 5000, 40_000, 11) },
    errors: [{ server: "github", tool: "search_repositories", outcome: "error", message: "stand-in returned HTTP 429: secondary rate limit", count: 52 }],
    slos: [
      slo({
        id: "server.latency.p50@memory",
        title: "Memory server p50",
        metric: "latency.p50",
        objective: "p50 < 12 ms",
        source: guide("1801", 'ml_inference_latency_p50: "12ms"'),
        scope: { server: "memory" },
        measured: 8.4,
        unit: "ms",
        measuredText: "8.4 ms",
        samples: 3761,
        interval: wilson(0.79, 0.816, "share of samples below 12 ms"),
        margin: 3.6,
        marginText: "3.6 ms to spare",
        verdict: "pass",
        reason: "80.3 % of samples were below 12 ms; the 95 % interval lies above 50 %.",
      }),
      slo({
        id: "server.latency.p95@github",
        title: "GitHub server p95",
        metric: "latency.p95",
        objective: "p95 < 120 ms",
        source: guide("1796", 'response_time_p95: "120ms"'),
        scope: { server: "github", tool: "get_issue" },
        measured: 101.4,
        unit: "ms",
        measuredText: "101.4 ms",
        samples: 120,
        interval: wilson(0.905, 0.982, "share of samples below 120 ms"),
        margin: 18.6,
        marginText: "18.6 ms to spare",
        verdict: "inconclusive",
        reason: "only 120 samples: the 95 % interval [90.5 %, 98.2 %] straddles 95 %.",
        standIn: true,
      }),
      slo({
        id: "server.success_rate@github",
        title: "GitHub success rate",
        metric: "success_rate",
        objective: "success rate >= 99.8 %",
        source: guide("1798", 'success_rate: "99.8%"'),
        scope: { server: "github" },
        measured: 0.9688,
        unit: "ratio",
        measuredText: "96.88 %",
        samples: 1784,
        interval: wilson(0.9592, 0.9762, "success rate"),
        margin: -0.0292,
        marginText: "2.92 points short",
        verdict: "fail",
        reason: "52 HTTP 429 errors from the stand-in; the 95 % interval lies below 99.8 %.",
        standIn: true,
      }),
    ],
  };
}

// ---------------------------------------------------------------------------
// Fault injection

/** When the faults of faultScenario() happen, ms from the window start; the probe and the timeline follow them. */
const REDIS_KILL = { at: 20_000, healed: 25_000, back: 27_120 };
const MCP_KILL = { at: 45_000 };
const FAULT_WINDOW_MS = 90_000;

/** A probe every 500 ms (offset 120 ms): down while Redis restarts, and for good once its MCP server is killed. */
function faultProbe(): ProbeSeries {
  const points: ProbeSeries["points"] = [];
  for (let t = 120; t < FAULT_WINDOW_MS; t += 500) {
    const down = (t >= REDIS_KILL.at && t < REDIS_KILL.back) || t >= MCP_KILL.at;
    points.push({ t, ok: !down });
  }
  return { server: "redis", tool: "get", intervalMs: 500, timeoutMs: 1000, consecutive: 3, points };
}

function faultTimeline(seed: number): TimelinePoint[] {
  const random = seededRng(seed);
  const points: TimelinePoint[] = [];
  for (let t = -10_000; t < FAULT_WINDOW_MS; t += 1000) {
    for (const s of [
      { name: "redis", ok: 900, p50: 1.5, p99: 6.5 },
      { name: "postgres", ok: 400, p50: 3.2, p99: 15 },
    ]) {
      const jitter = 0.85 + random() * 0.3;
      const redisDown = s.name === "redis" && ((t >= REDIS_KILL.at && t < REDIS_KILL.back - 1000) || t >= MCP_KILL.at);
      // Postgres slows while the agents' Redis calls fail over to it.
      const busy = s.name === "postgres" && t >= REDIS_KILL.at && t < REDIS_KILL.back ? 1.8 : 1;
      points.push({
        t,
        server: s.name,
        ok: redisDown ? 0 : Math.round((s.ok * jitter) / busy),
        error: redisDown ? Math.round(s.ok * jitter * 0.2) : random() < 0.1 ? 1 : 0,
        timeout: redisDown && t < MCP_KILL.at ? 4 : 0,
        p50: redisDown ? null : round(s.p50 * jitter * busy),
        p99: redisDown ? null : round(s.p99 * jitter * busy * busy),
      });
    }
  }
  return points;
}

/** A fault of the scenario's plan, not injected (yet): no times, no recovery, a 60 s limit. */
function plannedFault(id: string, kind: FaultResult["kind"], target: string, description: string): FaultResult {
  return {
    id,
    kind,
    target,
    description,
    injected: false,
    injectedAtMs: null,
    healedAtMs: null,
    timeToDetectMs: null,
    rtoMs: null,
    afterHealMs: null,
    recovered: false,
    limitMs: 60_000,
    supervisor: false,
    observations: [],
  };
}

function faultResults(): FaultResult[] {
  return [
    {
      ...plannedFault("redis-kill", "process", "redis-server 127.0.0.1:6391", "SIGKILL the Redis server; start it again 5 s later"),
      injected: true,
      injectedAtMs: REDIS_KILL.at,
      healedAtMs: REDIS_KILL.healed,
      readyAtMs: REDIS_KILL.healed + 850,
      timeToDetectMs: 120,
      rtoMs: REDIS_KILL.back - REDIS_KILL.at,
      afterHealMs: REDIS_KILL.back - REDIS_KILL.healed,
      recovered: true,
      supervisor: true,
      observations: [
        "redis-server exited (signal SIGKILL) 0.00 s after the fault",
        'redis#0 logged "connect ECONNREFUSED 127.0.0.1:6391" 0.11 s after the fault',
        "redis-server started again 5.00 s after the fault; persistence=none: it came back empty",
      ],
    },
    {
      ...plannedFault("redis-mcp-kill", "process", "redis MCP server (all sessions)", "SIGKILL every Redis MCP server process; nothing restarts them"),
      injected: true,
      injectedAtMs: MCP_KILL.at,
      timeToDetectMs: 120,
      limitMs: FAULT_WINDOW_MS - MCP_KILL.at,
      observations: [
        "redis#0 exited (code 1) 0.31 s after the fault",
        "stderr of redis#0: <b>Error</b>: write EPIPE",
        "no supervisor: 8 sessions were left without a Redis MCP server",
      ],
    },
    {
      ...plannedFault(
        "postgres-partition",
        "hop-down",
        "toxiproxy postgres-mcp → postgres",
        "Cut the link between the Postgres MCP server and Postgres for 10 s",
      ),
      notInjectedReason: "steady state was not met before it: redis get probes were still failing",
    },
  ];
}

const DURABILITY_FILE = "scenarios/redis-durability.yaml";

/**
 * A fault-injection scenario, one cell of a matrix over Redis persistence:
 * Redis is killed and comes back (recovered, but empty: writes lost), then the
 * Redis MCP server is killed with no supervisor (never recovers), and a third
 * fault is skipped because the steady state did not hold.
 */
export function faultScenario(variant = "redis.persistence=none"): ScenarioResult {
  return {
    ...baseScenario("redis-durability", DURABILITY_FILE, "2025-11-22T03:32:10.000Z", "2025-11-22T03:34:00.000Z"),
    variant,
    description: "Agents keep coordination state in Redis while Redis and its MCP server are killed; acknowledged writes are read back afterwards.",
    servers: [server("redis", [420.1, 610.4, 8], ["set", "get"]), server("postgres", [540.7, 790.3, 8], ["query"])],
    backends: [
      { kind: "redis", version: "7.2.4", endpoint: "127.0.0.1:6391", settings: { appendonly: "no", save: "" } },
      { kind: "postgres", version: "16.3", endpoint: "127.0.0.1:5441", settings: { synchronous_commit: "on", fsync: "on" } },
    ],
    load: openLoad({
      agents: 8,
      rate: 1300,
      warmupMs: 10_000,
      durationMs: FAULT_WINDOW_MS,
      measuredMs: 90_008,
      offered: 117_000,
      completed: 84_210,
      lateSends: 140,
      throughput: 935.6,
      generatorCpu: 0.22,
      eventLoopDelayP99Ms: 2.4,
    }),
    latency: [
      latency("redis", "get", "ok", [26_300, 1.7, 1.5, 3.4, 6.6, 20.4, 48.0]),
      latency("redis", "get", "error", [8_150, 2.1, 1.2, 4.0, 9.8, 30.0, 40.0]),
      latency("postgres", "query", "ok", [35_400, 4.2, 3.3, 9.1, 16.2, 51.0, 140.2]),
    ],
    timeline: { intervalMs: 1000, points: faultTimeline(23) },
    errors: [
      { server: "redis", tool: "get", outcome: "error", message: "MCP error -32000: Connection closed", count: 7_900 },
      { server: "redis", tool: "get", outcome: "error", message: "ERR connect ECONNREFUSED 127.0.0.1:6391", count: 250 },
    ],
    faults: faultResults(),
    rpo: [
      {
        store: "redis",
        durability: "appendonly no, no RDB snapshots",
        acknowledged: 2118,
        present: 276,
        lost: 1842,
        unacknowledgedPresent: 0,
        faultAtMs: REDIS_KILL.at,
        rpoMs: 19_870,
      },
      {
        store: "postgres",
        durability: "synchronous_commit on, fsync on",
        acknowledged: 1630,
        present: 1633,
        lost: 0,
        unacknowledgedPresent: 3,
        faultAtMs: REDIS_KILL.at,
        rpoMs: 0,
      },
    ],
    steadyState: [
      { phase: "before", met: true, probes: 40, failures: 0, detail: "40 of 40 redis get probes ok in the 20 s before the first fault" },
      { phase: "during", met: true, probes: 14, failures: 14, detail: "expected: probes fail while Redis is down; postgres query kept 99.6 % success" },
      { phase: "after", met: false, probes: 90, failures: 90, detail: "0 of 90 redis get probes ok in the 45 s after the last fault" },
    ],
    probe: faultProbe(),
    slos: [
      slo({
        id: "redis.rto",
        title: "Redis path RTO",
        metric: "rto",
        objective: "RTO <= 30 s",
        source: { document: DURABILITY_FILE, lines: "41" },
        scope: { server: "redis" },
        measured: null,
        unit: "ms",
        measuredText: "not recovered in 45 s",
        samples: 2,
        margin: null,
        marginText: "at least 15 s over",
        verdict: "fail",
        reason: "redis-mcp-kill: no 3 consecutive successful probes within 45 s of the fault (redis-kill recovered in 7.12 s).",
      }),
      slo({
        id: "recovery.coordination.rpo",
        title: "Agent coordination state RPO",
        metric: "rpo",
        objective: "RPO <= 30 s",
        source: guide("1552", 'rpo: "30_seconds"'),
        scope: { server: "redis" },
        measured: 19_870,
        unit: "ms",
        measuredText: "19.9 s",
        samples: 2118,
        margin: 10_130,
        marginText: "10.1 s to spare",
        verdict: "pass",
        reason: "1,842 of 2,118 acknowledged writes were lost; the oldest was acknowledged 19.9 s before the fault.",
      }),
      slo({
        id: "recovery.audit.rpo",
        title: "Audit and compliance logs RPO (no loss)",
        metric: "rpo",
        objective: "RPO <= 0 s",
        source: guide("1562", 'rpo: "0_seconds" # Immutable, no data loss acceptable'),
        scope: { server: "postgres" },
        measured: 0,
        unit: "ms",
        measuredText: "0 s",
        samples: 1630,
        margin: 0,
        marginText: "no loss",
        verdict: "pass",
        reason: "all 1,630 acknowledged writes were read back after recovery.",
      }),
    ],
  };
}

// ---------------------------------------------------------------------------
// The sample run

/** A complete run: 3 scenarios, 9 SLOs (5 pass, 3 fail, 1 inconclusive). Shallow overrides win (counts stay those of the 3 scenarios). */
export function sampleRunRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    ...withScenarios(baseRunRecord(), [coordinationScenario(), toolLatencyScenario(), faultScenario()]),
    notes: [
      "Samples close in time are not independent; the 95 % intervals are an honest approximation, not exact.",
      "GitHub was measured against a local stand-in of its API, not api.github.com: its results say nothing about GitHub's own latency.",
    ],
    ...overrides,
  };
}

/**
 * capacityRunRecord() with what the other records lack, so every section of
 * report.html has something to show: a stack provider, a scenario that ended
 * in an error, upstream APIs, cold installs, warnings, availability, call
 * counts and server processes that exited.
 */
export function everySectionRunRecord(): RunRecord {
  const run = capacityRunRecord();
  run.environment.stack = { provider: "docker", engine: "podman 5.4" };
  const [coordination, toolLatency, faults] = run.scenarios;
  toolLatency!.status = "error";
  toolLatency!.error = "the github stand-in stopped answering";
  toolLatency!.upstreams = [
    {
      api: "github",
      mode: "stand-in",
      title: "GitHub REST API stand-in",
      payloads: "@octokit/openapi examples",
      servers: ["github"],
      behaviour: { latency: { medianMs: 20, p95Ms: 80 }, errorRate: 0.01 },
      requests: 1784,
      byStatus: { "200": 1732, "429": 52 },
      unmatched: ["GET /rate_limit"],
    },
  ];
  faults!.warnings = ["the redis RPO writer was 4 s old at the first fault: an RPO above 4 s cannot be proved"];
  coordination!.install = [
    {
      server: "redis",
      package: "@modelcontextprotocol/server-redis",
      version: "2025.4.25",
      registry: "npm",
      command: "npm install --prefix <tmp> @modelcontextprotocol/server-redis@2025.4.25",
      outcome: "failed",
      installMs: 12_400,
      limitMs: 120_000,
      error: "npm ERR! 404 Not Found",
      startToReadyMs: null,
      note: "not started: the install failed",
    },
  ];
  coordination!.availability = {
    definition: "Availability is time-based: good time / observed time.",
    figures: [{ server: "redis", load: { goodMs: 59_000, badMs: 1000, ratio: 59 / 60, trials: 71_300 }, probe: null, judgedBy: "load" }],
    probe: null,
    countsCorrected: false,
    correctionNote: "open model: every scheduled call is counted",
  };
  coordination!.calls = [
    {
      server: "redis",
      tool: "get",
      ok: 71_200,
      failed: { tool: 0, protocol: 0, transport: 3 },
      timeouts: 0,
      missed: 0,
      successRate: { raw: 71_200 / 71_203, corrected: 71_200 / 71_203 },
    },
  ];
  coordination!.serverExits = [
    { server: "redis", session: "redis#3", atMs: 41_200, code: 1, signal: null, stderr: ["Error: connect ECONNREFUSED 127.0.0.1:6390"] },
  ];
  // Session churn, a new session for every call: scenarios/session-churn.yaml --profile ci as measured on the
  // 2-core dev machine under a load average of 19 (2026-12-02), rounded.
  coordination!.sessions = {
    churn: "a new session for every call",
    definition: "A session setup (the method initialize) runs from the start of the new session to the answer to initialize.",
    initialize: [
      {
        server: "redis",
        ok: 13,
        failed: 0,
        timeouts: 0,
        mean: 2389,
        p50: 2417,
        p95: 3043,
        p99: 3043,
        max: 3043,
        histogram: histogramOf(13, { p50: 2417, p95: 3043, p99: 3043, p99_9: 3043, max: 3043 }),
      },
    ],
    opened: 15,
    failed: 0,
    closed: 14,
    firstSessions: 2,
    callsPerSession: 1,
    close: { count: 14, p50: 55, max: 308 },
    peakOpen: 3,
  };
  // A script's tasks (workload kind script), with one step of every outcome.
  coordination!.script = {
    definition: "Each agent runs the script's steps in order, again and again: one pass is one agent task.",
    tasks: { started: 1200, completed: 1195 },
    steps: [
      { name: "create", server: "memory", tool: "create_entities", calls: 1200, ok: 1199, failed: 1, broken: 0, unexpected: 0, examples: [] },
      {
        name: "search",
        server: "memory",
        tool: "search_nodes",
        calls: 1199,
        ok: 1196,
        failed: 0,
        broken: 2,
        unexpected: 1,
        examples: ['step "open" needs {{steps.search.result.entities[0].name}}: the answer of step "search" had no such value'],
      },
      { name: "open", server: "memory", tool: "open_nodes", calls: 1196, ok: 1195, failed: 1, broken: 0, unexpected: 0, examples: [] },
    ],
  };
  return run;
}

// ---------------------------------------------------------------------------
// Capacity search

/** Capacity steps as measured on the 2-core dev machine (capacity-redis.yaml, profile ci), rounded. */
function capacitySteps(limitedByGenerator: boolean): CapacityStep[] {
  const rows: [number, number, number, number, number, number, number][] = [
    // offered, achieved, p50, p99, late, cpu, loop p99
    [150, 150.0, 2.23, 7.33, 0, 0.13, 13.2],
    [300, 300.0, 1.89, 10.8, 2, 0.14, 14.0],
    [600, 599.8, 1.87, 43.2, 24, 0.16, 17.9],
    [1200, 1199.5, 1.97, 13.3, 0, 0.17, 15.3],
    [2400, 2399.2, 2.47, 20.7, 26, 0.24, 15.4],
    [4800, 4788.2, 5.04, 57.9, limitedByGenerator ? 960 : 107, 0.25, 18.3],
  ];
  return rows.map(([offeredRate, achieved, p50, p99, late, cpu, loop], index) => {
    const offered = offeredRate * 4;
    const last = index === rows.length - 1;
    const generatorLimit =
      last && limitedByGenerator ? `${late} of ${offered} arrivals sent more than 10 ms late (5.0 %, event-loop delay p99 ${loop} ms)` : null;
    return {
      index,
      offeredRate,
      achievedThroughput: achieved,
      basis: "calls",
      p50,
      p99,
      okCalls: Math.round(achieved * 4),
      failedCalls: 0,
      measuredMs: 4002,
      generator: { offered, lateSends: late, dropped: 0, cpu, eventLoopDelayP99Ms: loop },
      generatorLimit,
      outcome: last ? (limitedByGenerator ? "generator-limited" : "broken") : "sustained",
      brokenBy: last ? ["server.response_time@redis"] : [],
      inconclusive: index === 2 ? ["server.response_time@redis"] : [],
      counts: last ? { pass: 1, fail: 1, inconclusive: 0 } : index === 2 ? { pass: 1, fail: 0, inconclusive: 1 } : { pass: 2, fail: 0, inconclusive: 0 },
    };
  });
}

/** A capacity-search scenario: broke at 4800/s (or, with `limitedByGenerator`, stopped there by the generator). 2 SLOs, both pass. */
export function capacityScenario(limitedByGenerator = false): ScenarioResult {
  const steps = capacitySteps(limitedByGenerator);
  return {
    ...baseScenario("capacity-redis <search>", "scenarios/capacity-redis.yaml", "2025-11-22T03:34:00.000Z", "2025-11-22T03:34:33.000Z"),
    description: "How many calls per second the Redis MCP server sustains.",
    load: openLoad({
      agents: 4,
      rate: 2400,
      warmupMs: 1000,
      durationMs: 4000,
      measuredMs: 4002,
      offered: 9598,
      completed: 9598,
      lateSends: 26,
      throughput: 2399.2,
      generatorCpu: 0.24,
      eventLoopDelayP99Ms: 15.4,
    }),
    capacity: {
      plan: { startRate: 150, factor: 2, stepRate: null, maxRate: 4800, stepDurationMs: 4000, settleMs: 1000 },
      steps,
      sustainedRate: 2400,
      breakingRate: limitedByGenerator ? null : 4800,
      brokenBy: limitedByGenerator ? [] : ["server.response_time@redis"],
      limitedByGenerator,
      reachedMax: false,
      stopReason: limitedByGenerator
        ? `stopped at 4800/s: the load generator was the limit (${steps[5]!.generatorLimit}); the server was not shown to break`
        : "broke at 4800/s: server.response_time@redis failed",
      verdictsFromStep: 4,
      note: "Each step is judged against the scenario's SLOs. An inconclusive verdict does not break a step.",
    },
    slos: [
      slo({
        id: "server.response_time@redis",
        title: "MCP server response time (read as p95): redis",
        metric: "latency.p95",
        objective: "latency p95 < 15.0 ms",
        source: guide("588, 1233"),
        scope: { server: "redis" },
        measured: 9.0,
        unit: "ms",
        measuredText: "9.00 ms",
        samples: 9598,
        margin: 6,
        marginText: "6.00 ms under the target",
        verdict: "pass",
        reason: "share within 15 ms above 95 %",
      }),
      slo({
        id: "server.alert.error_rate@redis",
        title: "Below the error-rate alert (5 %), every server: redis",
        metric: "error_rate",
        objective: "error rate < 5 %",
        source: guide("577"),
        scope: { server: "redis" },
        measured: 0,
        unit: "ratio",
        measuredText: "0 % (0/9598)",
        samples: 9598,
        margin: 0.05,
        marginText: "5 % under the target",
        verdict: "pass",
        reason: "the whole 95 % interval meets the target",
      }),
    ],
  };
}

/** sampleRunRecord() plus a capacity scenario (11 SLOs: 7 pass, 3 fail, 1 inconclusive). */
export function capacityRunRecord(limitedByGenerator = false): RunRecord {
  const base = sampleRunRecord();
  return withScenarios(base, [...base.scenarios, capacityScenario(limitedByGenerator)]);
}
