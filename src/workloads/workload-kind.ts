/**
 * The contract of a workload kind: one module of this folder exporting `defineWorkloadKind({ ... })`,
 * listed once in ./index.ts. It says everything the rest needs: its `kind:` name and zod schema
 * (the scenario schema's union and the JSON schema derive from the registry), its cross-field
 * checks, and what it compiles to: the plan's WorkloadPlan (src/contracts/plan.ts), which makes the
 * operation the sdk driver schedules. Nothing else switches on a workload's kind.
 */
import type { z } from "zod";
import type { PathPart, ScenarioFacts } from "../contracts/checks.js";
import type { WorkloadPlan } from "../contracts/plan.js";

/** What a workload's cross-field checks see once the whole file parsed. */
export interface WorkloadContext {
  /** The scenario's servers, in order, and which of them are custom (defined in the file). */
  servers: readonly { name: string; custom: boolean }[];
  agents: number;
  /** A problem at `path` of the file (its message starts with "expected" or says what was found). */
  issue(path: readonly PathPart[], message: string): void;
  /** Reports `name` at `path` unless it is a server of this scenario. */
  checkServer(name: string, path: readonly PathPart[]): void;
}

type WorkloadSchema = z.ZodObject<{ kind: z.ZodLiteral<string> } & z.core.$ZodLooseShape, z.core.$strict>;

export interface WorkloadKindDefinition<T extends WorkloadSchema> {
  /** The `kind:` of the scenario file (the literal of its schema). */
  name: string;
  /** The entry's fields: a z.strictObject with `kind: z.literal(name)`. */
  schema: T;
  /**
   * Its tool calls are a plain weighted list (the plan's `calls`), which drivers that send calls
   * themselves (k6, autocannon) can run.
   */
  plainCalls: boolean;
  /** It runs in a measurement window, so the scenario needs duration or count (or a capacity search). Default true; an install has none. */
  window?: boolean;
  /**
   * Its operation is one agent task, at whose end it calls `env.calls.taskDone(agent)` for every
   * agent that took part: what session churn per task (scenario sessions.churn.perTask) needs. Default false.
   */
  tasks?: boolean;
  /**
   * Each worker of its operation is one agent, the one with the worker's number, and sends as that agent
   * alone: so a closed load shape turning a worker off is that agent leaving, what session churn per join
   * (scenario sessions.churn.perJoin) needs. Default false (a coordination worker is a pair of agents).
   */
  agentWorkers?: boolean;
  /** Checks against the rest of the scenario once the whole file parsed (the servers it names exist, enough agents, ...). */
  crossCheck?(spec: z.output<T>, ctx: WorkloadContext): void;
  /**
   * Checks that need the catalogs (tool names, placeholders), on the workload as written at ["workload"]:
   * they run even when the schema failed elsewhere, so read it with facts.str/valueAt.
   */
  check?(at: readonly PathPart[], facts: ScenarioFacts): void;
  plan(spec: z.output<T>): WorkloadPlan;
}

/** A workload as its kind's schema parsed it: named by its `kind:`. */
export interface WorkloadSpecBase {
  kind: string;
}

export function defineWorkloadKind<T extends WorkloadSchema>(def: WorkloadKindDefinition<T>) {
  // The schema's `kind` is the literal `def.name`, and the discriminated union parsed the value with the branch its
  // `kind` named: a value of the union naming this kind is this kind's output.
  const isOfKind = (spec: WorkloadSpecBase): spec is WorkloadSpecBase & z.output<T> => spec.kind === def.name;
  return {
    name: def.name,
    plainCalls: def.plainCalls,
    window: def.window ?? true,
    tasks: def.tasks ?? false,
    agentWorkers: def.agentWorkers ?? false,
    check: def.check,
    schema: def.schema,
    crossCheck: (spec, ctx) => {
      if (isOfKind(spec)) def.crossCheck?.(spec, ctx);
    },
    plan: (spec) => (isOfKind(spec) ? def.plan(spec) : undefined),
  } satisfies WorkloadKind;
}

/**
 * What the rest needs of a kind by name: its name, whether drivers can send its calls, its raw
 * checks, its schema (a plain object schema: the scenario schema's checks after the workload still
 * run when a value of it is out of bounds, as they would not behind a transform), and, on a value
 * its schema parsed, its cross-field checks and its plan (undefined for a value of another kind).
 */
export interface WorkloadKind {
  readonly name: string;
  readonly plainCalls: boolean;
  readonly window: boolean;
  readonly tasks: boolean;
  readonly agentWorkers: boolean;
  readonly check: ((at: readonly PathPart[], facts: ScenarioFacts) => void) | undefined;
  readonly schema: WorkloadSchema;
  crossCheck(spec: WorkloadSpecBase, ctx: WorkloadContext): void;
  plan(spec: WorkloadSpecBase): WorkloadPlan | undefined;
}

/** Tools per server, in the order they were named. */
export function toolsByServer(pairs: readonly (readonly [server: string, tool: string])[]): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  for (const [server, tool] of pairs) used.set(server, (used.get(server) ?? new Set()).add(tool));
  return used;
}
