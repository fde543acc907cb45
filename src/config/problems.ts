/**
 * How a problem of an input file is said: `file:line: path: message, found value`, with the line of
 * the deepest node of the path that exists, the value as the person wrote it (a handed value never
 * quoted), and under a profile, at the profile's own node when the profile made the mistake. Used
 * for scenario, probe, suite and preset files alike; every reader starts at readYamlMapping.
 */
import { isMap, isNode, isScalar, type Document, type LineCounter } from "yaml";
import type { z } from "zod";
import type { PathPart } from "../contracts/checks.js";
import { printable } from "../util/control-chars.js";
import { readYamlFile } from "./read-input.js";

export type { PathPart };

/** `servers[0].command`; a key that is not a plain word is quoted: `standIns["git hub"]`. */
export function formatPath(p: readonly PathPart[]): string {
  return (
    p.reduce<string>((acc, part) => {
      if (typeof part === "number") return `${acc}[${part}]`;
      if (!/^[A-Za-z_$][\w$-]*$/.test(part)) return `${acc}[${printable(JSON.stringify(part))}]`;
      return acc ? `${acc}.${part}` : part;
    }, "") || "(top level)"
  );
}

export function valueAt(root: unknown, p: readonly PathPart[]): unknown {
  let v: unknown = root;
  for (const part of p) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[part];
  }
  return v;
}

/**
 * A value as the person wrote it, short. JSON would print NaN and Infinity as null, which is not
 * what the file says: they are named as YAML writes them.
 */
