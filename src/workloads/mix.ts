/** A weighted mix of tool calls with templated arguments: the plain load of N agents. */
import type { ResolvedWorkload } from "../config/load-scenario.js";
import { seededRng, weightedPicker, type Rng } from "../util/random.js";
import { compileTemplate } from "./template.js";
import type { PreparedWorkload, WorkloadEnv } from "./workload.js";

export function prepareMix(w: Extract<ResolvedWorkload, { kind: "mix" }>, env: WorkloadEnv): PreparedWorkload {
  const problems: string[] = [];
  const calls = w.calls.map((c) => ({ ...c, args: compileTemplate(c.args, problems) }));
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
