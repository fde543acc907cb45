/**
 * The scenario file format. One zod schema is the single source of truth: `npm run schema`
 * generates scenarios/scenario.schema.json from it so editors autocomplete, and its transforms
 * compile a valid file into the resolved plan every stage runs from (src/contracts/plan.ts):
 * durations in ms, names resolved, each workload and fault compiled by its own kind.
 *
 * The kinds come from their registries (src/workloads, src/faults/kinds, src/drivers): the unions
 * of workloads and faults, the drivers' names and their description are derived from them, never
 * listed here.
 */
import path from "node:path";
import { z } from "zod";
import { findServer, resolveCatalogVersion } from "../catalog/servers.js";
import type { PathPart } from "../contracts/checks.js";
import type { FaultPlan, LoadPlan, ResolvedSlo, Scenario } from "../contracts/plan.js";
import { MAX_STAGES, type LoadShape } from "../contracts/load-shape.js";
import { formatDurationBound } from "../contracts/units.js";
import { REDIS_PERSISTENCE, RPO_STORES } from "../contracts/plan.js";
import {
  ArgValue,
  DURATION_BOUNDS,
  duration,
  HaltCondition,
  MAX_THREADS,
  NAME_RE,
  PROFILE_NAME_RE,
  PROFILE_NAME_RULE,
  SloDefinition,
  SloScope,
} from "../contracts/scenario-fields.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { DEFAULT_DRIVER, DRIVER_NAMES, driverDescription, driverNamed } from "../drivers/index.js";
import type { ChurnPolicy } from "../contracts/sessions.js";
import { compileFault, FaultSpec } from "../faults/kinds/index.js";
import { resolvedCatalogSlo } from "../slo/catalog.js";
import { MAX_OPENSLO_FILES } from "./openslo-files.js";
import type { SloSource } from "../results/types.js";
import { isSecretKey, MIN_SECRET_LENGTH } from "../telemetry/redact.js";
import { agentWorkerKinds, compileWorkload, taskKinds, Workload, workloadKindOf } from "../workloads/index.js";
import { CatalogVersionServer, compilePolicy, compileSwitch, Resilience, VersionSwitch } from "../resilience/schema.js";

/** Most calls a window may count: far above any guide's test (64 000), far below a wrong figure. */
const MAX_COUNT = 100_000_000;
const THREADS_RULE = `expected a whole number of threads from 1 to ${MAX_THREADS}, or auto`;

const SloReference = z.strictObject({
  ref: z.string().describe("Id of an SLO in the built-in catalog (mcp-slo slos lists them)."),
  scope: SloScope.optional().describe("Replaces the catalog SLO's scope."),
  halt: HaltCondition.optional(),
});

/** A scenario's own SLO: the catalog's form, and a halt condition (the catalog's entries never halt a run). */
const ScenarioSloDefinition = SloDefinition.extend({ halt: HaltCondition.optional() });

export const ScenarioSlo = z.union([SloReference, ScenarioSloDefinition]);

export const CustomServer = z
  .strictObject({
    name: z.string().regex(NAME_RE, "expected a lower-case name such as my-server"),
    command: z.string().min(1).describe('Executable; "node" means the Node running the harness.'),
    args: z.array(z.string()).default([]).describe("May use {{redis.url}}, {{postgres.url}}, {{sandbox}}, {{workdir}}."),
    env: z.record(z.string(), z.string()).default({}),
    needs: z.array(z.enum(["redis", "postgres"])).default([]),
    tools: z.array(z.string()).optional().describe("Tools scenarios may call; checked against tools/list at start."),
    public: z
      .strictObject({
        env: z
          .union([z.literal(true), z.array(z.string())])
          .default([])
          .describe("Names of env variables whose values are not secret, or true for all."),
        args: z
          .union([z.literal(true), z.array(z.string())])
          .default([])
          .describe("Args, as written, that are not secret, or true for all."),
      })
      .default({ env: [], args: [] })
      .describe(
        "Values of env and args that may appear in outputs. Every other value handed to the server (as written and as expanded) is a secret: replaced by [REDACTED] in results.json, the reports, traces, logs and the terminal (values of 8 or more characters wherever they appear; shorter ones where the harness prints the command line and environment). A value made only of placeholders such as {{redis.url}} is the harness's own and always shown.",
      ),
  })
  .describe("Any other MCP server speaking stdio.");
export type CustomServer = z.infer<typeof CustomServer>;

const ENV_NAME = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected the name of an environment variable such as STAGING_TOKEN");
const FromEnv = (what: string) =>
  z.strictObject({ env: ENV_NAME.describe(`Environment variable holding ${what}; it must be set when the scenario is validated.`) });

