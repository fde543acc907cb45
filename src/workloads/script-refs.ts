/**
 * What a script's templates read of earlier steps (workload kind script, ./script.ts):
 * `{{steps.<name>.result.<path>}}` and `{{steps.<name>.args.<path>}}` (a dot/index path such as
 * `entities[0].name`), and `{{jsonpath steps.<name> '<query>'}}` (an RFC 9535 JSONPath, evaluated by
 * the jsonpath-rfc9535 package); how a path reads an answer; and whether the output schema a tool
 * declares lets its answer hold what a path reads.
 */
import { query as jsonPathQuery } from "jsonpath-rfc9535";
import parseJsonPath, { type JsonPathQuery } from "jsonpath-rfc9535/parser";

/** A member name or a list index (negative: from the end). */
export type Segment = string | number;

/** What a path finds when the value it reads is not there. */
export const MISSING: unique symbol = Symbol("missing");
export type Found = unknown | typeof MISSING;

/** Step names: what `steps.<name>` can be written with. */
export const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export const STEP_PLACEHOLDER_HELP =
  "{{steps.<step>.result.<path>}} (e.g. {{steps.create.result.entities[0].name}}), {{steps.<step>.args.<path>}}, {{jsonpath steps.<step> '<JSONPath>'}}";

/**
 * Parses a dot/index path: `entities[0].name`, `.entities[0]` (what follows steps.<step>.result),
 * `items[-1]`, `["odd-key"].x`; "" is the whole value. It is a JSONPath of names and indexes without its
 * "$", so the library's parser reads it; a message for anything else. The segments are kept: they are
 * checked against a declared output schema at start and walk each answer without parsing again.
 */
export function parseDotPath(text: string): Segment[] | string {
  if (text === "") return [];
  const asQuery = text.startsWith(".") || text.startsWith("[") ? `$${text}` : `$.${text}`;
  let parsed: JsonPathQuery;
  try {
    parsed = parseJsonPath(asQuery);
  } catch {
    return `expected a path of names and indexes such as entities[0].name (other names in brackets: ["entity-type"]), found "${text}"`;
  }
  return (
    singularSegments(parsed) ??
    `expected a path of names and indexes such as entities[0].name, found "${text}": wildcards, slices and filters need a JSONPath ("$...")`
  );
}

/** `entities[0].name` for [ "entities", 0, "name" ]. */
export function describeSegments(segments: readonly Segment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out === "" ? "(the whole answer)" : out;
}

/** The value at `segments` of `value`, or MISSING. A name reads an object's own field only; an index, a list's item. */
export function readPath(value: unknown, segments: readonly Segment[]): Found {
  let v = value;
  for (const s of segments) {
    if (typeof s === "number") {
      if (!Array.isArray(v)) return MISSING;
      const at = s < 0 ? v.length + s : s;
      if (at < 0 || at >= v.length) return MISSING;
      v = v[at];
    } else {
      if (typeof v !== "object" || v === null || Array.isArray(v) || !Object.hasOwn(v, s)) return MISSING;
      v = (v as Record<string, unknown>)[s];
    }
  }
  return v;
}

/**
 * A JSONPath query: parsed once by the library (a syntax error is a message), then run per answer. A query
 * of names and indexes only (RFC 9535's singular query, e.g. `$.entities[0].name`) gives its one value; any
 * other gives the list of what it matched. No match at all is a missing value either way: the answer lacks
 * what was asked.
 */
export function compileJsonPath(text: string): { singular: Segment[] | undefined; read(value: unknown): Found } | string {
  if (!text.startsWith("$")) return `expected a JSONPath starting with "$", found "${text}"`;
  let parsed: JsonPathQuery;
  try {
    parsed = parseJsonPath(text);
  } catch (err) {
    return `"${text}" is not a JSONPath (RFC 9535): ${(err as Error).message.split("\n")[0]}`;
  }
  const singular = singularSegments(parsed);
  return {
    singular,
    read(value) {
      // The library takes JSON values; an answer is parsed JSON (or a string), so it is one.
      const matches = jsonPathQuery(value as Parameters<typeof jsonPathQuery>[0], text);
      if (matches.length === 0) return MISSING;
      return singular ? matches[0] : matches;
    },
  };
}

/** The names and indexes of a singular query (child segments of one name or index each), else undefined. */
function singularSegments(q: JsonPathQuery): Segment[] | undefined {
  const out: Segment[] = [];
  for (const seg of q.segments) {
    if (seg.type !== "ChildSegment") return undefined;
    const node = seg.node;
    if (node.type === "MemberNameShorthand") out.push(node.value);
    else if (node.type === "BracketedSelection" && node.selectors.length === 1) {
      const sel = node.selectors[0]!;
      if (sel.type === "NameSelector" || sel.type === "IndexSelector") out.push(sel.value);
      else return undefined;
    } else return undefined;
  }
  return out;
}

/** One reference of a template to a step's arguments or answer. */
export interface StepRef {
  /** As written between the braces, for messages. */
  text: string;
  step: string;
  part: "result" | "args";
  /** The path as segments (a dot path, or a JSONPath of names and indexes); undefined for another JSONPath. */
  segments: Segment[] | undefined;
  read(value: unknown): Found;
}

