/**
 * Pins of what servers offer (rule TD9, "rug pull"): a person approves a server with the tools it
 * offers today; a server that later changes a description or a schema gets its new text into the
 * model's context without anyone looking again. A pin records, per server, a SHA-256 of every
 * definition as listed (each whole tool: name, title, description, input and output schemas,
 * annotations, everything else it lists; each prompt and resource template; the initialize
 * instructions), and the definition itself, so that a change is shown as a diff of the fields that
 * changed, not only as a different hash. mcp-scan pins an MD5 of the description only and so misses
 * a changed schema or annotation; here any change of the listed definition counts.
 *
 * Concrete resources (resources/list) are not pinned: they are data (PostgreSQL's tables, Memory's
 * graph) and change with it. They are still checked by tool-definitions.ts.
 *
 * Hash input: RFC 8785 (JSON Canonicalization Scheme) text of the definition, UTF-8. The pin file is
 * JSON (`mcp-slo-tool-pins/1`), written whole or not at all (a temp file renamed over it).
 */
import { writeFileAtomic } from "../util/atomic-file.js";
import { createHash } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { open } from "node:fs/promises";
import { z } from "zod";
import { HarnessError } from "../errors.js";
import { printable } from "../util/control-chars.js";
import type { ServerDefinitions } from "./collect-definitions.js";
import { excerpt, type ItemKind, RULES, type ToolDefinitionFinding } from "./tool-definitions.js";

export const PIN_FORMAT = "mcp-slo-tool-pins/1";

/** Largest pin file read: the ten catalog servers' pins take about 0.6 MB. */
export const MAX_PIN_FILE_BYTES = 32 * 1024 * 1024;

/** Deepest nesting canonicalJson follows; a definition nested deeper cannot be pinned (and is a TD10 finding already). */
export const MAX_CANONICAL_DEPTH = 256;

/** Most changed fields listed for one definition. */
export const MAX_CHANGES_SHOWN = 20;

/**
 * RFC 8785 canonical JSON of a JSON value: object keys sorted by their UTF-16 code units (what
 * Array.prototype.sort does with strings), no whitespace, numbers and strings serialised as
 * ECMAScript's JSON.stringify does (which is what RFC 8785 specifies for them). Written by hand:
 * the npm `canonicalize` package does the same in as many lines, and a dependency for it is not
 * worth its supply chain in a module that checks supply chains.
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_CANONICAL_DEPTH) throw new Error(`nested deeper than ${MAX_CANONICAL_DEPTH} levels`);
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not a JSON number: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v, depth + 1))).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, depth + 1)}`).join(",")}}`;
  }
  throw new Error(`not a JSON value: ${typeof value}`);
}

/** SHA-256 (hex) of a definition's canonical JSON. */
export function definitionHash(definition: unknown): string {
  return createHash("sha256").update(canonicalJson(definition), "utf8").digest("hex");
}

const PinnedItemSchema = z.strictObject({
  kind: z.enum(["server", "tool", "prompt", "resource-template"]),
  name: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lower-case hex digits"),
  definition: z.unknown(),
});

const ServerPinSchema = z.strictObject({
  pinnedAt: z.iso.datetime({ offset: true }),
  version: z.string().optional(),
  items: z.array(PinnedItemSchema),
});

export const PinFileSchema = z.strictObject({
  format: z.literal(PIN_FORMAT),
  servers: z.record(z.string(), ServerPinSchema),
});

export type PinnedItem = z.infer<typeof PinnedItemSchema>;
export type ServerPin = z.infer<typeof ServerPinSchema>;
export type PinFile = z.infer<typeof PinFileSchema>;

type PinnedKind = PinnedItem["kind"];

const itemKey = (kind: ItemKind, name: string) => `${kind}:${name}`;

/** The definitions of a server that are pinned, each with its kind and name. */
function pinnable(defs: ServerDefinitions): { kind: PinnedKind; name: string; definition: unknown }[] {
  return [
    ...(defs.instructions !== undefined ? [{ kind: "server" as const, name: "instructions", definition: { instructions: defs.instructions } }] : []),
    ...defs.tools.map((t) => ({ kind: "tool" as const, name: t.name, definition: t as unknown })),
    ...(defs.prompts ?? []).map((p) => ({ kind: "prompt" as const, name: p.name, definition: p as unknown })),
    ...(defs.resourceTemplates ?? []).map((r) => ({ kind: "resource-template" as const, name: r.uriTemplate, definition: r as unknown })),
  ];
}

