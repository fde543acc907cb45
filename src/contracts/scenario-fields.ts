/**
 * The building blocks of the scenario file's zod schema that the kinds share (a fault kind's timing
 * and hop, a workload's calls, every duration) and the SLO definition the catalog is written in.
 * The scenario schema itself (src/config/scenario-schema.ts) puts them together with the kinds'
 * registries; a kind module (src/faults/kinds, src/workloads) takes its fields from here.
 *
 * A duration is parsed once, here: its schema outputs the text as written (what descriptions and
 * messages quote) and its value in ms (what runs), so nothing parses it again after validation.
 */
import { z } from "zod";
import { MCP_METHODS, TOOLS_CALL, type McpMethod } from "./mcp-methods.js";
import { metricNamesForHumans, parseMetric } from "./metric-names.js";
import { SCOPE_METHODS } from "./sessions.js";
import { DURATION_PATTERN, describeDurationBounds, parseThreshold, durationProblem, readDuration, type DurationBounds } from "./units.js";

/**
 * The usual profiles (--profile scales the same scenario): the repo's scenarios define these three and
 * the CLI's default is ci. A file may define any other name that fits PROFILE_NAME_RE (`soak`,
 * `nightly-eu`); --profile and suites take whatever names the files define.
 */
export const PROFILE_NAMES = ["smoke", "ci", "nightly"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
/** A profile's name: also a flag's value and part of messages, so plain lower-case words. */
export const PROFILE_NAME_RE = /^[a-z][a-z0-9_-]{0,39}$/;
export const PROFILE_NAME_RULE = "a profile name: a lower-case letter, then up to 39 lower-case letters, digits, - or _";

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
  retryBackoff: { min: 0, max: 1 * MIN },
  breakerOpen: { min: 1, max: 1 * H },
  switchStep: { min: 100, max: 24 * H },
  stage: { min: 1, max: 24 * H },
  sessionChurn: { min: 1, max: 24 * H },
  haltWindow: { min: 100, max: 1 * H },
  haltGrace: { min: 0, max: 1 * H },
  haltEvery: { min: 50, max: 1 * MIN },
} as const satisfies Record<string, DurationBounds>;

const DURATION_TEXT = 'a number and a unit (us, ms, s, m or min, h), e.g. "30s"';

/** A duration of a scenario file: as written, and in ms. */
export interface ParsedDuration {
  readonly text: string;
  readonly ms: number;
}

/**
 * A duration within `bounds`: the file's own words and their value in ms (ParsedDuration). The
 * bounds go into the description. A default is given with `.prefault("2s")` (the file's words,
 * parsed like any other), so editors see it as the JSON schema's default.
 */
export function duration(bounds: DurationBounds, description?: string) {
  const range = describeDurationBounds(bounds);
  return (
    z
      .string({ error: () => `expected a duration ${range}, such as "500ms", "30s", "2m" or "1h"` })
      .meta({
        pattern: DURATION_PATTERN,
        description: `${description ? `${description} ` : ""}A duration ${range}: ${DURATION_TEXT}.`,
      })
      // The bounds are a refinement, not part of the transform: a refinement's issue lets zod go on, so in a union
      // (the faults) the branch meant is still the one that failed only on its values, and its problems are the ones said.
      .superRefine((text, ctx) => {
        const problem = durationProblem(text, bounds);
        if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, input: text });
      })
      .transform((text, ctx): ParsedDuration => {
        // Runs only on a text the refinement accepted; readDuration says so again in the types.
        const read = readDuration(text, bounds);
        if (read.ms === undefined) {
          ctx.addIssue({ code: "custom", message: read.problem, input: text });
          return z.NEVER;
        }
        return { text, ms: read.ms };
      })
  );
}

/** Names of scenarios and servers. */
export const NAME_RE = /^[a-z][a-z0-9_-]*$/;

/** A string, number or boolean, or a template such as "key-{{agent}}-{{seq}}". */
export const ArgValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(ArgValue), z.record(z.string(), ArgValue)]),
);

/**
 * The fields each method needs besides `server` (and may take): a tools/call its tool, a resource
 * read or subscription its uri, a prompt its name, a completion its ref and argument.
 */
