/**
 * The run record: what one `mcp-slo run` measured and concluded. `results.json`
 * is this object serialised; every other output (JUnit, Markdown, HTML) is
 * rendered from it alone, so they can never disagree with each other.
 */

import type { Comparison } from "./comparison.js";

export type Verdict = "pass" | "fail" | "inconclusive";

/** One cold install of a server from its registry into empty dirs (src/install/measure-install.ts). */
export interface InstallResult {
  server: string;
  package: string;
  version: string;
  registry: "npm" | "pypi" | "go";
  /** The install command(s) as run, e.g. "npm install --prefix <tmp> ... pkg@1.2.3". */
  command: string;
  /** installed: finished with exit 0; timeout: stopped at `limitMs`; failed: exited with an error. */
  outcome: "installed" | "timeout" | "failed";
  /** Wall clock from the start of the install to its end (timeout: the limit), registry download included. */
  installMs: number;
  limitMs: number;
  /** failed: why, with the last output lines of the install. */
  error?: string;
  /** Spawn of the freshly installed copy to a completed MCP initialize; null when not measured (see note). */
  startToReadyMs: number | null;
  note?: string;
}

/** How one security check of one server came out (issue 14). */
export type SecurityStatus = "pass" | "fail" | "not_measured" | "not_applicable";
export type SecuritySeverity = "critical" | "high" | "medium" | "low" | "info";
/**
 * The groups of checks, named as the design module's validator names its results (lines 138-170:
 * signature, vulnerabilities, compliance, whitelist) plus the harness's own: the label
 * `validation_type` of mcp_security_validation_score.
 */
export type ValidationType = "signature" | "pinning" | "vulnerabilities" | "whitelist" | "tool_definitions" | "live_probes" | "compliance";

/** One scored check of one server: its published weight and what it earned. */
export interface SecurityCheck {
  /** e.g. "supply.registry-integrity", "policy.publisher", "definitions.poisoning", "probe.confinement", "conformance". */
  id: string;
  category: ValidationType;
  title: string;
  /** Points out of 10 (the published table), before rescaling over the checks that apply. */
  weight: number;
  status: SecurityStatus;
  /** Share of the weight earned, 0..1 (pass 1, fail 0, conformance its pass rate); null when not measured or not applicable. */
  earned: number | null;
  /** Why, in a sentence or two: what was compared, or why it could not be measured. */
  detail: string;
}

/** Something a check found, with what shows it and how to see it again. */
export interface SecurityFinding {
  /** The rule: "TD1", "probe.confinement.symlink", "supply.installed-files", "conformance.tools-list", ... */
  ruleId: string;
  /** The SecurityCheck.id it counts against. */
  check: string;
  severity: SecuritySeverity;
  title: string;
  message: string;
  /** What shows it (escaped and redacted): the excerpt, the compared values, the observed effect. */
  evidence: string;
  /** How to see it again: the tool call with its arguments, or the command. */
  reproduce?: string;
  tool?: string;
  field?: string;
  /** Where the rule comes from (a spec section, a write-up, an advisory). */
  source?: string;
  /** Documented behaviour of the server (e.g. a protocol test server that returns its environment on purpose): still a finding, said so. */
  byDesign?: string;
}

export interface SecurityScore {
  /** Earned over applicable weight, x 10, after the cap: the score if every unmeasured check failed. */
  lower: number;
  /** The same if every unmeasured check passed. */
  upper: number;
  /** Measured weight over applicable weight (1 = everything that applies was measured). */
  measuredShare: number;
  /** The weight of the checks that apply (not_applicable ones leave it). */
  applicableWeight: number;
  /** The cap a finding of this severity put on the score, when one did. */
  cap?: { value: number; severity: SecuritySeverity; because: string };
  byCategory: { category: ValidationType; lower: number; upper: number; measuredShare: number; applicableWeight: number }[];
}

/** One server's scan: every check, every finding, the score. */
export interface ServerSecurity {
  server: string;
  package: string;
  version: string;
  /** Where it comes from: a registry, or "custom" (a scenario's own command). */
  registry: "npm" | "pypi" | "go" | "custom";
  checks: SecurityCheck[];
  findings: SecurityFinding[];
  score: SecurityScore;
  /** The tools it offered when scanned, with the hash of each whole definition (the pin). */
  tools: { name: string; hash: string }[];
  /** The scan of this server could not finish (it did not start, ...): what went wrong. */
  error?: string;
}

/** A security scan (`mcp-slo scan` or a `kind: security` workload). */
export interface SecurityScanResult {
  /** The published weights and caps the scores were computed with. */
  weights: { id: string; category: ValidationType; title: string; weight: number }[];
  caps: { severity: SecuritySeverity; cap: number }[];
  servers: ServerSecurity[];
  /** The pin file the tool definitions were compared with, and what happened to it. */
  pins: { file: string | null; state: "compared" | "written" | "none"; note: string };
  /** The policy (allowed registries and publishers) the sources were judged by, and where it came from. */
  policy: { file: string | null; registries: string[]; publishers: string[] };
  /** The conformance suite as run: its package and version and the Node it ran on, or why it did not run. */
  conformance: { tool: string; node: string | null; note: string };
}

/** Overall status of a run or a scenario. */
export type RunStatus = "completed" | "interrupted" | "error";

export type Outcome = "ok" | "error" | "timeout";

