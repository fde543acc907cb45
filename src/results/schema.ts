/**
 * The zod schema of the run record (results.json). The TypeScript types of ./types.ts are checked
 * equal to what this schema infers (the assertions at the end fail to compile otherwise), so the
 * two cannot drift; `npm run schema` writes results/results.schema.json from it, for users who
 * validate or diff run records with other tools. The field-by-field meaning is documented in
 * ./types.ts.
 */
import { z } from "zod";
import type * as T from "./types.js";
import type * as C from "./comparison.js";

const ms = z.number();
const nullableMs = z.number().nullable();
const counts = z.strictObject({ pass: z.number().int(), fail: z.number().int(), inconclusive: z.number().int() });

export const Verdict = z.enum(["pass", "fail", "inconclusive"]);
export const RunStatus = z.enum(["completed", "interrupted", "error"]);
export const Outcome = z.enum(["ok", "error", "timeout"]);
export const FailureKind = z.enum(["tool", "protocol", "transport"]);

export const InstallResult = z.strictObject({
  server: z.string(),
  package: z.string(),
  version: z.string(),
  registry: z.enum(["npm", "pypi", "go"]),
  command: z.string(),
  outcome: z.enum(["installed", "timeout", "failed"]),
  installMs: ms,
  limitMs: ms,
  error: z.string().optional(),
  startToReadyMs: nullableMs,
  note: z.string().optional(),
});

export const SecurityStatus = z.enum(["pass", "fail", "not_measured", "not_applicable"]);
export const SecuritySeverity = z.enum(["critical", "high", "medium", "low", "info"]);
export const ValidationType = z.enum(["signature", "pinning", "vulnerabilities", "whitelist", "tool_definitions", "live_probes", "compliance"]);
export const SecurityCheck = z.strictObject({
  id: z.string(),
  category: ValidationType,
  title: z.string(),
  weight: z.number(),
  status: SecurityStatus,
  earned: z.number().nullable(),
  detail: z.string(),
});
export const SecurityFinding = z.strictObject({
  ruleId: z.string(),
  check: z.string(),
  severity: SecuritySeverity,
  title: z.string(),
  message: z.string(),
  evidence: z.string(),
  reproduce: z.string().optional(),
  tool: z.string().optional(),
  field: z.string().optional(),
  source: z.string().optional(),
  byDesign: z.string().optional(),
});
export const SecurityScore = z.strictObject({
  lower: z.number(),
  upper: z.number(),
  measuredShare: z.number(),
  applicableWeight: z.number(),
  cap: z.strictObject({ value: z.number(), severity: SecuritySeverity, because: z.string() }).optional(),
  byCategory: z.array(
    z.strictObject({ category: ValidationType, lower: z.number(), upper: z.number(), measuredShare: z.number(), applicableWeight: z.number() }),
  ),
});
export const ServerSecurity = z.strictObject({
  server: z.string(),
  package: z.string(),
  version: z.string(),
  registry: z.enum(["npm", "pypi", "go", "custom"]),
  checks: z.array(SecurityCheck),
  findings: z.array(SecurityFinding),
  score: SecurityScore,
  tools: z.array(z.strictObject({ name: z.string(), hash: z.string() })),
  error: z.string().optional(),
});
export const SecurityScanResult = z.strictObject({
  weights: z.array(z.strictObject({ id: z.string(), category: ValidationType, title: z.string(), weight: z.number() })),
  caps: z.array(z.strictObject({ severity: SecuritySeverity, cap: z.number() })),
  servers: z.array(ServerSecurity),
  pins: z.strictObject({ file: z.string().nullable(), state: z.enum(["compared", "written", "none"]), note: z.string() }),
  policy: z.strictObject({ file: z.string().nullable(), registries: z.array(z.string()), publishers: z.array(z.string()) }),
  conformance: z.strictObject({ tool: z.string(), node: z.string().nullable(), note: z.string() }),
});

export const SloSource = z.strictObject({ document: z.string(), lines: z.string(), quote: z.string().optional() });