const METHOD_FIELDS: Record<McpMethod, { needs: readonly ("tool" | "uri" | "name" | "ref" | "argument")[]; args: boolean }> = {
  "tools/call": { needs: ["tool"], args: true },
  "tools/list": { needs: [], args: false },
  "resources/list": { needs: [], args: false },
  "resources/read": { needs: ["uri"], args: false },
  "resources/templates/list": { needs: [], args: false },
  "resources/subscribe": { needs: ["uri"], args: false },
  "prompts/list": { needs: [], args: false },
  "prompts/get": { needs: ["name"], args: true },
  "completion/complete": { needs: ["ref", "argument"], args: false },
  ping: { needs: [], args: false },
};
const FIELD_HELP = {
  tool: "the tool to call",
  uri: 'the resource\'s URI, e.g. "demo://resource/dynamic/text/{{rand 1 9}}"',
  name: "the prompt's name",
  ref: "what to complete: { prompt: <name> } or { resource: <URI template> }",
  argument: "the argument to complete: { name, value }",
} as const;
const FIELD_OF = {
  tool: "tools/call",
  uri: "resources/read and resources/subscribe",
  name: "prompts/get",
  ref: "completion/complete",
  argument: "completion/complete",
} as const;

/**
 * One weighted step of a workload (the plan's MixCall): a tool call by default, or another MCP
 * method (`method:`). A step without `method:` parses to exactly what it did before methods existed,
 * so the plan of an existing scenario (and its hash) is unchanged.
 */
export const MixEntry = z
  .strictObject({
    server: z.string().describe("Name of a server of this scenario."),
    method: z
      .enum(MCP_METHODS)
      .optional()
      .describe(
        "The MCP method sent: tools/call (default, needs tool), tools/list, resources/list, resources/read (needs uri), resources/templates/list, resources/subscribe (needs uri; its notifications/resources/updated are counted), prompts/list, prompts/get (needs name; args are the prompt's arguments), completion/complete (needs ref and argument), ping.",
      ),
    tool: z.string().optional().describe("Tool to call (tools/call)."),
    uri: z.string().optional().describe("Resource URI (resources/read, resources/subscribe). May hold placeholders."),
    name: z.string().optional().describe("Prompt name (prompts/get)."),
    ref: z
      .strictObject({
        prompt: z.string().optional().describe("A prompt's name."),
        resource: z.string().optional().describe("A resource template's URI template."),
      })
      .optional()
      .describe("What completion/complete completes: a prompt's argument or a resource template's variable."),
    argument: z
      .strictObject({
        name: z.string().describe("The argument (or template variable) to complete."),
        value: z.string().default("").describe("What is typed so far. May hold placeholders."),
      })
      .optional()
      .describe("The argument completion/complete completes."),
    weight: z.number().positive().max(1_000_000).default(1).describe("Relative share of calls. Above 0, at most 1 000 000."),
    args: z
      .record(z.string(), ArgValue)
      .default({})
      .describe(
        "Tool arguments (tools/call) or prompt arguments (prompts/get). Strings may hold placeholders: {{agent}}, {{seq}}, {{uuid}}, {{run}}, {{sandbox}}, {{rand A B}}, {{zipf N S}}, {{pick a|b|c}}, {{bytes N}}.",
      ),
  })
  .superRefine((entry, ctx) => {
    const method = entry.method ?? TOOLS_CALL;
    const fields = METHOD_FIELDS[method];
    for (const field of fields.needs)
      if (entry[field] === undefined)
        ctx.addIssue({ code: "custom", path: [field], message: `expected ${FIELD_HELP[field]} (${method} needs it)`, input: undefined });
    for (const field of ["tool", "uri", "name", "ref", "argument"] as const)
      if (entry[field] !== undefined && !fields.needs.includes(field))
        ctx.addIssue({ code: "custom", path: [field], message: `${method} takes no ${field} (${field} is for ${FIELD_OF[field]})`, input: entry[field] });
    if (!fields.args && Object.keys(entry.args).length > 0)
      ctx.addIssue({ code: "custom", path: ["args"], message: `${method} takes no args (only tools/call and prompts/get do)`, input: entry.args });
    if (entry.ref !== undefined && (entry.ref.prompt === undefined) === (entry.ref.resource === undefined))
      ctx.addIssue({ code: "custom", path: ["ref"], message: "expected exactly one of prompt or resource", input: entry.ref });
  });
export type MixEntry = z.output<typeof MixEntry>;

/** When a fault starts and how long it lasts: every fault kind has these two fields. */
export const FaultTiming = {
  at: duration(DURATION_BOUNDS.faultAt, "When the fault starts, after the start of the measurement window (before its end when the window has a duration)."),
  duration: duration(DURATION_BOUNDS.faultDuration, "How long until it is healed. Omitted: never healed during the run.").optional(),
};

/** A TCP hop through Toxiproxy, as a network fault names it. */
export const Hop = z
  .string()
  .regex(
    /^([a-z][a-z0-9_-]*->)?[a-z][a-z0-9_-]*$/,
    'expected a backend or upstream API ("redis", "postgres", "github": every hop to it), one hop "server->backend", e.g. "redis->redis" or "github->github", or "client->server" (transport: http)',
  )
  .describe(
    'A TCP hop through Toxiproxy: "redis", "postgres" or an upstream API such as "github" for every hop to it, "server->backend" for one, or "client->server" for the harness\'s HTTP hop to an MCP server (transport: http).',
  );

