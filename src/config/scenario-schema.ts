/**
 * The scenario file format. One zod schema is the single source of truth:
 * the TypeScript types are inferred from it and `npm run schema` generates
 * scenarios/scenario.schema.json from it so editors autocomplete.
 */
import { z } from "zod";
import { DURATION_PATTERN, describeDurationBounds, durationProblem, parseThreshold, type DurationBounds } from "../contracts/units.js";
import { metricNamesForHumans, parseMetric } from "../contracts/metric-names.js";
import { isSecretKey, MIN_SECRET_LENGTH } from "../telemetry/redact.js";

export const PROFILE_NAMES = ["smoke", "ci", "nightly"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

const NAME_RE = /^[a-z][a-z0-9_-]*$/;

/** Most calls a window may count: far above any guide's test (64 000), far below a wrong figure. */
const MAX_COUNT = 100_000_000;

const H = 3_600_000;
const MIN = 60_000;

/**
 * Bounds of every duration a scenario gives, in ms, inclusive. Each is written into the field's
 * description (so the JSON schema and README say it); all stay far below MAX_TIMER_MS, so no timer
 * the harness arms from them overflows.
 */
export const DURATION_BOUNDS = {
  window: { min: 1, max: 24 * H },
  warmup: { min: 0, max: 1 * H },
  callTimeout: { min: 1, max: 1 * H },
  startTimeout: { min: 100, max: 1 * H },
  thinkTime: { min: 0, max: 1 * H },
  readTimeout: { min: 1, max: 1 * H },
  installLimit: { min: 1000, max: 2 * H },
  faultAt: { min: 0, max: 24 * H },
  faultDuration: { min: 1, max: 24 * H },
  flap: { min: 1, max: 1 * H },
  frameDelay: { min: 0, max: 10 * MIN },
  recoveryInterval: { min: 1, max: 1 * MIN },
  recoveryTimeout: { min: 1, max: 10 * MIN },
  recoveryLimit: { min: 1000, max: 24 * H },
  rpoInterval: { min: 1, max: 1 * MIN },
  rpoLead: { min: 0, max: 1 * H },
  stepDuration: { min: 100, max: 1 * H },
  settle: { min: 0, max: 1 * H },
  standInLatency: { min: 0, max: 10 * MIN },
  probeInterval: { min: 100, max: 1 * H },
  probeTimeout: { min: 1, max: 10 * MIN },
} as const satisfies Record<string, DurationBounds>;

const DURATION_TEXT = 'a number and a unit (us, ms, s, m or min, h), e.g. "30s"';

/**
 * A duration within `bounds`. The type stays a string (the file's own words, shown in reports);
 * parseDurationMs turns it into ms once it passed. The bounds go into the description.
 */
export function duration(bounds: DurationBounds, description?: string) {
  const range = describeDurationBounds(bounds);
  return z
    .string({ error: () => `expected a duration ${range}, such as "500ms", "30s", "2m" or "1h"` })
    .superRefine((s, ctx) => {
      const why = durationProblem(s, bounds);
      if (why !== undefined) ctx.addIssue({ code: "custom", message: why });
    })
    .meta({
      pattern: DURATION_PATTERN,
      description: `${description ? `${description} ` : ""}A duration ${range}: ${DURATION_TEXT}.`,
    });
}

/** Any duration the harness accepts at all (at most a day). */
export const Duration = duration({ min: 0, max: 24 * H });

const OBJECTIVE_EXAMPLES = 'an objective such as "< 25ms", ">= 99.7%", ">= 10000/s" or ">= 32"';
const Objective = z
  .string({ error: () => `expected ${OBJECTIVE_EXAMPLES}` })
  .superRefine((s, ctx) => {
    const t = parseThreshold(s);
    if (t === undefined) ctx.addIssue({ code: "custom", message: `expected ${OBJECTIVE_EXAMPLES}` });
    else if (t.unit === "ratio" && t.value > 1) ctx.addIssue({ code: "custom", message: "expected a percentage from 0 to 100 %" });
  })
  .describe('Comparator and target: "< 25ms", "<= 5s", ">= 99.7%", ">= 500/s", ">= 32".');

const Metric = z
  .string()
  .refine((s) => parseMetric(s) !== undefined, { message: `expected a metric, one of ${metricNamesForHumans()}` })
  .describe("What is measured, e.g. latency.p99, success_rate, coordination_latency.p50, cache_hit_ratio, throughput.");

export const SloScope = z
  .strictObject({
    server: z.string().optional().describe('A server name, or "*" for one verdict per server of the scenario. Omitted: all servers together.'),
    tool: z.string().optional().describe("Only calls to this tool."),
  })
  .describe("Which calls the SLO judges.");

export const SloSource = z.strictObject({
  document: z.string().min(1),
  lines: z.string().min(1).describe('Line or lines in the document, e.g. "1787" or "1795-1796".'),
  quote: z.string().optional(),
});

/** A complete SLO, as the catalog holds them and as a scenario may define its own. */
export const SloDefinition = z.strictObject({
  id: z.string().regex(/^[a-z0-9_.@*-]+$/, "expected lower-case letters, digits and . _ - @"),
  title: z.string().optional(),
  metric: Metric,
  objective: Objective,
  scope: SloScope.optional(),
  source: SloSource.optional().describe("Where the target comes from. Defaults to the scenario file and line."),
});
export type SloDefinition = z.infer<typeof SloDefinition>;

const SloReference = z.strictObject({
  ref: z.string().describe("Id of an SLO in the built-in catalog (mcp-slo slos lists them)."),
  scope: SloScope.optional().describe("Replaces the catalog SLO's scope."),
});

export const ScenarioSlo = z.union([SloReference, SloDefinition]);
export type ScenarioSlo = z.infer<typeof ScenarioSlo>;

/** A string, number or boolean, or a template such as "key-{{agent}}-{{seq}}". */
const ArgValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(ArgValue), z.record(z.string(), ArgValue)]),
);