export const SloResult = z.strictObject({
  id: z.string(),
  title: z.string(),
  metric: z.string(),
  objective: z.string(),
  source: SloSource,
  scope: z.strictObject({ server: z.string().optional(), tool: z.string().optional(), method: z.string().optional() }),
  measured: z.number().nullable(),
  unit: z.enum(["ms", "ratio", "ops/s", "count", "s"]),
  measuredText: z.string(),
  samples: z.number(),
  interval: z.strictObject({ low: z.number(), high: z.number(), kind: z.enum(["wilson95", "mean95", "none"]), of: z.string() }).nullable(),
  margin: z.number().nullable(),
  marginText: z.string(),
  verdict: Verdict,
  reason: z.string(),
  standIn: z.boolean(),
});

export const LatencySummary = z.strictObject({
  server: z.string(),
  tool: z.string(),
  method: z.string().optional(),
  outcome: Outcome,
  count: z.number(),
  mean: ms,
  p50: ms,
  p95: ms,
  p99: ms,
  p99_9: ms,
  max: ms,
  histogram: z.string(),
});

export const InitializeSummary = z.strictObject({
  server: z.string(),
  ok: z.number(),
  failed: z.number(),
  timeouts: z.number(),
  mean: nullableMs,
  p50: nullableMs,
  p95: nullableMs,
  p99: nullableMs,
  max: nullableMs,
  histogram: z.string(),
});

export const SessionsSummary = z.strictObject({
  churn: z.string(),
  definition: z.string(),
  initialize: z.array(InitializeSummary),
  opened: z.number(),
  failed: z.number(),
  closed: z.number(),
  firstSessions: z.number(),
  callsPerSession: z.number().nullable(),
  close: z.strictObject({ count: z.number(), p50: ms, max: ms }).nullable(),
  peakOpen: z.number(),
});

export const TimelinePoint = z.strictObject({
  t: ms,
  server: z.string(),
  ok: z.number(),
  error: z.number(),
  timeout: z.number(),
  p50: nullableMs,
  p99: nullableMs,
});

export const HarnessDelayPoint = z.strictObject({ t: ms, p99: nullableMs });

export const ErrorSummary = z.strictObject({
  server: z.string(),
  tool: z.string(),
  method: z.string().optional(),
  outcome: z.enum(["error", "timeout"]),
  kind: FailureKind.optional(),
  message: z.string(),
  count: z.number(),
});

export const CallCounts = z.strictObject({
  server: z.string(),
  tool: z.string(),
  method: z.string().optional(),
  ok: z.number(),
  failed: z.strictObject({ tool: z.number(), protocol: z.number(), transport: z.number() }),
  timeouts: z.number(),
  missed: z.number(),
  successRate: z.strictObject({ raw: z.number().nullable(), corrected: z.number().nullable() }),
});

export const MethodSummary = z.strictObject({
  server: z.string(),
  method: z.string(),
  calls: z.number(),
  ok: z.number(),
  failed: z.number(),
  timeouts: z.number(),
  p50: ms,
  p95: ms,
  p99: ms,
});

export const ByteFigures = z.strictObject({ count: z.number(), mean: z.number(), p50: z.number(), p95: z.number(), max: z.number() });

export const PayloadSummary = z.strictObject({
  server: z.string(),
  method: z.string(),
  tool: z.string().optional(),
  request: ByteFigures,
  response: ByteFigures,
  unmetered: z.number(),
});

export const NotificationCount = z.strictObject({ server: z.string(), method: z.string(), count: z.number() });

export const AvailabilityFigure = z.strictObject({
  server: z.string(),
  load: z.strictObject({ goodMs: ms, badMs: ms, ratio: z.number().nullable(), trials: z.number() }).nullable(),
  probe: z
    .strictObject({
      tool: z.string(),
      intervalMs: ms,
      timeoutMs: ms,
      probes: z.number(),
      ok: z.number(),
      ratio: z.number().nullable(),
      source: z.enum(["availability-probe", "fault-probe"]),
    })
    .nullable(),
  judgedBy: z.enum(["load", "probe"]).nullable(),
});

