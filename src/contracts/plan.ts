/**
 * The resolved plan of one scenario: what a scenario file compiles to and what every stage runs
 * from. The scenario schema's zod transforms produce it (src/config/scenario-schema.ts): every
 * duration is in ms, every name resolved (catalog servers, catalog SLOs), so nothing is parsed
 * again after validation.
 *
 * Kind-agnostic: a workload and a fault are named here by their contracts (WorkloadPlan,
 * FaultPlan); each kind's own module (src/workloads, src/faults/kinds) fills them when its entry
 * of the file is parsed, and a driver is named by its registry name (src/drivers). Nothing here
 * imports a kind, so everything above can import the plan.
 */
import type { PathPart } from "./checks.js";
import type { FaultTargets, Injected } from "./fault-targets.js";
import type { McpMethod } from "./mcp-methods.js";
import type { LoadShape } from "./load-shape.js";
import type { ParsedMetric } from "./metric-names.js";
import type { ChurnPolicy, ScopeMethod } from "./sessions.js";
import type { ServerDefinition } from "./server-definition.js";
import type { Threshold } from "./units.js";
import type { PreparedWorkload, WorkloadEnv } from "./workload-env.js";
import type { ServerLimits, SloSource } from "../results/types.js";

export interface ResolvedSlo {
  id: string;
  title: string;
  metricName: string;
  metric: ParsedMetric;
  threshold: Threshold;
  objectiveText: string;
  scope: { server?: string; tool?: string; method?: McpMethod | ScopeMethod };
  source: SloSource;
  /** Stop the run when this SLO burns its error budget (scenario `slos[].halt`, src/slo/burn-rate.ts); undefined: never. */
  halt?: HaltPlan;
}

/** A halt condition of an SLO, compiled (ms). */
export interface HaltPlan {
  burnRate: number;
  windowMs: number;
  minSamples: number;
  graceMs: number;
  everyMs: number;
}

/**
 * One weighted step of a mix: a tool call (the plain load k6 and autocannon send), or, with `method`,
 * another MCP method. `method` is absent for a tools/call, so a plan written before methods existed
 * is the same plan (and has the same scenario hash). For another method `tool` is the method's name,
 * the label its samples are recorded under (src/metrics/recorder.ts keys them by method too).
 */
export interface MixCall {
  server: string;
  tool: string;
  weight: number;
  args: Record<string, unknown>;
  /** The MCP method when it is not tools/call. */
  method?: Exclude<McpMethod, "tools/call">;
  /** resources/read, resources/subscribe: the URI (a template). */
  uri?: string;
  /** prompts/get: the prompt. */
  name?: string;
  /** completion/complete: what is completed, and the argument (its value a template). */
  ref?: { prompt: string } | { resource: string };
  argument?: { name: string; value: string };
}

/** A method other than tools/call a workload sends to a server, and where the file asks for it (checked against the server's capabilities at start). */
export interface MethodUse {
  server: string;
  method: Exclude<McpMethod, "tools/call">;
  /** Path in the scenario file, e.g. "workload.calls[2].method". */
  path: string;
}

/**
 * How the load arrives. `shape` (scenario `load.stages`, src/contracts/load-shape.ts): the planned
 * target over the phase, arrivals per second (open) or active agents (closed); without it the
 * open model runs at `rate` and the closed model with every agent throughout.
 */
export type LoadPlan = { model: "closed"; thinkTimeMs: number; shape?: LoadShape } | { model: "open"; rate: number; maxInFlight: number; shape?: LoadShape };

export const REDIS_PERSISTENCE = ["none", "rdb", "aof-everysec", "aof-always"] as const;
export type RedisPersistence = (typeof REDIS_PERSISTENCE)[number];

export const RPO_STORES = ["redis", "postgres", "memory", "filesystem"] as const;
export type RpoStore = (typeof RPO_STORES)[number];