export const UrlServer = z
  .strictObject({
    name: z.string().regex(NAME_RE, "expected a lower-case name such as staging"),
    url: z
      .string()
      .min(1)
      .describe(
        "The server's MCP endpoint, http:// or https:// (no user:password@: use headers or auth). A host that is not loopback (127.0.0.0/8, ::1, localhost) needs the run's --allow-hosts.",
      ),
    transport: z
      .enum(["streamable-http", "sse"])
      .default("streamable-http")
      .describe("streamable-http: MCP Streamable HTTP; sse: the older HTTP+SSE transport (protocol 2024-11-05) many deployed servers still speak."),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "expected an HTTP header name"), z.string())
      .default({})
      .describe("Sent with every request. Values are treated as secrets: redacted from every output."),
    auth: z
      .strictObject({
        bearer: FromEnv("the bearer token (Authorization: Bearer <token>)").optional(),
        oauth: z
          .strictObject({
            clientId: FromEnv("the OAuth client id"),
            clientSecret: FromEnv("the OAuth client secret"),
            scope: z.string().optional().describe("Scopes to ask for, space-separated."),
            issuer: z
              .string()
              .url()
              .optional()
              .describe("The authorization server the credentials were registered with: they are presented to it only, whatever the server advertises."),
          })
          .optional()
          .describe("OAuth 2 client credentials (client_secret_basic), for a server that asks for them (the SDK finds its authorization server)."),
      })
      .optional()
      .describe("How the harness authenticates to the server. Token and secret are redacted from every output."),
    tls: z
      .strictObject({
        ca: z.string().min(1).optional().describe("PEM file of the CA(s) the server's certificate must chain to, relative to the scenario file."),
        cert: z.string().min(1).optional().describe("PEM file of the client certificate (mutual TLS), relative to the scenario file."),
        key: z.string().min(1).optional().describe("PEM file of the client certificate's private key; its content is redacted from every output."),
        servername: z.string().min(1).optional().describe("The name the server's certificate is checked against and sent as SNI, when not the URL's host."),
      })
      .optional()
      .describe("TLS options of an https:// url."),
    tools: z.array(z.string()).optional().describe("Tools scenarios may call; checked against tools/list at start."),
  })
  .describe(
    "An MCP server the harness does not start, reached by URL (a deployment, staging): judged like any other server; process faults cannot act on it, the client->name hop's network faults can.",
  );
export type UrlServer = z.infer<typeof UrlServer>;

export const ServerRef = z.union([z.string().regex(NAME_RE, "expected a catalog server name such as redis"), CustomServer, CatalogVersionServer, UrlServer]);

/** A `url:` server as the plan's server definition: its TLS files resolved against the scenario file's directory. */
export function urlServerDefinition(ref: UrlServer, scenarioFile: string): ServerDefinition {
  const dir = path.dirname(path.resolve(scenarioFile));
  const file = (f: string | undefined) => (f === undefined ? undefined : path.resolve(dir, f));
  const tls = ref.tls && {
    ...(ref.tls.ca !== undefined && { ca: file(ref.tls.ca)! }),
    ...(ref.tls.cert !== undefined && { cert: file(ref.tls.cert)! }),
    ...(ref.tls.key !== undefined && { key: file(ref.tls.key)! }),
    ...(ref.tls.servername !== undefined && { servername: ref.tls.servername }),
  };
  const oauth = ref.auth?.oauth;
  return {
    name: ref.name,
    title: ref.name,
    package: "custom",
    // Nothing is started for it: no command, and no backend of the harness's stack.
    command: "",
    args: [],
    env: {},
    needs: [],
    transport: "stdio",
    ...(ref.tools && { tools: ref.tools }),
    remote: {
      url: ref.url,
      transport: ref.transport,
      headers: ref.headers,
      ...(ref.auth?.bearer && { bearerEnv: ref.auth.bearer.env }),
      ...(oauth && {
        oauth: {
          clientIdEnv: oauth.clientId.env,
          clientSecretEnv: oauth.clientSecret.env,
          ...(oauth.scope !== undefined && { scope: oauth.scope }),
          ...(oauth.issuer !== undefined && { issuer: oauth.issuer }),
        },
      }),
      ...(tls && { tls }),
    },
  };
}

/** One stage of a load shape (k6's stages): a linear ramp from the previous target to `target`. */
const Stage = (target: z.ZodNumber, unit: string) =>
  z.strictObject({
    duration: duration(DURATION_BOUNDS.stage, "How long the ramp from the previous target to this one takes (a flat stage: the same target)."),
    target: target.describe(`${unit} at the end of the stage.`),
  });

const stagesOf = (target: z.ZodNumber, unit: string, from: string) =>
  z
    .array(Stage(target, unit))
    .min(1)
    .max(MAX_STAGES)
    .optional()
    .describe(
      `A load shape (ramp, spike, step, soak): ${unit} go linearly from ${from} to each stage's target over its duration, one stage after the other. The measurement window is the stages' total (give no duration, or the same); the warm-up runs at the first target. At most ${MAX_STAGES} stages.`,
    );