const STEP_REF = /^steps\.([^.\s]+)\.(result|args)((?:[.[].*)?)$/s;
const JSONPATH_REF = /^jsonpath\s+steps\.([^.\s]+)(?:\.(result|args))?\s+(?:'([^']*)'|"([^"]*)")$/s;

/** The reference `expr` (the text between the braces) makes, a message when it is malformed, or undefined when it is no step reference. */
export function parseStepRef(expr: string): StepRef | string | undefined {
  if (expr.startsWith("jsonpath")) {
    const m = JSONPATH_REF.exec(expr);
    if (!m) return `{{${expr}}}: expected {{jsonpath steps.<step> '<JSONPath>'}} (or steps.<step>.args), the query in quotes`;
    const query = compileJsonPath(m[3] ?? m[4] ?? "");
    if (typeof query === "string") return `{{${expr}}}: ${query}`;
    return { text: expr, step: m[1]!, part: m[2] === "args" ? "args" : "result", segments: query.singular, read: query.read };
  }
  if (!expr.startsWith("steps.")) return undefined;
  const m = STEP_REF.exec(expr);
  if (!m) return `{{${expr}}}: expected {{steps.<step>.result.<path>}} or {{steps.<step>.args.<path>}}`;
  const segments = parseDotPath(m[3]!);
  if (typeof segments === "string") return `{{${expr}}}: ${segments}`;
  return { text: expr, step: m[1]!, part: m[2] as "result" | "args", segments, read: (v) => readPath(v, segments) };
}

type JsonSchema = Record<string, unknown>;

/**
 * Why an answer valid against `schema` (a tool's declared output schema) can never hold a value at
 * `segments`, or undefined when it may. Only what the schema rules out counts: a field it does not list
 * is possible unless `additionalProperties: false`; a schema it cannot read (a remote $ref) allows anything.
 */
export function schemaRulesOut(schema: unknown, segments: readonly Segment[]): string | undefined {
  const root = schema;
  const walk = (node: unknown, i: number, depth: number): string | undefined => {
    if (depth > 64) return undefined;
    if (typeof node !== "object" || node === null) return node === false && i < segments.length ? `${at(i)} cannot exist` : undefined;
    const s = resolveRef(root, node as JsonSchema);
    if (s === undefined) return undefined;
    for (const key of ["anyOf", "oneOf"] as const) {
      const branches = s[key];
      if (Array.isArray(branches) && branches.length > 0) {
        const why = branches.map((b) => walk(b, i, depth + 1));
        if (why.every((w) => w !== undefined)) return why[0];
      }
    }
    if (Array.isArray(s.allOf)) {
      for (const b of s.allOf) {
        const why = walk(b, i, depth + 1);
        if (why !== undefined) return why;
      }
    }
    if (i >= segments.length) return undefined;
    const seg = segments[i]!;
    const types = typeof s.type === "string" ? [s.type] : Array.isArray(s.type) ? (s.type as unknown[]) : undefined;
    if (typeof seg === "string") {
      if (types && !types.includes("object")) return `${at(i)} is ${types.join(" or ")}, not an object with field "${seg}"`;
      const props = (typeof s.properties === "object" && s.properties !== null ? s.properties : {}) as JsonSchema;
      if (Object.hasOwn(props, seg)) return walk(props[seg], i + 1, depth + 1);
      if (typeof s.patternProperties === "object" && s.patternProperties !== null) {
        for (const [pattern, sub] of Object.entries(s.patternProperties as JsonSchema)) {
          if (safeTest(pattern, seg)) return walk(sub, i + 1, depth + 1);
        }
      }
      if (s.additionalProperties === false) {
        const fields = Object.keys(props);
        return `${at(i)} has no field "${seg}" (its fields: ${fields.length ? fields.join(", ") : "none"})`;
      }
      return typeof s.additionalProperties === "object" ? walk(s.additionalProperties, i + 1, depth + 1) : undefined;
    }
    if (types && !types.includes("array")) return `${at(i)} is ${types.join(" or ")}, not a list`;
    if (typeof s.maxItems === "number" && seg >= s.maxItems) return `${at(i)} has at most ${s.maxItems} item(s)`;
    if (Array.isArray(s.prefixItems) && seg >= 0 && seg < s.prefixItems.length) return walk(s.prefixItems[seg], i + 1, depth + 1);
    return s.items !== undefined && !Array.isArray(s.items) ? walk(s.items, i + 1, depth + 1) : undefined;
  };
  const at = (i: number) => (i === 0 ? "the answer" : describeSegments(segments.slice(0, i)));
  return walk(schema, 0, 0);
}

/** A schema with its local $ref ("#/..." JSON pointer) followed; undefined for a reference it cannot follow. */
function resolveRef(root: unknown, s: JsonSchema): JsonSchema | undefined {
  let node: JsonSchema = s;
  for (let hops = 0; typeof node.$ref === "string"; hops++) {
    const ref = node.$ref as string;
    if (!ref.startsWith("#") || hops > 16) return undefined;
    let target: unknown = root;
    for (const raw of ref
      .slice(1)
      .split("/")
      .filter((p) => p !== "")) {
      const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
      target = typeof target === "object" && target !== null ? (target as JsonSchema)[key] : undefined;
    }
    if (typeof target !== "object" || target === null) return undefined;
    node = target as JsonSchema;
  }
  return node;
}

function safeTest(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, "u").test(text);
  } catch {
    return true;
  }
}
