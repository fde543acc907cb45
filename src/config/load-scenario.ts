/**
 * Reads scenario files, applies a profile, validates everything at once and
 * resolves names (catalog servers, catalog SLOs) into a runnable Scenario.
 * Every problem names the file, the line, the path in the file, what was
 * expected and what was found; nothing stops at the first one.
 */
import { statSync, type Stats } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { isMap, isNode, isScalar, type Document, type LineCounter } from "yaml";
import type { UpstreamOptions } from "../standins/upstreams.js";
import type { z } from "zod";
import { HarnessError } from "../errors.js";
import { findServer, SERVER_CATALOG } from "../catalog/servers.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { findCatalogSlo, SLO_CATALOG } from "../slo/catalog.js";
import { parseMetric, type ParsedMetric } from "../contracts/metric-names.js";
import { compileTemplate } from "../workloads/template.js";
import { DURATION_BOUNDS, MAX_TOXIC_ATTRIBUTE, PROFILE_NAMES, ScenarioFile, TOXIC_ATTRIBUTES, TOXIC_TYPES, type FaultSpec, type REDIS_PERSISTENCE } from "./scenario-schema.js";
import { PROJECT_ROOT, TOOLS_DIR } from "../project-root.js";
import { resolveExecutable } from "../util/executable.js";
import { durationProblem, parseDurationMs, parseThreshold, type DurationBounds, type Threshold } from "../contracts/units.js";
import { printable } from "../util/control-chars.js";
import { readYamlFile } from "./read-input.js";
import type { SloSource } from "../results/types.js";

export interface ResolvedSlo {
  id: string;
  title: string;
  metricName: string;
  metric: ParsedMetric;
  threshold: Threshold;
  objectiveText: string;
  scope: { server?: string; tool?: string };
  source: SloSource;
}

export type ResolvedWorkload =
  | { kind: "mix"; calls: { server: string; tool: string; weight: number; args: Record<string, unknown> }[] }
  | { kind: "coordination"; server: string; readTimeoutMs: number }
  | { kind: "cache-aside"; cache: string; database: string; keys: number; zipfExponent: number }
  | { kind: "install"; limitMs: number; startToReady: boolean };

export type RedisPersistence = (typeof REDIS_PERSISTENCE)[number];
export type RpoStore = "redis" | "postgres" | "memory" | "filesystem";

export interface ResolvedFault {
  /** "f1", "f2", ... in the order of the file */
  id: string;
  spec: FaultSpec;
  atMs: number;
  durationMs: number | undefined;
  description: string;
}

export interface ResolvedRecovery {
  probe: { server: string; tool: string; args: Record<string, unknown> };
  intervalMs: number;
  timeoutMs: number;
  consecutive: number;
  limitMs: number;
  supervisor: boolean;
}

/** Capacity search plan (src/capacity/search.ts), rates in operations per second. */
export interface ResolvedCapacity {
  startRate: number;
  /** Multiplicative growth per step; undefined when `stepRate` is used. */
  factor: number | undefined;
  /** Additive growth per step; undefined when `factor` is used. */
  stepRate: number | undefined;
  maxRate: number;
  stepDurationMs: number;
  settleMs: number;
}

export interface Scenario {
  name: string;
  /** The matrix cell this run is, e.g. "redis.persistence=none"; undefined without a matrix. */
  variant: string | undefined;
  description: string;
  file: string;
  profile: string;
  servers: ServerDefinition[];
  agents: number;
  load: { model: "closed"; thinkTimeMs: number } | { model: "open"; rate: number; maxInFlight: number };
  durationMs: number | undefined;
  count: number | undefined;
  warmupMs: number;
  callTimeoutMs: number;
  startTimeoutMs: number;
  seed: number;
  workload: ResolvedWorkload;
  slos: ResolvedSlo[];
  proxied: boolean;
  /** How agents reach the servers: stdio children, or MCP Streamable HTTP (src/stack/http-bridge.ts). */
  transport: "stdio" | "http";
  /** Who generates the load (src/drivers). */
  driver: "sdk" | "autocannon" | "k6";
  backends: { redis: { persistence: RedisPersistence }; postgres: { synchronousCommit: "on" | "off" } };
  /** Stand-ins or the real APIs for servers that call a SaaS API, and how each stand-in behaves. */
  upstream: UpstreamOptions;
  faults: ResolvedFault[];
  recovery: ResolvedRecovery | undefined;
  /** leadMs: how long the writers write before the window opens (they start before the warm-up, which counts). */
  rpo: { stores: RpoStore[]; intervalMs: number; leadMs: number } | undefined;
  matrix: { "redis.persistence"?: RedisPersistence[]; "postgres.synchronousCommit"?: ("on" | "off")[]; supervisor?: boolean[] } | undefined;
  /** Run a capacity search instead of one measurement window. */
  capacity?: ResolvedCapacity;
  /** The always-on availability probe per server (src/run/availability-probe.ts); undefined: off. */
  availabilityProbe?: { intervalMs: number; timeoutMs: number };
}

export type PathPart = string | number;

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

