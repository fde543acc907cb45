/** A kind with a name, as every registry lists them. */
export interface NamedKind {
  readonly name: string;
}

type Schemas<K extends readonly NamedKind[], F extends keyof K[number]> = { [I in keyof K]: K[I][F] };

/**
 * The schemas of `kinds` held in `field` (workloads: `compiled`, faults: `schema`), as a tuple
 * z.union and z.discriminatedUnion accept. Array's map cannot keep a tuple's type; the mapped type
 * says what it returns, element for element.
 */
export function schemasOf<K extends readonly [NamedKind, ...NamedKind[]], F extends keyof K[number]>(kinds: K, field: F): Schemas<K, F> {
  return kinds.map((k: K[number]) => k[field]) as unknown as Schemas<K, F>;
}

/** The kind named `name` (a value of the file as written, so anything), or undefined. */
export function findKind<K extends NamedKind>(kinds: readonly K[], name: unknown): K | undefined {
  return kinds.find((k) => k.name === name);
}

/** The names of the kinds, as error messages and help texts list them. */
export function kindNames(kinds: readonly NamedKind[]): string[] {
  return kinds.map((k) => k.name);
}
