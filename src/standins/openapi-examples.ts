/**
 * Response payloads out of an OpenAPI 3.x description, so a stand-in answers with what the API's
 * own publisher says it answers rather than with shapes we made up.
 *
 * For one operation (by operationId, or by method and path template) `responseExample` picks the
 * success response and returns, in this order of preference:
 *   1. the media type's `example`,
 *   2. the first of its `examples` (an Example Object's `value`, `$ref`s into components followed),
 *   3. a sample built from its `schema` (`sampleFromSchema`),
 * and says which of the three it was, so a stand-in can tell an authored example from a sample.
 *
 * The sample is deterministic (same document, same payload): schema `example`/`examples`/`default`/
 * `const`/first `enum` value win; otherwise a fixed value per type and format. `$ref`s are resolved
 * anywhere (JSON pointers into the same document); a schema that refers to itself stops at the
 * second visit, so recursive schemas (a block's children are blocks) stay finite.
 *
 * Deliberately generic (no knowledge of any one API): the Notion stand-in uses it, others may.
 * Both OpenAPI 3.0 (`nullable`) and 3.1 (`type: [..., "null"]`, `examples: [...]` on schemas) are read.
 */

/** The parts of an OpenAPI document this module reads; anything else is ignored. */
export interface OpenApiDocument {
  openapi?: string;
  paths?: Record<string, Record<string, unknown> | undefined>;
  components?: Record<string, Record<string, unknown> | undefined>;
  [key: string]: unknown;
}

export type OperationRef = { operationId: string } | { method: string; path: string };

export interface OperationEntry {
  /** Lower-case HTTP method. */
  method: string;
  /** Path template as written in the document, e.g. "/v1/pages/{page_id}". */
  path: string;
  operationId: string | undefined;
  operation: Record<string, unknown>;
}

export interface ResponseExample {
  /** The response's status code (a range such as "2XX" is answered with its first code). */
  status: number;
  body: unknown;
  /** Where `body` came from: an authored `example`, an authored `examples` entry, a schema sample, or nothing (no content). */
  source: "example" | "examples" | "schema" | "none";
}

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows a local `$ref` ("#/components/schemas/page"); throws on a reference that leads nowhere. */
export function resolveRef(doc: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith("#/")) throw new Error(`openapi: only local references are supported, found "${ref}"`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObject(node) && !Array.isArray(node)) throw new Error(`openapi: reference "${ref}" leads nowhere`);
    node = (node as Record<string, unknown>)[key];
    if (node === undefined) throw new Error(`openapi: reference "${ref}" leads nowhere`);
  }
  return node;
}

/** A node with any chain of `$ref`s followed. */
function deref(doc: OpenApiDocument, node: unknown, seen = new Set<string>()): unknown {
  let current = node;
  while (isObject(current) && typeof current.$ref === "string") {
    if (seen.has(current.$ref)) throw new Error(`openapi: circular reference "${current.$ref}"`);
    seen.add(current.$ref);
    current = resolveRef(doc, current.$ref);
  }
  return current;
}

/** Every operation of the document, in document order. */
export function listOperations(doc: OpenApiDocument): OperationEntry[] {
  const out: OperationEntry[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const pathItem = deref(doc, item);
    if (!isObject(pathItem)) continue;
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!isObject(operation)) continue;
      out.push({ method, path, operationId: typeof operation.operationId === "string" ? operation.operationId : undefined, operation });
    }
  }
  return out;
}

export function findOperation(doc: OpenApiDocument, ref: OperationRef): OperationEntry {
  const all = listOperations(doc);
  const found =
    "operationId" in ref
      ? all.find((op) => op.operationId === ref.operationId)
      : all.find((op) => op.method === ref.method.toLowerCase() && op.path === ref.path);
  if (!found) throw new Error(`openapi: no operation ${"operationId" in ref ? `"${ref.operationId}"` : `${ref.method.toUpperCase()} ${ref.path}`}`);
  return found;
}

/** "200" before "201" before "2XX" before "default"; only success codes unless `status` is given. */
function pickStatus(responses: Json, wanted: string | undefined): string | undefined {
  if (wanted !== undefined) return wanted in responses ? wanted : undefined;
  const keys = Object.keys(responses);
  const exact = keys.filter((k) => /^2\d\d$/.test(k)).sort();
  if (exact.length) return exact[0];
  if (keys.includes("2XX")) return "2XX";
  return keys.includes("default") ? "default" : undefined;
}

function pickMediaType(content: Json, wanted: string | undefined): Json | undefined {
  if (wanted !== undefined) return isObject(content[wanted]) ? (content[wanted] as Json) : undefined;
  const key = Object.keys(content).find((k) => /^application\/(.+\+)?json/.test(k)) ?? Object.keys(content)[0];
  return key !== undefined && isObject(content[key]) ? (content[key] as Json) : undefined;
}

/**
 * The payload the document gives for an operation's response: its authored example if it has one,
 * else a sample of its schema. `status` picks a response other than the first success one.
 */
