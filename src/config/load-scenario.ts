/**
 * Reads scenario files, applies a profile, validates everything at once and
 * resolves names (catalog servers, catalog SLOs) into a runnable Scenario.
 * Every problem names the file, the line, the path in the file, what was
 * expected and what was found; nothing stops at the first one.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import type { UpstreamOptions } from "../standins/upstreams.js";
import type { z } from "zod";
import { HarnessError } from "../errors.js";
import { findServer, SERVER_CATALOG, type ServerDefinition } from "../catalog/servers.js";
import { findCatalogSlo, SLO_CATALOG } from "../slo/catalog.js";
import { parseMetric, type ParsedMetric } from "../slo/metrics.js";
import { compileTemplate } from "../workloads/template.js";
import { PROFILE_NAMES, ScenarioFile, type FaultSpec, type ProfileName, type REDIS_PERSISTENCE } from "./scenario-schema.js";
import { PROJECT_ROOT } from "../project-root.js";
import { parse as parseYaml } from "yaml";
import { parseDurationMs, parseThreshold, type Threshold } from "./units.js";
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

function formatPath(p: readonly PathPart[]): string {
  return p.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "") || "(top level)";
}

function valueAt(root: unknown, p: readonly PathPart[]): unknown {
  let v: unknown = root;
  for (const part of p) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[part];
  }
  return v;
}

export function describeFound(v: unknown): string {
  if (v === undefined) return "nothing";
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Line of the deepest node of `p` that exists in the document. */
export function lineOf(doc: Document, lines: LineCounter, p: readonly PathPart[]): number {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

/** Turns zod issues into one sentence each, choosing the closest branch of a union. */
export function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: PathPart[] = []): { path: PathPart[]; message: string; code: string }[] {
  const out: { path: PathPart[]; message: string; code: string }[] = [];
  for (const issue of issues) {
    const p = [...prefix, ...(issue.path as PathPart[])];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
      out.push(...flattenIssues(best, p));
      continue;
    }
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: [...p, key], message: `unknown field "${key}"`, code: issue.code });
      continue;
    }
    let message = issue.message;
    if (issue.code === "too_small") message = `expected ${issue.origin === "array" ? "at least" : issue.inclusive ? ">=" : ">"} ${String(issue.minimum)}${issue.origin === "array" ? " item(s)" : ""}`;
    if (issue.code === "too_big") message = `expected ${issue.origin === "array" ? "at most" : issue.inclusive ? "<=" : "<"} ${String(issue.maximum)}${issue.origin === "array" ? " item(s)" : ""}`;
    if (issue.code === "invalid_type") message = `expected ${issue.expected}`;
    if (issue.code === "invalid_value") message = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    out.push({ path: p, message, code: issue.code });
  }
  return out;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === null || typeof over !== "object" || Array.isArray(over) || base === null || typeof base !== "object" || Array.isArray(base)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
  return out;
}