export const MixEntry = z.strictObject({
  server: z.string().describe("Name of a server of this scenario."),
  tool: z.string().describe("Tool to call."),
  weight: z.number().positive().max(1_000_000).default(1).describe("Relative share of calls. Above 0, at most 1 000 000."),
  args: z.record(z.string(), ArgValue).default({}).describe(
    "Tool arguments. Strings may hold placeholders: {{agent}}, {{seq}}, {{uuid}}, {{run}}, {{sandbox}}, {{rand A B}}, {{zipf N S}}, {{pick a|b|c}}.",
  ),
});

const MixWorkload = z.strictObject({
  kind: z.literal("mix"),
  calls: z.array(MixEntry).min(1, "expected at least one call in the mix"),
});

const CoordinationWorkload = z.strictObject({
  kind: z.literal("coordination"),
  server: z.string().default("redis").describe("The Redis MCP server the agents coordinate through."),
  readTimeout: duration(DURATION_BOUNDS.readTimeout, "How long reader B polls before the sample counts as a timeout.").default("2s"),
});

const CacheAsideWorkload = z.strictObject({
  kind: z.literal("cache-aside"),
  cache: z.string().default("redis"),
  database: z.string().default("postgres"),
  keys: z.number().int().min(1).max(10_000_000).default(1000).describe("Size of the key space (rows in PostgreSQL)."),
  zipfExponent: z.number().positive().max(5).default(1.1),
});

const InstallWorkload = z
  .strictObject({
    kind: z.literal("install"),
    limit: duration(DURATION_BOUNDS.installLimit, "An install still running after this long is stopped and counted as not finished (a miss of any objective at or under it).").default("15m"),
    startToReady: z.boolean().default(true).describe("Start each freshly installed copy once and time spawn to a completed MCP initialize (servers that need no backing service or upstream API)."),
  })
  .describe(
    "No load: a cold install of every server of the scenario from its registry (npm, PyPI, the Go module proxy) into empty temp dirs and caches, one after another. The time includes the registry download, so it depends on the network; an install that fails (e.g. no network) is an environment error, not a failed SLO.",
  );

export const Workload = z.discriminatedUnion("kind", [MixWorkload, CoordinationWorkload, CacheAsideWorkload, InstallWorkload]);
export type Workload = z.infer<typeof Workload>;

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
        env: z.union([z.literal(true), z.array(z.string())]).default([]).describe("Names of env variables whose values are not secret, or true for all."),
        args: z.union([z.literal(true), z.array(z.string())]).default([]).describe("Args, as written, that are not secret, or true for all."),
      })
      .default({ env: [], args: [] })
      .describe(
        "Values of env and args that may appear in outputs. Every other value handed to the server (as written and as expanded) is a secret: replaced by [REDACTED] in results.json, the reports, traces, logs and the terminal (values of 8 or more characters wherever they appear; shorter ones where the harness prints the command line and environment). A value made only of placeholders such as {{redis.url}} is the harness's own and always shown.",
      ),
  })
  .describe("Any other MCP server speaking stdio.");

