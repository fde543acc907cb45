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
  /** Checks against the rest of the scenario once the whole file parsed (the servers it names exist, enough agents, ...). */
  crossCheck?(spec: z.output<T>, ctx: WorkloadContext): void;
  /**
   * Checks that need the catalogs (tool names, placeholders), on the workload as written at ["workload"]:
   * they run even when the schema failed elsewhere, so read it with facts.str/valueAt.
   */
  check?(at: readonly PathPart[], facts: ScenarioFacts): void;
  plan(spec: z.output<T>): WorkloadPlan;
}

/** What a workload's schema compiles the file's entry to: its plan, and its cross-field checks. */
export interface CompiledWorkload {
  plan: WorkloadPlan;
  crossCheck(ctx: WorkloadContext): void;
}

export function defineWorkloadKind<T extends WorkloadSchema>(def: WorkloadKindDefinition<T>) {
  return {
    name: def.name,
    plainCalls: def.plainCalls,
    check: def.check,
    compiled: def.schema.transform((spec): CompiledWorkload => ({ plan: def.plan(spec), crossCheck: (ctx) => def.crossCheck?.(spec, ctx) })),
  };
}

/** What the rest needs of a kind by name: its name, whether drivers can send its calls, its raw checks. */
export interface WorkloadKind {
  readonly name: string;
  readonly plainCalls: boolean;
  readonly check: ((at: readonly PathPart[], facts: ScenarioFacts) => void) | undefined;
  readonly compiled: z.ZodType<CompiledWorkload, unknown>;
}

/** Tools per server, in the order they were named. */
export function toolsByServer(pairs: readonly (readonly [server: string, tool: string])[]): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  for (const [server, tool] of pairs) used.set(server, (used.get(server) ?? new Set()).add(tool));
  return used;
}
