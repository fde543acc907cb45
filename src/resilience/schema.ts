/**
 * The scenario fields of the agents' resilience (issue 15): `resilience:` (per server the agents call:
 * retries, a deadline, a circuit breaker and a fallback, what the design module's MCPResilienceManager
 * does, lines 187-245), `switch:` (version A to version B under load, all at once or by traffic shares
 * with a canary analysis, the guide's lines 1258-1430) and a server entry naming another version of a
 * catalog server. The scenario schema (src/config/scenario-schema.ts) puts them in the file; what they
 * compile to is the plan's ResiliencePlan and VersionSwitchPlan (src/contracts/plan.ts).
 */
import { z } from "zod";
import type { FallbackToolMapping, ResiliencePlan, VersionSwitchPlan } from "../contracts/plan.js";
import { ArgValue, DURATION_BOUNDS, duration, NAME_RE } from "../contracts/scenario-fields.js";

/** `{ name, server, version }`: a version of a catalog server the catalog holds (`mcp-slo servers` lists them). */
export const CatalogVersionServer = z
  .strictObject({
    name: z.string().regex(NAME_RE, "expected a lower-case name such as memory-stable"),
    server: z.string().regex(NAME_RE, "expected a catalog server name such as memory").describe("The catalog server this is a version of."),
    version: z.string().min(1).describe("A version the catalog holds for that server (its installed one, or one of its `versions`)."),
  })
  .describe("Another version of a catalog server, as a server of its own (a version switch's B, a fallback to the last stable version).");
export type CatalogVersionServer = z.infer<typeof CatalogVersionServer>;

const Retries = z.strictObject({
  count: z.number().int().min(0).max(10).default(0).describe("Attempts after the first, 0 to 10."),
  backoff: duration(DURATION_BOUNDS.retryBackoff, "Wait before the first retry; doubles each retry.").prefault("20ms"),
  jitter: z.number().min(0).max(1).default(0.5).describe("Share of each wait drawn at random (full jitter at 1), 0 to 1."),
});

const Breaker = z
  .strictObject({
    failureRate: z.number().gt(0).max(1).default(0.5).describe("Share of failed calls over the window that opens the breaker, above 0, at most 1."),
    window: z.number().int().min(1).max(10_000).default(20).describe("How many of the latest calls to the server the failure rate is taken over."),
    minCalls: z.number().int().min(1).max(10_000).default(5).describe("Calls the window must hold before the breaker can open."),
    open: duration(DURATION_BOUNDS.breakerOpen, "How long the breaker stays open (every call goes to the fallback) before it lets probes through.").prefault(
      "1s",
    ),
    halfOpenProbes: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe("Calls let through to the server when half open; all must succeed to close the breaker, any failure opens it again."),
  })
  .describe("A circuit breaker shared by all agents (one manager, as the module's), counting the primary's failures.");

const ToolMapping = z.strictObject({
  tool: z.string().optional().describe("The fallback's tool; default: the same name."),
  args: z
    .record(z.string(), ArgValue)
    .optional()
    .describe(
      "The fallback's arguments; {{args.<name>}} is the original call's argument (its value as is when it is the whole string). Default: the original arguments.",
    ),
});

const FallbackServer = z.strictObject({
  server: z
    .string()
    .describe("The server that answers instead: an alternative server, or the last stable version of this one (a `{ name, server, version }` entry)."),
  tools: z
    .record(z.string(), ToolMapping)
    .optional()
    .describe("Per tool the agents call: the fallback's tool and arguments. A tool not listed is called by the same name with the same arguments."),
});

const FallbackDegraded = z.strictObject({
  degraded: z
    .strictObject({
      tools: z.array(z.string()).min(1).describe("Tools whose last good answer (same arguments) may be served, marked as degraded."),
      maxEntries: z.number().int().min(1).max(1_000_000).default(10_000).describe("Answers kept, per server (least recently stored dropped first)."),
    })
    .describe("Degraded mode: answer from a cache of last good results."),
});

export const ResiliencePolicy = z
  .strictObject({
    retries: Retries.prefault({}),
    deadline: duration(DURATION_BOUNDS.callTimeout, "Bound of the server's attempts of one call, retries included; then the fallback.").optional(),
    breaker: Breaker.optional(),
    fallback: z.union([FallbackServer, FallbackDegraded]).optional(),
  })
  .describe("What the agents do when this server fails (the design module's resilience manager, lines 187-245).");