/**
 * What kind of failure a failed call was (../shared/measurement.md):
 *  - tool: the server answered that the call failed (`isError`, or a JSON-RPC error response);
 *  - protocol: an answer came that does not parse or breaks the schema (the call may have taken effect);
 *  - transport: no answer at all (the connection or process is gone, or the deadline passed: every timeout).
 */
export type FailureKind = "tool" | "protocol" | "transport";

/** Where an SLO's target came from: a document of ../shared/seeds and its line(s). */
export interface SloSource {
  /** e.g. "MCP Enterprise Guide (003_ba5d8098385d04d0.txt)" or "scenarios/x.yaml" */
  document: string;
  /** e.g. "1787" or "1795-1796" or "588, 1233" */
  lines: string;
  /** The words of the document that state the figure. */
  quote?: string;
}

export interface SloResult {
  /** Catalog id (e.g. "coordination.latency.p99"), with "@server" appended when expanded per server. */
  id: string;
  title: string;
  /** e.g. "latency.p99", "success_rate", "coordination_latency.p50", "cache_hit_ratio", "throughput" */
  metric: string;
  /** Human form of the objective, e.g. "p99 < 25 ms", "success rate >= 99.7 %". */
  objective: string;
  source: SloSource;
  /** method: an MCP method (issue 19), or "initialize" for the session setups (scenario sessions.churn), judged apart from the tool calls. */
  scope: { server?: string; tool?: string; method?: string };
  /** Measured value in `unit`, null when nothing was measured. */
  measured: number | null;
  unit: "ms" | "ratio" | "ops/s" | "count" | "s";
  /** Measured value formatted for people, e.g. "12.3 ms", "99.82 %". */
  measuredText: string;
  /** Number of samples (calls, trials) behind the value. */
  samples: number;
  /** 95 % interval of the statistic the verdict was decided on, in that statistic's unit. */
  interval: { low: number; high: number; kind: "wilson95" | "mean95" | "none"; of: string } | null;
  /** Headroom to the target: positive means room to spare, negative means missed, in `unit`. */
  margin: number | null;
  marginText: string;
  verdict: Verdict;
  /** One sentence saying why this verdict, e.g. "only 120 samples: a p99 needs at least 300". */
  reason: string;
  /** True when this SLO was measured against a local stand-in of a SaaS API rather than the real API. */
  standIn: boolean;
}

export interface LatencySummary {
  server: string;
  /** The tool, or for another MCP method than tools/call the method's name (then `method` says so). */
  tool: string;
  /** The MCP method when it is not tools/call; absent for a tool call. */
  method?: string;
  outcome: Outcome;
  count: number;
  /** milliseconds */
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  p99_9: number;
  max: number;
  /** HDR histogram (microseconds, 3 significant digits), compressed base64, mergeable. */
  histogram: string;
}

/**
 * The session setups of one server in the measurement window (the MCP method initialize: over stdio
 * the spawn of the server's process and the initialize handshake, over HTTP the initialize request),
 * apart from the tool calls. ms; null when no setup of that outcome.
 */
export interface InitializeSummary {
  server: string;
  ok: number;
  /** Setups that failed before the start timeout (the process exited, the server refused). */
  failed: number;
  /** Setups that did not answer within the scenario's startTimeout. */
  timeouts: number;
  /** Latency of the ok setups. */
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  /** HDR histogram of the ok setups (microseconds, 3 significant digits), compressed base64. */
  histogram: string;
}

/** Session churn (scenario sessions.churn): the agents' new sessions, their setup and the old ones closed. */
export interface SessionsSummary {
  /** The policy in words, e.g. "a new session for every call". */
  churn: string;
  /** How the figures are measured. */
  definition: string;
  /** Per server, the setups of the measurement window. */
  initialize: InitializeSummary[];
  /** Over the whole run (warm-up and window): new sessions opened by churn, setups that failed, replaced sessions closed. */
  opened: number;
  failed: number;
  closed: number;
  /** The agents' first sessions, opened before the load (their setup is servers[].startToReadyMs), not counted above. */
  firstSessions: number;
  /**
   * Calls of the measurement window per session set up in it; null when none was, and with churn per join
   * (agents that stay call on their first sessions all along, so the ratio would say nothing).
   */
  callsPerSession: number | null;
  /** How long closing a replaced session took (ms, its process stopped), over the run; null when none was closed. */
  close: { count: number; p50: number; max: number } | null;
  /** Most agent sessions open at once (replaced ones still closing included): bounded by agents x servers x 2. */
  peakOpen: number;
}

export interface TimelinePoint {
  /** ms since the start of the measurement window (negative during warm-up) */
  t: number;
  server: string;
  ok: number;
  error: number;
  timeout: number;
  /** ms; null when no successful call completed in this interval */
  p50: number | null;
  p99: number | null;
}

/** The harness's event-loop delay in one window of the timeline. */
export interface HarnessDelayPoint {
  /** ms since the start of the measurement window: the window's start */
  t: number;
  /** ms beyond the sampling interval (as load.eventLoopDelayP99Ms); null when the window held no sample */
  p99: number | null;
}

export interface ErrorSummary {
  server: string;
  tool: string;
  /** The MCP method when it is not tools/call (then `tool` is the method's name). */
  method?: string;
  outcome: Exclude<Outcome, "ok">;
  /** Absent only in records written before failures were told apart. */
  kind?: FailureKind;
  message: string;
  count: number;
}