export const ServerRef = z.union([z.string().regex(NAME_RE, "expected a catalog server name such as redis"), CustomServer]);

export const LoadModel = z.discriminatedUnion("model", [
  z.strictObject({
    model: z.literal("closed").describe("Each agent sends its next call when the previous one answered."),
    thinkTime: duration(DURATION_BOUNDS.thinkTime, "Pause of an agent between an answer and its next call.").default("0ms"),
  }),
  z.strictObject({
    model: z.literal("open").describe("Calls arrive on a fixed schedule whatever the answers; latency counts from the scheduled time."),
    rate: z.number().positive().max(1_000_000).describe("Arrivals per second, over all agents. Above 0, at most 1 000 000."),
    maxInFlight: z.number().int().min(1).max(1_000_000).default(1000).describe("Arrivals beyond this many unanswered calls are dropped and counted. 1 to 1 000 000."),
  }),
]);

export const TOXIC_TYPES = ["latency", "bandwidth", "timeout", "reset_peer", "slow_close", "slicer", "limit_data"] as const;

/**
 * The attributes each Toxiproxy toxic reads (Toxiproxy's README, "Toxics"). Toxiproxy decodes them
 * into Go int64 fields and ignores names it does not know, so a misspelt attribute would silently
 * make a toxic that does nothing: checked here by name, as whole numbers.
 */
export const TOXIC_ATTRIBUTES: Record<(typeof TOXIC_TYPES)[number], readonly string[]> = {
  latency: ["latency", "jitter"],
  bandwidth: ["rate"],
  timeout: ["timeout"],
  reset_peer: ["timeout"],
  slow_close: ["delay"],
  slicer: ["average_size", "size_variation", "delay"],
  limit_data: ["bytes"],
};
/** Largest toxic attribute: Toxiproxy's time attributes are ms (or us) handed to Go timers; 2^31-1 ms is 24 days. */
export const MAX_TOXIC_ATTRIBUTE = 2 ** 31 - 1;

const FaultTiming = {
  at: duration(DURATION_BOUNDS.faultAt, "When the fault starts, after the start of the measurement window (before its end when the window has a duration)."),
  duration: duration(DURATION_BOUNDS.faultDuration, "How long until it is healed. Omitted: never healed during the run.").optional(),
};

const Hop = z
  .string()
  .regex(
    /^([a-z][a-z0-9_-]*->)?[a-z][a-z0-9_-]*$/,
    'expected a backend or upstream API ("redis", "postgres", "github": every hop to it), one hop "server->backend", e.g. "redis->redis" or "github->github", or "client->server" (transport: http)',
  )
  .describe('A TCP hop through Toxiproxy: "redis", "postgres" or an upstream API such as "github" for every hop to it, "server->backend" for one, or "client->server" for the harness\'s HTTP hop to an MCP server (transport: http).');

export const ToxicFault = z.strictObject({
  kind: z.literal("toxic"),
  hop: Hop,
  toxic: z.enum(TOXIC_TYPES),
  attributes: z.record(z.string(), z.number()).default({}).describe("The toxic's attributes, e.g. { latency: 50, jitter: 5 } (Toxiproxy's names and units)."),
  stream: z.enum(["upstream", "downstream", "both"]).default("downstream").describe("downstream: backend to server (answers); upstream: server to backend (requests)."),
  toxicity: z.number().min(0).max(1).default(1).describe("Share of connections the toxic applies to."),
  ...FaultTiming,
});

export const HopDownFault = z.strictObject({
  kind: z.literal("hop-down"),
  hop: Hop,
  flap: z
    .strictObject({ down: duration(DURATION_BOUNDS.flap, "How long the link is down each time."), up: duration(DURATION_BOUNDS.flap, "How long it is up in between."), times: z.number().int().min(1).max(1000).describe("1 to 1000.") })
    .optional()
    .describe("A flapping link: down and up again, this many times, instead of one outage of `duration`."),
  ...FaultTiming,
});