export const Resilience = z
  .record(z.string(), ResiliencePolicy)
  .describe("Per server the agents call: retries, a deadline, a circuit breaker and a fallback. Needs the sdk driver.");

const SwitchStep = z.strictObject({
  shares: z
    .record(z.string(), z.number().min(0).max(100))
    .describe("Percent of the calls to `from` that each version gets: `from` and `to` only, summing to 100; a version left out gets 0."),
  for: duration(DURATION_BOUNDS.switchStep, "How long the step lasts; the last step lasts to the window's end when omitted.").optional(),
});

export const VersionSwitch = z
  .strictObject({
    from: z.string().describe("Version A: the server the agents call."),
    to: z.string().describe("Version B: a server of this scenario (often `{ name, server, version }`)."),
    baseline: z
      .string()
      .optional()
      .describe(
        "A second instance of version A (another `{ name, server, version }` entry) given as many agents as B at each step, started and warmed with B: the canary is compared with it rather than with A's long-running processes.",
      ),
    at: duration(DURATION_BOUNDS.faultAt, "When the first step starts, from the window's start."),
    steps: z.array(SwitchStep).min(1, "expected at least one step").describe("Traffic shares over time; one step at 100 % to `to` is a blue-green switch."),
    analysis: z
      .strictObject({
        minSamples: z.number().int().min(10).max(1_000_000).default(50).describe("Calls each version needs in a step before it can be compared."),
        floor: z.number().min(0).max(1).default(0.05).describe("Smallest relative slowdown of B that matters (the comparison's material floor)."),
        repeatInconclusive: z
          .number()
          .int()
          .min(0)
          .max(10)
          .default(1)
          .describe("Times a step is repeated when its comparison is inconclusive, before rolling back."),
        settle: duration(
          DURATION_BOUNDS.settle,
          "The start of each step left out of its analysis: processes that just got their first share of calls answer slower for a while, whichever version they run.",
        ).prefault("2s"),
      })
      .optional()
      .describe("Canary analysis at the end of every step that still sends calls to A: B against A by the comparison rules; a regression rolls back to A."),
  })
  .describe("Switch a server from version A to version B while the load runs (blue-green, or a canary by traffic shares).");

export type ResiliencePolicyInput = z.output<typeof ResiliencePolicy>;
export type VersionSwitchInput = z.output<typeof VersionSwitch>;

/** The plan of one policy. */
export function compilePolicy(server: string, p: ResiliencePolicyInput): ResiliencePlan {
  const fb = p.fallback;
  let fallback: ResiliencePlan["fallback"];
  if (fb && "degraded" in fb) fallback = { kind: "degraded", tools: fb.degraded.tools, maxEntries: fb.degraded.maxEntries };
  else if (fb) {
    const tools = new Map<string, FallbackToolMapping>(
      Object.entries(fb.tools ?? {}).map(([tool, m]) => [tool, { tool: m.tool ?? tool, args: m.args as Record<string, unknown> | undefined }]),
    );
    fallback = { kind: "server", server: fb.server, tools };
  }
  return {
    server,
    retries: { count: p.retries.count, backoffMs: p.retries.backoff.ms, jitter: p.retries.jitter },
    deadlineMs: p.deadline?.ms,
    breaker: p.breaker
      ? {
          failureRate: p.breaker.failureRate,
          windowCalls: p.breaker.window,
          minCalls: p.breaker.minCalls,
          openMs: p.breaker.open.ms,
          halfOpenProbes: p.breaker.halfOpenProbes,
        }
      : undefined,
    fallback,
  };
}

export function compileSwitch(s: VersionSwitchInput): VersionSwitchPlan {
  return {
    from: s.from,
    to: s.to,
    baseline: s.baseline,
    atMs: s.at.ms,
    steps: s.steps.map((st) => ({ share: (st.shares[s.to] ?? 0) / 100, durationMs: st.for?.ms ?? Number.POSITIVE_INFINITY })),
    analysis: s.analysis
      ? {
          minSamples: s.analysis.minSamples,
          relativeFloor: s.analysis.floor,
          repeatInconclusive: s.analysis.repeatInconclusive,
          settleMs: s.analysis.settle.ms,
        }
      : undefined,
  };
}

/** `{{args.<name>}}` in a fallback's argument templates. */
export const ARG_REF = /\{\{\s*args\.([A-Za-z0-9_-]+)\s*\}\}/g;
