/**
 * The contract of a fault kind: one module of ./kinds/ exporting `defineFaultKind({ ... })`, listed
 * once in ./kinds/index.ts. It says everything the rest needs: its `kind:` name and zod schema (the
 * scenario schema's union and the JSON schema derive from the registry), its cross-field checks, how
 * it describes itself, what it acts on and breaks, and how it is injected and healed. Nothing else
 * switches on a fault's kind.
 *
 * The schema compiles the file's entry straight into the plan's FaultPlan (src/contracts/plan.ts):
 * its output is a function of the fault's id ("f1"), which the scenario schema hands out by position.
 */
import type { z } from "zod";
import type { ScenarioFacts, PathPart } from "../contracts/checks.js";
import type { FaultTargets, HealTiming, Injected } from "../contracts/fault-targets.js";
import type { FaultPlan } from "../contracts/plan.js";
import type { ParsedDuration } from "../contracts/scenario-fields.js";
import type { ServerDefinition } from "../contracts/server-definition.js";

/** The fields every fault kind's schema has: its name and timing (src/contracts/scenario-fields.ts FaultTiming). */
export interface FaultSpecBase {
  kind: string;
  at: ParsedDuration;
  duration?: ParsedDuration | undefined;
}

export interface FaultKindDefinition<S extends FaultSpecBase> {
  /** The `kind:` of the scenario file. */
  name: S["kind"];
  /** The entry's fields: a z.strictObject with `kind: z.literal(name)` and ...FaultTiming. */
  schema: z.ZodType<S, unknown>;
  /** Needs the scenario's hops proxied through Toxiproxy. */
  network: boolean;
  /**
   * Checks against the rest of the scenario (servers, backends, transport), on the fault as written at
   * `at` (["faults", i]): the schema may have failed elsewhere, so read it with facts.str/valueAt.
   */
  check(at: readonly PathPart[], facts: ScenarioFacts): void;
  /** One line for the report, e.g. "kill -9 redis at 5s, started again after 2s". */
  describe(spec: S): string;
  /** What it acts on, as the file names it. */
  target(spec: S): string;
  /** The server whose path it breaks: where the recovery probe goes by default. */
  affectedServer(spec: S, servers: readonly ServerDefinition[]): string | undefined;
  /** A process fault (see FaultPlan.actsOnProcess). Default false. */
  actsOnProcess?(spec: S): boolean;
  /** Kills or restarts a process (see FaultPlan.canLoseWrites). Default false. */
  canLoseWrites?(spec: S): boolean;
  /** The stdio server whose sessions need a frame-fault layer from their start. */
  stdioServer?(spec: S): string;
  inject(spec: S, targets: FaultTargets, id: string): Promise<Injected>;
}

/** What the rest needs of a kind without knowing its fields: its name, its checks, its schema and its compiler. */
export interface FaultKind {
  readonly name: string;
  readonly network: boolean;
  check(at: readonly PathPart[], facts: ScenarioFacts): void;
  /**
   * The schema of the file's entry, as written: a plain object schema, no transform. The scenario
   * schema's union of faults is made of these, so zod picks the branch a fault means the way it
   * always did (the one branch that did not fail on its type or `kind`); a transform would end
   * every branch's parse early and leave the choice to a count of issues.
   */
  readonly schema: z.ZodType<FaultSpecBase, unknown>;
  /** The entry compiled to the plan's FaultPlan given its id, when `spec` (parsed by the union) is of this kind; else undefined. */
  compile(spec: FaultSpecBase): ((id: string) => FaultPlan) | undefined;
}

export function defineFaultKind<S extends FaultSpecBase>(def: FaultKindDefinition<S>) {
  // S's `kind` is the literal `def.name` (its schema says `kind: z.literal(name)`), and the union parsed the value with
  // the branch whose literal matched: a value of the union naming this kind is an S.
  const isOfKind = (spec: FaultSpecBase): spec is S => spec.kind === def.name;
  const compileSpec =
    (spec: S) =>
    (id: string): FaultPlan => ({
      id,
      kind: def.name,
      atMs: spec.at.ms,
      durationMs: spec.duration?.ms,
      description: def.describe(spec),
      target: def.target(spec),
      affectedServer: (servers) => def.affectedServer(spec, servers),
      actsOnProcess: def.actsOnProcess?.(spec) ?? false,
      canLoseWrites: def.canLoseWrites?.(spec) ?? false,
      stdioServer: def.stdioServer?.(spec),
      inject: (targets) => def.inject(spec, targets, id),
    });
  return {
    name: def.name,
    network: def.network,
    check: def.check,
    schema: def.schema,
    compile: (spec) => (isOfKind(spec) ? compileSpec(spec) : undefined),
  } satisfies FaultKind;
}

/** " at 5s" and " for 2s" / " (never healed)": how every kind says when. */
export function whenText(spec: { at: ParsedDuration; duration?: ParsedDuration | undefined }): { at: string; until: string } {
  return { at: `at ${spec.at.text}`, until: spec.duration ? ` for ${spec.duration.text}` : " (never healed)" };
}

/**
 * A heal done by one action (a link restored, a toxic removed, a process resumed): the cause goes
 * somewhere between asking and the answer, so it is dated when asked (a probe can never have
 * recovered before it), and ready when the answer came.
 */
export async function instant(fn: () => unknown): Promise<HealTiming> {
  const removedAt = performance.now();
  await fn();
  return { removedAt, readyAt: performance.now() };
}

/** Runs a self-healing fault's rest in the background: the injection returns as soon as the fault acts. */
export function selfHealing(p: Promise<HealTiming>): Injected {
  // Observed by heal() and by the experiment; a failure must not surface as an unhandled rejection meanwhile.
  p.catch(() => undefined);
  return { healing: p, heal: () => p };
}

/** The server of the scenario that uses a backend or upstream API. */
export function serverUsing(backend: string, servers: readonly ServerDefinition[]): string | undefined {
  return servers.find((d) => d.needs.some((n) => n === backend) || d.upstream?.api === backend)?.name;
}