export const ProcessFault = z.strictObject({
  kind: z.literal("process"),
  target: z
    .string()
    .regex(/^(redis|postgres|server:[a-z][a-z0-9_-]*)$/, 'expected "redis", "postgres" or "server:<name>"')
    .describe('"redis" or "postgres" (the backend), or "server:<name>" (every process of that MCP server).'),
  action: z.enum(["kill", "pause", "restart"]).describe("kill: SIGKILL, started again after `duration`; pause: SIGSTOP for `duration`, then SIGCONT; restart: graceful stop and start."),
  ...FaultTiming,
});

export const StdioFault = z.strictObject({
  kind: z.literal("stdio"),
  server: z.string().describe("Every session of this stdio MCP server."),
  action: z.enum(["delay", "drop", "truncate"]).describe("delay: hold each JSON-RPC frame; drop: lose it; truncate: cut it in half (the peer sees broken JSON)."),
  delay: duration(DURATION_BOUNDS.frameDelay, "How long each frame is held (action delay).").default("0ms"),
  probability: z.number().min(0).max(1).default(1).describe("Share of frames affected."),
  direction: z.enum(["to-server", "from-server", "both"]).default("from-server"),
  ...FaultTiming,
});

const PresetFault = z
  .looseObject({ preset: z.string().regex(/^[a-z0-9-]+$/, "expected a preset name: a file chaos/<name>.yaml") })
  .describe("A named fault from chaos/<name>.yaml; other fields given here override the preset's.");

export const FaultSpec = z.union([ToxicFault, HopDownFault, ProcessFault, StdioFault]);
export type FaultSpec = z.infer<typeof FaultSpec>;
export const ScenarioFault = z.union([PresetFault, FaultSpec]);

export const REDIS_PERSISTENCE = ["none", "rdb", "aof-everysec", "aof-always"] as const;

const Recovery = z.strictObject({
  probe: z
    .strictObject({
      server: z.string(),
      tool: z.string(),
      args: z.record(z.string(), ArgValue).default({}),
    })
    .optional()
    .describe("The call that tells whether the affected path works. Default: the catalog probe of the first affected server."),
  interval: duration(DURATION_BOUNDS.recoveryInterval, "Time between probes (100ms or less for RTO).").default("100ms"),
  timeout: duration(DURATION_BOUNDS.recoveryTimeout, "Deadline of one probe.").default("1s"),
  consecutive: z.number().int().min(1).max(100).default(3).describe("k: successes in a row that mean recovered."),
  limit: duration(DURATION_BOUNDS.recoveryLimit, "After a fault starts, how long to wait for recovery before reporting 'did not recover'.").default("60s"),
  supervisor: z.boolean().default(false).describe("Restart an MCP server process that died (a supervisor policy)."),
});

const Rpo = z.strictObject({
  stores: z
    .array(z.enum(["redis", "postgres", "memory", "filesystem"]))
    .min(1)
    .describe("Where writers write sequence-numbered records: redis (MCP set), memory (MCP create_entities), filesystem (MCP write_file), postgres (the harness's own coordination writer; the PostgreSQL MCP server is read-only)."),
  interval: duration(DURATION_BOUNDS.rpoInterval, "Pause between a writer's writes.").default("20ms"),
  lead: duration(
    DURATION_BOUNDS.rpoLead,
    "How long the writers write before the measurement window opens. They start before the warm-up, which counts toward this. When a fault loses everything a writer wrote, the RPO is only known to be at least the writer's age at the fault, which can fail a target but never prove it: to prove an RPO target, the writer must be older than the target at its fault (lead + the fault's at > target).",
  ).default("0s"),
});

const AvailabilityProbe = z
  .strictObject({
    enabled: z.boolean().default(true).describe("false: no probe; availability is then judged on the load alone."),
    interval: duration(DURATION_BOUNDS.probeInterval, "Time between probes of one server.").default("1s"),
    timeout: duration(DURATION_BOUNDS.probeTimeout, "Deadline of one probe. Default: the scenario's callTimeout.").optional(),
  })
  .describe(
    "An always-on probe per server during the measurement window, in its own MCP session: the catalog's probe call, else the workload's first call to that server, else MCP ping. It measures availability independently of the load (ok probes / probes); the report shows it beside the load's time-based figure. A server already probed by the fault experiment (recovery) is not probed twice.",
  );