/**
 * A pin of what `defs` offers now. Definitions that cannot be canonicalised (nested too deep) are
 * left out and named in `unpinnable`.
 */
export function pinServer(
  defs: ServerDefinitions,
  opts: { now?: Date; version?: string } = {},
): { pin: ServerPin; unpinnable: { kind: PinnedKind; name: string; reason: string }[] } {
  const items: PinnedItem[] = [];
  const unpinnable: { kind: PinnedKind; name: string; reason: string }[] = [];
  for (const item of pinnable(defs)) {
    try {
      // Stored as its canonical JSON parsed back: what is hashed is exactly what is kept.
      const definition: unknown = JSON.parse(canonicalJson(item.definition));
      items.push({ kind: item.kind, name: item.name, sha256: definitionHash(definition), definition });
    } catch (err) {
      unpinnable.push({ kind: item.kind, name: item.name, reason: (err as Error).message });
    }
  }
  return {
    pin: { pinnedAt: (opts.now ?? new Date()).toISOString(), ...(opts.version !== undefined && { version: opts.version }), items },
    unpinnable,
  };
}

/** `pins` with the servers of `current` pinned afresh (the person approved what they offer now); other servers kept. */
export function updatePins(
  pins: PinFile | undefined,
  current: readonly ServerDefinitions[],
  opts: { now?: Date; versions?: Record<string, string> } = {},
): PinFile {
  const servers: Record<string, ServerPin> = { ...(pins?.servers ?? {}) };
  for (const defs of current) {
    const version = opts.versions?.[defs.server];
    servers[defs.server] = pinServer(defs, { ...(opts.now && { now: opts.now }), ...(version !== undefined && { version }) }).pin;
  }
  return { format: PIN_FORMAT, servers };
}

export interface PinChange {
  /** JSON path of the field in the definition: `description`, `inputSchema.properties.path`. */
  path: string;
  /** The pinned value (escaped excerpt), absent when the field is new. */
  before?: string;
  /** The current value, absent when the field is gone. */
  after?: string;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  const shown = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : printable(JSON.stringify(key));
  return parent === "" ? shown : shown.startsWith('"') ? `${parent}[${shown}]` : `${parent}.${shown}`;
}

/** Two differing strings, each cut to the part that differs with some context either side. */
function stringChange(a: string, b: string): { before: string; after: string } {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const cut = (s: string) => excerpt(s, prefix, s.length - suffix, Math.min(200, Math.max(80, s.length - suffix - prefix + 60)));
  return { before: JSON.stringify(cut(a)), after: JSON.stringify(cut(b)) };
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? "undefined";
  return excerpt(text, 0, 0, 160);
}

/** The fields that differ between two JSON values, at most MAX_CHANGES_SHOWN (and how many in all). */
export function diffDefinitions(before: unknown, after: unknown): { changes: PinChange[]; total: number } {
  const changes: PinChange[] = [];
  let total = 0;
  const add = (c: PinChange) => {
    total++;
    if (changes.length < MAX_CHANGES_SHOWN) changes.push(c);
  };
  const walk = (a: unknown, b: unknown, path: string, depth: number): void => {
    if (a === b) return;
    const bothObjects = a !== null && b !== null && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b);
    if (bothObjects && depth < MAX_CANONICAL_DEPTH) {
      if (Array.isArray(a) && Array.isArray(b)) {
        for (let i = 0; i < Math.max(a.length, b.length); i++) {
          if (i >= a.length) add({ path: childPath(path, i), after: shown(b[i]) });
          else if (i >= b.length) add({ path: childPath(path, i), before: shown(a[i]) });
          else walk(a[i], b[i], childPath(path, i), depth + 1);
        }
        return;
      }
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
        if (!(k in bo)) add({ path: childPath(path, k), before: shown(ao[k]) });
        else if (!(k in ao)) add({ path: childPath(path, k), after: shown(bo[k]) });
        else walk(ao[k], bo[k], childPath(path, k), depth + 1);
      }
      return;
    }
    if (typeof a === "string" && typeof b === "string") add({ path: path || "(whole)", ...stringChange(a, b) });
    else if (canonicalJson(a) !== canonicalJson(b)) add({ path: path || "(whole)", before: shown(a), after: shown(b) });
  };
  walk(before, after, "", 0);
  return { changes, total };
}

