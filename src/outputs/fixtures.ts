/**
 * A realistic run record for the output tests. Values are invented but
 * consistent with each other (counts match the SLO verdicts, timelines match
 * the load), and the sources point at the real lines of the seed documents.
 * Some text carries HTML on purpose so the renderers' escaping is exercised.
 */
import { seededRng } from "../util/random.js";
import type {
  CapacityStep,
  FaultResult,
  ProbeSeries,
  RunRecord,
  ScenarioResult,
  SloResult,
  TimelinePoint,
} from "../results/types.js";

const GUIDE = "MCP Enterprise Guide (003_ba5d8098385d04d0.txt)";

/** Any base64 will do here: the renderers never decode histograms. */
const FAKE_HISTOGRAM = "HISTFAAAACl4nJNpmSzMwMDAwQABzFCaEUxKzP8PEdsGBGwMyxnZGRgZGRkZAQBxMQOP";


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
      // A stall two thirds into the window, so the charts have something to show.
      const stall = t >= durationMs * 0.6 && t < durationMs * 0.65 ? 3.5 : 1;
      const errors = random() < 0.15 ? Math.ceil(random() * 3) : 0;
      const timeouts = stall > 1 && random() < 0.5 ? 1 : 0;
      points.push({
        t,
        server: s.name,
        ok: Math.round(s.okPerInterval * jitter / Math.sqrt(stall)),
        error: errors,
        timeout: timeouts,
        p50: round(s.p50 * jitter * (stall > 1 ? 1.6 : 1)),
        p99: round(s.p99 * jitter * stall),
      });
    }
  }
  return points;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function slo(partial: Omit<SloResult, "scope" | "standIn" | "interval"> & Partial<SloResult>): SloResult {
  return { scope: {}, standIn: false, interval: null, ...partial };
}