/**
 * Calls to one server and tool in the measurement window: raw counts by outcome and failure
 * kind, and the closed model's corrected count (see ../shared/measurement.md, "Availability and
 * success rate"): calls an agent would have sent while stuck on a timed-out call or backing off
 * from a lost session. Missed calls count as failed; success rate and error rate use the corrected counts.
 */
export interface CallCounts {
  server: string;
  tool: string;
  /** The MCP method when it is not tools/call (then `tool` is the method's name). */
  method?: string;
  ok: number;
  failed: { tool: number; protocol: number; transport: number };
  /** Of failed.transport, how many passed their deadline. */
  timeouts: number;
  /** Intended calls that could not be sent (closed model only; 0 in the open model, which counts scheduled calls). */
  missed: number;
  successRate: { raw: number | null; corrected: number | null };
}

/**
 * Requests of one MCP method to one server in the measurement window (issue 19), tools/call being one
 * method among the others: counts, and latency of the ok and timed-out requests (a timeout at its
 * deadline), the distribution the latency SLOs judge.
 */
export interface MethodSummary {
  server: string;
  method: string;
  /** ok + failed (timeouts included). */
  calls: number;
  ok: number;
  failed: number;
  /** Of failed, how many passed their deadline. */
  timeouts: number;
  /** milliseconds; 0 when no request was ok or timed out */
  p50: number;
  p95: number;
  p99: number;
}