export function describeFound(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? ".nan (not a number)" : `${v < 0 ? "-" : ""}.inf (infinity)`;
  if (v instanceof Uint8Array) return `binary data (${v.length} bytes)`;
  const text =
    JSON.stringify(v, (_k, x: unknown) => (typeof x === "number" && !Number.isFinite(x) ? (Number.isNaN(x) ? ".nan" : x < 0 ? "-.inf" : ".inf") : x)) ??
    String(v);
  return printable(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/** What was found at `p`: the file's own words for a number that is not finite (1e400, .nan). */
function describeFoundAt(loc: Located, p: readonly PathPart[]): string {
  const v = valueAt(loc.raw, p);
  if (typeof v === "number" && !Number.isFinite(v)) {
    const node = loc.doc.getIn(p, true);
    const source = isScalar(node) && typeof node.source === "string" ? node.source : undefined;
    if (source !== undefined && !/^[-+]?\.(nan|inf)$/i.test(source))
      return `${printable(source)} (${Number.isNaN(v) ? "not a number" : "too large: read as infinity"})`;
  }
  return describeFound(v);
}

/** Line of a top-level key itself (`profiles:`), not of its value (which may start a line below). */
export function keyLine(loc: Located, key: string): number {
  const contents = loc.doc.contents;
  if (isMap(contents)) {
    const pair = contents.items.find((item) => isScalar(item.key) && item.key.value === key);
    if (pair && isNode(pair.key) && pair.key.range) return loc.lines.linePos(pair.key.range[0]).line;
  }
  return lineOf(loc.doc, loc.lines, [key]);
}

/** Line of the deepest node of `p` that exists in the document. */
export function lineOf(doc: Document, lines: LineCounter, p: readonly PathPart[]): number {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

/** zod's type names as a person writing YAML knows them. */
const TYPE_WORDS: Record<string, string> = {
  record: "a mapping",
  object: "a mapping",
  map: "a mapping",
  array: "a list",
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  null: "null",
};

/** Turns zod issues into one sentence each, choosing the closest branch of a union. */
export function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: PathPart[] = []): { path: PathPart[]; message: string; code: string }[] {
  const out: { path: PathPart[]; message: string; code: string }[] = [];
  const samePath = (a: z.core.$ZodIssue, b: z.core.$ZodIssue) => a.path.length === b.path.length && a.path.every((x, i) => x === b.path[i]);
  for (const issue of issues) {
    const p = [...prefix, ...(issue.path as PathPart[])];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // The branch meant: one whose type the value has (a mapping for a custom server, not the string branch), then the
      // fewest issues, then the fewest fields it does not know (`{ name, server, versoin }` is a version entry, not a custom server).
      const wrongType = (branch: readonly z.core.$ZodIssue[]) => branch.some((i) => i.code === "invalid_type" && i.path.length === 0);
      const unknownKeys = (branch: readonly z.core.$ZodIssue[]) => branch.reduce((n, i) => n + (i.code === "unrecognized_keys" ? i.keys.length : 0), 0);
      // Problems are counted per field (an unknown-keys issue names several): `{ name, command: "", port }` is a custom
      // server with two mistakes, not a url server missing its url with two unknown fields.
      const count = (branch: readonly z.core.$ZodIssue[]) => branch.length - branch.filter((i) => i.code === "unrecognized_keys").length + unknownKeys(branch);
      const best = [...issue.errors].sort((a, b) => Number(wrongType(a)) - Number(wrongType(b)) || count(a) - count(b) || unknownKeys(a) - unknownKeys(b))[0]!;
      out.push(...flattenIssues(best, p));
      continue;
    }
    if (issue.code === "invalid_union" && Array.isArray((issue as { options?: unknown }).options)) {
      // A discriminated union whose discriminator matched no branch (`kind: soak`).
      out.push({ path: p, message: `expected one of ${(issue as { options: unknown[] }).options.map((v) => JSON.stringify(v)).join(", ")}`, code: issue.code });
      continue;
    }
    // zod adds "within the safe integer range" beside the schema's own bound: the schema's bound says it.
    if (issue.code === "too_big" && issue.origin === "int" && issues.some((o) => o !== issue && o.code === "too_big" && samePath(o, issue))) continue;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: [...p, key], message: `unknown field "${key}"`, code: issue.code });
      continue;
    }
    let message = issue.message;
    // The schema's own messages start with "expected"; zod's defaults ("Invalid input: ...") are reworded.
    const own = message.startsWith("expected");
    if (issue.code === "too_small" && !own)
      message = `expected ${issue.origin === "array" ? "at least" : issue.inclusive ? ">=" : ">"} ${String(issue.minimum)}${issue.origin === "array" ? " item(s)" : ""}`;
    if (issue.code === "too_big" && !own)
      message = `expected ${issue.origin === "array" ? "at most" : issue.inclusive ? "<=" : "<"} ${String(issue.maximum)}${issue.origin === "array" ? " item(s)" : ""}`;
    if (issue.code === "invalid_type" && !own) {
      const received = (issue as { received?: string }).received;
      message =
        issue.expected === "number" && received !== undefined && /^(NaN|-?Infinity)$/.test(received)
          ? "expected a finite number"
          : `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    }
    if (issue.code === "invalid_value" && !own) message = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    out.push({ path: p, message, code: issue.code });
  }
  return out;
}

export interface Located {
  file: string;
  doc: Document;
  lines: LineCounter;
  raw: unknown;
  /** Set while the file is checked under a profile: `raw` is then the base merged with `override`. */
  profile?: { name: string; override: unknown };
}

/** A value a scenario hands a server (servers[i].env / .args) may be a secret: a message never quotes it. */
function isHandedValue(p: readonly PathPart[]): boolean {
  return p[0] === "servers" && (p[2] === "env" || p[2] === "args");
}

/** `found` at `p` as a message may quote it: a server's env values and args (p = servers or servers[i]) masked. */
function quotable(p: readonly PathPart[], found: unknown): unknown {
  const mask = (server: unknown): unknown => {
    if (server === null || typeof server !== "object" || Array.isArray(server)) return server;
    const out: Record<string, unknown> = { ...(server as Record<string, unknown>) };
    if (out.env !== null && typeof out.env === "object") out.env = Object.fromEntries(Object.keys(out.env).map((k) => [k, "(not shown)"]));
    if (Array.isArray(out.args)) out.args = out.args.map(() => "(not shown)");
    return out;
  };
  if (p[0] !== "servers") return found;
  if (p.length === 1) return Array.isArray(found) ? found.map(mask) : found;
  return p.length === 2 ? mask(found) : found;
}

/**
 * Whether the value at `p` of a profile's merged scenario was written by the profile: the profile holds
 * that path, or replaced a list or value above it (lists replace, mappings merge).
 */
function writtenByProfile(override: unknown, p: readonly PathPart[]): boolean {
  if (p.length === 0) return false;
  let v = override;
  for (const part of p) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return true;
    if (!Object.hasOwn(v, part)) return false;
    v = (v as Record<string | number, unknown>)[part];
  }
  return true;
}

export const underProfile = (name: string) => ` (under profile "${name}")`;

/**
 * One problem: `file:line: path: message, found value`. Under a profile, a mistake the profile made is
 * named at the profile's own node (`profiles.smoke.agents`, its line); one that comes from the base
 * keeps the base's path and line and says under which profile it shows.
 */
export function problem(loc: Located, p: readonly PathPart[], message: string, opts: { found?: boolean; linePath?: readonly PathPart[] } = {}): string {
  const found =
    opts.found === false || message.includes("found")
      ? ""
      : isHandedValue(p)
        ? ", found a value not shown (what a server is handed may be a secret)"
        : `, found ${p[0] === "servers" && p.length <= 2 ? describeFound(quotable(p, valueAt(loc.raw, p))) : describeFoundAt(loc, p)}`;
  const profile = loc.profile;
  if (profile !== undefined && writtenByProfile(profile.override, p)) {
    const own = ["profiles", profile.name, ...p];
    return `${printable(loc.file)}:${lineOf(loc.doc, loc.lines, own)}: ${formatPath(own)}: ${printable(message)}${found}`;
  }
  const suffix = profile === undefined ? "" : underProfile(profile.name);
  return `${printable(loc.file)}:${lineOf(loc.doc, loc.lines, opts.linePath ?? p)}: ${formatPath(p)}: ${printable(message)}${found}${suffix}`;
}

/**
 * Reads a YAML file whose top level must be a mapping, keeping line positions
 * for error messages. Scenario, probe, suite and preset files all start here:
 * only regular files, at most 1 MiB, UTF-8, YAML within the library's limits
 * (src/config/read-input.ts).
 */
export async function readYamlMapping(file: string, expected: string, what = "file"): Promise<Located | { problems: string[] }> {
  const parsed = await readYamlFile(file, what);
  if ("problems" in parsed) return parsed;
  const { doc, lines, raw } = parsed;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    const found = doc.contents === null ? "nothing (the file holds no YAML value)" : describeFound(raw);
    const line = doc.contents?.range ? lines.linePos(doc.contents.range[0]).line : 1;
    return { problems: [`${printable(file)}:${line}: (top level): expected ${expected}, found ${found}`] };
  }
  return { file, doc, lines, raw };
}
