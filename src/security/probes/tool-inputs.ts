/**
 * What the probes read from a tool's definition: which of its properties name paths, hold SQL or
 * free text, whether it claims to be read-only, and how to build arguments its schema accepts with
 * the probe's values in chosen places. Pure functions, so the choices are unit-tested.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
  minimum?: number;
  minItems?: number;
  format?: string;
};

/** Property names that hold a filesystem path (or several). */
const PATH_NAME = /^(path|paths|file|files|filename|filepath|file_path|source|destination|dest|target|src|dir|directory|root)$|path$/i;
/** Property names that hold SQL ("query" only where the tool's description speaks of SQL: GitHub's search queries are not). */
const SQL_NAME = /^(sql|statement|stmt)$/i;
/** Tool names that say the tool writes (an unannotated tool is judged by its name). */
const WRITE_NAME = /(write|create|edit|move|copy|rename|delete|remove|mkdir|append|save|put|upload|update|set|insert|drop)/i;

export function propertiesOf(tool: Tool): Record<string, Schema> {
  return ((tool.inputSchema as Schema).properties ?? {}) as Record<string, Schema>;
}

/** The first concrete alternative of anyOf/oneOf (a nullable string is a string). */
function concrete(schema: Schema): Schema {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return concrete(alternatives.find((a) => a.type !== "null") ?? alternatives[0]!);
  if (schema.allOf?.length) return concrete({ ...schema.allOf[0]!, ...schema, allOf: undefined });
  return schema;
}

function typeOf(schema: Schema): string | undefined {
  const s = concrete(schema);
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== "null") : s.type;
  if (t) return t;
  if (s.properties) return "object";
  if (s.items) return "array";
  return undefined;
}

/** A string, or an array of strings. */
export function isStringLike(schema: Schema): boolean {
  const t = typeOf(schema);
  if (t === "string") return concrete(schema).enum === undefined;
  return t === "array" && concrete(schema).items !== undefined && typeOf(concrete(schema).items!) === "string";
}

export function pathProperties(tool: Tool): string[] {
  return Object.entries(propertiesOf(tool))
    .filter(([name, s]) => PATH_NAME.test(name) && isStringLike(s))
    .map(([name]) => name);
}

/** Properties that take a URL: `format: "uri"`, or a name that says so (url, urls, uri, webhookUrl, ...). */
export function urlProperties(tool: Tool): string[] {
  return Object.entries(propertiesOf(tool))
    .filter(
      ([name, s]) =>
        isStringLike(s) && (/(^|[a-z_])(url|urls|uri)$/i.test(name) || concrete(s).format === "uri" || concrete(concrete(s).items ?? {}).format === "uri"),
    )
    .map(([name]) => name);
}

export function sqlProperties(tool: Tool): string[] {
  const speaksSql = /\bSQL\b/.test(tool.description ?? "");
  return Object.entries(propertiesOf(tool))
    .filter(([name, s]) => (SQL_NAME.test(name) || (speaksSql && name === "query")) && typeOf(s) === "string")
    .map(([name]) => name);
}

/** Free-text properties (strings without an enum, or arrays of them) at the top level. */
export function stringProperties(tool: Tool): string[] {
  return Object.entries(propertiesOf(tool))
    .filter(([, s]) => isStringLike(s))
    .map(([name]) => name);
}

/** Annotated readOnlyHint: true. */
export function claimsReadOnly(tool: Tool): boolean {
  return tool.annotations?.readOnlyHint === true;
}

/** Whether the tool writes, as far as its annotations (first) or its name say. */
export function writes(tool: Tool): boolean {
  if (tool.annotations?.readOnlyHint !== undefined) return tool.annotations.readOnlyHint === false;
  return WRITE_NAME.test(tool.name);
}

/** Says "read-only" in what the model reads (title, description): a claim the read-only probe holds it to. */
export function saysReadOnly(text: string | undefined): boolean {
  return text !== undefined && /\bread[- ]?only\b/i.test(text);
}

/**
 * Arguments the tool's schema accepts, with `fill(name, schema)` deciding the value of each
 * top-level property it wants to set (undefined: the generated default). Required properties are
 * always given; optional ones only when `fill` sets them. Nested objects and arrays are built to a
 * bounded depth; numbers are the minimum or 1, booleans false, enums their first value.
 */
export function buildArguments(tool: Tool, fill: (name: string, schema: Schema) => unknown = () => undefined): Record<string, unknown> {
  const schema = tool.inputSchema as Schema;
  const required = new Set(schema.required ?? []);
  const args: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const filled = fill(name, prop);
    if (filled !== undefined) args[name] = filled;
    else if (required.has(name)) args[name] = sampleValue(prop, 0);
  }
  return args;
}

const MAX_DEPTH = 4;

/** A value of the schema: the simplest one it accepts, as far as this reads it (no pattern or format is honoured). */
export function sampleValue(schema: Schema, depth: number, text = "mcp-slo-probe"): unknown {
  const s = concrete(schema);
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  if (s.default !== undefined) return s.default;
  switch (typeOf(s)) {
    case "string":
      return text;
    case "number":
    case "integer":
      return typeof s.minimum === "number" && s.minimum > 1 ? s.minimum : 1;
    case "boolean":
      return false;
    case "array":
      if (depth >= MAX_DEPTH || !s.items) return [];
      return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sampleValue(s.items!, depth + 1, text));
    case "object": {
      if (depth >= MAX_DEPTH) return {};
      const out: Record<string, unknown> = {};
      for (const name of s.required ?? []) {
        const prop = s.properties?.[name];
        out[name] = prop ? sampleValue(prop, depth + 1, text) : text;
      }
      return out;
    }
    default:
      return text;
  }
}

/** `value` where the property wants a string, `[value]` where it wants an array of strings. */
export function asPropertyValue(schema: Schema, value: string): string | string[] {
  return typeOf(schema) === "array" ? [value] : value;
}

/** A value of the wrong JSON type for the property (a string for a number, a number for a string, ...). */
export function wrongTypeValue(schema: Schema): unknown {
  switch (typeOf(schema)) {
    case "string":
      return 12345;
    case "number":
    case "integer":
      return "not a number";
    case "boolean":
      return "not a boolean";
    case "array":
      return { not: "an array" };
    case "object":
      return ["not", "an", "object"];
    default:
      return null;
  }
}

/** At most `max` tools, those with the most candidate properties first, then by name (a stable choice). */
export function pickTools(tools: readonly Tool[], score: (tool: Tool) => number, max: number): Tool[] {
  return tools
    .map((tool) => ({ tool, score: score(tool) }))
    .filter((t) => t.score > 0)
    .sort((a, b) => b.score - a.score || a.tool.name.localeCompare(b.tool.name))
    .slice(0, max)
    .map((t) => t.tool);
}