/** Sizes of messages in bytes: the mean (exact), percentiles (HDR, 3 significant digits) and the largest. */
export interface ByteFigures {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

/**
 * Serialized JSON-RPC message sizes per server x method (x tool for tools/call) in the measurement
 * window (src/stack/message-meter.ts says how they are measured: UTF-8 bytes of the message's JSON,
 * without transport framing). A request that timed out or lost its session has no response size.
 */
export interface PayloadSummary {
  server: string;
  method: string;
  /** The tool, for tools/call. */
  tool?: string;
  request: ByteFigures;
  response: ByteFigures;
  /** Requests the meter could not see being sent (no size known); 0 unless the SDK changed how it sends. */
  unmetered: number;
}

/** Notifications a server sent the agents' sessions in the measurement window, by method (e.g. notifications/resources/updated after resources/subscribe). */
export interface NotificationCount {
  server: string;
  method: string;
  count: number;
}

/** Availability of one server (or "*": all of them) by the two independent measures. */
export interface AvailabilityFigure {
  server: string;
  /** From the load: good time / observed time, summed over the agents' timelines. */
  load: { goodMs: number; badMs: number; ratio: number | null; trials: number } | null;
  /** From the always-on probe: ok probes / probes sent in the window. */
  probe: {
    tool: string;
    intervalMs: number;
    timeoutMs: number;
    probes: number;
    ok: number;
    ratio: number | null;
    source: "availability-probe" | "fault-probe";
  } | null;
  /** Which figure judges this scope's availability SLOs. */
  judgedBy: "load" | "probe" | null;
}

export interface AvailabilitySummary {
  definition: string;
  figures: AvailabilityFigure[];
  /** The probe as configured; null when the scenario turned it off (or a capacity search, whose steps judge the load). */
  probe: { intervalMs: number; timeoutMs: number } | null;
  /** Whether call counts carry the closed model's correction, and if not, why. */
  countsCorrected: boolean;
  correctionNote: string;
}

/** A server process that exited while the scenario ran (a crash, a kill), whether or not a fault was injected. */
/** A halt condition of an SLO (scenario `slos[].halt`), in ms. */
export interface HaltConditionInfo {
  burnRate: number;
  windowMs: number;
  minSamples: number;
  graceMs: number;
  everyMs: number;
}

/** What one SLO's halt condition saw while the window ran (whether it tripped or not). */
export interface HaltWatch {
  /** The verdict's id (with "@server" when the SLO's scope is "*"). */
  slo: string;
  condition: HaltConditionInfo;
  /** The share of bad calls the objective allows (1 - target; 1 - quantile for a percentile; the target of an error rate). */
  budget: number;
  evaluations: number;
  /** The highest burn rate of an evaluation with at least minSamples calls in its window; null: none had that many. */
  maxBurnRate: number | null;
  /** ms into the measurement window of that evaluation, and the calls in its window. */
  maxBurnRateAtMs: number | null;
  maxBurnRateSamples: number | null;
  tripped: boolean;
}

/** The scenario halted: an SLO burned its error budget as fast as its halt condition allows (src/slo/burn-rate.ts). */
export interface HaltedResult {
  /** The SLO whose condition tripped: its verdict id. */
  slo: string;
  title: string;
  condition: HaltConditionInfo;
  budget: number;
  /** ms into the measurement window when it tripped: the load was stopped and the faults healed then. */
  atMs: number;
  /** ms into the window since when the condition held at every evaluation (atMs - overSinceMs >= grace). */
  overSinceMs: number;
  /** The burn rate at the trip: (bad / samples) / budget over the last condition.windowMs. */
  burnRate: number;
  /** Calls in that window (closed model: with the calls a stall kept agents from sending), bad ones, and of those calls still in flight past their limit. */
  samples: number;
  bad: number;
  inFlight: number;
  /** The window as planned (null: ended by count) and as measured: the load stopped at the trip, calls in flight then answered or timed out. */
  plannedMs: number | null;
  measuredMs: number;
  /** One sentence for people: when, which SLO, why. */
  text: string;
}

export interface ServerExit {
  server: string;
  /** "redis#0" (agent 0's session), "redis#-1" (an auxiliary session: probe or writer). */
  session: string;
  /** ms from the start of the measurement window (negative: before it) */
  atMs: number;
  code: number | null;
  signal: string | null;
  /** Its last informative stderr lines (bounded). */
  stderr: string[];
}

export interface ServerInfo {
  name: string;
  /** npm/PyPI package or "custom" */
  package: string;
  version: string;
  transport: "stdio" | "http";
  /** ms from spawn to a completed MCP initialize, one per session (agent) */
  startToReadyMs: { p50: number; max: number; sessions: number };
  /** "local" process, or "stand-in" when it talks to a local stand-in of a SaaS API */
  upstream: "none" | "stand-in" | "live";
  tools: string[];
  /** Where its sessions ran (absent in results written before this field existed). */
  runsOn?: ServerRunsOn;
}

/** Resource limits a server's containers ran with (scenario `resources`); a field absent is no limit. */
export interface ServerLimits {
  /** CPUs (the engine's --cpus: a CFS quota of this many cores). */
  cpus?: number;
  /** Memory in bytes (the engine's --memory: the container is OOM-killed beyond it). */
  memoryBytes?: number;
}

/**
 * Where a server's sessions ran: host child processes of the harness, containers of the run's engine
 * (`--provider docker`: one per session, on the stack's network), or a deployment by URL.
 */
export type ServerRunsOn =
  | { kind: "host-process" }
  | {
      kind: "container";
      /** "podman 4.3.1", "docker 27.1.1" */
      engine: string;
      image: string;
      /** The image's content digest (sha256:...) as the engine reported it when the session started. */
      imageDigest: string;
      /** Ids of its session containers when the sessions were set up (bounded: the first 64; a nightly run may have hundreds). */
      containers: string[];
      limits?: ServerLimits;
    }
  | { kind: "url"; url: string };

export interface BackendInfo {
  kind: "redis" | "postgres";
  version: string;
  endpoint: string;
  settings: Record<string, string>;
}

/** A load shape (scenario `load.stages`): the target went linearly from `start` through each stage's target. */
export interface LoadShapeSummary {
  /** What the target counts: arrivals per second (open model) or active agents (closed model). */
  unit: "arrivals/s" | "agents";
  start: number;
  stages: { durationMs: number; target: number }[];
}

/** The planned target of one timeline bucket: its mean over the bucket's real length, in the shape's unit. */
export interface PlannedPoint {
  /** ms since the start of the measurement window, as TimelinePoint.t (negative during warm-up) */
  t: number;
  target: number;
}

/** One load thread of the threads driver: its share of a window and how busy it was (judged on its own). */
export interface ThreadHealth {
  thread: number;
  agents: number;
  offered: number;
  lateSends: number;
  dropped: number;
  /** This thread's CPU time over the window, as a share of one core. */
  cpu: number;
  eventLoopDelayP99Ms: number;
}

export interface LoadSummary {
  model: "open" | "closed";
  agents: number;
  /** open model: target arrivals per second (with a shape: the rate the scenario names, its start unless it gives another) */
  rate?: number;
  /** The load shape the window ran, when the scenario gave stages. */
  shape?: LoadShapeSummary;
  warmupMs: number;
  /** planned measurement window */
  durationMs: number | null;
  /** actual measurement window */
  measuredMs: number;
  /** calls the schedule asked for in the measurement window (open) or started (closed) */
  offered: number;
  completed: number;
  /** calls sent more than `lateThresholdMs` after their intended time (open model) */
  lateSends: number;
  /** calls not sent because too many were in flight (open model) */
  dropped: number;
  lateThresholdMs: number;
  /** completed calls per second over the measurement window */
  throughput: number;
  /** load generator health: share of one core used by the harness process, 0..1+ */
  generatorCpu: number;
  /**
   * Event-loop delay p99 of the harness during the window, ms: how late the harness could have
   * noticed an answer, so how much too long a latency sample can be. Beyond the monitor's own
   * sampling interval (Node reports interval + delay; the interval is taken off).
   */
  eventLoopDelayP99Ms: number;
  /** False when the samples were not timed by the harness's event loop (k6 times its own). */
  harnessTimed?: boolean;
  /**
   * The threads driver: each load thread's agents, sends and health over the window, judged on its
   * own (generatorCpu and eventLoopDelayP99Ms above are then the worst thread's). Absent otherwise.
   */
  threads?: ThreadHealth[];
  /**
   * How busy the machine was with work that is not the run's during the window: cores (of `cpus`)
   * from the machine's busy CPU time less that of the run's processes (src/util/machine-load.ts).
   * Absent where /proc cannot be read. A two-run comparison uses it to tell a busier machine from a
   * regression (README, "Comparing runs").
   */
  outsideCpu?: { cores: number; cpus: number };
}

export interface CoordinationSummary {
  definition: string;
  samples: number;
  timeouts: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** mean latency of one read (the measurement's resolution), ms */
  meanReadLatencyMs: number;
  histogram: string;
}

export interface CacheSummary {
  definition: string;
  keys: number;
  zipfExponent: number;
  client: { hits: number; misses: number; ratio: number | null };
  redisInfo: { hits: number; misses: number; ratio: number | null };
  /** true when both ways of counting give the same hits and misses */
  agree: boolean;
}

/**
 * A script's agent tasks (workload kind script): each pass of an agent through the steps is one task,
 * counted in the window when its first step was sent in it.
 */
export interface ScriptSummary {
  definition: string;
  /** Passes begun in the window, and those whose every step answered, kept the chain and met its expect. */
  tasks: { started: number; completed: number };
  /** In the script's order; a pass stops at the first step that fails, so later steps see fewer calls. */
  steps: ScriptStepSummary[];
}

export interface ScriptStepSummary {
  name: string;
  server: string;
  tool: string;
  /** Calls sent (a pass whose arguments could not be made sends none for this step). */
  calls: number;
  /** Answered without error, and the answer kept the chain and met the step's expect. */
  ok: number;
  /** The call failed (tool error, protocol, transport, timeout): counted as a failure of the server too. */
  failed: number;
  /** Broken chains: the answer lacked a value a later step's arguments (or expect) read. */
  broken: number;
  /** The answer did not meet the step's `expect` (a path missing or a value different). */
  unexpected: number;
  /** Up to three examples of what broke or was unexpected, with the step that needed it. */
  examples: string[];
}

/** One injected fault and how the stack came back from it (see ../shared/measurement.md, RTO). */
export interface FaultResult {
  id: string;
  /** The fault's kind as the scenario names it (src/faults/kinds: toxic, hop-down, process, stdio, ...). */
  kind: string;
  target: string;
  description: string;
  /** false when it was not injected (steady state not met, run interrupted first) */
  injected: boolean;
  notInjectedReason?: string;
  /** ms from the start of the measurement window */
  injectedAtMs: number | null;
  /**
   * when its cause was removed (link restored, process spawned again); null when never healed.
   * Not when the restarted thing was ready: that is `readyAtMs`.
   */
  healedAtMs: number | null;
  /** when what was healed was ready again (a restarted backend answered); equal to healedAtMs when nothing had to start; absent in older records */
  readyAtMs?: number | null;
  /** first failed probe - injection; null when no probe failed */
  timeToDetectMs: number | null;
  /** first of k consecutive successful probes after the outage - injection; null when not recovered */
  rtoMs: number | null;
  /** the same end point - heal time (healedAtMs); negative only when the stack recovered while the fault was still on */
  afterHealMs: number | null;
  recovered: boolean;
  /** how long recovery was waited for */
  limitMs: number;
  /** whether a supervisor restarted dead MCP server processes */
  supervisor: boolean;
  /** What the stack did, as seen: processes that exited, restarts, the first log lines during the fault. */
  observations: string[];
}

/** Data loss of one store, measured like Jepsen: acknowledged writes read back after recovery. */
export interface RpoResult {
  store: "redis" | "postgres" | "memory" | "filesystem";
  /** e.g. "appendonly yes, appendfsync always" */
  durability: string;
  acknowledged: number;
  present: number;
  lost: number;
  /** writes that were never acknowledged but did land: not loss, reported apart */
  unacknowledgedPresent: number;
  /** ms from the window start of the fault the loss is measured against */
  faultAtMs: number | null;
  /** fault time - ack time of the oldest lost record; 0 when nothing was lost; null when it cannot be dated (read-back failed, or only loss without a fault) */
  rpoMs: number | null;
  /** the fault `faultAtMs` belongs to */
  faultId?: string | null;
  /**
   * true when rpoMs is only a lower bound: nothing older than the oldest lost record was left in the
   * store (it was the writer's first), so the true RPO is ">= rpoMs". It can fail a target, never prove one.
   */
  censored?: boolean;
  /** with censored: how long the writer had been writing (its records the store held) at the fault */
  writerAgeMs?: number | null;
  /** acknowledged writes lost that no fault accounts for (none injected, or lost after every fault had passed): a consistency failure */
  lostWithoutFault?: number;
  /** when the writer sent its first write, ms from the window start (negative: before the window opened) */
  writerStartedAtMs?: number | null;
  /** why reading the store back failed; then present/lost are not known */
  readBackError?: string;
  /** the RPO in words, e.g. ">= 6.02 s (312 lost; censored)", "acknowledged writes lost without a fault (185 of 356)" */
  text?: string;
}

export interface SteadyStateCheck {
  phase: "before" | "during" | "after";
  met: boolean;
  probes: number;
  failures: number;
  detail: string;
}

export interface ProbeSeries {
  server: string;
  tool: string;
  intervalMs: number;
  timeoutMs: number;
  consecutive: number;
  /** t: ms from the start of the measurement window */
  points: { t: number; ok: boolean }[];
}

/** How one step of a capacity search ended. */
export type CapacityStepOutcome = "sustained" | "broken" | "generator-limited" | "interrupted";

/** One step of a capacity search: the workload at one arrival rate, judged like a scenario. */
export interface CapacityStep {
  index: number;
  /** arrivals per second the schedule offered */
  offeredRate: number;
  /** completed ok calls per second over the step's window (for coordination: completed coordination samples per second) */
  achievedThroughput: number;
  /** what achievedThroughput and p50/p99 count: "calls" (every MCP call) or "coordination" (coordination samples) */
  basis: "calls" | "coordination";
  /** ms; null with no sample */
  p50: number | null;
  p99: number | null;
  okCalls: number;
  failedCalls: number;
  measuredMs: number;
  /** Load-generator health during the step's window. */
  generator: { offered: number; lateSends: number; dropped: number; cpu: number; eventLoopDelayP99Ms: number };
  /** Why the generator, not the server, set the pace (late sends above 1 %, CPU saturated); null when it kept up. */
  generatorLimit: string | null;
  outcome: CapacityStepOutcome;
  /** SLO ids that failed at this step */
  brokenBy: string[];
  /** SLO ids inconclusive at this step: noted, they do not end the search */
  inconclusive: string[];
  counts: { pass: number; fail: number; inconclusive: number };
}

/** Result of a capacity search (src/capacity/search.ts). */
export interface CapacityResult {
  plan: { startRate: number; factor: number | null; stepRate: number | null; maxRate: number; stepDurationMs: number; settleMs: number };
  steps: CapacityStep[];
  /** highest offered rate at which every SLO held (none failed) and the generator kept up; null when the first step did not hold */
  sustainedRate: number | null;
  /** offered rate of the step where an SLO failed; null when none failed */
  breakingRate: number | null;
  /** SLO ids that failed at the breaking step */
  brokenBy: string[];
  /** true when the search ended because the load generator could not offer the rate: the server was not shown to break */
  limitedByGenerator: boolean;
  /** true when every planned step held, up to capacity.max */
  reachedMax: boolean;
  /** One sentence: why the search stopped. */
  stopReason: string;
  /** Index of the step whose window and verdicts are the scenario's (its load, latency and SLOs); null with no step. */
  verdictsFromStep: number | null;
  /** How the scenario's verdicts and inconclusive steps were treated, for the reader. */
  note: string;
}

export interface UpstreamSummary {
  api: string;
  mode: "stand-in" | "live";
  title: string;
  /** Where a stand-in's payloads come from. */
  payloads?: string;
  servers: string[];
  /** A stand-in's added latency and error rate, when set. */
  behaviour?: { latency?: { medianMs: number; p95Ms: number }; errorRate?: number; errorStatus?: number };
  /** What the stand-in answered during the scenario (offline runs only). */
  requests?: number;
  byStatus?: Record<string, number>;
  /** Calls no route of the stand-in knew ("METHOD /path"): the server asked for something the stand-in lacks. */
  unmatched?: string[];
}

export interface ScenarioResult {
  name: string;
  /** The matrix cell, e.g. "redis.persistence=none", when the scenario has a matrix. */
  variant?: string;
  description: string;
  file: string;
  profile: string;
  status: RunStatus;
  /** When status is "error": what went wrong. */
  error?: string;
  startedAt: string;
  endedAt: string;
  servers: ServerInfo[];
  backends: BackendInfo[];
  /** The SaaS APIs servers called: local stand-ins (and where their payloads come from) or the real ones. */
  upstreams?: UpstreamSummary[];
  /**
   * Set when a `url:` server of the scenario is not on loopback (allowed by the run's --allow-hosts):
   * the load went to those hosts, not to the harness's own machine. Shown in the report's header.
   */
  offLoopback?: { hosts: string[] };
  load: LoadSummary | null;
  latency: LatencySummary[];
  /** Per server x MCP method, when the workload sent methods other than tools/call. */
  methods?: MethodSummary[];
  /** Request and response sizes per server x method (x tool), when the harness's own driver sent the calls. */
  payload?: PayloadSummary[];
  /** Notifications the servers sent the agents during the window, when any arrived or the workload subscribed. */
  notifications?: NotificationCount[];
  /** `planned`: with a load shape, its target per bucket (arrivals/s or agents, LoadSummary.shape.unit). */
  /**
   * harnessDelay: the harness's event-loop delay p99 per window of the measurement window (the points'
   * windows; ../shared/measurement.md, "Harness timing error"), when the harness timed the samples.
   * load.eventLoopDelayP99Ms is the same figure over the whole window. Absent in older records.
   */
  timeline: { intervalMs: number; points: TimelinePoint[]; planned?: PlannedPoint[]; harnessDelay?: HarnessDelayPoint[] };
  errors: ErrorSummary[];
  coordination?: CoordinationSummary;
  cache?: CacheSummary;
  /** The agent tasks of a script, per step (workload kind script). */
  script?: ScriptSummary;
  faults?: FaultResult[];
  rpo?: RpoResult[];
  /** Only for scenarios that inject faults: a scenario with RPO writers and no fault (a consistency check) has none. */
  steadyState?: SteadyStateCheck[];
  probe?: ProbeSeries;
  /** What may keep a verdict of this scenario from being decided, known before it ran (e.g. an RPO writer too young at its fault to prove the target). */
  warnings?: string[];
  /** Cold installs, when the scenario's workload is `kind: install` (no load is run then). */
  install?: InstallResult[];
  /** A security scan, when the scenario's workload is `kind: security` (no load is run then). */
  security?: SecurityScanResult;
  /** Capacity search, when the scenario asked for one; then `slos` are the verdicts of `capacity.verdictsFromStep`. */
  capacity?: CapacityResult;
  /** The agents' resilience policies and version switch (scenario `resilience:`, `switch:`): what they decided and what the fallbacks cost. */
  resilience?: ResilienceResult;
  /** Time-based availability per server and overall, load-based and probe-based. */
  availability?: AvailabilitySummary;
  /** Raw and corrected call counts per server x tool, failures by kind. */
  calls?: CallCounts[];
  /** Server processes that exited during the scenario, with their exit code or signal and last stderr. */
  serverExits?: ServerExit[];
  /** Session churn and the setups it measured, when the scenario has sessions.churn. */
  sessions?: SessionsSummary;
  /** The run halted on an SLO's burn rate (scenario `slos[].halt`): the window ended at the trip. */
  halted?: HaltedResult;
  /** Every halt condition the window watched, and what it saw (also when none tripped). */
  haltWatch?: HaltWatch[];
  slos: SloResult[];
  /**
   * The scenario as run (after profile and matrix cell): the first 16 hex digits of the sha256 of
   * its plan as canonical JSON (src/run/identity.ts says what is in and out). Two runs with the same
   * hash measured the same thing. Absent in records written before it.
   */
  scenarioHash?: string;
}

/** A run's allow-listed CI variables (never any other variable, so no token can slip in). */
export interface CiIdentity {
  system: "github-actions" | "gitlab" | "jenkins" | "buildkite";
  /** The allow-listed variables that were set, by name. */
  variables: Record<string, string>;
  /** The branch and commit the CI system says it built (a CI checkout is often a detached HEAD). */
  branch: string | null;
  commit: string | null;
  /** A link to the CI run or job. */
  url: string | null;
}

/**
 * What a run is, for comparing it with others (issue 13): the code that ran, where, and how.
 * Two runs are comparable when profile, provider and the set of scenario hashes match; another
 * machine is allowed and said.
 */
export interface RunIdentity {
  /** The harness: its version and the commit of its own checkout (null when not a git checkout). */
  harness: { version: string; commit: string | null };
  /** The git checkout the run ran in (its working directory); null when not in a git repository. dirty: tracked files changed (null: could not tell). */
  workdir: { commit: string; branch: string | null; dirty: boolean | null } | null;
  ci: CiIdentity | null;
  /** --tag key=value */
  tags: Record<string, string>;
  /** --provider */
  provider: string;
  /** What the numbers' machine is; `hash` (12 hex) is equal for runs on the same kind of machine. */
  machine: { cpuModel: string; cpus: number; memoryGiB: number; kernel: string; node: string; hash: string };
}

/** The harness's per-call path against the null endpoint over one transport (see RunRecord.environment.clientCost). */
export interface ClientCost {
  transport: "stdio" | "http";
  /** Calls timed (after a warm-up), one at a time. */
  calls: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The harness process's CPU time per call (user + system), microseconds: what one call costs the load generator. */
  cpuUsPerCall: number;
}

export interface RunRecord {
  schemaVersion: 1;
  runId: string;
  harness: { name: "mcp-slo-harness"; version: string };
  status: RunStatus;
  /** pass: every SLO passed; fail: at least one failed; inconclusive: none failed, some inconclusive */
  verdict: Verdict | "error" | "interrupted";
  startedAt: string;
  endedAt: string;
  command: string[];
  profile: string;
  environment: {
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    hostname: string;
    /** What ran the stack: the provider (--provider) and, for containers, the engine. Absent in older records. */
    stack?: { provider: string; engine?: string };
    /**
     * The scheduling priority (nice) the harness ran at and the one the processes it starts ran at
     * (servers, local backends, Toxiproxy; not containers, not k6): lower, so the stack cannot starve
     * the load generator (MCP_SLO_STACK_NICE=0: equal footing). No CPU placement. Absent in older records.
     */
    priority?: {
      harnessNice: number;
      stackNice: number;
      placement: "none";
      /** realtime: the harness's threads ran at SCHED_RR 1 (the stack's processes did not). Absent in older records: normal. */
      harnessPolicy?: "realtime" | "normal";
      /**
       * Where the kernel's autogroups were on: the nice of the scheduling group each process the
       * harness started led (each leads a session of its own, and the scheduler weighs groups before
       * nice). Absent where they were off, on equal footing, and in older records.
       */
      stackAutogroupNice?: number;
      /** Processes whose group the kernel would not lower ("name (errno)"): they had a group's full share against the harness. */
      autogroupsNotLowered?: string[];
    };
    /**
     * The harness's own cost per call on this machine, per transport its own driver (sdk) used in the run:
     * its per-call path timed against a null endpoint (a canned answer, src/stack/null-endpoint.ts), one
     * call at a time. Every latency sample of that driver holds about this much of the client. Absent in
     * older records and in runs without the sdk driver.
     */
    clientCost?: ClientCost[];
  };
  counts: { pass: number; fail: number; inconclusive: number };
  /** Scenarios that halted on an SLO's burn rate (each one's `halted` says more); absent when none did. */
  halted?: { scenario: string; slo: string; atMs: number; burnRate: number }[];
  scenarios: ScenarioResult[];
  /** Caveats every reader should see, e.g. that samples in time are not independent. */
  notes: string[];
  /** What ran, where and how, for comparisons and the history. Absent in records written before it. */
  identity?: RunIdentity;
  /** `run --baseline <ref>`: this run compared with that baseline (../shared/measurement.md, "Comparing runs"). */
  comparison?: Comparison;
  /**
   * --fail-on-inconclusive was given: an inconclusive verdict fails the run (exit 1), so junit.xml
   * reports it as a <failure> and summary.md says it fails the run. Absent in older records: false.
   */
  failOnInconclusive?: boolean;
}

/** One of the agents' policies as it ran (scenario `resilience:`). */
export interface ResiliencePolicyInfo {
  /** The server the agents call. */
  server: string;
  retries: { count: number; backoffMs: number; jitter: number };
  /** Bound of the primary's attempts of one call, retries included; null: each attempt has the call timeout. */
  deadlineMs: number | null;
  breaker: { failureRate: number; windowCalls: number; minCalls: number; openMs: number; halfOpenProbes: number } | null;
  /**
   * alternative-server: another server offering the capability; last-stable-version: another version of the same
   * package (the catalog holds both); degraded: answers from a cache of last good results, marked as such.
   */
  fallback: { kind: "alternative-server" | "last-stable-version" | "degraded"; server: string | null; tools: string[] } | null;
}

/** What the agents saw of one server with a policy or a switch, in the measurement window: one entry per call an agent made. */
export interface ResilientCallCounts {
  server: string;
  calls: number;
  ok: number;
  failed: number;
  /** Answered by the server called (or the version the switch routed it to). */
  primary: number;
  /** Answered, or attempted, by the fallback server. */
  fallback: number;
  /** Answered from the cache of last good results (degraded mode): counted in ok, marked. */
  degraded: number;
  /** Calls with at least one retry. */
  retried: number;
  /** Calls the open breaker sent past the primary without trying it. */
  shortCircuited: number;
}

export type ResilienceEventKind =
  | "breaker-opened"
  | "breaker-half-open"
  | "breaker-closed"
  | "fallback-started"
  | "failed-back"
  | "switch-step"
  | "canary-analysis"
  | "rolled-back"
  | "promoted"
  | "switched";

/** A decision of a policy or a switch, on the run's timeline. */
export interface ResilienceEvent {
  /** ms from the start of the measurement window */
  atMs: number;
  kind: ResilienceEventKind;
  server: string;
  detail: string;
}

/**
 * One side of a within-run comparison of the agents' calls (fallback window against steady state, a canary's
 * version B against A): p50 latency of every call in the segment and ok calls per second.
 */
export interface SegmentFigures {
  fromMs: number;
  toMs: number;
  calls: number;
  ok: number;
  p50Ms: number | null;
  throughput: number;
}

/**
 * A relative change judged with the comparison rules (../shared/measurement.md, "Comparing runs"): the
 * measured relative change, the 95 % band of what noise alone could make of it, the method, and the verdict
 * of the objective it is held to.
 */
export interface ChangeJudgement {
  /** (candidate / baseline) - 1 for latency; 1 - (candidate / baseline) for throughput; null when a side has no value. */
  relative: number | null;
  /** Half-width of the noise band around `relative` (95 %), null when it could not be estimated. */
  band: number | null;
  method: string;
  verdict: "pass" | "fail" | "inconclusive";
  reason: string;
}

/** The agents' calls during a fallback: also how many were answered degraded, and the share answered ok. */
export interface FallbackSegment extends SegmentFigures {
  degraded: number;
  successRate: number | null;
}

/** One version's calls in a step of a switch. */
export interface StepSide extends SegmentFigures {
  failed: number;
}

/** A fallback of one policy during one fault (../shared/measurement.md, "Fallback degradation"). */
export interface FallbackMeasurement {
  server: string;
  /** The fallback server, or null for degraded mode. */
  fallbackServer: string | null;
  kind: NonNullable<ResiliencePolicyInfo["fallback"]>["kind"];
  faultId: string;
  faultAtMs: number;
  /** When the fault was healed, or for one that is not (a kill), when the stack recovered (fault + RTO); null when neither. */
  healedAtMs: number | null;
  /** The agents' calls before the fault (from the window's start). */
  baseline: SegmentFigures;
  /** From the first call routed to the fallback to the last one; null when no call was. */
  during: FallbackSegment | null;
  latency: ChangeJudgement;
  throughput: ChangeJudgement;
  /** Fault injected to the first call answered ok by the fallback; null when none was. */
  timeToFailOverMs: number | null;
  /** Heal to the first call answered ok by the primary again; null when it never was (or no heal). */
  timeToFailBackMs: number | null;
  /** Calls of this server that failed during the fault (fault injected to heal, or to the window's end). */
  failedDuringFault: number;
  callsDuringFault: number;
}

/** One step of a version switch: the share of calls routed to version B, and the canary analysis that closed it. */
export interface SwitchStep {
  index: number;
  /** Share of the agents' calls sent to version B, 0..1. */
  shareTo: number;
  startedMs: number;
  endedMs: number;
  from: StepSide;
  to: StepSide;
  /** The fresh instance of version A the canary was compared with, when the switch has one. */
  baseline?: StepSide;
  /** B against A in this step, by the comparison rules; absent at a step without analysis (all traffic on B). */
  comparison?: {
    statistic: "p50";
    verdict: "improved" | "unchanged" | "regressed" | "inconclusive";
    relative: number | null;
    band: number | null;
    method: string;
    reason: string;
  };
  decision: "next" | "rolled-back" | "promoted" | "repeated" | "switched" | "interrupted";
}

export interface SwitchResult {
  /** The server the agents call (version A) and the one playing version B. */
  from: { server: string; version: string };
  to: { server: string; version: string; standIn: string | null };
  /** A fresh instance of version A given as many agents as B and compared with it (Kayenta's baseline), or null: B is compared with A itself. */
  baseline: { server: string; version: string } | null;
  mode: "blue-green" | "canary";
  atMs: number;
  steps: SwitchStep[];
  outcome: "promoted" | "rolled-back" | "switched" | "not-started" | "interrupted";
  /** Calls of the agents to this server that failed from the switch's start to the window's end. */
  failedCalls: number;
  calls: number;
}

export interface ResilienceResult {
  policies: ResiliencePolicyInfo[];
  calls: ResilientCallCounts[];
  events: ResilienceEvent[];
  /** Events not kept (a flapping breaker can decide thousands of times). */
  eventsNotKept: number;
  fallbacks: FallbackMeasurement[];
  switch?: SwitchResult;
}