function coordinationScenario(): ScenarioResult {
  const servers = [
    { name: "redis", okPerInterval: 1800, p50: 1.4, p99: 6.2 },
    { name: "postgres", okPerInterval: 650, p50: 3.1, p99: 14.8 },
  ];
  return {
    name: "coordination-and-cache",
    description: "Two agents coordinate through Redis; a cache-aside workload reads Postgres through Redis.",
    file: "scenarios/coordination-and-cache.yaml",
    profile: "ci",
    status: "completed",
    startedAt: "2025-11-22T03:30:00.000Z",
    endedAt: "2025-11-22T03:31:20.000Z",
    servers: [
      {
        name: "redis",
        package: "@modelcontextprotocol/server-redis",
        version: "2025.4.25",
        transport: "stdio",
        startToReadyMs: { p50: 412.5, max: 655.1, sessions: 8 },
        upstream: "none",
        tools: ["set", "get", "delete", "list"],
      },
      {
        name: "postgres",
        package: "@modelcontextprotocol/server-postgres",
        version: "0.6.2",
        transport: "stdio",
        startToReadyMs: { p50: 530.2, max: 801.9, sessions: 8 },
        upstream: "none",
        tools: ["query"],
      },
    ],
    backends: [
      { kind: "redis", version: "7.2.4", endpoint: "127.0.0.1:6390", settings: { appendonly: "no", maxmemory: "0" } },
      { kind: "postgres", version: "16.3", endpoint: "127.0.0.1:5440", settings: { synchronous_commit: "on" } },
    ],
    load: {
      model: "open",
      agents: 32,
      rate: 2400,
      warmupMs: 10_000,
      durationMs: 60_000,
      measuredMs: 60_012,
      offered: 144_000,
      completed: 143_611,
      lateSends: 212,
      dropped: 0,
      lateThresholdMs: 10,
      throughput: 2393.0,
      generatorCpu: 0.41,
      eventLoopDelayP99Ms: 3.7,
    },
    latency: [
      { server: "redis", tool: "get", outcome: "ok", count: 71_200, mean: 1.62, p50: 1.41, p95: 3.2, p99: 6.1, p99_9: 19.8, max: 41.2, histogram: FAKE_HISTOGRAM },
      { server: "redis", tool: "set", outcome: "ok", count: 33_950, mean: 1.71, p50: 1.48, p95: 3.4, p99: 6.6, p99_9: 21.3, max: 44.9, histogram: FAKE_HISTOGRAM },
      { server: "postgres", tool: "query", outcome: "ok", count: 38_361, mean: 3.9, p50: 3.1, p95: 8.7, p99: 14.9, p99_9: 48.2, max: 130.4, histogram: FAKE_HISTOGRAM },
      { server: "postgres", tool: "query", outcome: "timeout", count: 100, mean: 5000, p50: 5000, p95: 5000, p99: 5000, p99_9: 5000, max: 5000, histogram: FAKE_HISTOGRAM },
    ],
    timeline: {
      intervalMs: 1000,
      points: timeline(servers, 1000, 10_000, 60_000, 7),
    },
    errors: [
      { server: "postgres", tool: "query", outcome: "timeout", message: "no response within 5000 ms", count: 100 },
      {
        server: "redis",
        tool: "get",
        outcome: "error",
        message: 'MCP error -32603: value <script>alert("x")</script> & co is not valid JSON',
        count: 3,
      },
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
      histogram: FAKE_HISTOGRAM,
    },
    cache: {
      definition:
        "Cache-aside: read the key through Redis MCP; on a miss read the row through Postgres MCP and write it to Redis. Hit ratio = hits / (hits + misses).",
      keys: 10_000,
      zipfExponent: 1.1,
      client: { hits: 38_410, misses: 822, ratio: 38_410 / (38_410 + 822) },
      redisInfo: { hits: 38_410, misses: 822, ratio: 38_410 / (38_410 + 822) },
      agree: true,
    },
    slos: [
      slo({
        id: "coordination.latency.p99",
        title: "Coordination latency p99",
        metric: "coordination_latency.p99",
        objective: "p99 < 25 ms",
        source: { document: GUIDE, lines: "1789", quote: 'latency_p99: "25ms"' },
        measured: 18.4,
        unit: "ms",
        measuredText: "18.4 ms",
        samples: 2000,
        interval: { low: 0.9921, high: 0.9968, kind: "wilson95", of: "share of samples below 25 ms" },
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
        source: { document: GUIDE, lines: "1787", quote: 'latency_p50: "7ms"' },
        measured: 4.1,
        unit: "ms",
        measuredText: "4.1 ms",
        samples: 2000,
        interval: { low: 0.861, high: 0.889, kind: "wilson95", of: "share of samples below 7 ms" },
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
        source: { document: GUIDE, lines: "1813, 269, 590, 1234", quote: "**Cache Hit Ratio**: >99% through intelligent caching patterns" },
        scope: { server: "redis" },
        measured: 0.9801,
        unit: "ratio",
        measuredText: "98.01 %",
        samples: 39_232,
        interval: { low: 0.9787, high: 0.9814, kind: "wilson95", of: "hit ratio" },
        margin: -0.0099,
        marginText: "0.99 points short",
        verdict: "fail",
        reason: "the 95 % interval [97.87 %, 98.14 %] lies entirely below 99 %.",
      }),
    ],
  };
}