export const AvailabilitySummary = z.strictObject({
  definition: z.string(),
  figures: z.array(AvailabilityFigure),
  probe: z.strictObject({ intervalMs: ms, timeoutMs: ms }).nullable(),
  countsCorrected: z.boolean(),
  correctionNote: z.string(),
});

export const HaltConditionInfo = z.strictObject({
  burnRate: z.number(),
  windowMs: ms,
  minSamples: z.number().int(),
  graceMs: ms,
  everyMs: ms,
});

export const HaltWatch = z.strictObject({
  slo: z.string(),
  condition: HaltConditionInfo,
  budget: z.number(),
  evaluations: z.number().int(),
  maxBurnRate: z.number().nullable(),
  maxBurnRateAtMs: nullableMs,
  maxBurnRateSamples: z.number().nullable(),
  tripped: z.boolean(),
});

export const HaltedResult = z.strictObject({
  slo: z.string(),
  title: z.string(),
  condition: HaltConditionInfo,
  budget: z.number(),
  atMs: ms,
  overSinceMs: ms,
  burnRate: z.number(),
  samples: z.number(),
  bad: z.number(),
  inFlight: z.number().int(),
  plannedMs: nullableMs,
  measuredMs: ms,
  text: z.string(),
});

export const ServerExit = z.strictObject({
  server: z.string(),
  session: z.string(),
  atMs: ms,
  code: z.number().nullable(),
  signal: z.string().nullable(),
  stderr: z.array(z.string()),
});

export const ServerInfo = z.strictObject({
  name: z.string(),
  package: z.string(),
  version: z.string(),
  transport: z.enum(["stdio", "http"]),
  startToReadyMs: z.strictObject({ p50: ms, max: ms, sessions: z.number() }),
  upstream: z.enum(["none", "stand-in", "live"]),
  tools: z.array(z.string()),
  runsOn: z
    .discriminatedUnion("kind", [
      z.strictObject({ kind: z.literal("host-process") }),
      z.strictObject({
        kind: z.literal("container"),
        engine: z.string(),
        image: z.string(),
        imageDigest: z.string(),
        containers: z.array(z.string()),
        limits: z.strictObject({ cpus: z.number().positive().optional(), memoryBytes: z.number().int().positive().optional() }).optional(),
      }),
      z.strictObject({ kind: z.literal("url"), url: z.string() }),
    ])
    .optional(),
});

export const BackendInfo = z.strictObject({
  kind: z.enum(["redis", "postgres"]),
  version: z.string(),
  endpoint: z.string(),
  settings: z.record(z.string(), z.string()),
});

export const LoadShapeSummary = z.strictObject({
  unit: z.enum(["arrivals/s", "agents"]),
  start: z.number(),
  stages: z.array(z.strictObject({ durationMs: ms, target: z.number() })),
});

export const PlannedPoint = z.strictObject({ t: ms, target: z.number() });

export const LoadSummary = z.strictObject({
  model: z.enum(["open", "closed"]),
  agents: z.number(),
  rate: z.number().optional(),
  shape: LoadShapeSummary.optional(),
  warmupMs: ms,
  durationMs: nullableMs,
  measuredMs: ms,
  offered: z.number(),
  completed: z.number(),
  lateSends: z.number(),
  dropped: z.number(),
  lateThresholdMs: ms,
  throughput: z.number(),
  generatorCpu: z.number(),
  eventLoopDelayP99Ms: ms,
  harnessTimed: z.boolean().optional(),
  threads: z
    .array(
      z.strictObject({
        thread: z.number(),
        agents: z.number(),
        offered: z.number(),
        lateSends: z.number(),
        dropped: z.number(),
        cpu: z.number(),
        eventLoopDelayP99Ms: ms,
      }),
    )
    .optional(),
  outsideCpu: z.strictObject({ cores: z.number().nonnegative(), cpus: z.number().int().positive() }).optional(),
});