const StandInBehaviour = z
  .strictObject({
    latency: z
      .strictObject({ median: duration(DURATION_BOUNDS.standInLatency, "Median added latency."), p95: duration(DURATION_BOUNDS.standInLatency, "95th percentile of the added latency; at least the median.") })
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
    "postgres.synchronousCommit": z.array(z.enum(["on", "off"])).min(1).optional(),
    supervisor: z.array(z.boolean()).min(1).optional(),
  })
  .describe("Run the scenario once per combination of these settings; each run is judged on its own.");

export const Capacity = z
  .strictObject({
    start: z.number().positive().max(1_000_000).describe("Arrival rate of the first step, operations per second."),
    factor: z.number().gt(1).max(10).optional().describe("Each step multiplies the rate by this (default 1.5). Give factor or step, not both."),
    step: z.number().positive().max(1_000_000).optional().describe("Each step adds this many operations per second (instead of factor)."),
    max: z.number().positive().max(1_000_000).describe("Highest rate tried; the last step runs at exactly this rate."),
    stepDuration: duration(DURATION_BOUNDS.stepDuration, "Measurement window of each step, judged against the scenario's SLOs.").default("10s"),
    settle: duration(DURATION_BOUNDS.settle, "Load at the step's rate before its window, recorded apart and never judged.").default("2s"),
  })
  .describe(
    "Capacity search (needs load.model: open): run the workload at rising arrival rates, judge each step against the SLOs and stop at the first step where one fails or the load generator was the limit. The result is the highest rate at which every SLO held.",
  );

const ScenarioBody = {
  $schema: z.string().optional(),
  name: z.string().regex(NAME_RE, "expected a lower-case name such as redis-baseline"),
  description: z.string().default(""),
  servers: z.array(ServerRef).min(1, "expected at least one server"),
  agents: z.number().int().min(1).max(1024).describe("Concurrent agents; each holds its own MCP session to every server. 1 to 1024."),
  load: LoadModel.default({ model: "closed", thinkTime: "0ms" }),
  duration: duration(DURATION_BOUNDS.window, "Length of the measurement window (after warm-up).").optional(),
  count: z.number().int().min(1).max(MAX_COUNT).optional().describe("Stop after this many calls (or coordination samples) in the window. 1 to 100 000 000."),
  warmup: duration(DURATION_BOUNDS.warmup, "Load before the measurement window; recorded apart and never judged.").default("0s"),
  callTimeout: duration(DURATION_BOUNDS.callTimeout, "Deadline of every call; a timeout counts as a failure at this latency.").default("5s"),
  startTimeout: duration(DURATION_BOUNDS.startTimeout, "How long a server may take to answer initialize.").default("30s"),
  seed: z.number().int().min(0).max(0xffff_ffff).default(1).describe("Seed of the random choices (mix, arguments, keys): 0 to 4294967295 (the generator keeps 32 bits)."),
  workload: Workload,
  slos: z.array(ScenarioSlo).default([]),
  transport: z
    .enum(["stdio", "http"])
    .default("stdio")
    .describe("How agents reach the MCP servers. stdio: one child process per session over its stdin/stdout. http: MCP Streamable HTTP on 127.0.0.1 through a Toxiproxy hop client->server; servers that speak it natively (everything) run once, stdio-only ones run behind an in-harness bridge with one child per session."),
  driver: z
    .enum(["sdk", "autocannon", "k6"])
    .default("sdk")
    .describe("Who generates the load: the harness's MCP SDK driver, autocannon (raw JSON-RPC over HTTP) or k6. autocannon and k6 need transport: http and a mix workload."),
  proxied: z.boolean().default(true).describe("Route every TCP hop (MCP server to backend) through Toxiproxy, so faults can act on it."),
  backends: Backends.default({ redis: { persistence: "none" }, postgres: { synchronousCommit: "on" } }),
  upstream: z
    .enum(["stand-in", "live"])
    .default("stand-in")
    .describe("What servers that call a SaaS API (GitHub, Notion, Firecrawl, ShadCN's registry) talk to: local stand-ins (offline; results are marked) or the real APIs with tokens from the environment (`mcp-slo run --live` sets this)."),
  standIns: z.record(z.string(), StandInBehaviour).default({}).describe("Per upstream API (github, notion, firecrawl, shadcn): the stand-in's latency and error rate."),
  faults: z.array(ScenarioFault).default([]),
  recovery: Recovery.optional().describe("How recovery after faults is probed (RTO)."),
  rpo: Rpo.optional().describe(
    "Writers whose acknowledged records are read back after recovery (RPO). Without faults, a consistency check: any acknowledged write missing is 'lost without a fault' and fails every RPO objective.",
  ),
  matrix: Matrix.optional(),
  capacity: Capacity.optional(),
  availabilityProbe: AvailabilityProbe.default({ enabled: true, interval: "1s" }),
};