export interface Located {
  file: string;
  doc: Document;
  lines: LineCounter;
  raw: unknown;
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

export function problem(loc: Located, p: readonly PathPart[], message: string, opts: { found?: boolean; linePath?: readonly PathPart[] } = {}): string {
  const found = opts.found === false || message.includes("found") ? "" : isHandedValue(p) ? ", found a value not shown (what a server is handed may be a secret)" : `, found ${describeFound(quotable(p, valueAt(loc.raw, p)))}`;
  return `${loc.file}:${lineOf(loc.doc, loc.lines, opts.linePath ?? p)}: ${formatPath(p)}: ${message}${found}`;
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

function validateObject(loc: Located, raw: unknown): { value?: ScenarioFile; problems: string[] } {
  const parsed = ScenarioFile.safeParse(raw);
  const problems = parsed.success ? [] : flattenIssues(parsed.error.issues).map((i) => problem(loc, i.path, i.message));
  problems.push(...semanticProblems(loc, raw));
  problems.sort((a, b) => lineNumber(a) - lineNumber(b));
  return parsed.success && problems.length === 0 ? { value: parsed.data, problems } : { problems };
}

/**
 * Reads a YAML file whose top level must be a mapping, keeping line positions
 * for error messages. Scenario and probe files both start here.
 */
export async function readYamlMapping(file: string, expected: string): Promise<Located | { problems: string[] }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    return { problems: [`${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    return { problems: doc.errors.map((e) => `${file}:${lines.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split("\n")[0]}`) };
  }
  const raw = doc.toJS() as unknown;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { problems: [`${file}:1: (top level): expected ${expected}, found ${describeFound(raw)}`] };
  return { file, doc, lines, raw };
}

async function readLocated(file: string): Promise<Located | { problems: string[] }> {
  const loc = await readYamlMapping(file, "a mapping of scenario fields");
  if ("problems" in loc) return loc;
  const raw = loc.raw;
  const presetProblems = await resolvePresets(loc, raw);
  return presetProblems.length ? { problems: presetProblems } : loc;
}

export const CHAOS_DIR = path.join(PROJECT_ROOT, "chaos");

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
    const presetFile = path.join(CHAOS_DIR, `${name}.yaml`);
    let preset: unknown;
    try {
      preset = parseYaml(await readFile(presetFile, "utf8"));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(problem(loc, ["faults", i, "preset"], code === "ENOENT" ? `no preset "${name}" (no file ${path.relative(process.cwd(), presetFile)})` : `preset ${presetFile} cannot be read: ${(err as Error).message.split("\n")[0]}`, { found: false }));
      continue;
    }
    if (preset === null || typeof preset !== "object" || Array.isArray(preset)) {
      problems.push(problem(loc, ["faults", i, "preset"], `preset ${path.relative(process.cwd(), presetFile)} must hold one fault (a mapping)`, { found: false }));
      continue;
    }
    const { preset: _name, ...overrides } = f;
    const { description: _doc, ...fault } = preset as Record<string, unknown>;
    faults[i] = { ...fault, ...overrides };
  }
  return problems;
}

/** Problems of the file as written and under each profile it defines (a profile's own mistakes are named as such). */
export async function validateScenarioFile(file: string): Promise<string[]> {
  const loc = await readLocated(file);
  if ("problems" in loc) return loc.problems;
  const base = validateObject(loc, loc.raw);
  if (!base.value) return base.problems;
  const problems: string[] = [];
  for (const name of Object.keys(base.value.profiles) as ProfileName[]) {
    const merged = structuredClone(deepMerge(loc.raw, base.value.profiles[name]));
    // A profile may bring its own faults, presets included.
    const presetProblems = await resolvePresets({ ...loc, raw: merged }, merged);
    const all = presetProblems.length ? presetProblems : validateObject({ ...loc, raw: merged }, merged).problems;
    for (const p of all) problems.push(`${p} (under profile "${name}")`);
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

/** Loads one scenario under a profile; throws a HarnessError("invalid_input") listing every problem. */
export async function loadScenario(file: string, profile: string): Promise<Scenario> {
  const loc = await readLocated(file);
  if ("problems" in loc) throw new HarnessError("invalid_input", `${file} is not a valid scenario`, { details: loc.problems });
  const base = validateObject(loc, loc.raw);
  if (!base.value) throw new HarnessError("invalid_input", `${file} is not a valid scenario`, { details: base.problems });
  if (!(PROFILE_NAMES as readonly string[]).includes(profile)) {
    throw new HarnessError("invalid_input", `unknown profile "${profile}"`, { details: [`expected one of ${PROFILE_NAMES.join(", ")}`] });
  }
  const override = base.value.profiles[profile as ProfileName];
  const raw = override === undefined ? loc.raw : structuredClone(deepMerge(loc.raw, override));
  const presetProblems = override === undefined ? [] : await resolvePresets({ ...loc, raw }, raw);
  if (presetProblems.length) throw new HarnessError("invalid_input", `${file} is not valid under profile "${profile}"`, { details: presetProblems });
  const checked = validateObject({ ...loc, raw }, raw);
  if (!checked.value) throw new HarnessError("invalid_input", `${file} is not valid under profile "${profile}"`, { details: checked.problems });
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