export const CoordinationSummary = z.strictObject({
  definition: z.string(),
  samples: z.number(),
  timeouts: z.number(),
  p50: ms,
  p95: ms,
  p99: ms,
  mean: ms,
  meanReadLatencyMs: ms,
  histogram: z.string(),
});

const hitCounts = z.strictObject({ hits: z.number(), misses: z.number(), ratio: z.number().nullable() });
export const CacheSummary = z.strictObject({
  definition: z.string(),
  keys: z.number(),
  zipfExponent: z.number(),
  client: hitCounts,
  redisInfo: hitCounts,
  agree: z.boolean(),
});

export const ScriptSummary = z.strictObject({
  definition: z.string(),
  tasks: z.strictObject({ started: z.number().int(), completed: z.number().int() }),
  steps: z.array(
    z.strictObject({
      name: z.string(),
      server: z.string(),
      tool: z.string(),
      calls: z.number().int(),
      ok: z.number().int(),
      failed: z.number().int(),
      broken: z.number().int(),
      unexpected: z.number().int(),
      examples: z.array(z.string()),
    }),
  ),
});

export const FaultResult = z.strictObject({
  id: z.string(),
  kind: z.string(),
  target: z.string(),
  description: z.string(),
  injected: z.boolean(),
  notInjectedReason: z.string().optional(),
  injectedAtMs: nullableMs,
  healedAtMs: nullableMs,
  readyAtMs: nullableMs.optional(),
  timeToDetectMs: nullableMs,
  rtoMs: nullableMs,
  afterHealMs: nullableMs,
  recovered: z.boolean(),
  limitMs: ms,
  supervisor: z.boolean(),
  observations: z.array(z.string()),
});

export const RpoResult = z.strictObject({
  store: z.enum(["redis", "postgres", "memory", "filesystem"]),
  durability: z.string(),
  acknowledged: z.number(),
  present: z.number(),
  lost: z.number(),
  unacknowledgedPresent: z.number(),
  faultAtMs: nullableMs,
  rpoMs: nullableMs,
  faultId: z.string().nullable().optional(),
  censored: z.boolean().optional(),
  writerAgeMs: nullableMs.optional(),
  lostWithoutFault: z.number().optional(),
  writerStartedAtMs: nullableMs.optional(),
  readBackError: z.string().optional(),
  text: z.string().optional(),
});

export const SteadyStateCheck = z.strictObject({
  phase: z.enum(["before", "during", "after"]),
  met: z.boolean(),
  probes: z.number(),
  failures: z.number(),
  detail: z.string(),
});

export const ProbeSeries = z.strictObject({
  server: z.string(),
  tool: z.string(),
  intervalMs: ms,
  timeoutMs: ms,
  consecutive: z.number(),
  points: z.array(z.strictObject({ t: ms, ok: z.boolean() })),
});

export const CapacityStepOutcome = z.enum(["sustained", "broken", "generator-limited", "interrupted"]);

export const CapacityStep = z.strictObject({
  index: z.number(),
  offeredRate: z.number(),
  achievedThroughput: z.number(),
  basis: z.enum(["calls", "coordination"]),
  p50: nullableMs,
  p99: nullableMs,
  okCalls: z.number(),
  failedCalls: z.number(),
  measuredMs: ms,
  generator: z.strictObject({ offered: z.number(), lateSends: z.number(), dropped: z.number(), cpu: z.number(), eventLoopDelayP99Ms: ms }),
  generatorLimit: z.string().nullable(),
  outcome: CapacityStepOutcome,
  brokenBy: z.array(z.string()),
  inconclusive: z.array(z.string()),
  counts,
});

export const CapacityResult = z.strictObject({
  plan: z.strictObject({
    startRate: z.number(),
    factor: z.number().nullable(),
    stepRate: z.number().nullable(),
    maxRate: z.number(),
    stepDurationMs: ms,
    settleMs: ms,
  }),
  steps: z.array(CapacityStep),
  sustainedRate: z.number().nullable(),
  breakingRate: z.number().nullable(),
  brokenBy: z.array(z.string()),
  limitedByGenerator: z.boolean(),
  reachedMax: z.boolean(),
  stopReason: z.string(),
  verdictsFromStep: z.number().nullable(),
  note: z.string(),
});