/** One line per change: `description: "...old..." -> "...new..."`. */
export function describeChanges(changes: readonly PinChange[], total: number): string[] {
  const lines = changes.map((c) =>
    c.before === undefined
      ? `${c.path}: added ${c.after}`
      : c.after === undefined
        ? `${c.path}: removed (was ${c.before})`
        : `${c.path}: ${c.before} -> ${c.after}`,
  );
  if (total > changes.length) lines.push(`... and ${total - changes.length} more changed field(s)`);
  return lines;
}

export interface PinComparison {
  server: string;
  /** False when the pin file has no entry for the server: nothing to compare (a first scan). */
  pinned: boolean;
  pinnedAt?: string;
  unchanged: number;
  changed: number;
  added: number;
  removed: number;
  /** TD9 findings, with the diff of each changed definition. */
  findings: (ToolDefinitionFinding & { changes?: PinChange[] })[];
}

/**
 * What changed in a server's definitions since its pin: a changed definition (high), a new one
 * (medium: offered to the model without having been approved), a removed one (info), one that
 * cannot be pinned (medium).
 */
export function comparePins(pins: PinFile | undefined, defs: ServerDefinitions): PinComparison {
  const pin = pins?.servers[defs.server];
  const result: PinComparison = { server: defs.server, pinned: pin !== undefined, unchanged: 0, changed: 0, added: 0, removed: 0, findings: [] };
  if (!pin) return result;
  result.pinnedAt = pin.pinnedAt;
  const rule = RULES.TD9;
  const finding = (kind: ItemKind, tool: string, rest: Pick<ToolDefinitionFinding, "severity" | "field" | "detail" | "evidence"> & { changes?: PinChange[] }) =>
    result.findings.push({ rule: "TD9", server: defs.server, kind, tool, source: rule.source, ...rest });
  const pinnedByKey = new Map(pin.items.map((i) => [itemKey(i.kind, i.name), i]));
  const { pin: now, unpinnable } = pinServer(defs);
  for (const bad of unpinnable) {
    finding(bad.kind, bad.name, { severity: "medium", field: "", detail: `cannot be compared with its pin: ${bad.reason}`, evidence: printable(bad.name) });
    pinnedByKey.delete(itemKey(bad.kind, bad.name));
  }
  for (const item of now.items) {
    const key = itemKey(item.kind, item.name);
    const old = pinnedByKey.get(key);
    pinnedByKey.delete(key);
    if (!old) {
      result.added++;
      finding(item.kind, item.name, {
        severity: "medium",
        field: "",
        detail: `new since the pin of ${pin.pinnedAt}: offered to the model without having been approved`,
        evidence: `sha256 ${item.sha256.slice(0, 12)}`,
      });
    } else if (old.sha256 !== item.sha256) {
      result.changed++;
      const { changes, total } = diffDefinitions(old.definition, item.definition);
      const fields = [...new Set(changes.map((c) => c.path))];
      finding(item.kind, item.name, {
        severity: "high",
        field: fields.join(", "),
        detail: `changed since the pin of ${pin.pinnedAt} (sha256 ${old.sha256.slice(0, 12)} -> ${item.sha256.slice(0, 12)}): ${total} field(s) differ: ${fields.slice(0, 5).join(", ")}${fields.length > 5 ? ", ..." : ""}`,
        evidence: describeChanges(changes, total).join("\n"),
        changes,
      });
    } else {
      result.unchanged++;
    }
  }
  for (const old of pinnedByKey.values()) {
    result.removed++;
    finding(old.kind, old.name, {
      severity: "info",
      field: "",
      detail: `no longer offered (pinned ${pin.pinnedAt})`,
      evidence: `sha256 ${old.sha256.slice(0, 12)}`,
    });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// The pin file.

/**
 * The pin file's text, read the way input files are (src/config/read-input.ts, a layer above
 * this one, so not imported): only a regular file (a FIFO would block forever), opened
 * non-blocking, at most MAX_PIN_FILE_BYTES, UTF-8.
 */
export async function readBounded(file: string): Promise<{ text: string } | { missing: true } | { problem: string }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    if (code === "ENOENT") return { missing: true };
    return { problem: `cannot read it: ${(err as Error).message.replace(/^[A-Z]+: /, "")}` };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { problem: `cannot read it: ${st.isDirectory() ? "it is a directory" : "not a regular file"}; expected a JSON file` };
    const buf = Buffer.alloc(Math.min(st.size, MAX_PIN_FILE_BYTES) + 1);
    let length = 0;
    for (;;) {
      if (length === buf.length) return { problem: `larger than ${MAX_PIN_FILE_BYTES} bytes, the most that is read` };
      const { bytesRead } = await handle.read(buf, length, buf.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_PIN_FILE_BYTES) return { problem: `larger than ${MAX_PIN_FILE_BYTES} bytes, the most that is read` };
    try {
      return { text: new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, length)) };
    } catch {
      return { problem: "not UTF-8 text" };
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

export function zodPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, k) => childPath(acc, typeof k === "symbol" ? String(k) : k), "") || "(top level)";
}