const OBJECTIVE_EXAMPLES = 'an objective such as "< 25ms", ">= 99.7%", ">= 10000/s" or ">= 32"';
/** An objective as written, and the threshold it means. */
const Objective = z
  .string({ error: () => `expected ${OBJECTIVE_EXAMPLES}` })
  .describe('Comparator and target: "< 25ms", "<= 5s", ">= 99.7%", ">= 500/s", ">= 32".')
  .transform((text, ctx) => {
    const threshold = parseThreshold(text);
    if (threshold === undefined || (threshold.unit === "ratio" && threshold.value > 1)) {
      ctx.addIssue({
        code: "custom",
        message: threshold === undefined ? `expected ${OBJECTIVE_EXAMPLES}` : "expected a percentage from 0 to 100 %",
        input: text,
      });
      return z.NEVER;
    }
    return { text, threshold };
  });

/** A metric name as written, and what it names. */
const Metric = z
  .string()
  .describe("What is measured, e.g. latency.p99, success_rate, coordination_latency.p50, cache_hit_ratio, throughput.")
  .transform((name, ctx) => {
    const parsed = parseMetric(name);
    if (parsed === undefined) {
      ctx.addIssue({ code: "custom", message: `expected a metric, one of ${metricNamesForHumans()}`, input: name });
      return z.NEVER;
    }
    return { name, parsed };
  });

export const SloScope = z
  .strictObject({
    server: z.string().optional().describe('A server name, or "*" for one verdict per server of the scenario. Omitted: all servers together.'),
    tool: z.string().optional().describe("Only calls to this tool (tools/call)."),
    method: z
      .enum([...MCP_METHODS, ...SCOPE_METHODS])
      .optional()
      .describe(
        "Only requests of this MCP method, e.g. resources/read (issue 19). initialize: the session setups of the measurement window (spawn and initialize handshake over stdio, the initialize request over HTTP), measured apart from the tool calls; judged by latency.*, success_rate and error_rate, and only opened when sessions churn (scenario sessions.churn). Omitted: every method.",
      ),
  })
  .superRefine((scope, ctx) => {
    // A tool scope is tools/call's own: no other method has a tool.
    if (scope.tool !== undefined && scope.method !== undefined && scope.method !== TOOLS_CALL)
      ctx.addIssue({ code: "custom", path: ["tool"], message: `a tool scope judges tools/call requests; ${scope.method} has no tool`, input: scope.tool });
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
/**
 * When an SLO burns its error budget so fast that the run should stop (issue 19, "halt on burn"; like
 * k6's abortOnFail with delayAbortEval, and the short window of a multiwindow burn-rate alert). The
 * scenario's SLO entries may carry it; the catalog's never do. What it means and which metrics take
 * it: src/slo/burn-rate.ts.
 */
export const HaltCondition = z
  .strictObject({
    burnRate: z
      .number()
      .positive()
      .max(1_000_000)
      .describe(
        "Stop when the error budget burns at least this many times as fast as the objective allows: the share of bad calls over the last `window`, divided by the share the objective allows (1 - target; for a percentile, 1 - its quantile). Above 0, at most 1 000 000.",
      ),
    window: duration(DURATION_BOUNDS.haltWindow, "How far back the burn rate looks, from each evaluation."),
    minSamples: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(20)
      .describe("Calls the window must hold (in scope, calls still in flight past their limit included) before its burn rate counts. 1 to 1 000 000."),
    grace: duration(
      DURATION_BOUNDS.haltGrace,
      "How long the burn rate must stay at or above burnRate, at every evaluation, before the run halts (0s: at the first evaluation that sees it).",
    ).prefault("0s"),
    every: duration(DURATION_BOUNDS.haltEvery, "Time between two evaluations of the burn rate, from the start of the measurement window.").prefault("1s"),
  })
  .describe(
    "Halt the run when this SLO burns its error budget: the load stops, faults are healed, the scenario ends cleanly, its results say halted (when, which SLO, the burn rate and samples) and this SLO is judged fail. Metrics: latency.p50/p95/p99/p99_9 (< or <=), success_rate and availability (>= or >), error_rate (< or <=).",
  );

/** An SLO as written (the catalog's entries are written so). */
export type SloDefinition = z.input<typeof SloDefinition>;

/** Worker threads of the threads driver (scenario `threads`, `--threads`): far more than the cores of any machine a harness runs on. */
export const MAX_THREADS = 64;