export const UpstreamSummary = z.strictObject({
  api: z.string(),
  mode: z.enum(["stand-in", "live"]),
  title: z.string(),
  payloads: z.string().optional(),
  servers: z.array(z.string()),
  behaviour: z
    .strictObject({ latency: z.strictObject({ medianMs: ms, p95Ms: ms }).optional(), errorRate: z.number().optional(), errorStatus: z.number().optional() })
    .optional(),
  requests: z.number().optional(),
  byStatus: z.record(z.string(), z.number()).optional(),
  unmatched: z.array(z.string()).optional(),
});

const SegmentFigures = z.strictObject({
  fromMs: z.number(),
  toMs: z.number(),
  calls: z.number(),
  ok: z.number(),
  p50Ms: z.number().nullable(),
  throughput: z.number(),
});

const ChangeJudgement = z.strictObject({
  relative: z.number().nullable(),
  band: z.number().nullable(),
  method: z.string(),
  verdict: z.enum(["pass", "fail", "inconclusive"]),
  reason: z.string(),
});

const FallbackKind = z.enum(["alternative-server", "last-stable-version", "degraded"]);

export const ResilienceResult = z.strictObject({
  policies: z.array(
    z.strictObject({
      server: z.string(),
      retries: z.strictObject({ count: z.number(), backoffMs: z.number(), jitter: z.number() }),
      deadlineMs: z.number().nullable(),
      breaker: z
        .strictObject({ failureRate: z.number(), windowCalls: z.number(), minCalls: z.number(), openMs: z.number(), halfOpenProbes: z.number() })
        .nullable(),
      fallback: z.strictObject({ kind: FallbackKind, server: z.string().nullable(), tools: z.array(z.string()) }).nullable(),
    }),
  ),
  calls: z.array(
    z.strictObject({
      server: z.string(),
      calls: z.number(),
      ok: z.number(),
      failed: z.number(),
      primary: z.number(),
      fallback: z.number(),
      degraded: z.number(),
      retried: z.number(),
      shortCircuited: z.number(),
    }),
  ),
  events: z.array(
    z.strictObject({
      atMs: z.number(),
      kind: z.enum([
        "breaker-opened",
        "breaker-half-open",
        "breaker-closed",
        "fallback-started",
        "failed-back",
        "switch-step",
        "canary-analysis",
        "rolled-back",
        "promoted",
        "switched",
      ]),
      server: z.string(),
      detail: z.string(),
    }),
  ),
  eventsNotKept: z.number(),
  fallbacks: z.array(
    z.strictObject({
      server: z.string(),
      fallbackServer: z.string().nullable(),
      kind: FallbackKind,
      faultId: z.string(),
      faultAtMs: z.number(),
      healedAtMs: z.number().nullable(),
      baseline: SegmentFigures,
      during: SegmentFigures.extend({ degraded: z.number(), successRate: z.number().nullable() }).strict().nullable(),
      latency: ChangeJudgement,
      throughput: ChangeJudgement,
      timeToFailOverMs: z.number().nullable(),
      timeToFailBackMs: z.number().nullable(),
      failedDuringFault: z.number(),
      callsDuringFault: z.number(),
    }),
  ),
  switch: z
    .strictObject({
      from: z.strictObject({ server: z.string(), version: z.string() }),
      to: z.strictObject({ server: z.string(), version: z.string(), standIn: z.string().nullable() }),
      baseline: z.strictObject({ server: z.string(), version: z.string() }).nullable(),
      mode: z.enum(["blue-green", "canary"]),
      atMs: z.number(),
      steps: z.array(
        z.strictObject({
          index: z.number(),
          shareTo: z.number(),
          startedMs: z.number(),
          endedMs: z.number(),
          from: SegmentFigures.extend({ failed: z.number() }).strict(),
          to: SegmentFigures.extend({ failed: z.number() }).strict(),
          baseline: SegmentFigures.extend({ failed: z.number() }).strict().optional(),
          comparison: z
            .strictObject({
              statistic: z.literal("p50"),
              verdict: z.enum(["improved", "unchanged", "regressed", "inconclusive"]),
              relative: z.number().nullable(),
              band: z.number().nullable(),
              method: z.string(),
              reason: z.string(),
            })
            .optional(),
          decision: z.enum(["next", "rolled-back", "promoted", "repeated", "switched", "interrupted"]),
        }),
      ),
      outcome: z.enum(["promoted", "rolled-back", "switched", "not-started", "interrupted"]),
      failedCalls: z.number(),
      calls: z.number(),
    })
    .optional(),
});