/** What a workload kind compiles to (src/workloads/workload-kind.ts). */
export interface WorkloadPlan {
  readonly kind: string;
  /**
   * The weighted tool calls, for drivers that send them themselves (k6, autocannon) and for the
   * availability probe's default call; undefined for a workload with logic of its own.
   */
  readonly calls: readonly MixCall[] | undefined;
  /** Tools it calls, per server: checked against each server's tools/list before the load. */
  readonly toolsUsed: ReadonlyMap<string, ReadonlySet<string>>;
  /** Methods other than tools/call it sends: checked against each server's declared capabilities before the load. Undefined: none. */
  readonly methodsUsed?: readonly MethodUse[];
  /** A mix's setup: steps each agent sends once before its first step (e.g. a tool that turns a server's updates on). Undefined: none. */
  readonly setup?: readonly MixCall[];
  /** Rows the stack's PostgreSQL needs seeded (at least the harness's default). */
  readonly seedRows: number;
  /** Servers the availability probe may only ping: any call through them would disturb what the workload measures. */
  readonly pingOnly: readonly string[];
  /** A workload that installs the servers instead of loading them (src/install): its limit and whether to time a start. */
  readonly install: { limitMs: number; startToReady: boolean } | undefined;
  /** A workload that scans the servers' security instead of loading them (src/security). */
  readonly security?: SecurityPlan;
  /** A script's steps, as written (workload kind script): data in the plan, so the scenario's hash tells two scripts apart. */
  readonly script?: readonly ScriptStepPlan[];
  /**
   * Checks, once the servers listed their tools at start, the workload's references into answers against the
   * output schemas the tools declare (`outputSchemaOf` gives a tool's, undefined when it declares none): each
   * problem at the path of the file it comes from. A reference into a tool without one is checked per answer.
   */
  answerProblems?(outputSchemaOf: (server: string, tool: string) => unknown): { path: PathPart[]; message: string }[];
  /** The operation the sdk driver schedules, made for one run (or one capacity step). */
  prepare(env: WorkloadEnv): PreparedWorkload;
}

/** One step of a script (workload kind script): a tool call whose argument templates may read earlier answers. */
export interface ScriptStepPlan {
  readonly name: string;
  readonly server: string;
  readonly tool: string;
  readonly args: Record<string, unknown>;
  /** Checks of its answer: the path must hold a value, equal to `equals` (a template) when given. */
  readonly expect: readonly { readonly path: string; readonly equals?: unknown }[];
}

/**
 * A security scan (workload kind security). Paths as written in the scenario (relative to its file);
 * pinsFile undefined = the default pin file beside the run history (reports/security-pins.json),
 * null = no pins.
 */
export interface SecurityPlan {
  readonly pinsFile: string | null | undefined;
  readonly updatePins: boolean;
  readonly policyFile: string | undefined;
  readonly supplyChain: boolean;
  readonly probes: boolean;
  readonly conformance: boolean;
}

/** What a fault kind compiles to (src/faults/fault-kind.ts). */
export interface FaultPlan {
  /** "f1", "f2", ... in the order of the file */
  readonly id: string;
  /** The kind's registry name, e.g. "toxic". */
  readonly kind: string;
  readonly atMs: number;
  readonly durationMs: number | undefined;
  readonly description: string;
  /** What it acts on, as the file names it: a hop, "redis", "server:<name>", a stdio server. */
  readonly target: string;
  /** The server whose path it breaks, among `servers`: where the recovery probe goes by default. */
  affectedServer(servers: readonly ServerDefinition[]): string | undefined;
  /** Acts on a process (kill, pause, restart): a write acknowledged until its heal may still be lost to it. */
  readonly actsOnProcess: boolean;
  /** Kills or restarts a process, so it can lose acknowledged writes (RPO writers too young at it cannot prove a target). */
  readonly canLoseWrites: boolean;
  /** A stdio server whose sessions need a frame-fault layer from their start. */
  readonly stdioServer: string | undefined;
  /** Injects it; the returned handle heals it. */
  inject(targets: FaultTargets): Promise<Injected>;
}

export interface ResolvedRecovery {
  probe: { server: string; tool: string; args: Record<string, unknown> };
  intervalMs: number;
  timeoutMs: number;
  consecutive: number;
  limitMs: number;
  supervisor: boolean;
}

/** Capacity search plan (src/capacity/search.ts), rates in operations per second. */
export interface ResolvedCapacity {
  startRate: number;
  /** Multiplicative growth per step; undefined when `stepRate` is used. */
  factor: number | undefined;
  /** Additive growth per step; undefined when `factor` is used. */
  stepRate: number | undefined;
  maxRate: number;
  stepDurationMs: number;
  settleMs: number;
}

/** How a local stand-in of a SaaS API behaves (src/standins/serve.ts StandInBehaviour). */
export interface StandInPlan {
  latency?: { medianMs: number; p95Ms: number };
  errorRate: number;
  errorStatus: number;
  seed: number;
}