export function responseExample(doc: OpenApiDocument, ref: OperationRef, opts: { status?: string; mediaType?: string } = {}): ResponseExample {
  const { operation } = findOperation(doc, ref);
  const responses = deref(doc, operation.responses);
  if (!isObject(responses)) throw new Error(`openapi: operation ${JSON.stringify(ref)} has no responses`);
  const statusKey = pickStatus(responses, opts.status);
  if (statusKey === undefined) throw new Error(`openapi: operation ${JSON.stringify(ref)} has no ${opts.status ?? "success"} response`);
  const status = statusKey === "default" ? 200 : Number(statusKey.replace(/X/g, "0"));
  const response = deref(doc, responses[statusKey]);
  const content = isObject(response) && isObject(response.content) ? response.content : undefined;
  const media = content ? pickMediaType(content, opts.mediaType) : undefined;
  if (!media) return { status, body: undefined, source: "none" };
  if (media.example !== undefined) return { status, body: structuredClone(media.example), source: "example" };
  if (isObject(media.examples)) {
    for (const entry of Object.values(media.examples)) {
      const example = deref(doc, entry);
      if (isObject(example) && example.value !== undefined) return { status, body: structuredClone(example.value), source: "examples" };
    }
  }
  if (media.schema !== undefined) return { status, body: sampleFromSchema(doc, media.schema), source: "schema" };
  return { status, body: undefined, source: "none" };
}

const FORMAT_SAMPLES: Record<string, unknown> = {
  uuid: "00000000-0000-4000-8000-000000000000",
  "date-time": "2026-01-01T00:00:00.000Z",
  date: "2026-01-01",
  time: "00:00:00Z",
  email: "user@example.com",
  uri: "https://example.com/",
  url: "https://example.com/",
  "uri-reference": "https://example.com/",
  hostname: "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  byte: "U3RhbmQtaW4=",
};

/**
 * A value that fits `schema`: the schema's own example when it has one, otherwise a fixed value per
 * type. Every declared property of an object is filled (not only the required ones): a stand-in's
 * answers should be as full as the real API's. Arrays get one element.
 */
export function sampleFromSchema(doc: OpenApiDocument, schema: unknown, opts: { maxDepth?: number } = {}): unknown {
  return sample(doc, schema, new Set(), 0, opts.maxDepth ?? 8);
}

function sample(doc: OpenApiDocument, node: unknown, refs: Set<string>, depth: number, maxDepth: number): unknown {
  if (!isObject(node)) return node === true ? {} : undefined;
  if (typeof node.$ref === "string") {
    // Recursive schemas: the second visit of the same $ref on one path ends the branch.
    if (refs.has(node.$ref)) return undefined;
    const inner = new Set(refs).add(node.$ref);
    return sample(doc, resolveRef(doc, node.$ref), inner, depth, maxDepth);
  }
  if (node.example !== undefined) return structuredClone(node.example);
  if (Array.isArray(node.examples) && node.examples.length) return structuredClone(node.examples[0]);
  if (node.default !== undefined) return structuredClone(node.default);
  if (node.const !== undefined) return structuredClone(node.const);
  if (Array.isArray(node.enum) && node.enum.length) return structuredClone(node.enum[0]);
  if (Array.isArray(node.allOf)) {
    // Parts of an allOf are usually objects to merge; a scalar part wins as it is.
    let merged: unknown;
    for (const part of node.allOf) {
      const value = sample(doc, part, refs, depth, maxDepth);
      merged = isObject(merged) && isObject(value) ? { ...merged, ...value } : (value ?? merged);
    }
    if (!isObject(node.properties)) return merged;
    const own = sample(doc, { ...node, allOf: undefined }, refs, depth, maxDepth);
    return isObject(merged) && isObject(own) ? { ...merged, ...own } : own;
  }
  for (const key of ["oneOf", "anyOf"] as const) {
    const options = node[key];
    if (Array.isArray(options)) {
      // The first alternative that is not just `null`.
      for (const option of options) {
        const value = sample(doc, option, refs, depth, maxDepth);
        if (value !== undefined && value !== null) return value;
      }
      return null;
    }
  }
  const types = Array.isArray(node.type) ? (node.type as unknown[]) : node.type !== undefined ? [node.type] : [];
  const type =
    (types.find((t) => t !== "null") as string | undefined) ??
    (types.length ? "null" : isObject(node.properties) ? "object" : node.items !== undefined ? "array" : undefined);
  switch (type) {
    case "object": {
      if (depth >= maxDepth) return {};
      const out: Json = {};
      for (const [name, prop] of Object.entries(isObject(node.properties) ? node.properties : {})) {
        const value = sample(doc, prop, refs, depth + 1, maxDepth);
        if (value !== undefined) out[name] = value;
      }
      return out;
    }
    case "array": {
      if (depth >= maxDepth) return [];
      const item = sample(doc, node.items, refs, depth + 1, maxDepth);
      return item === undefined ? [] : [item];
    }
    case "string":
      return typeof node.format === "string" && node.format in FORMAT_SAMPLES ? FORMAT_SAMPLES[node.format] : "string";
    case "integer":
      return typeof node.minimum === "number" ? Math.ceil(node.minimum) : 0;
    case "number":
      return typeof node.minimum === "number" ? node.minimum : 0;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      // An empty schema `{}` allows anything: null says "no value" without inventing one.
      return null;
  }
}