export const ScenarioResult = z.strictObject({
  name: z.string(),
  variant: z.string().optional(),
  description: z.string(),
  file: z.string(),
  profile: z.string(),
  status: RunStatus,
  error: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string(),
  servers: z.array(ServerInfo),
  backends: z.array(BackendInfo),
  upstreams: z.array(UpstreamSummary).optional(),
  offLoopback: z.strictObject({ hosts: z.array(z.string()) }).optional(),
  load: LoadSummary.nullable(),
  latency: z.array(LatencySummary),
  methods: z.array(MethodSummary).optional(),
  payload: z.array(PayloadSummary).optional(),
  notifications: z.array(NotificationCount).optional(),
  timeline: z.strictObject({
    intervalMs: ms,
    points: z.array(TimelinePoint),
    planned: z.array(PlannedPoint).optional(),
    harnessDelay: z.array(HarnessDelayPoint).optional(),
  }),
  errors: z.array(ErrorSummary),
  coordination: CoordinationSummary.optional(),
  cache: CacheSummary.optional(),
  script: ScriptSummary.optional(),
  faults: z.array(FaultResult).optional(),
  rpo: z.array(RpoResult).optional(),
  steadyState: z.array(SteadyStateCheck).optional(),
  probe: ProbeSeries.optional(),
  warnings: z.array(z.string()).optional(),
  install: z.array(InstallResult).optional(),
  security: SecurityScanResult.optional(),
  capacity: CapacityResult.optional(),
  resilience: ResilienceResult.optional(),
  availability: AvailabilitySummary.optional(),
  calls: z.array(CallCounts).optional(),
  serverExits: z.array(ServerExit).optional(),
  sessions: SessionsSummary.optional(),
  halted: HaltedResult.optional(),
  haltWatch: z.array(HaltWatch).optional(),
  slos: z.array(SloResult),
  scenarioHash: z.string().optional(),
});

export const CiIdentity = z.strictObject({
  system: z.enum(["github-actions", "gitlab", "jenkins", "buildkite"]),
  variables: z.record(z.string(), z.string()),
  branch: z.string().nullable(),
  commit: z.string().nullable(),
  url: z.string().nullable(),
});

export const RunIdentity = z.strictObject({
  harness: z.strictObject({ version: z.string(), commit: z.string().nullable() }),
  workdir: z.strictObject({ commit: z.string(), branch: z.string().nullable(), dirty: z.boolean().nullable() }).nullable(),
  ci: CiIdentity.nullable(),
  tags: z.record(z.string(), z.string()),
  provider: z.string(),
  machine: z.strictObject({ cpuModel: z.string(), cpus: z.number(), memoryGiB: z.number(), kernel: z.string(), node: z.string(), hash: z.string() }),
});

const Unit = z.enum(["ms", "ratio", "ops/s", "count", "s"]);
const ChangeVerdict = z.enum(["improved", "unchanged", "regressed", "inconclusive"]);
const RunRef = z.strictObject({ runId: z.string(), startedAt: z.string(), location: z.string(), ref: z.string().optional() });

