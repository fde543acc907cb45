/** `kind: mix`: a weighted mix of tool calls with templated arguments, the plain load of N agents. */
import { z } from "zod";
import { MixEntry } from "../contracts/scenario-fields.js";
import type { MixCall } from "../contracts/plan.js";
import type { PreparedWorkload, WorkloadEnv } from "../contracts/workload-env.js";
import { seededRng, weightedPicker, type Rng } from "../util/random.js";
import { compileTemplate } from "../util/template.js";
import { toolsByServer, defineWorkloadKind } from "./workload-kind.js";

export function prepareMix(mix: readonly MixCall[], env: WorkloadEnv): PreparedWorkload {
  const problems: string[] = [];
  const calls = mix.map((c) => ({ ...c, args: compileTemplate(c.args, problems) }));
  if (problems.length) throw new Error(`mix arguments: ${problems.join("; ")}`);
  const pick = weightedPicker(calls.map((c) => c.weight));
  // One generator per agent, so the sequence an agent sends does not depend on how others interleave.
  const rngs: Rng[] = Array.from({ length: env.agents }, (_, i) => seededRng(env.seed * 1_000_003 + i));
  return {
    workers: env.agents,
    operation: async (worker, seq, intendedAt) => {
      const rng = rngs[worker]!;
      const call = calls[pick(rng)]!;
      const args = call.args({ agent: worker, seq, runId: env.runId, rng, sandbox: env.sandbox }) as Record<string, unknown>;
      await env.calls.call(worker, call.server, call.tool, args, intendedAt);
    },
  };
}

export const mixWorkload = defineWorkloadKind({
  name: "mix",
  schema: z.strictObject({
    kind: z.literal("mix"),
    calls: z.array(MixEntry).min(1, "expected at least one call in the mix"),
  }),
  plainCalls: true,
  crossCheck(w, ctx) {
    for (const [i, c] of w.calls.entries()) ctx.checkServer(c.server, ["workload", "calls", i, "server"]);
  },
  check(at, facts) {
    facts.arr([...at, "calls"]).forEach((_, i) => {
      const p = [...at, "calls", i];
      facts.checkTool(facts.str([...p, "server"]), facts.str([...p, "tool"]), [...p, "tool"]);
      const templateProblems: string[] = [];
      compileTemplate(facts.valueAt([...p, "args"]) ?? {}, templateProblems);
      for (const m of templateProblems) facts.report([...p, "args"], m, { found: false });
    });
  },
  plan(w) {
    const calls: MixCall[] = w.calls.map((c) => ({ server: c.server, tool: c.tool, weight: c.weight, args: c.args }));
    return {
      kind: "mix",
      calls,
      toolsUsed: toolsByServer(calls.map((c) => [c.server, c.tool])),
      seedRows: 0,
      pingOnly: [],
      install: undefined,
      prepare: (env) => prepareMix(calls, env),
    };
  },
});
