/**
 * `kind: mix`: a weighted mix of tool calls with templated arguments, the plain load of N agents, and
 * (issue 19) of any other MCP method: listings, resource reads and subscriptions, prompts, completions, ping.
 */
import { z } from "zod";
import { TOOLS_CALL } from "../contracts/mcp-methods.js";
import { MixEntry } from "../contracts/scenario-fields.js";
import type { MethodUse, MixCall } from "../contracts/plan.js";
import type { MethodRequest, PreparedWorkload, WorkloadEnv } from "../contracts/workload-env.js";
import { seededRng, weightedPicker, type Rng } from "../util/random.js";
import { compileTemplate, type CallContext as TemplateContext, type CompiledValue } from "../util/template.js";
import { toolsByServer, defineWorkloadKind } from "./workload-kind.js";

/** A step of the mix compiled once: its templates (arguments, URI, completion value) ready to fill per call. */
interface CompiledStep {
  call: MixCall;
  args: CompiledValue;
  uri: CompiledValue | undefined;
  value: CompiledValue | undefined;
}

export function prepareMix(mix: readonly MixCall[], env: WorkloadEnv, setup: readonly MixCall[] = []): PreparedWorkload {
  const problems: string[] = [];
  const compile = (c: MixCall): CompiledStep => ({
    call: c,
    args: compileTemplate(c.args, problems),
    uri: c.uri === undefined ? undefined : compileTemplate(c.uri, problems),
    value: c.argument === undefined ? undefined : compileTemplate(c.argument.value, problems),
  });
  const steps = mix.map(compile);
  const setupSteps = setup.map(compile);
  if (problems.length) throw new Error(`mix arguments: ${problems.join("; ")}`);
  const request = env.calls.request?.bind(env.calls);
  if (request === undefined && [...mix, ...setup].some((c) => c.method !== undefined))
    throw new Error("this driver's CallSender sends tools/call only; a mix with other MCP methods needs the sdk driver");
  const send = async (step: CompiledStep, ctx: TemplateContext, intendedAt: number | undefined) => {
    const args = step.args(ctx) as Record<string, unknown>;
    const { call } = step;
    if (call.method === undefined) await env.calls.call(ctx.agent, call.server, call.tool, args, intendedAt);
    else await request!(ctx.agent, call.server, methodRequest(step, ctx, args), intendedAt);
  };
  const pick = weightedPicker(steps.map((c) => c.call.weight));
  // One generator per agent, so the sequence an agent sends does not depend on how others interleave.
  const rngs: Rng[] = Array.from({ length: env.agents }, (_, i) => seededRng(env.seed * 1_000_003 + i));
  const setUp = new Array<boolean>(env.agents).fill(setupSteps.length === 0);
  return {
    workers: env.agents,
    operation: async (worker, seq, intendedAt) => {
      const rng = rngs[worker]!;
      const ctx = { agent: worker, seq, runId: env.runId, rng, sandbox: env.sandbox };
      if (!setUp[worker]) {
        // Once per agent, before its first step; sent and recorded like any step, in the phase it falls in.
        setUp[worker] = true;
        for (const step of setupSteps) await send(step, ctx, undefined);
      }
      await send(steps[pick(rng)]!, ctx, intendedAt);
    },
  };
}

/** The request a step of another method sends, its templates filled for this call. */
function methodRequest(step: CompiledStep, ctx: TemplateContext, args: Record<string, unknown>): MethodRequest {
  const { call } = step;
  switch (call.method) {
    case "resources/read":
    case "resources/subscribe":
      return { method: call.method, uri: String(step.uri?.(ctx) ?? "") };
    case "prompts/get":
      // A prompt's arguments are strings (the spec's GetPromptRequest): a number a template made is written as text.
      return {
        method: call.method,
        name: call.name ?? "",
        arguments: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
      };
    case "completion/complete": {
      const ref =
        call.ref !== undefined && "prompt" in call.ref
          ? { type: "ref/prompt" as const, name: call.ref.prompt }
          : { type: "ref/resource" as const, uri: call.ref?.resource ?? "" };
      return { method: call.method, ref, argument: { name: call.argument?.name ?? "", value: String(step.value?.(ctx) ?? "") } };
    }
    case "tools/list":
    case "resources/list":
    case "resources/templates/list":
    case "prompts/list":
    case "ping":
      return { method: call.method };
    case undefined:
      throw new Error("a tools/call step has no other request");
  }
}