export const LoadModel = z.discriminatedUnion("model", [
  z.strictObject({
    model: z.literal("closed").describe("Each agent sends its next call when the previous one answered."),
    thinkTime: duration(DURATION_BOUNDS.thinkTime, "Pause of an agent between an answer and its next call.").prefault("0ms"),
    start: z.number().int().min(0).max(1024).optional().describe("With stages: active agents at the start. Default: agents."),
    stages: stagesOf(z.number().int().min(0).max(1024), "Active agents (at most `agents`)", "start"),
  }),
  z.strictObject({
    model: z.literal("open").describe("Calls arrive on a fixed schedule whatever the answers; latency counts from the scheduled time."),
    rate: z.number().positive().max(1_000_000).describe("Arrivals per second, over all agents. Above 0, at most 1 000 000."),
    maxInFlight: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(1000)
      .describe("Arrivals beyond this many unanswered calls are dropped and counted. 1 to 1 000 000."),
    start: z.number().min(0).max(1_000_000).optional().describe("With stages: arrivals per second at the start. Default: rate."),
    stages: stagesOf(z.number().min(0).max(1_000_000), "Arrivals per second", "start (default: rate)"),
  }),
]);

const PresetFault = z
  .looseObject({ preset: z.string().regex(/^[a-z0-9-]+$/, "expected a preset name: a file chaos/<name>.yaml") })
  .describe("A named fault from chaos/<name>.yaml; other fields given here override the preset's.");

export const ScenarioFault = z.union([PresetFault, FaultSpec]);

export const Recovery = z.strictObject({
  probe: z
    .strictObject({
      server: z.string(),
      tool: z.string(),
      args: z.record(z.string(), ArgValue).default({}),
    })
    .optional()
    .describe("The call that tells whether the affected path works. Default: the catalog probe of the first affected server."),
  interval: duration(DURATION_BOUNDS.recoveryInterval, "Time between probes (100ms or less for RTO).").prefault("100ms"),
  timeout: duration(DURATION_BOUNDS.recoveryTimeout, "Deadline of one probe.").prefault("1s"),
  consecutive: z.number().int().min(1).max(100).default(3).describe("k: successes in a row that mean recovered."),
  limit: duration(DURATION_BOUNDS.recoveryLimit, "After a fault starts, how long to wait for recovery before reporting 'did not recover'.").prefault("60s"),
  supervisor: z.boolean().default(false).describe("Restart an MCP server process that died (a supervisor policy)."),
});

const Rpo = z.strictObject({
  stores: z
    .array(z.enum(RPO_STORES))
    .min(1)
    .describe(
      "Where writers write sequence-numbered records: redis (MCP set), memory (MCP create_entities), filesystem (MCP write_file), postgres (the harness's own coordination writer; the PostgreSQL MCP server is read-only).",
    ),
  interval: duration(DURATION_BOUNDS.rpoInterval, "Pause between a writer's writes.").prefault("20ms"),
  lead: duration(
    DURATION_BOUNDS.rpoLead,
    "How long the writers write before the measurement window opens. They start before the warm-up, which counts toward this. When a fault loses everything a writer wrote, the RPO is only known to be at least the writer's age at the fault, which can fail a target but never prove it: to prove an RPO target, the writer must be older than the target at its fault (lead + the fault's at > target).",
  ).prefault("0s"),
});

const AvailabilityProbe = z
  .strictObject({
    enabled: z.boolean().default(true).describe("false: no probe; availability is then judged on the load alone."),
    interval: duration(DURATION_BOUNDS.probeInterval, "Time between probes of one server.").prefault("1s"),
    timeout: duration(DURATION_BOUNDS.probeTimeout, "Deadline of one probe. Default: the scenario's callTimeout.").optional(),
  })
  .describe(
    "An always-on probe per server during the measurement window, in its own MCP session: the catalog's probe call, else the workload's first call to that server, else MCP ping. It measures availability independently of the load (ok probes / probes); the report shows it beside the load's time-based figure. A server already probed by the fault experiment (recovery) is not probed twice.",
  );

const StandInBehaviour = z
  .strictObject({
    latency: z
      .strictObject({
        median: duration(DURATION_BOUNDS.standInLatency, "Median added latency."),
        p95: duration(DURATION_BOUNDS.standInLatency, "95th percentile of the added latency; at least the median."),
      })
      .optional()
      .describe("Response time the stand-in adds: log-normal with this median and 95th percentile. Omitted: none, so the figures are the stack's own."),
    errorRate: z.number().min(0).max(1).default(0).describe("Share of requests answered with errorStatus instead of the API's answer."),
    errorStatus: z.number().int().min(400).max(599).default(503),
  })
  .describe("How a local stand-in of a SaaS API behaves.");

const Backends = z.strictObject({
  redis: z.strictObject({ persistence: z.enum(REDIS_PERSISTENCE).default("none") }).default({ persistence: "none" }),
  postgres: z.strictObject({ synchronousCommit: z.enum(["on", "off"]).default("on") }).default({ synchronousCommit: "on" }),
});