function toolLatencyScenario(): ScenarioResult {
  const servers = [
    { name: "memory", okPerInterval: 95, p50: 8.5, p99: 31 },
    { name: "github", okPerInterval: 40, p50: 38, p99: 140 },
  ];
  return {
    name: "tool-latency <baseline> & friends",
    description: "Per-server response time at a modest open-model rate; GitHub runs against a local stand-in.",
    file: "scenarios/tool-latency.yaml",
    profile: "ci",
    status: "completed",
    startedAt: "2025-11-22T03:31:25.000Z",
    endedAt: "2025-11-22T03:32:10.000Z",
    servers: [
      {
        name: "memory",
        package: "@modelcontextprotocol/server-memory",
        version: "2026.8.31",
        transport: "stdio",
        startToReadyMs: { p50: 380.0, max: 512.7, sessions: 4 },
        upstream: "none",
        tools: ["create_entities", "search_nodes", "read_graph"],
      },
      {
        name: "github",
        package: "github-mcp-server",
        version: "0.20.1",
        transport: "http",
        startToReadyMs: { p50: 95.3, max: 140.2, sessions: 4 },
        upstream: "stand-in",
        tools: ["get_issue", "search_repositories"],
      },
    ],
    backends: [],
    load: {
      model: "open",
      agents: 8,
      rate: 140,
      warmupMs: 5000,
      durationMs: 40_000,
      measuredMs: 40_004,
      offered: 5600,
      completed: 5545,
      lateSends: 9,
      dropped: 0,
      lateThresholdMs: 10,
      throughput: 138.6,
      generatorCpu: 0.12,
      eventLoopDelayP99Ms: 1.9,
    },
    latency: [
      { server: "memory", tool: "search_nodes", outcome: "ok", count: 3761, mean: 10.1, p50: 8.4, p95: 19.7, p99: 30.8, p99_9: 61.0, max: 88.3, histogram: FAKE_HISTOGRAM },
      { server: "github", tool: "get_issue", outcome: "ok", count: 120, mean: 49.5, p50: 38.2, p95: 101.4, p99: 141.0, p99_9: 160.2, max: 160.2, histogram: FAKE_HISTOGRAM },
      { server: "github", tool: "search_repositories", outcome: "ok", count: 1612, mean: 51.0, p50: 39.0, p95: 118.0, p99: 150.1, p99_9: 210.5, max: 260.7, histogram: FAKE_HISTOGRAM },
      { server: "github", tool: "search_repositories", outcome: "error", count: 52, mean: 12.0, p50: 11.0, p95: 20.2, p99: 25.0, p99_9: 25.0, max: 25.0, histogram: FAKE_HISTOGRAM },
    ],
    timeline: {
      intervalMs: 1000,
      points: timeline(servers, 1000, 5000, 40_000, 11),
    },
    errors: [
      { server: "github", tool: "search_repositories", outcome: "error", message: "stand-in returned HTTP 429: secondary rate limit", count: 52 },
    ],
    slos: [
      slo({
        id: "server.latency.p50@memory",
        title: "Memory server p50",
        metric: "latency.p50",
        objective: "p50 < 12 ms",
        source: { document: GUIDE, lines: "1801", quote: 'ml_inference_latency_p50: "12ms"' },
        scope: { server: "memory" },
        measured: 8.4,
        unit: "ms",
        measuredText: "8.4 ms",
        samples: 3761,
        interval: { low: 0.79, high: 0.816, kind: "wilson95", of: "share of samples below 12 ms" },
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
        source: { document: GUIDE, lines: "1796", quote: 'response_time_p95: "120ms"' },
        scope: { server: "github", tool: "get_issue" },
        measured: 101.4,
        unit: "ms",
        measuredText: "101.4 ms",
        samples: 120,
        interval: { low: 0.905, high: 0.982, kind: "wilson95", of: "share of samples below 120 ms" },
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
        source: { document: GUIDE, lines: "1798", quote: 'success_rate: "99.8%"' },
        scope: { server: "github" },
        measured: 0.9688,
        unit: "ratio",
        measuredText: "96.88 %",
        samples: 1784,
        interval: { low: 0.9592, high: 0.9762, kind: "wilson95", of: "success rate" },
        margin: -0.0292,
        marginText: "2.92 points short",
        verdict: "fail",
        reason: "52 HTTP 429 errors from the stand-in; the 95 % interval lies below 99.8 %.",
        standIn: true,
      }),
    ],
  };
}

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
    for (const s of [{ name: "redis", ok: 900, p50: 1.5, p99: 6.5 }, { name: "postgres", ok: 400, p50: 3.2, p99: 15 }]) {
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

function faultResults(): FaultResult[] {
  return [
    {
      id: "redis-kill",
      kind: "process",
      target: "redis-server 127.0.0.1:6391",
      description: "SIGKILL the Redis server; start it again 5 s later",
      injected: true,
      injectedAtMs: REDIS_KILL.at,
      healedAtMs: REDIS_KILL.healed,
      readyAtMs: REDIS_KILL.healed + 850,
      timeToDetectMs: 120,
      rtoMs: REDIS_KILL.back - REDIS_KILL.at,
      afterHealMs: REDIS_KILL.back - REDIS_KILL.healed,
      recovered: true,
      limitMs: 60_000,
      supervisor: true,
      observations: [
        "redis-server exited (signal SIGKILL) 0.00 s after the fault",
        "redis#0 logged \"connect ECONNREFUSED 127.0.0.1:6391\" 0.11 s after the fault",
        "redis-server started again 5.00 s after the fault; persistence=none: it came back empty",
      ],
    },
    {
      id: "redis-mcp-kill",
      kind: "process",
      target: "redis MCP server (all sessions)",
      description: "SIGKILL every Redis MCP server process; nothing restarts them",
      injected: true,
      injectedAtMs: MCP_KILL.at,
      healedAtMs: null,
      timeToDetectMs: 120,
      rtoMs: null,
      afterHealMs: null,
      recovered: false,
      limitMs: FAULT_WINDOW_MS - MCP_KILL.at,
      supervisor: false,
      observations: [
        "redis#0 exited (code 1) 0.31 s after the fault",
        "stderr of redis#0: <b>Error</b>: write EPIPE",
        "no supervisor: 8 sessions were left without a Redis MCP server",
      ],
    },
    {
      id: "postgres-partition",
      kind: "hop-down",
      target: "toxiproxy postgres-mcp → postgres",
      description: "Cut the link between the Postgres MCP server and Postgres for 10 s",
      injected: false,
      notInjectedReason: "steady state was not met before it: redis get probes were still failing",
      injectedAtMs: null,
      healedAtMs: null,
      timeToDetectMs: null,
      rtoMs: null,
      afterHealMs: null,
      recovered: false,
      limitMs: 60_000,
      supervisor: false,
      observations: [],
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
    name: "redis-durability",
    variant,
    description: "Agents keep coordination state in Redis while Redis and its MCP server are killed; acknowledged writes are read back afterwards.",
    file: DURABILITY_FILE,
    profile: "ci",
    status: "completed",
    startedAt: "2025-11-22T03:32:10.000Z",
    endedAt: "2025-11-22T03:34:00.000Z",
    servers: [
      {
        name: "redis",
        package: "@modelcontextprotocol/server-redis",
        version: "2025.4.25",
        transport: "stdio",
        startToReadyMs: { p50: 420.1, max: 610.4, sessions: 8 },
        upstream: "none",
        tools: ["set", "get"],
      },
      {
        name: "postgres",
        package: "@modelcontextprotocol/server-postgres",
        version: "0.6.2",
        transport: "stdio",
        startToReadyMs: { p50: 540.7, max: 790.3, sessions: 8 },
        upstream: "none",
        tools: ["query"],
      },
    ],
    backends: [
      { kind: "redis", version: "7.2.4", endpoint: "127.0.0.1:6391", settings: { appendonly: "no", save: "" } },
      { kind: "postgres", version: "16.3", endpoint: "127.0.0.1:5441", settings: { synchronous_commit: "on", fsync: "on" } },
    ],
    load: {
      model: "open",
      agents: 8,
      rate: 1300,
      warmupMs: 10_000,
      durationMs: FAULT_WINDOW_MS,
      measuredMs: 90_008,
      offered: 117_000,
      completed: 84_210,
      lateSends: 140,
      dropped: 0,
      lateThresholdMs: 10,
      throughput: 935.6,
      generatorCpu: 0.22,
      eventLoopDelayP99Ms: 2.4,
    },
    latency: [
      { server: "redis", tool: "get", outcome: "ok", count: 26_300, mean: 1.7, p50: 1.5, p95: 3.4, p99: 6.6, p99_9: 20.4, max: 48.0, histogram: FAKE_HISTOGRAM },
      { server: "redis", tool: "get", outcome: "error", count: 8_150, mean: 2.1, p50: 1.2, p95: 4.0, p99: 9.8, p99_9: 30.0, max: 40.0, histogram: FAKE_HISTOGRAM },
      { server: "postgres", tool: "query", outcome: "ok", count: 35_400, mean: 4.2, p50: 3.3, p95: 9.1, p99: 16.2, p99_9: 51.0, max: 140.2, histogram: FAKE_HISTOGRAM },
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
        source: { document: GUIDE, lines: "1552", quote: 'rpo: "30_seconds"' },
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
        source: { document: GUIDE, lines: "1562", quote: 'rpo: "0_seconds" # Immutable, no data loss acceptable' },
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

/** A complete run: 3 scenarios, 9 SLOs (5 pass, 3 fail, 1 inconclusive). Shallow overrides win. */
export function sampleRunRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    schemaVersion: 1,
    runId: "2025-11-22T03-30-00Z-7f3a",
    harness: { name: "mcp-slo-harness", version: "0.1.0" },
    status: "completed",
    verdict: "fail",
    startedAt: "2025-11-22T03:30:00.000Z",
    endedAt: "2025-11-22T03:34:00.000Z",
    command: ["mcp-slo", "run", "--suite", "default", "--profile", "ci", "--out", "reports/latest"],
    profile: "ci",
    environment: {
      node: "v20.20.0",
      platform: "linux x64",
      cpus: 4,
      cpuModel: "AMD EPYC 7B13",
      memoryGiB: 15.6,
      hostname: "ci-runner-3",
    },
    counts: { pass: 5, fail: 3, inconclusive: 1 },
    scenarios: [coordinationScenario(), toolLatencyScenario(), faultScenario()],
    notes: [
      "Samples close in time are not independent; the 95 % intervals are an honest approximation, not exact.",
      "GitHub was measured against a local stand-in of its API, not api.github.com: its results say nothing about GitHub's own latency.",
    ],
    ...overrides,
  };
}

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
    const generatorLimit = last && limitedByGenerator ? `${late} of ${offered} arrivals sent more than 10 ms late (5.0 %, event-loop delay p99 ${loop} ms)` : null;
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
    name: "capacity-redis <search>",
    description: "How many calls per second the Redis MCP server sustains.",
    file: "scenarios/capacity-redis.yaml",
    profile: "ci",
    status: "completed",
    startedAt: "2025-11-22T03:34:00.000Z",
    endedAt: "2025-11-22T03:34:33.000Z",
    servers: [],
    backends: [],
    load: {
      model: "open", agents: 4, rate: 2400, warmupMs: 1000, durationMs: 4000, measuredMs: 4002, offered: 9598, completed: 9598,
      lateSends: 26, dropped: 0, lateThresholdMs: 10, throughput: 2399.2, generatorCpu: 0.24, eventLoopDelayP99Ms: 15.4,
    },
    latency: [],
    timeline: { intervalMs: 1000, points: [] },
    errors: [],
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
        source: { document: GUIDE, lines: "588, 1233" },
        scope: { server: "redis" },
        measured: 9.0, unit: "ms", measuredText: "9.00 ms", samples: 9598, margin: 6, marginText: "6.00 ms under the target",
        verdict: "pass", reason: "share within 15 ms above 95 %",
      }),
      slo({
        id: "server.alert.error_rate@redis",
        title: "Below the error-rate alert (5 %), every server: redis",
        metric: "error_rate",
        objective: "error rate < 5 %",
        source: { document: GUIDE, lines: "577" },
        scope: { server: "redis" },
        measured: 0, unit: "ratio", measuredText: "0 % (0/9598)", samples: 9598, margin: 0.05, marginText: "5 % under the target",
        verdict: "pass", reason: "the whole 95 % interval meets the target",
      }),
    ],
  };
}

/** sampleRunRecord() plus a capacity scenario (11 SLOs: 7 pass, 3 fail, 1 inconclusive). */
export function capacityRunRecord(limitedByGenerator = false): RunRecord {
  const base = sampleRunRecord();
  return { ...base, counts: { pass: base.counts.pass + 2, fail: base.counts.fail, inconclusive: base.counts.inconclusive }, scenarios: [...base.scenarios, capacityScenario(limitedByGenerator)] };
}