function valueAt(root: unknown, p: readonly PathPart[]): unknown {
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
  const text = JSON.stringify(v, (_k, x: unknown) => (typeof x === "number" && !Number.isFinite(x) ? (Number.isNaN(x) ? ".nan" : x < 0 ? "-.inf" : ".inf") : x)) ?? String(v);
  return printable(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/** What was found at `p`: the file's own words for a number that is not finite (1e400, .nan). */
function describeFoundAt(loc: Located, p: readonly PathPart[]): string {
  const v = valueAt(loc.raw, p);
  if (typeof v === "number" && !Number.isFinite(v)) {
    const node = loc.doc.getIn(p, true);
    const source = isScalar(node) && typeof node.source === "string" ? node.source : undefined;
    if (source !== undefined && !/^[-+]?\.(nan|inf)$/i.test(source)) return `${printable(source)} (${Number.isNaN(v) ? "not a number" : "too large: read as infinity"})`;
  }
  return describeFound(v);
}

/** Line of a top-level key itself (`profiles:`), not of its value (which may start a line below). */
function keyLine(loc: Located, key: string): number {
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
const TYPE_WORDS: Record<string, string> = { record: "a mapping", object: "a mapping", map: "a mapping", array: "a list", string: "a string", number: "a number", int: "a whole number", boolean: "true or false", null: "null" };

/** Turns zod issues into one sentence each, choosing the closest branch of a union. */
export function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: PathPart[] = []): { path: PathPart[]; message: string; code: string }[] {
  const out: { path: PathPart[]; message: string; code: string }[] = [];
  const samePath = (a: z.core.$ZodIssue, b: z.core.$ZodIssue) => a.path.length === b.path.length && a.path.every((x, i) => x === b.path[i]);
  for (const issue of issues) {
    const p = [...prefix, ...(issue.path as PathPart[])];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // The branch meant: one whose type the value has (a mapping for a custom server, not the string branch), then the fewest issues.
      const wrongType = (branch: readonly z.core.$ZodIssue[]) => branch.some((i) => i.code === "invalid_type" && i.path.length === 0);
      const best = [...issue.errors].sort((a, b) => Number(wrongType(a)) - Number(wrongType(b)) || a.length - b.length)[0]!;
      out.push(...flattenIssues(best, p));
      continue;
    }
    if (issue.code === "invalid_union" && Array.isArray((issue as { options?: unknown }).options)) {
      // A discriminated union whose discriminator matched no branch (`kind: soak`).
      out.push({ path: p, message: `expected one of ${((issue as { options: unknown[] }).options).map((v) => JSON.stringify(v)).join(", ")}`, code: issue.code });
      continue;
    }
    // zod adds "within the safe integer range" beside the schema's own bound: the schema's bound says it.
    if (issue.code === "too_big" && issue.origin === "int" && issues.some((o) => o !== issue && o.code === "too_big" && samePath(o, issue))) continue;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const profile = p.length === 1 && p[0] === "profiles";
        out.push({ path: [...p, key], message: profile ? `unknown profile "${key}"; the profiles are ${PROFILE_NAMES.join(", ")}` : `unknown field "${key}"`, code: issue.code });
      }
      continue;
    }
    let message = issue.message;
    // The schema's own messages start with "expected"; zod's defaults ("Invalid input: ...") are reworded.
    const own = message.startsWith("expected");
    if (issue.code === "too_small" && !own) message = `expected ${issue.origin === "array" ? "at least" : issue.inclusive ? ">=" : ">"} ${String(issue.minimum)}${issue.origin === "array" ? " item(s)" : ""}`;
    if (issue.code === "too_big" && !own) message = `expected ${issue.origin === "array" ? "at most" : issue.inclusive ? "<=" : "<"} ${String(issue.maximum)}${issue.origin === "array" ? " item(s)" : ""}`;
    if (issue.code === "invalid_type" && !own) {
      const received = (issue as { received?: string }).received;
      message = issue.expected === "number" && received !== undefined && /^(NaN|-?Infinity)$/.test(received) ? "expected a finite number" : `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    }
    if (issue.code === "invalid_value" && !own) message = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    out.push({ path: p, message, code: issue.code });
  }
  return out;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === null || typeof over !== "object" || Array.isArray(over) || base === null || typeof base !== "object" || Array.isArray(base)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  // defineProperty, not `out[k] =`: a key "__proto__" in a file must stay a key (and be reported as unknown), not become a prototype.
  for (const [k, v] of Object.entries(over)) Object.defineProperty(out, k, { value: deepMerge(Object.hasOwn(out, k) ? out[k] : undefined, v), enumerable: true, writable: true, configurable: true });
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

const underProfile = (name: string) => ` (under profile "${name}")`;

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
 * Checks that need the catalogs: server names, tool names, SLO ids, placeholders.
 * They read the raw document defensively so they run even when the schema
 * check failed elsewhere: a person fixing a file sees every mistake at once.
 */
function semanticProblems(loc: Located, raw: unknown): string[] {
  const out: string[] = [];
  const arr = (p: PathPart[]): unknown[] => {
    const v = valueAt(raw, p);
    return Array.isArray(v) ? v : [];
  };
  const str = (p: PathPart[]): string | undefined => {
    const v = valueAt(raw, p);
    return typeof v === "string" ? v : undefined;
  };
  const toolsOf = new Map<string, readonly string[] | undefined>();
  arr(["servers"]).forEach((ref, i) => {
    if (typeof ref === "string") {
      const def = findServer(ref);
      if (!def && /^[a-z][a-z0-9_-]*$/.test(ref)) {
        out.push(problem(loc, ["servers", i], `unknown server "${ref}"; the catalog has ${SERVER_CATALOG.map((d) => d.name).join(", ")} (or define one with name, command and args)`, { found: false }));
      }
      toolsOf.set(ref, def?.tools);
    } else if (ref !== null && typeof ref === "object") {
      const name = (ref as { name?: unknown }).name;
      const tools = (ref as { tools?: unknown }).tools;
      if (typeof name === "string") toolsOf.set(name, Array.isArray(tools) ? tools.filter((t): t is string => typeof t === "string") : undefined);
    }
  });
  const checkTool = (server: string | undefined, tool: string | undefined, p: PathPart[]) => {
    if (server === undefined || tool === undefined) return;
    const tools = toolsOf.get(server);
    if (tools && !tools.includes(tool)) out.push(problem(loc, p, `server "${server}" has no tool "${tool}"; its tools are ${tools.join(", ")}`, { found: false }));
  };
  if (str(["workload", "kind"]) === "mix") {
    arr(["workload", "calls"]).forEach((_, i) => {
      const p: PathPart[] = ["workload", "calls", i];
      checkTool(str([...p, "server"]), str([...p, "tool"]), [...p, "tool"]);
      const templateProblems: string[] = [];
      compileTemplate(valueAt(raw, [...p, "args"]) ?? {}, templateProblems);
      for (const m of templateProblems) out.push(problem(loc, [...p, "args"], m, { found: false }));
    });
  }
  const serverNames = [...toolsOf.keys()];
  const needsOf = (server: string): string[] => {
    const def = findServer(server);
    // A server's upstream API is reached over a hop like a backend: "github->github", "github".
    if (def) return [...def.needs, ...(def.upstream ? [def.upstream.api] : [])];
    const custom = arr(["servers"]).find((x) => typeof x === "object" && x !== null && (x as { name?: unknown }).name === server) as { needs?: unknown } | undefined;
    return Array.isArray(custom?.needs) ? custom.needs.filter((n): n is string => typeof n === "string") : [];
  };
  const usesBackend = (backend: string) => serverNames.some((n) => needsOf(n).includes(backend));
  const standIns = valueAt(raw, ["standIns"]);
  if (standIns && typeof standIns === "object" && !Array.isArray(standIns)) {
    const apis = serverNames.map((n) => findServer(n)?.upstream?.api).filter((a): a is string => a !== undefined);
    for (const api of Object.keys(standIns)) {
      if (!apis.includes(api)) out.push(problem(loc, ["standIns", api], `expected an upstream API of this scenario's servers (${apis.join(", ") || "none calls one"}), found "${api}"`, { found: false }));
    }
  }
  arr(["faults"]).forEach((_, i) => {
    const p: PathPart[] = ["faults", i];
    const hop = str([...p, "hop"]);
    if (hop !== undefined) {
      const [from, to] = hop.includes("->") ? hop.split("->") : [undefined, hop];
      if (from === "client") {
        // The agents' own hop to an MCP server, which exists with transport: http only.
        if (to === undefined || !serverNames.includes(to)) out.push(problem(loc, [...p, "hop"], `hop "${hop}" ends at "${to}", which is not a server of this scenario (${serverNames.join(", ")})`, { found: false }));
        else if (valueAt(raw, ["transport"]) !== "http") out.push(problem(loc, [...p, "hop"], `hop "${hop}" exists only with \`transport: http\` (the agents' HTTP hop to ${to})`, { found: false }));
      } else if (from !== undefined && !serverNames.includes(from)) out.push(problem(loc, [...p, "hop"], `hop "${hop}" starts at "${from}", which is not a server of this scenario (${serverNames.join(", ")})`, { found: false }));
      else if (from !== undefined && to !== undefined && !needsOf(from).includes(to)) out.push(problem(loc, [...p, "hop"], `server "${from}" does not use ${to}, so there is no hop "${hop}"`, { found: false }));
      else if (from === undefined && to !== undefined && !usesBackend(to)) out.push(problem(loc, [...p, "hop"], `no server of this scenario uses ${to}`, { found: false }));
    }
    const target = str([...p, "target"]);
    if (target !== undefined) {
      const server = target.startsWith("server:") ? target.slice("server:".length) : undefined;
      if (server !== undefined && !serverNames.includes(server)) out.push(problem(loc, [...p, "target"], `"${server}" is not a server of this scenario (${serverNames.join(", ")})`, { found: false }));
      if (server === undefined && !usesBackend(target) && !(target === "postgres" && arr(["rpo", "stores"]).includes("postgres"))) out.push(problem(loc, [...p, "target"], `no server of this scenario uses ${target}`, { found: false }));
    }
    const stdioServer = str([...p, "kind"]) === "stdio" ? str([...p, "server"]) : undefined;
    if (stdioServer !== undefined && !serverNames.includes(stdioServer)) out.push(problem(loc, [...p, "server"], `"${stdioServer}" is not a server of this scenario (${serverNames.join(", ")})`, { found: false }));
  });
  const probeServer = str(["recovery", "probe", "server"]);
  if (probeServer !== undefined) {
    if (!serverNames.includes(probeServer)) out.push(problem(loc, ["recovery", "probe", "server"], `"${probeServer}" is not a server of this scenario (${serverNames.join(", ")})`, { found: false }));
    else checkTool(probeServer, str(["recovery", "probe", "tool"]), ["recovery", "probe", "tool"]);
  }
  arr(["rpo", "stores"]).forEach((store, i) => {
    if (store !== "postgres" && typeof store === "string" && !serverNames.includes(store)) {
      out.push(problem(loc, ["rpo", "stores", i], `the ${store} writer writes through the "${store}" MCP server, which is not a server of this scenario`, { found: false }));
    }
  });
  if (arr(["faults"]).length > 0 && valueAt(raw, ["proxied"]) === false && arr(["faults"]).some((_, i) => str(["faults", i, "hop"]) !== undefined)) {
    out.push(problem(loc, ["proxied"], "network faults need the hops proxied through Toxiproxy; remove `proxied: false`", { found: false }));
  }
  const driver = str(["driver"]);
  if (driver === "autocannon" || driver === "k6") {
    if (str(["transport"]) !== "http") out.push(problem(loc, ["driver"], `the ${driver} driver speaks MCP Streamable HTTP: set transport: http`, { found: false }));
    if (str(["workload", "kind"]) !== undefined && str(["workload", "kind"]) !== "mix") out.push(problem(loc, ["driver"], `the ${driver} driver runs a mix of tool calls; the ${str(["workload", "kind"])} workload needs the sdk driver`, { found: false }));
  }
  const capacity = valueAt(raw, ["capacity"]);
  if (capacity !== undefined && capacity !== null && str(["load", "model"]) !== "open") {
    out.push(problem(loc, ["capacity"], `a capacity search raises the arrival rate step by step, which needs the open model: set load: { model: open, rate: <any>, maxInFlight: <n> } (found load.model ${JSON.stringify(str(["load", "model"]) ?? "closed")})`, { found: false }));
  }
  if (capacity !== undefined && capacity !== null && arr(["faults"]).length > 0) {
    out.push(problem(loc, ["capacity"], "a capacity search cannot inject faults: remove faults, or capacity", { found: false }));
  }
  if (capacity !== undefined && capacity !== null && (driver === "autocannon" || driver === "k6")) {
    out.push(problem(loc, ["capacity"], `a capacity search runs with the sdk driver only, not ${driver}`, { found: false }));
  }
  arr(["slos"]).forEach((_, i) => {
    const ref = str(["slos", i, "ref"]);
    if (ref !== undefined && !findCatalogSlo(ref)) {
      const family = ref.split(".")[0] ?? "";
      const close = SLO_CATALOG.filter((c) => c.id.startsWith(family + ".")).map((c) => c.id);
      out.push(problem(loc, ["slos", i, "ref"], `unknown SLO "${ref}"; ${close.length ? `the catalog has ${close.slice(0, 8).join(", ")}` : "mcp-slo slos lists the catalog"}`, { found: false }));
    }
    const server = str(["slos", i, "scope", "server"]);
    if (server !== "*") checkTool(server, str(["slos", i, "scope", "tool"]), ["slos", i, "scope", "tool"]);
  });
  return out;
}