export const MetricComparison = z.strictObject({
  key: z.string(),
  scenario: z.string(),
  source: z.enum(["slo", "metric"]),
  metric: z.string(),
  server: z.string().optional(),
  tool: z.string().optional(),
  title: z.string(),
  unit: Unit,
  better: z.enum(["lower", "higher"]),
  baseline: z.number().nullable(),
  candidate: z.number().nullable(),
  difference: z.number().nullable(),
  relative: z.number().nullable(),
  noise: z.strictObject({ low: z.number(), high: z.number() }).nullable(),
  materialFloor: z.number().nullable(),
  method: z.string(),
  lowConfidence: z.boolean(),
  verdict: ChangeVerdict,
  reason: z.string(),
});

export const Comparison = z.strictObject({
  baseline: RunRef,
  candidate: RunRef,
  comparable: z.strictObject({ ok: z.boolean(), differences: z.array(z.string()), notes: z.array(z.string()), forced: z.boolean() }),
  historyRuns: z.number(),
  rules: z.strictObject({
    relativeFloor: z.number(),
    absoluteFloor: z.strictObject({ ms: z.number(), ratio: z.number(), "ops/s": z.number(), count: z.number(), s: z.number() }),
  }),
  metrics: z.array(MetricComparison),
  counts: z.strictObject({ improved: z.number(), unchanged: z.number(), regressed: z.number(), inconclusive: z.number() }),
});

export const RunRecord = z.strictObject({
  schemaVersion: z.literal(1),
  runId: z.string(),
  harness: z.strictObject({ name: z.literal("mcp-slo-harness"), version: z.string() }),
  status: RunStatus,
  verdict: z.enum(["pass", "fail", "inconclusive", "error", "interrupted"]),
  startedAt: z.string(),
  endedAt: z.string(),
  command: z.array(z.string()),
  profile: z.string(),
  environment: z.strictObject({
    node: z.string(),
    platform: z.string(),
    cpus: z.number(),
    cpuModel: z.string(),
    memoryGiB: z.number(),
    hostname: z.string(),
    stack: z.strictObject({ provider: z.string(), engine: z.string().optional() }).optional(),
    priority: z
      .strictObject({
        harnessNice: z.number().int(),
        stackNice: z.number().int(),
        placement: z.literal("none"),
        harnessPolicy: z.enum(["realtime", "normal"]).optional(),
        stackAutogroupNice: z.number().int().optional(),
        autogroupsNotLowered: z.array(z.string()).optional(),
      })
      .optional(),
    clientCost: z
      .array(
        z.strictObject({
          transport: z.enum(["stdio", "http"]),
          calls: z.number().int(),
          p50Ms: ms,
          p90Ms: ms,
          p99Ms: ms,
          maxMs: ms,
          cpuUsPerCall: z.number().nonnegative(),
        }),
      )
      .optional(),
  }),
  counts,
  halted: z.array(z.strictObject({ scenario: z.string(), slo: z.string(), atMs: ms, burnRate: z.number() })).optional(),
  scenarios: z.array(ScenarioResult),
  notes: z.array(z.string()),
  identity: RunIdentity.optional(),
  comparison: Comparison.optional(),
  failOnInconclusive: z.boolean().optional(),
});

// The types of ./types.ts are what this schema infers: each line fails to compile if one side gains,
// loses or changes a field the other does not.
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function sameType<_Check extends true>(): void {}
sameType<Equal<z.infer<typeof RunRecord>, T.RunRecord>>();
sameType<Equal<z.infer<typeof ScenarioResult>, T.ScenarioResult>>();
sameType<Equal<z.infer<typeof SloResult>, T.SloResult>>();
sameType<Equal<z.infer<typeof Comparison>, C.Comparison>>();
sameType<Equal<z.infer<typeof FaultResult>, T.FaultResult>>();
sameType<Equal<z.infer<typeof RpoResult>, T.RpoResult>>();
sameType<Equal<z.infer<typeof CapacityResult>, T.CapacityResult>>();
sameType<Equal<z.infer<typeof ResilienceResult>, T.ResilienceResult>>();
sameType<Equal<z.infer<typeof InstallResult>, T.InstallResult>>();
sameType<Equal<z.infer<typeof RunIdentity>, T.RunIdentity>>();
sameType<Equal<z.infer<typeof SecurityScanResult>, T.SecurityScanResult>>();
