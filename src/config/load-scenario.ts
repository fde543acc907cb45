/**
 * Reads scenario files, applies a profile, validates everything at once and
 * resolves names (catalog servers, catalog SLOs) into a runnable Scenario.
 * Every problem names the file, the line, the path in the file, what was
 * expected and what was found; nothing stops at the first one.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import type { z } from "zod";
import { HarnessError } from "../errors.js";
import { findServer, SERVER_CATALOG, type ServerDefinition } from "../catalog/servers.js";
import { findCatalogSlo, SLO_CATALOG } from "../slo/catalog.js";
import { parseMetric, type ParsedMetric } from "../slo/metrics.js";
import { compileTemplate } from "../workloads/template.js";
import { PROFILE_NAMES, ScenarioFile, type ProfileName } from "./scenario-schema.js";
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
  | { kind: "cache-aside"; cache: string; database: string; keys: number; zipfExponent: number };

export interface Scenario {
  name: string;
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
}

type PathPart = string | number;

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

function describeFound(v: unknown): string {
  if (v === undefined) return "nothing";
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Line of the deepest node of `p` that exists in the document. */
function lineOf(doc: Document, lines: LineCounter, p: readonly PathPart[]): number {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

/** Turns zod issues into one sentence each, choosing the closest branch of a union. */
function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: PathPart[] = []): { path: PathPart[]; message: string; code: string }[] {
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

interface Located {
  file: string;
  doc: Document;
  lines: LineCounter;
  raw: unknown;
}

function problem(loc: Located, p: readonly PathPart[], message: string, opts: { found?: boolean; linePath?: readonly PathPart[] } = {}): string {
  const found = opts.found === false || message.includes("found") ? "" : `, found ${describeFound(valueAt(loc.raw, p))}`;
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

async function readLocated(file: string): Promise<Located | { problems: string[] }> {
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
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { problems: [`${file}:1: (top level): expected a mapping of scenario fields, found ${describeFound(raw)}`] };
  return { file, doc, lines, raw };
}

/** Problems of the file as written and under each profile it defines (a profile's own mistakes are named as such). */
export async function validateScenarioFile(file: string): Promise<string[]> {
  const loc = await readLocated(file);
  if ("problems" in loc) return loc.problems;
  const base = validateObject(loc, loc.raw);
  if (!base.value) return base.problems;
  const problems: string[] = [];
  for (const name of Object.keys(base.value.profiles) as ProfileName[]) {
    const merged = deepMerge(loc.raw, base.value.profiles[name]);
    for (const p of validateObject({ ...loc, raw: merged }, merged).problems) problems.push(`${p} (under profile "${name}")`);
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
  const raw = override === undefined ? loc.raw : deepMerge(loc.raw, override);
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
        : { kind: "cache-aside", cache: w.cache, database: w.database, keys: w.keys, zipfExponent: w.zipfExponent };
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
  };
}

function lineNumber(problemText: string): number {
  return Number(/:(\d+): /.exec(problemText)?.[1] ?? 0);
}