/**
 * The pin file at `file`; undefined when it does not exist and `optional` (a first scan). Any other
 * problem is an invalid-input error naming the file and every problem in it at once: not JSON, not
 * the format, a sha256 that does not match its stored definition (a hand-edited pin).
 */
export async function readPinFile(file: string, opts: { optional?: boolean } = {}): Promise<PinFile | undefined> {
  const shownFile = printable(file);
  const hint = "a pin file is written by the harness when a scan records its pins; delete it to pin afresh";
  const read = await readBounded(file);
  if ("missing" in read) {
    if (opts.optional) return undefined;
    throw new HarnessError("invalid_input", `pin file ${shownFile}: no such file`, { hint });
  }
  if ("problem" in read) throw new HarnessError("invalid_input", `pin file ${shownFile}: ${read.problem}`, { hint });
  let raw: unknown;
  try {
    raw = JSON.parse(read.text);
  } catch (err) {
    throw new HarnessError("invalid_input", `pin file ${shownFile}: not valid JSON: ${printable((err as Error).message)}`, { hint });
  }
  const parsed = PinFileSchema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, 50).map((i) => `${shownFile}: ${zodPath(i.path)}: ${printable(i.message)}`);
    if (parsed.error.issues.length > 50) details.push(`... and ${parsed.error.issues.length - 50} more problems`);
    throw new HarnessError("invalid_input", `pin file ${shownFile} is not a ${PIN_FORMAT} file (${parsed.error.issues.length} problem(s))`, { details, hint });
  }
  const problems: string[] = [];
  for (const [server, pin] of Object.entries(parsed.data.servers)) {
    pin.items.forEach((item, i) => {
      let actual: string;
      try {
        actual = definitionHash(item.definition);
      } catch (err) {
        problems.push(`${shownFile}: ${zodPath(["servers", server, "items", i, "definition"])}: ${(err as Error).message}`);
        return;
      }
      if (actual !== item.sha256)
        problems.push(
          `${shownFile}: ${zodPath(["servers", server, "items", i, "sha256"])}: does not match its definition (which hashes to ${actual.slice(0, 12)}...)`,
        );
    });
  }
  if (problems.length > 0)
    throw new HarnessError("invalid_input", `pin file ${shownFile}: ${problems.length} pin(s) do not match their stored definition (edited by hand?)`, {
      details: problems.slice(0, 50),
      hint,
    });
  return parsed.data;
}

/** Writes `pins` to `file` whole or not at all: a temp file beside it, renamed over it. */
export async function writePinFile(file: string, pins: PinFile): Promise<void> {
  try {
    await writeFileAtomic(file, `${JSON.stringify(pins, null, 2)}\n`);
  } catch (err) {
    throw new HarnessError("invalid_input", `pin file ${printable(file)}: cannot write it: ${printable((err as Error).message)}`, { cause: err });
  }
}