/** Placeholders a custom server's args and env may use (src/stack/mcp-session.ts fills them in). */
const CUSTOM_SERVER_PLACEHOLDERS = ["redis.url", "postgres.url", "sandbox", "workdir", "tools"] as const;
const ANY_PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/**
 * A custom server must start: its command must resolve to an executable now, the way the spawner will
 * resolve it (PATH from its env or the harness's, relative paths from where the harness runs), and
 * every placeholder it uses must be one the harness fills in, with the backing service it names.
 */
function customServerProblems(loc: Located, raw: unknown): string[] {
  const out: string[] = [];
  const servers = valueAt(raw, ["servers"]);
  if (!Array.isArray(servers)) return out;
  servers.forEach((ref: unknown, i) => {
    if (ref === null || typeof ref !== "object" || Array.isArray(ref)) return;
    const def = ref as { command?: unknown; args?: unknown; env?: unknown; needs?: unknown };
    const needs = Array.isArray(def.needs) ? def.needs : [];
    const checkPlaceholders = (text: string, p: PathPart[]) => {
      for (const m of text.matchAll(ANY_PLACEHOLDER)) {
        const name = m[1]!;
        if (!(CUSTOM_SERVER_PLACEHOLDERS as readonly string[]).includes(name)) {
          out.push(problem(loc, p, `unknown placeholder {{${name}}}; a custom server may use ${CUSTOM_SERVER_PLACEHOLDERS.map((x) => `{{${x}}}`).join(", ")}`, { found: false }));
        } else if ((name === "redis.url" || name === "postgres.url") && !needs.includes(name.split(".")[0])) {
          out.push(problem(loc, p, `{{${name}}} needs the ${name.split(".")[0]} backend: add it to needs`, { found: false }));
        }
      }
    };
    if (Array.isArray(def.args)) def.args.forEach((a, j) => typeof a === "string" && checkPlaceholders(a, ["servers", i, "args", j]));
    if (def.env !== null && typeof def.env === "object") for (const [k, v] of Object.entries(def.env)) if (typeof v === "string") checkPlaceholders(v, ["servers", i, "env", k]);

    const command = def.command;
    if (typeof command !== "string" || command === "" || command === "node") return;
    const p: PathPart[] = ["servers", i, "command"];
    // {{tools}} is the project's .tools directory; the run's own dirs ({{sandbox}}, {{workdir}}) are empty when it starts.
    const expanded = command.replace(/\{\{\s*tools\s*\}\}/g, TOOLS_DIR);
    if (/\{\{/.test(expanded)) {
      out.push(problem(loc, p, "a command may use {{tools}} only (the run's own directories hold no programs)", { found: false }));
      return;
    }
    const envPath = def.env !== null && typeof def.env === "object" && typeof (def.env as Record<string, unknown>)["PATH"] === "string" ? ((def.env as Record<string, unknown>)["PATH"] as string) : (process.env["PATH"] ?? "");
    if (resolveExecutable(expanded, envPath, process.cwd()) !== undefined) return;
    if (expanded.includes("/")) {
      const full = path.resolve(process.cwd(), expanded);
      const st = statOrUndefined(full);
      const why = st === undefined ? "does not exist" : st.isDirectory() ? "is a directory" : !st.isFile() ? "is not a regular file" : "is not executable (no x permission)";
      out.push(problem(loc, p, `command ${JSON.stringify(command)} ${why}: ${full}${path.isAbsolute(expanded) ? "" : ` (relative to ${process.cwd()}, where the harness runs)`}`, { found: false }));
    } else {
      out.push(problem(loc, p, `command ${JSON.stringify(command)} is not an executable on PATH (${envPath.split(path.delimiter).filter(Boolean).length} directories searched); give its path, or "node" for the Node running the harness`, { found: false }));
    }
  });
  return out;
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** Faults whose toxics Toxiproxy would ignore, faults that would start after the window, stand-ins with p95 under their median. */
function faultProblems(loc: Located, raw: unknown): string[] {
  const out: string[] = [];
  const str = (p: PathPart[]) => {
    const v = valueAt(raw, p);
    return typeof v === "string" ? v : undefined;
  };
  const duration = str(["duration"]);
  // Only a window and times within their own bounds are compared (those out of bounds are reported as such).
  const inBounds = (text: string | undefined, bounds: DurationBounds) => (text !== undefined && durationProblem(text, bounds) === undefined ? parseDurationMs(text) : undefined);
  const windowMs = valueAt(raw, ["count"]) === undefined && valueAt(raw, ["capacity"]) === undefined ? inBounds(duration, DURATION_BOUNDS.window) : undefined;
  const faults = valueAt(raw, ["faults"]);
  (Array.isArray(faults) ? faults : []).forEach((_, i) => {
    const at = str(["faults", i, "at"]);
    const atMs = inBounds(at, DURATION_BOUNDS.faultAt);
    // A fault that starts after the window ended never acts: the run would pass a stack that was never faulted.
    if (windowMs !== undefined && atMs !== undefined && atMs >= windowMs) out.push(problem(loc, ["faults", i, "at"], `expected a time before the end of the measurement window (duration: ${duration})`));
    const toxic = str(["faults", i, "toxic"]);
    const attributes = valueAt(raw, ["faults", i, "attributes"]);
    if (str(["faults", i, "kind"]) !== "toxic" || !(TOXIC_TYPES as readonly string[]).includes(toxic ?? "") || attributes === null || typeof attributes !== "object") return;
    const known = TOXIC_ATTRIBUTES[toxic as (typeof TOXIC_TYPES)[number]];
    for (const [name, value] of Object.entries(attributes)) {
      const p: PathPart[] = ["faults", i, "attributes", name];
      if (!known.includes(name)) out.push(problem(loc, p, `the ${toxic} toxic has no attribute "${name}"; it has ${known.join(", ")} (Toxiproxy ignores other names)`, { found: false }));
      else if (typeof value === "number" && (!Number.isInteger(value) || value < 0 || value > MAX_TOXIC_ATTRIBUTE)) out.push(problem(loc, p, `expected a whole number from 0 to ${MAX_TOXIC_ATTRIBUTE} (Toxiproxy's attributes are integers)`));
    }
  });
  const standIns = valueAt(raw, ["standIns"]);
  if (standIns !== null && typeof standIns === "object" && !Array.isArray(standIns)) {
    for (const api of Object.keys(standIns)) {
      const median = str(["standIns", api, "latency", "median"]);
      const p95 = str(["standIns", api, "latency", "p95"]);
      const [m, q] = [median && parseDurationMs(median), p95 && parseDurationMs(p95)];
      if (typeof m === "number" && typeof q === "number" && q < m) out.push(problem(loc, ["standIns", api, "latency", "p95"], `expected at least the median (${median})`));
    }
  }
  return out;
}

function validateObject(loc: Located, raw: unknown): { value?: ScenarioFile; problems: string[] } {
  const parsed = ScenarioFile.safeParse(raw);
  const problems = parsed.success ? [] : flattenIssues(parsed.error.issues).map((i) => problem(loc, i.path, i.message));
  problems.push(...semanticProblems(loc, raw), ...customServerProblems(loc, raw), ...faultProblems(loc, raw));
  problems.sort((a, b) => lineNumber(a) - lineNumber(b));
  return parsed.success && problems.length === 0 ? { value: parsed.data, problems } : { problems };
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

async function readLocated(file: string): Promise<Located | { problems: string[] }> {
  return readYamlMapping(file, "a mapping of scenario fields", "scenario file");
}

/**
 * Presets resolved, then the schema and the semantic checks. A preset that cannot be resolved stays
 * as written (the schema accepts `{ preset }`), so the rest of the file is still checked.
 */
async function checkScenario(loc: Located, raw: unknown): Promise<{ value?: ScenarioFile; problems: string[] }> {
  const presetProblems = await resolvePresets(loc, raw);
  const checked = validateObject(loc, raw);
  if (presetProblems.length === 0) return checked;
  return { problems: [...presetProblems, ...checked.problems].sort((a, b) => lineNumber(a) - lineNumber(b)) };
}

export const CHAOS_DIR = path.join(PROJECT_ROOT, "chaos");

async function presetNames(): Promise<string[]> {
  const entries = await readdir(CHAOS_DIR).catch(() => [] as string[]);
  return entries.filter((e) => e.endsWith(".yaml")).map((e) => e.slice(0, -".yaml".length)).sort();
}

/**
 * Replaces each `{ preset: name, ...overrides }` fault by the fault of
 * chaos/<name>.yaml with the overrides applied, so the schema then checks the
 * merged fault like any other.
 */
async function resolvePresets(loc: Located, raw: unknown): Promise<string[]> {
  const faults = valueAt(raw, ["faults"]);
  if (!Array.isArray(faults)) return [];
  const problems: string[] = [];
  for (let i = 0; i < faults.length; i++) {
    const f = faults[i] as Record<string, unknown> | null;
    if (f === null || typeof f !== "object" || typeof f["preset"] !== "string") continue;
    const name = f["preset"];
    // The schema's rule for a preset name, checked before the name becomes a path: no "../" ever reaches the file system.
    if (!/^[a-z0-9-]+$/.test(name)) continue;
    const presetFile = path.join(CHAOS_DIR, `${name}.yaml`);
    const shownFile = path.relative(process.cwd(), presetFile) || presetFile;
    const read = await readYamlMapping(presetFile, "one fault (a mapping)", "preset file");
    if ("problems" in read) {
      const missing = read.problems.length === 1 && read.problems[0]!.endsWith("(ENOENT)");
      const known = missing ? await presetNames() : [];
      problems.push(
        missing
          ? problem(loc, ["faults", i, "preset"], `no preset "${name}" (no file ${shownFile}); the presets are ${known.join(", ") || "none"}`, { found: false })
          : problem(loc, ["faults", i, "preset"], `preset "${name}" cannot be used: ${read.problems.join("; ")}`, { found: false }),
      );
      continue;
    }
    const preset = read.raw;
    const { preset: _name, ...overrides } = f;
    const { description: _doc, ...fault } = preset as Record<string, unknown>;
    faults[i] = { ...fault, ...overrides };
  }
  return problems;
}

/** The profiles a file defines, as written (a mapping under `profiles`), whatever else is wrong with it. */
function profilesOf(raw: unknown): Record<string, unknown> {
  const profiles = valueAt(raw, ["profiles"]);
  return profiles !== null && typeof profiles === "object" && !Array.isArray(profiles) ? (profiles as Record<string, unknown>) : {};
}

/**
 * The file under one profile: its merged value, or the problems it has under that profile that the
 * base alone does not have (`baseProblems`, so nothing is said twice).
 */
async function underProfileChecked(loc: Located, name: string, baseProblems: readonly string[]): Promise<{ value?: ScenarioFile; problems: string[] }> {
  const override = profilesOf(loc.raw)[name];
  if (override === null || typeof override !== "object" || Array.isArray(override)) return { problems: [] }; // the schema names it
  const merged = structuredClone(deepMerge(loc.raw, override));
  const at: Located = { ...loc, raw: merged, profile: { name, override } };
  // A profile may bring its own faults, presets included.
  const checked = await checkScenario(at, merged);
  const seen = new Set(baseProblems);
  const suffix = underProfile(name);
  const problems = checked.problems.filter((p) => !(p.endsWith(suffix) && seen.has(p.slice(0, -suffix.length))));
  return checked.value && problems.length === 0 ? { value: checked.value, problems } : { problems };
}

/** Problems of the file as written and under each profile it defines (a profile's own mistakes are named as such). */
export async function validateScenarioFile(file: string): Promise<string[]> {
  const loc = await readLocated(file);
  if ("problems" in loc) return loc.problems;
  const base = await checkScenario(loc, loc.raw);
  const problems = [...base.problems];
  for (const name of Object.keys(profilesOf(loc.raw))) {
    if (!(PROFILE_NAMES as readonly string[]).includes(name)) continue; // the schema names it
    problems.push(...(await underProfileChecked(loc, name, base.problems)).problems);
  }
  return problems;
}

function resolveSlo(loc: Located, slo: ScenarioFile["slos"][number], index: number): ResolvedSlo {
  if ("ref" in slo) {
    const c = findCatalogSlo(slo.ref)!;
    return {
      id: c.id,
      title: c.title,
      metricName: c.metric,
      metric: parseMetric(c.metric)!,
      threshold: parseThreshold(c.objective)!,
      objectiveText: c.objective,
      scope: slo.scope ?? c.scope ?? {},
      source: c.source,
    };
  }
  return {
    id: slo.id,
    title: slo.title ?? slo.id,
    metricName: slo.metric,
    metric: parseMetric(slo.metric)!,
    threshold: parseThreshold(slo.objective)!,
    objectiveText: slo.objective,
    scope: slo.scope ?? {},
    source: slo.source ?? { document: path.relative(process.cwd(), loc.file) || loc.file, lines: String(lineOf(loc.doc, loc.lines, ["slos", index])) },
  };
}

export interface LoadOptions {
  /**
   * The profile was asked for by name (`--profile nightly`): a file that does not define it is a
   * mistake, not a reason to run its base silently. Without it (the CLI's default profile), a file
   * without that profile runs as written.
   */
  requireProfile?: boolean;
}

/** Loads one scenario under a profile; throws a HarnessError("invalid_input") listing every problem. */
export async function loadScenario(file: string, profile: string, opts: LoadOptions = {}): Promise<Scenario> {
  if (!(PROFILE_NAMES as readonly string[]).includes(profile)) {
    throw new HarnessError("invalid_input", `unknown profile "${printable(profile)}"`, { details: [`expected one of ${PROFILE_NAMES.join(", ")}`] });
  }
  const shown = printable(file);
  const loc = await readLocated(file);
  if ("problems" in loc) throw new HarnessError("invalid_input", `${shown} is not a valid scenario`, { details: loc.problems });
  const base = await checkScenario(loc, loc.raw);
  const defined = Object.keys(profilesOf(loc.raw));
  const problems = [...base.problems];
  if (opts.requireProfile && !defined.includes(profile)) {
    const where = defined.length ? `${shown}:${keyLine(loc, "profiles")}: profiles` : `${shown}:1: (top level)`;
    problems.push(`${where}: no profile "${profile}" (--profile ${profile}); ${defined.length ? `this file defines ${defined.map((d) => printable(d)).join(", ")}` : "this file defines no profiles: run it without --profile"}`);
  }
  const checked = defined.includes(profile) ? await underProfileChecked(loc, profile, base.problems) : base;
  problems.push(...(checked === base ? [] : checked.problems));
  if (problems.length || !checked.value) {
    throw new HarnessError("invalid_input", `${shown} is not valid${defined.includes(profile) ? ` under profile "${profile}"` : ""}`, { details: problems });
  }
  const s = checked.value;
  const servers = s.servers.map((ref) =>
    typeof ref === "string" ? findServer(ref)! : ({ ...ref, title: ref.name, package: "custom", transport: "stdio" } satisfies ServerDefinition),
  );
  const ms = (d: string) => parseDurationMs(d)!;
  const w = s.workload;
  const workload: ResolvedWorkload =
    w.kind === "mix"
      ? { kind: "mix", calls: w.calls.map((c) => ({ server: c.server, tool: c.tool, weight: c.weight, args: c.args })) }
      : w.kind === "coordination"
        ? { kind: "coordination", server: w.server, readTimeoutMs: ms(w.readTimeout) }
        : w.kind === "cache-aside"
          ? { kind: "cache-aside", cache: w.cache, database: w.database, keys: w.keys, zipfExponent: w.zipfExponent }
          : { kind: "install", limitMs: ms(w.limit), startToReady: w.startToReady };
  return {
    name: s.name,
    description: s.description,
    file,
    profile,
    servers,
    agents: s.agents,
    load: s.load.model === "closed" ? { model: "closed", thinkTimeMs: ms(s.load.thinkTime) } : { model: "open", rate: s.load.rate, maxInFlight: s.load.maxInFlight },
    durationMs: s.duration === undefined ? undefined : ms(s.duration),
    count: s.count,
    warmupMs: ms(s.warmup),
    callTimeoutMs: ms(s.callTimeout),
    startTimeoutMs: ms(s.startTimeout),
    seed: s.seed,
    workload,
    slos: s.slos.map((slo, i) => resolveSlo(loc, slo, i)),
    variant: undefined,
    proxied: s.proxied,
    transport: s.transport,
    driver: s.driver,
    backends: s.backends,
    upstream: {
      mode: s.upstream,
      behaviour: Object.fromEntries(
        Object.entries(s.standIns).map(([api, b]) => [
          api,
          { ...(b.latency && { latency: { medianMs: ms(b.latency.median), p95Ms: ms(b.latency.p95) } }), errorRate: b.errorRate, errorStatus: b.errorStatus, seed: s.seed },
        ]),
      ),
    },
    faults: s.faults.map((f, i) => resolveFault(f as FaultSpec, i)),
    recovery: resolveRecovery(s, servers),
    rpo: s.rpo ? { stores: s.rpo.stores, intervalMs: ms(s.rpo.interval), leadMs: ms(s.rpo.lead) } : undefined,
    matrix: s.matrix,
    ...(s.availabilityProbe.enabled && {
      availabilityProbe: { intervalMs: ms(s.availabilityProbe.interval), timeoutMs: s.availabilityProbe.timeout === undefined ? ms(s.callTimeout) : ms(s.availabilityProbe.timeout) },
    }),
    ...(s.capacity && {
      capacity: {
        startRate: s.capacity.start,
        factor: s.capacity.step === undefined ? (s.capacity.factor ?? 1.5) : undefined,
        stepRate: s.capacity.step,
        maxRate: s.capacity.max,
        stepDurationMs: ms(s.capacity.stepDuration),
        settleMs: ms(s.capacity.settle),
      },
    }),
  };
}

function describeFault(f: FaultSpec): string {
  const at = `at ${f.at}`;
  const until = f.duration ? ` for ${f.duration}` : " (never healed)";
  switch (f.kind) {
    case "toxic": return `${f.toxic} toxic ${JSON.stringify(f.attributes)} on ${f.hop} (${f.stream}${f.toxicity < 1 ? `, toxicity ${f.toxicity}` : ""}) ${at}${until}`;
    case "hop-down": return f.flap ? `${f.hop} flapping (down ${f.flap.down}, up ${f.flap.up}, ${f.flap.times} times) ${at}` : `${f.hop} down ${at}${until}`;
    case "process": return `${f.action === "kill" ? "kill -9" : f.action} ${f.target} ${at}${f.duration ? (f.action === "pause" ? `, resumed after ${f.duration}` : f.action === "kill" ? `, started again after ${f.duration}` : "") : f.action === "kill" ? ", never started again" : ""}`;
    case "stdio": return `stdio ${f.action}${f.action === "delay" ? ` ${f.delay}` : ""} of ${f.direction} frames of ${f.server}${f.probability < 1 ? ` (${f.probability * 100} %)` : ""} ${at}${until}`;
  }
}

function resolveFault(f: FaultSpec, index: number): ResolvedFault {
  return { id: `f${index + 1}`, spec: f, atMs: parseDurationMs(f.at)!, durationMs: f.duration === undefined ? undefined : parseDurationMs(f.duration), description: describeFault(f) };
}

/** The server whose path a fault breaks: the one a recovery probe should call by default. */
function affectedServer(f: FaultSpec, servers: readonly ServerDefinition[]): string | undefined {
  const usingBackend = (backend: string) => servers.find((d) => d.needs.includes(backend as never) || d.upstream?.api === backend)?.name;
  switch (f.kind) {
    case "toxic":
    case "hop-down":
      // "client->server" is the hop in front of that server's HTTP endpoint; "server->backend" starts at the server.
      if (f.hop.startsWith("client->")) return f.hop.slice("client->".length);
      return f.hop.includes("->") ? f.hop.split("->")[0] : usingBackend(f.hop);
    case "process":
      return f.target.startsWith("server:") ? f.target.slice("server:".length) : usingBackend(f.target);
    case "stdio":
      return f.server;
  }
}

function resolveRecovery(s: ScenarioFile, servers: readonly ServerDefinition[]): ResolvedRecovery | undefined {
  if (s.faults.length === 0 && s.recovery === undefined) return undefined;
  const r = s.recovery;
  let probe = r?.probe;
  if (!probe) {
    const first = s.faults[0] as FaultSpec | undefined;
    const name = (first && affectedServer(first, servers)) ?? servers[0]!.name;
    const def = servers.find((d) => d.name === name);
    probe = { server: name, tool: def?.probe?.tool ?? def?.tools?.[0] ?? "ping", args: def?.probe?.args ?? {} };
  }
  const ms = (d: string) => parseDurationMs(d)!;
  return {
    probe,
    intervalMs: ms(r?.interval ?? "100ms"),
    timeoutMs: ms(r?.timeout ?? "1s"),
    consecutive: r?.consecutive ?? 3,
    limitMs: ms(r?.limit ?? "60s"),
    supervisor: r?.supervisor ?? false,
  };
}

/** One scenario per combination of the matrix settings; each is judged on its own. */
export function expandMatrix(s: Scenario): Scenario[] {
  const m = s.matrix;
  if (!m) return [s];
  let cells: Scenario[] = [s];
  const expand = <T>(key: string, values: readonly T[] | undefined, apply: (x: Scenario, v: T) => Scenario) => {
    if (!values) return;
    cells = cells.flatMap((c) => values.map((v) => {
      const next = apply(c, v);
      const label = `${key}=${String(v)}`;
      return { ...next, variant: c.variant ? `${c.variant}, ${label}` : label };
    }));
  };
  expand("redis.persistence", m["redis.persistence"], (x, v) => ({ ...x, backends: { ...x.backends, redis: { persistence: v } } }));
  expand("postgres.synchronousCommit", m["postgres.synchronousCommit"], (x, v) => ({ ...x, backends: { ...x.backends, postgres: { synchronousCommit: v } } }));
  expand("supervisor", m.supervisor, (x, v) => ({ ...x, recovery: x.recovery ? { ...x.recovery, supervisor: v } : x.recovery }));
  return cells;
}

function lineNumber(problemText: string): number {
  return Number(/:(\d+): /.exec(problemText)?.[1] ?? 0);
}

/** Loads every file under `profile`: every problem of every file at once, or the scenarios (matrix cells expanded). */
export async function loadAll(files: readonly string[], profile: string, opts: LoadOptions = {}): Promise<Scenario[]> {
  const details: string[] = [];
  const scenarios: Scenario[] = [];
  for (const file of files) {
    try {
      scenarios.push(...expandMatrix(await loadScenario(file, profile, opts)));
    } catch (err) {
      if (!(err instanceof HarnessError) || err.code !== "invalid_input") throw err;
      details.push(...(err.details.length ? err.details : [err.message]));
    }
  }
  if (details.length) throw new HarnessError("invalid_input", `${details.length} problem(s) in the scenario files`, { details });
  // Matrix cells share their scenario's name; two files must not.
  const fileOf = new Map<string, string>();
  for (const s of scenarios) {
    const other = fileOf.get(s.name);
    if (other !== undefined && other !== s.file) throw new HarnessError("invalid_input", `two scenario files use the name "${s.name}"`, { details: [other, s.file] });
    fileOf.set(s.name, s.file);
  }
  return scenarios;
}