const Matrix = z
  .strictObject({
    "redis.persistence": z.array(z.enum(REDIS_PERSISTENCE)).min(1).optional(),
    "postgres.synchronousCommit": z
      .array(z.enum(["on", "off"]))
      .min(1)
      .optional(),
    supervisor: z.array(z.boolean()).min(1).optional(),
    resilience: z
      .array(z.boolean())
      .min(1)
      .optional()
      .describe("false: the same run without the agents' resilience policies, to show beside it what they avoided."),
  })
  .describe("Run the scenario once per combination of these settings; each run is judged on its own.");

export const Capacity = z
  .strictObject({
    start: z.number().positive().max(1_000_000).describe("Arrival rate of the first step, operations per second."),
    factor: z.number().gt(1).max(10).optional().describe("Each step multiplies the rate by this (default 1.5). Give factor or step, not both."),
    step: z.number().positive().max(1_000_000).optional().describe("Each step adds this many operations per second (instead of factor)."),
    max: z.number().positive().max(1_000_000).describe("Highest rate tried; the last step runs at exactly this rate."),
    stepDuration: duration(DURATION_BOUNDS.stepDuration, "Measurement window of each step, judged against the scenario's SLOs.").prefault("10s"),
    settle: duration(DURATION_BOUNDS.settle, "Load at the step's rate before its window, recorded apart and never judged.").prefault("2s"),
  })
  .describe(
    "Capacity search (needs load.model: open): run the workload at rising arrival rates, judge each step against the SLOs and stop at the first step where one fails or the load generator was the limit. The result is the highest rate at which every SLO held.",
  );

export const Sessions = z
  .strictObject({
    churn: z
      .strictObject({
        everyCalls: z.number().int().min(1).max(1_000_000).optional().describe("A new session after this many calls on one: 1 for every call. 1 to 1 000 000."),
        every: duration(DURATION_BOUNDS.sessionChurn, "A new session at the agent's first call once its session is this old.").optional(),
        perTask: z
          .literal(true)
          .optional()
          .describe(
            "A new session for every agent task: needs a workload whose operation is one agent task (cache-aside: one read-through; script: one pass of its steps), which says when each task ends.",
          ),
        perJoin: z
          .literal(true)
          .optional()
          .describe(
            "Agents that join and leave: when the closed model's load shape (load.stages) turns an agent off, it closes its sessions once its call ended (stdio: their server processes stop); when the shape turns it on again, it sets up new sessions before its first call. Needs load.model closed with load.stages and a workload whose workers are the agents (mix, script, cache-aside).",
          ),
      })
      .superRefine((c, ctx) => {
        const given = (["everyCalls", "every", "perTask", "perJoin"] as const).filter((k) => c[k] !== undefined);
        if (given.length !== 1)
          ctx.addIssue({
            code: "custom",
            message: `expected exactly one of everyCalls, every, perTask or perJoin, found ${given.length === 0 ? "none" : given.join(" and ")}`,
          });
      })
      .optional()
      .describe(
        "Agents close their session to a server and open a new one (stdio: a new process) before their next call: every N calls, once a session is T old, after each task, or each time a closed load shape lets an agent join again (perJoin). Each new session's setup (spawn and initialize over stdio, the initialize request over HTTP) is measured as the method initialize, apart from the calls (results sessions, SLO scope method: initialize). A call waits for its agent's new session (at most startTimeout); in the closed model its latency starts after the setup, in the open model from its scheduled time as always. A setup that fails fails that call (a transport failure, the old session kept for the next try). The sdk driver only.",
      ),
  })
  .describe("The agents' MCP sessions: how long each lives.");

/** A memory size: binary (Ki, Mi, Gi) or decimal (K, M, G) units, as the engines' --memory takes them. */
const MEMORY_RE = /^\s*(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|K|M|G)\s*$/;
const MEMORY_UNITS: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 };

export function memoryBytes(text: string): number {
  const m = MEMORY_RE.exec(text);
  if (!m) throw new Error(`not a memory size: ${text}`);
  return Math.round(Number(m[1]) * MEMORY_UNITS[m[2]!]!);
}

