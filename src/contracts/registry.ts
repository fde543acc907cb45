/**
 * What every registry of kinds (faults, workloads) derives from its list: the zod schemas of its
 * kinds, in order, for the scenario schema's union (and so the JSON schema), and a kind by name.
 */
import type { z } from "zod";

/** A kind whose schema compiles the file's entry to the plan. */
export interface CompiledKind {
  readonly name: string;
  readonly compiled: z.ZodType;
}

type Schemas<K extends readonly CompiledKind[]> = { [I in keyof K]: K[I]["compiled"] };

/**
 * The compiled schemas of `kinds`, as a tuple z.union and z.discriminatedUnion accept. Array's map
 * cannot keep a tuple's type; the mapped type says what it returns, element for element.
 */
export function schemasOf<K extends readonly [CompiledKind, ...CompiledKind[]]>(kinds: K): Schemas<K> {
  return kinds.map((k) => k.compiled) as unknown as Schemas<K>;
}

/** The kind named `name` (a value of the file as written, so anything), or undefined. */
export function findKind<K extends CompiledKind>(kinds: readonly K[], name: unknown): K | undefined {
  return kinds.find((k) => k.name === name);
}

/** The names of the kinds, as error messages and help texts list them. */
export function kindNames(kinds: readonly CompiledKind[]): string[] {
  return kinds.map((k) => k.name);
}