/** A mix entry as the plan keeps it: a tools/call exactly as before methods existed, another method with its fields. */
export function mixCallOf(c: MixEntry): MixCall {
  if (c.method === undefined || c.method === TOOLS_CALL) return { server: c.server, tool: c.tool ?? "", weight: c.weight, args: c.args };
  return {
    server: c.server,
    // Its label in the recorder and the results (src/metrics/recorder.ts keys it by method too).
    tool: c.method,
    weight: c.weight,
    args: c.args,
    method: c.method,
    ...(c.uri !== undefined && { uri: c.uri }),
    ...(c.name !== undefined && { name: c.name }),
    ...(c.ref !== undefined && { ref: c.ref.prompt !== undefined ? { prompt: c.ref.prompt } : { resource: c.ref.resource ?? "" } }),
    ...(c.argument !== undefined && { argument: { name: c.argument.name, value: c.argument.value } }),
  };
}

export const mixWorkload = defineWorkloadKind({
  name: "mix",
  schema: z.strictObject({
    kind: z.literal("mix"),
    calls: z.array(MixEntry).min(1, "expected at least one call in the mix"),
    setup: z
      .array(MixEntry)
      .optional()
      .describe(
        "Steps each agent sends once, in order, before its first step of the mix: e.g. a tool that turns a server's resource updates on. Sent and recorded like any step (in the warm-up when there is one); weight is ignored. A capacity search sends them again at each step.",
      ),
  }),
  plainCalls: true,
  // Worker i sends as agent i, and only as it.
  agentWorkers: true,
  crossCheck(w, ctx) {
    for (const [i, c] of w.calls.entries()) ctx.checkServer(c.server, ["workload", "calls", i, "server"]);
    for (const [i, c] of (w.setup ?? []).entries()) ctx.checkServer(c.server, ["workload", "setup", i, "server"]);
  },
  check(at, facts) {
    const entries = [...facts.arr([...at, "calls"]).map((_, i) => [...at, "calls", i]), ...facts.arr([...at, "setup"]).map((_, i) => [...at, "setup", i])];
    entries.forEach((p) => {
      const method = facts.valueAt([...p, "method"]);
      // Another method's tool (if any) is the schema's problem; the catalog knows tools only.
      if (method === undefined || method === TOOLS_CALL) facts.checkTool(facts.str([...p, "server"]), facts.str([...p, "tool"]), [...p, "tool"]);
      for (const field of ["args", "uri", "argument"] as const) {
        const templateProblems: string[] = [];
        compileTemplate(facts.valueAt([...p, field]) ?? {}, templateProblems);
        for (const m of templateProblems) facts.report([...p, field], m, { found: false });
      }
    });
  },
  plan(w) {
    const calls: MixCall[] = w.calls.map(mixCallOf);
    const setup: MixCall[] = (w.setup ?? []).map(mixCallOf);
    const uses = (list: MixCall[], field: string): MethodUse[] =>
      list.flatMap((c, i) => (c.method === undefined ? [] : [{ server: c.server, method: c.method, path: `workload.${field}[${i}].method` }]));
    const methodsUsed = [...uses(calls, "calls"), ...uses(setup, "setup")];
    return {
      kind: "mix",
      calls,
      toolsUsed: toolsByServer([...calls, ...setup].filter((c) => c.method === undefined).map((c) => [c.server, c.tool])),
      // Absent without other methods or setup: the plan of a scenario written before them (and its hash) stays the same.
      ...(methodsUsed.length > 0 && { methodsUsed }),
      ...(setup.length > 0 && { setup }),
      seedRows: 0,
      pingOnly: [],
      install: undefined,
      prepare: (env) => prepareMix(calls, env, setup),
    };
  },
});