/** A profile overrides parts of the scenario (deep merge; arrays replace). */
export const ProfileOverride = z
  .record(z.string(), z.unknown())
  .describe("Fields of this scenario to replace under this profile, e.g. { duration: 10s, agents: 2 }.");

export const ScenarioFile = z
  .strictObject({
    ...ScenarioBody,
    profiles: z.partialRecord(z.enum(PROFILE_NAMES), ProfileOverride).default({}),
  })
  .superRefine((s, ctx) => {
    // An install scenario has no measurement window: each install takes what it takes (up to its limit).
    if (s.duration === undefined && s.count === undefined && s.capacity === undefined && s.workload.kind !== "install") {
      ctx.addIssue({ code: "custom", path: ["duration"], message: "expected duration or count (or both), found neither" });
    }
    if (s.capacity) {
      if (s.capacity.factor !== undefined && s.capacity.step !== undefined) ctx.addIssue({ code: "custom", path: ["capacity", "step"], message: "give factor or step, not both" });
      if (s.capacity.max < s.capacity.start) ctx.addIssue({ code: "custom", path: ["capacity", "max"], message: `expected max >= start (${s.capacity.start})` });
    }
    const names = s.servers.map((x) => (typeof x === "string" ? x : x.name));
    const known = new Set(names);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: "custom", path: ["servers", i], message: `server "${n}" is listed twice` });
    });
    const checkServer = (name: string, path: (string | number)[]) => {
      if (!known.has(name)) ctx.addIssue({ code: "custom", path, message: `expected one of this scenario's servers (${names.join(", ")}), found "${name}"` });
    };
    s.servers.forEach((x, i) => {
      if (typeof x !== "string") handedValueProblems(x).forEach((p) => ctx.addIssue({ code: "custom", path: ["servers", i, ...p.path], message: p.message }));
    });
    const w = s.workload;
    if (w.kind === "mix") w.calls.forEach((c, i) => checkServer(c.server, ["workload", "calls", i, "server"]));
    if (w.kind === "coordination") checkServer(w.server, ["workload", "server"]);
    if (w.kind === "cache-aside") {
      checkServer(w.cache, ["workload", "cache"]);
      checkServer(w.database, ["workload", "database"]);
    }
    if (w.kind === "install") s.servers.forEach((x, i) => typeof x !== "string" && ctx.addIssue({ code: "custom", path: ["servers", i], message: "an install scenario installs catalog servers; a custom server has no registry package to install" }));
    if (w.kind === "coordination" && s.agents < 2) ctx.addIssue({ code: "custom", path: ["agents"], message: "coordination needs at least 2 agents (a writer and a reader)" });
    s.slos.forEach((slo, i) => {
      const server = slo.scope?.server;
      if (server !== undefined && server !== "*") checkServer(server, ["slos", i, "scope", "server"]);
    });
  });

/**
 * `public:` names only env variables and args the server has; a credential-named env value too
 * short to be redacted from the outputs, and not marked public, is refused rather than leaked.
 */
function handedValueProblems(server: z.infer<typeof CustomServer>): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const pub = server.public;
  if (Array.isArray(pub.env)) {
    pub.env.forEach((name, i) => {
      if (!(name in server.env)) out.push({ path: ["public", "env", i], message: `expected the name of one of this server's env variables (${Object.keys(server.env).join(", ") || "it has none"}), found "${name}"` });
    });
  }
  if (Array.isArray(pub.args)) {
    pub.args.forEach((arg, i) => {
      if (!server.args.includes(arg)) out.push({ path: ["public", "args", i], message: `expected one of this server's args as written, found ${JSON.stringify(arg)}` });
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

export type ScenarioFile = z.infer<typeof ScenarioFile>;
export type CustomServer = z.infer<typeof CustomServer>;
export type LoadModel = z.infer<typeof LoadModel>;