const ScenarioBody = {
  $schema: z.string().optional(),
  name: z.string().regex(NAME_RE, "expected a lower-case name such as redis-baseline"),
  description: z.string().default(""),
  servers: z.array(ServerRef).min(1, "expected at least one server"),
  agents: z.number().int().min(1).max(1024).describe("Concurrent agents; each holds its own MCP session to every server. 1 to 1024."),
  load: LoadModel.prefault({ model: "closed", thinkTime: "0ms" }),
  duration: duration(DURATION_BOUNDS.window, "Length of the measurement window (after warm-up).").optional(),
  count: z.number().int().min(1).max(MAX_COUNT).optional().describe("Stop after this many calls (or coordination samples) in the window. 1 to 100 000 000."),
  warmup: duration(DURATION_BOUNDS.warmup, "Load before the measurement window; recorded apart and never judged.").prefault("0s"),
  callTimeout: duration(DURATION_BOUNDS.callTimeout, "Deadline of every call; a timeout counts as a failure at this latency.").prefault("5s"),
  startTimeout: duration(DURATION_BOUNDS.startTimeout, "How long a server may take to answer initialize.").prefault("30s"),
  resources: z
    .record(
      z.string(),
      z.strictObject({
        cpus: z.number().min(0.01).max(256).optional().describe("CPUs (the engine's --cpus: a CFS quota of this many cores), 0.01 to 256."),
        memory: z
          .string()
          .regex(MEMORY_RE, 'expected a size such as "256Mi", "1Gi" or "512M"')
          .optional()
          .describe('Memory limit (the engine\'s --memory; no swap beyond it): "256Mi", "1Gi", "512M"; the server is OOM-killed beyond it.'),
      }),
    )
    .optional()
    .describe("Resource limits of each named server's containers (--provider docker, transport stdio), in the report beside where it ran."),
  seed: z
    .number()
    .int()
    .min(0)
    .max(0xffff_ffff)
    .default(1)
    .describe("Seed of the random choices (mix, arguments, keys): 0 to 4294967295 (the generator keeps 32 bits)."),
  workload: Workload,
  slos: z.array(ScenarioSlo).prefault([]),
  openslo: z
    .array(z.string().min(1, "expected the path of an OpenSLO file"))
    .max(MAX_OPENSLO_FILES)
    .optional()
    .describe(
      "OpenSLO v1 files (paths relative to this scenario file) whose SLOs this scenario is also judged against, e.g. the output of `mcp-slo slos --format openslo`. Only objectives the harness measures are accepted (metricSource type mcp-slo-harness; latency percentiles, ratios, per-run figures such as RTO and RPO); any other is refused with the reason.",
    ),
  transport: z
    .enum(["stdio", "http"])
    .default("stdio")
    .describe(
      "How agents reach the MCP servers. stdio: one child process per session over its stdin/stdout. http: MCP Streamable HTTP on 127.0.0.1 through a Toxiproxy hop client->server; servers that speak it natively (everything) run once, stdio-only ones run behind an in-harness bridge with one child per session.",
    ),
  driver: z.enum(DRIVER_NAMES).default(DEFAULT_DRIVER).describe(driverDescription()),
  threads: z
    .union([z.number().int(THREADS_RULE).min(1, THREADS_RULE).max(MAX_THREADS, THREADS_RULE), z.literal("auto", THREADS_RULE)], THREADS_RULE)
    .default("auto")
    .describe(
      `Worker threads of the threads driver (driver: threads), 1 to ${MAX_THREADS}: its agents are split over them in even blocks, each thread with its own sessions, schedule and generator health. auto (the default): one per two cores of the machine, the other half left to the stack. Only the threads driver reads it.`,
    ),
  proxied: z.boolean().default(true).describe("Route every TCP hop (MCP server to backend) through Toxiproxy, so faults can act on it."),
  backends: Backends.default({ redis: { persistence: "none" }, postgres: { synchronousCommit: "on" } }),
  upstream: z
    .enum(["stand-in", "live"])
    .default("stand-in")
    .describe(
      "What servers that call a SaaS API (GitHub, Notion, Firecrawl, ShadCN's registry) talk to: local stand-ins (offline; results are marked) or the real APIs with tokens from the environment (`mcp-slo run --live` sets this).",
    ),
  standIns: z
    .record(z.string(), StandInBehaviour)
    .describe("Per upstream API (github, notion, firecrawl, shadcn): the stand-in's latency and error rate.")
    .prefault({}),
  faults: z.array(ScenarioFault).prefault([]),
  recovery: Recovery.optional().describe("How recovery after faults is probed (RTO)."),
  rpo: Rpo.optional().describe(
    "Writers whose acknowledged records are read back after recovery (RPO). Without faults, a consistency check: any acknowledged write missing is 'lost without a fault' and fails every RPO objective.",
  ),
  matrix: Matrix.optional(),
  capacity: Capacity.optional(),
  availabilityProbe: AvailabilityProbe.prefault({ enabled: true, interval: "1s" }),
  resilience: Resilience.optional(),
  switch: VersionSwitch.optional(),
  sessions: Sessions.optional(),
};

/** A profile overrides parts of the scenario (deep merge; arrays replace). */
export const ProfileOverride = z
  .record(z.string(), z.unknown())
  .describe("Fields of this scenario to replace under this profile, e.g. { duration: 10s, agents: 2 }.");