/** Stand-ins or the real APIs for servers that call a SaaS API (src/standins/upstreams.ts UpstreamOptions). */
export interface UpstreamPlan {
  mode: "stand-in" | "live";
  behaviour: Record<string, StandInPlan>;
}

export interface Scenario {
  name: string;
  /** The matrix cell this run is, e.g. "redis.persistence=none"; undefined without a matrix. */
  variant: string | undefined;
  description: string;
  file: string;
  profile: string;
  servers: ServerDefinition[];
  agents: number;
  load: LoadPlan;
  durationMs: number | undefined;
  count: number | undefined;
  warmupMs: number;
  callTimeoutMs: number;
  startTimeoutMs: number;
  seed: number;
  workload: WorkloadPlan;
  slos: ResolvedSlo[];
  proxied: boolean;
  /** How agents reach the servers: stdio children, or MCP Streamable HTTP (src/stack/http-bridge.ts). */
  transport: "stdio" | "http";
  /** Who generates the load: a name of the driver registry (src/drivers/index.ts). */
  driver: string;
  /** The threads driver's worker threads (scenario `threads`, `--threads`); undefined: its default, one per two cores. */
  threads?: number;
  backends: { redis: { persistence: RedisPersistence }; postgres: { synchronousCommit: "on" | "off" } };
  /** Stand-ins or the real APIs for servers that call a SaaS API, and how each stand-in behaves. */
  upstream: UpstreamPlan;
  faults: FaultPlan[];
  recovery: ResolvedRecovery | undefined;
  /** leadMs: how long the writers write before the window opens (they start before the warm-up, which counts). */
  rpo: { stores: RpoStore[]; intervalMs: number; leadMs: number } | undefined;
  matrix:
    | { "redis.persistence"?: RedisPersistence[]; "postgres.synchronousCommit"?: ("on" | "off")[]; supervisor?: boolean[]; resilience?: boolean[] }
    | undefined;
  /** Run a capacity search instead of one measurement window. */
  capacity?: ResolvedCapacity;
  /** The always-on availability probe per server (src/run/availability-probe.ts); undefined: off. */
  availabilityProbe?: { intervalMs: number; timeoutMs: number };
  /** The agents' resilience policies, one per server they call (src/resilience); empty: calls go straight to the server. */
  resilience: ResiliencePlan[];
  /** Scenario `resources`: each named server's container limits (--provider docker). */
  serverLimits: Record<string, ServerLimits>;
  /** A switch of one server from version A to version B under load (src/resilience/switch.ts). */
  versionSwitch: VersionSwitchPlan | undefined;
  /** Session churn (scenario `sessions.churn`, src/drivers/session-churn.ts); absent: one session per agent and server for the whole run. */
  sessions?: { churn: ChurnPolicy };
}

/** How a call to the fallback server is made from the call the agent meant (scenario `resilience.<server>.fallback.tools`). */
export interface FallbackToolMapping {
  tool: string;
  /** Argument templates ({{args.<name>}} is the original call's argument); undefined: the original arguments as they are. */
  args: Record<string, unknown> | undefined;
}

/** What the module's resilience manager does for the agents, for one server (design module, lines 187-245). */
export interface ResiliencePlan {
  /** The server the agents call. */
  server: string;
  retries: { count: number; backoffMs: number; jitter: number };
  deadlineMs: number | undefined;
  breaker: { failureRate: number; windowCalls: number; minCalls: number; openMs: number; halfOpenProbes: number } | undefined;
  fallback:
    | { kind: "server"; server: string; tools: ReadonlyMap<string, FallbackToolMapping> }
    | { kind: "degraded"; tools: readonly string[]; maxEntries: number }
    | undefined;
}

/** A switch from version A (the server the agents call) to version B (scenario `switch:`). */
export interface VersionSwitchPlan {
  from: string;
  to: string;
  /** A fresh instance of version A that the canary is compared with (as many agents as B's), instead of A itself. */
  baseline: string | undefined;
  atMs: number;
  /** Share of the calls to `from` routed to `to` at each step, 0..1; a blue-green switch is one step at 1. */
  steps: { share: number; durationMs: number }[];
  /** Canary analysis at the end of every step below 100 %: B against A by the comparison rules; a regression rolls back. */
  analysis: { minSamples: number; relativeFloor: number; repeatInconclusive: number; settleMs: number } | undefined;
}