export const ScenarioFile = z
  .strictObject({
    ...ScenarioBody,
    // Any name (issue 17: `soak`); the rule is checked in the refinement below, where a bad name does
    // not stop the rest of the file being checked (a key schema's failure would).
    profiles: z.record(z.string(), ProfileOverride).default({}),
  })
  .superRefine((s, ctx) => {
    for (const name of Object.keys(s.profiles))
      if (!PROFILE_NAME_RE.test(name)) ctx.addIssue({ code: "custom", path: ["profiles", name], message: `expected ${PROFILE_NAME_RULE}` });
    const stages = s.load.stages;
    const hasWindow = workloadKindOf(s.workload).window;
    if (stages) {
      const totalMs = stages.reduce((n, x) => n + x.duration.ms, 0);
      // One window length: the stages' sum. A duration that says otherwise is a mistake, not a cut.
      if (s.duration !== undefined && s.duration.ms !== totalMs)
        ctx.addIssue({
          code: "custom",
          path: ["duration"],
          message: `expected ${formatDurationBound(totalMs)} (the stages' total) or no duration: with load.stages the measurement window is their sum`,
        });
      if (totalMs > DURATION_BOUNDS.window.max)
        ctx.addIssue({
          code: "custom",
          path: ["load", "stages"],
          message: `expected stages of at most ${formatDurationBound(DURATION_BOUNDS.window.max)} in total (the longest measurement window), found ${formatDurationBound(totalMs)}`,
        });
      if (s.count !== undefined)
        ctx.addIssue({ code: "custom", path: ["count"], message: "a load shape runs for its stages' total: remove count, or load.stages" });
      if (s.capacity !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["load", "stages"],
          message: "found stages beside a capacity search, which sets its own rising rates: remove load.stages, or capacity",
        });
      if (!hasWindow)
        ctx.addIssue({
          code: "custom",
          path: ["load", "stages"],
          message: `found stages on the ${s.workload.kind} workload, which runs no load in a measurement window: remove load.stages`,
        });
      const start = s.load.start ?? (s.load.model === "open" ? s.load.rate : s.agents);
      if (start === 0 && stages.every((x) => x.target === 0))
        ctx.addIssue({
          code: "custom",
          path: ["load", "stages"],
          message: "expected a target above 0 somewhere, found every stage and the start at 0 (the window would run no call)",
        });
      if (s.load.model === "closed") {
        // Each active agent is one of the agents' sessions: the shape cannot ask for more than were opened.
        if (s.load.start !== undefined && s.load.start > s.agents)
          ctx.addIssue({ code: "custom", path: ["load", "start"], message: `expected at most agents (${s.agents})` });
        stages.forEach((x, i) => {
          if (x.target > s.agents) ctx.addIssue({ code: "custom", path: ["load", "stages", i, "target"], message: `expected at most agents (${s.agents})` });
        });
      }
    } else if (s.load.start !== undefined) {
      ctx.addIssue({ code: "custom", path: ["load", "start"], message: "start is where the first stage ramps from: give load.stages, or remove start" });
    }
    // A workload without a measurement window (an install) needs neither.
    if (s.duration === undefined && s.count === undefined && s.capacity === undefined && !stages && hasWindow) {
      ctx.addIssue({ code: "custom", path: ["duration"], message: "expected duration or count (or both), found neither" });
    }
    if (s.capacity) {
      if (s.capacity.factor !== undefined && s.capacity.step !== undefined)
        ctx.addIssue({ code: "custom", path: ["capacity", "step"], message: "give factor or step, not both" });
      if (s.capacity.max < s.capacity.start)
        ctx.addIssue({ code: "custom", path: ["capacity", "max"], message: `expected max >= start (${s.capacity.start})` });
    }
    const names = s.servers.map((x) => (typeof x === "string" ? x : x.name));
    const known = new Set(names);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: "custom", path: ["servers", i], message: `server "${n}" is listed twice` });
    });
    const checkServer = (name: string, path: readonly PathPart[]) => {
      if (!known.has(name))
        ctx.addIssue({ code: "custom", path: [...path], message: `expected one of this scenario's servers (${names.join(", ")}), found "${name}"` });
    };
    s.servers.forEach((x, i) => {
      if (typeof x !== "string" && "command" in x)
        for (const p of handedValueProblems(x)) ctx.addIssue({ code: "custom", path: ["servers", i, ...p.path], message: p.message });
    });
    workloadKindOf(s.workload).crossCheck(s.workload, {
      // A version of a catalog server is not installable by its catalog name: custom for what a workload allows.
      servers: s.servers.map((x) => (typeof x === "string" ? { name: x, custom: false } : { name: x.name, custom: true })),
      agents: s.agents,
      issue: (path, message) => ctx.addIssue({ code: "custom", path: [...path], message }),
      checkServer,
    });
    s.slos.forEach((slo, i) => {
      const server = slo.scope?.server;
      if (server !== undefined && server !== "*") checkServer(server, ["slos", i, "scope", "server"]);
    });
    const churn = s.sessions?.churn;
    if (churn) {
      const at = ["sessions", "churn"];
      const driver = driverNamed(s.driver);
      if (driver.ownSessions)
        ctx.addIssue({ code: "custom", path: at, message: `expected the sdk driver, found driver ${driver.name}, which opens its own sessions` });
      if (s.capacity) ctx.addIssue({ code: "custom", path: at, message: "expected no capacity search, found one: a capacity search keeps its sessions" });
      const kind = workloadKindOf(s.workload);
      if (!kind.window)
        ctx.addIssue({
          code: "custom",
          path: at,
          message: `expected a workload that runs load, found the ${kind.name} workload, which has no measurement window`,
        });
      else if (churn.perTask && !kind.tasks)
        ctx.addIssue({
          code: "custom",
          path: [...at, "perTask"],
          message: `expected a workload whose operation is an agent task (${taskKinds().join(", ")}), found ${kind.name}, whose operation is none: use everyCalls or every`,
        });
      else if (churn.perJoin && !kind.agentWorkers)
        ctx.addIssue({
          code: "custom",
          path: [...at, "perJoin"],
          message: `expected a workload whose workers are the agents (${agentWorkerKinds().join(", ")}), found ${kind.name}, whose workers are not: agents joining and leaving need one`,
        });
      if (churn.perJoin && (s.load.model !== "closed" || s.load.stages === undefined))
        ctx.addIssue({
          code: "custom",
          path: [...at, "perJoin"],
          message: `expected load.model closed with load.stages (the shape turns agents off and on), found ${s.load.model === "closed" ? "no load.stages" : `load.model ${s.load.model}`}`,
        });
    }
  });

/**
 * `public:` names only env variables and args the server has; a credential-named env value too
 * short to be redacted from the outputs, and not marked public, is refused rather than leaked.
 */
function handedValueProblems(server: CustomServer): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const pub = server.public;
  if (Array.isArray(pub.env)) {
    pub.env.forEach((name, i) => {
      if (!(name in server.env))
        out.push({
          path: ["public", "env", i],
          message: `expected the name of one of this server's env variables (${Object.keys(server.env).join(", ") || "it has none"}), found "${name}"`,
        });
    });
  }
  if (Array.isArray(pub.args)) {
    pub.args.forEach((arg, i) => {
      if (!server.args.includes(arg))
        out.push({ path: ["public", "args", i], message: `expected one of this server's args as written, found ${JSON.stringify(arg)}` });
    });
  }
  for (const [name, value] of Object.entries(server.env)) {
    const isPublic = pub.env === true || pub.env.includes(name);
    if (!isPublic && isSecretKey(name) && value !== "" && !/\{\{/.test(value) && value.length < MIN_SECRET_LENGTH) {
      out.push({
        path: ["env", name],
        message: `"${name}" looks like a credential, but its value is shorter than ${MIN_SECRET_LENGTH} characters: too short to be redacted from every output without mangling the reports. Use a value of at least ${MIN_SECRET_LENGTH} characters, or list "${name}" in public.env if it is not secret`,
      });
    }
  }
  return out;
}

export type ScenarioFile = z.output<typeof ScenarioFile>;

/** What the plan takes from where the file is, not from what it says. */
export interface PlanContext {
  file: string;
  profile: string;
  /** Where an SLO the file defines comes from when it names no source: this file, at the SLO's line. */
  sloSource(index: number): SloSource;
}

/**
 * Marks an issue of the plan's transform as already reported by the loader's own checks (an unknown
 * catalog server or SLO, a preset that could not be read): a file with problems yields no plan, so
 * the transform only has to stop, not say it again.
 */
export const REPORTED_ELSEWHERE = { reportedElsewhere: true } as const;

/** The file's schema, compiling a valid file into the plan (the scenario's `file` and `profile` from `ctx`). */
export function scenarioPlan(ctx: PlanContext) {
  return ScenarioFile.transform((s, zctx): Scenario => {
    // z.NEVER stands in for what could not be resolved; the plan is then never built (recovery below reads the faults).
    let stopped = false;
    const stop = (message: string): never => {
      stopped = true;
      zctx.addIssue({ code: "custom", message, input: s, params: REPORTED_ELSEWHERE });
      return z.NEVER;
    };
    const servers = s.servers.map((ref): ServerDefinition => {
      if (typeof ref === "string") return findServer(ref) ?? stop(`unknown server "${ref}"`);
      if ("url" in ref) return urlServerDefinition(ref, ctx.file);
      if ("command" in ref) return { ...ref, title: ref.name, package: "custom", transport: "stdio" };
      return resolveCatalogVersion(ref.name, ref.server, ref.version) ?? stop(`no version "${ref.version}" of "${ref.server}" in the catalog`);
    });
    const slos = s.slos.map((slo, i) => resolveSlo(slo, ctx.sloSource(i)) ?? stop(`unknown SLO "${"ref" in slo ? slo.ref : slo.id}"`));
    const faults = s.faults.map((f, i): FaultPlan => ("preset" in f ? stop(`preset "${String(f.preset)}" was not resolved`) : compileFault(f)(`f${i + 1}`)));
    if (stopped) return z.NEVER;
    const recovery = s.faults.length === 0 && s.recovery === undefined ? undefined : resolveRecovery(s.recovery ?? Recovery.parse({}), faults, servers);
    return {
      name: s.name,
      description: s.description,
      file: ctx.file,
      profile: ctx.profile,
      servers,
      agents: s.agents,
      load: loadPlan(s),
      durationMs: s.duration?.ms ?? (s.load.stages ? s.load.stages.reduce((n, x) => n + x.duration.ms, 0) : undefined),
      count: s.count,
      warmupMs: s.warmup.ms,
      callTimeoutMs: s.callTimeout.ms,
      startTimeoutMs: s.startTimeout.ms,
      seed: s.seed,
      workload: compileWorkload(s.workload),
      slos,
      variant: undefined,
      proxied: s.proxied,
      transport: s.transport,
      driver: s.driver,
      ...(s.threads !== "auto" && { threads: s.threads }),
      backends: s.backends,
      upstream: {
        mode: s.upstream,
        behaviour: Object.fromEntries(
          Object.entries(s.standIns).map(([api, b]) => [
            api,
            {
              ...(b.latency && { latency: { medianMs: b.latency.median.ms, p95Ms: b.latency.p95.ms } }),
              errorRate: b.errorRate,
              errorStatus: b.errorStatus,
              seed: s.seed,
            },
          ]),
        ),
      },
      faults,
      recovery,
      rpo: s.rpo ? { stores: s.rpo.stores, intervalMs: s.rpo.interval.ms, leadMs: s.rpo.lead.ms } : undefined,
      matrix: s.matrix,
      resilience: Object.entries(s.resilience ?? {}).map(([server, p]) => compilePolicy(server, p)),
      serverLimits: Object.fromEntries(
        Object.entries(s.resources ?? {}).map(([server, r]) => [
          server,
          { ...(r.cpus !== undefined && { cpus: r.cpus }), ...(r.memory !== undefined && { memoryBytes: memoryBytes(r.memory) }) },
        ]),
      ),
      versionSwitch: s.switch ? compileSwitch(s.switch) : undefined,
      ...(s.sessions?.churn && { sessions: { churn: churnPolicy(s.sessions.churn) } }),
      ...(s.availabilityProbe.enabled && {
        availabilityProbe: { intervalMs: s.availabilityProbe.interval.ms, timeoutMs: (s.availabilityProbe.timeout ?? s.callTimeout).ms },
      }),
      ...(s.capacity && {
        capacity: {
          startRate: s.capacity.start,
          factor: s.capacity.step === undefined ? (s.capacity.factor ?? 1.5) : undefined,
          stepRate: s.capacity.step,
          maxRate: s.capacity.max,
          stepDurationMs: s.capacity.stepDuration.ms,
          settleMs: s.capacity.settle.ms,
        },
      }),
    };
  });
}

/** The load model, with its shape when the file gives stages (the first stage from start, else rate or agents). */
function loadPlan(s: ScenarioFile): LoadPlan {
  const l = s.load;
  const shape: LoadShape | undefined = l.stages && {
    start: l.start ?? (l.model === "open" ? l.rate : s.agents),
    stages: l.stages.map((x) => ({ durationMs: x.duration.ms, target: x.target })),
  };
  return l.model === "closed"
    ? { model: "closed", thinkTimeMs: l.thinkTime.ms, ...(shape && { shape }) }
    : { model: "open", rate: l.rate, maxInFlight: l.maxInFlight, ...(shape && { shape }) };
}

/** The churn entry as the schema checked it (exactly one of its fields). */
function churnPolicy(c: NonNullable<z.output<typeof Sessions>["churn"]>): ChurnPolicy {
  if (c.everyCalls !== undefined) return { kind: "calls", everyCalls: c.everyCalls };
  if (c.every !== undefined) return { kind: "time", everyMs: c.every.ms, text: c.every.text };
  if (c.perJoin !== undefined) return { kind: "join" };
  return { kind: "task" };
}

/** A catalog SLO by its id (with the scenario's scope, if it gives one), or the scenario's own; undefined for an unknown id. */
function resolveSlo(slo: ScenarioFile["slos"][number], defaultSource: SloSource): ResolvedSlo | undefined {
  const halt = slo.halt && {
    halt: {
      burnRate: slo.halt.burnRate,
      windowMs: slo.halt.window.ms,
      minSamples: slo.halt.minSamples,
      graceMs: slo.halt.grace.ms,
      everyMs: slo.halt.every.ms,
    },
  };
  if ("ref" in slo) {
    const c = resolvedCatalogSlo(slo.ref);
    if (!c) return undefined;
    return { ...c, scope: slo.scope ?? c.scope, ...halt };
  }
  return {
    ...halt,
    id: slo.id,
    title: slo.title ?? slo.id,
    metricName: slo.metric.name,
    metric: slo.metric.parsed,
    threshold: slo.objective.threshold,
    objectiveText: slo.objective.text,
    scope: slo.scope ?? {},
    source: slo.source ?? defaultSource,
  };
}

function resolveRecovery(r: z.output<typeof Recovery>, faults: readonly FaultPlan[], servers: readonly ServerDefinition[]): Scenario["recovery"] {
  let probe = r.probe;
  if (!probe) {
    const name = faults[0]?.affectedServer(servers) ?? servers[0]!.name;
    const def = servers.find((d) => d.name === name);
    probe = { server: name, tool: def?.probe?.tool ?? def?.tools?.[0] ?? "ping", args: def?.probe?.args ?? {} };
  }
  return { probe, intervalMs: r.interval.ms, timeoutMs: r.timeout.ms, consecutive: r.consecutive, limitMs: r.limit.ms, supervisor: r.supervisor };
}
