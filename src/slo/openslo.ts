/**
 * SLOs as OpenSLO v1 documents (https://github.com/OpenSLO/OpenSLO, README "Specification"), both
 * ways: the harness's SLOs written as `kind: SLO` documents with an inline SLI (and a `Service` per
 * group), and OpenSLO documents read back into the harness's SLOs. Pure: the caller reads and writes
 * files (src/config/openslo-files.ts, src/cli/slos-command.ts).
 *
 * Only what the harness can judge is mapped, each in the OpenSLO form that says the same thing:
 *  - a latency percentile "p99 < 25ms" is a threshold SLI over events (each call), `op: lt`,
 *    `value: 25` (ms) and `target: 0.99`: 99 % of the events below 25 ms is exactly what the
 *    harness judges for a p99 (../shared/measurement.md, "Percentile objectives");
 *  - a ratio (success rate, availability, cache hit ratio) is a ratio SLI good/total with its
 *    target; an error rate "< 5%" is bad/total with `target: 0.95`;
 *  - a figure the harness measures once per run (RTO and RPO: the slowest recovery and the largest
 *    loss of the run's faults; throughput; mean or max latency; start, install time; concurrency; a
 *    server's security score; the degradation during a fallback) is
 *    a threshold SLI with one data point per run and `target: PER_RUN_TARGET` (see there).
 * What the harness does not measure (none of the catalog today) is not written: the
 * export says which and why. On import, an objective the harness cannot judge (another metric
 * source, a percentile it does not compute, time slices, a composite) is refused with the reason.
 *
 * What OpenSLO has no field for travels in annotations under ANNOTATION_PREFIX: the harness's SLO
 * id (OpenSLO names allow no "_"), the objective as the harness writes it (it keeps "> 99%" apart
 * from ">= 99%", which a target cannot) and the seed source (document, lines, quote).
 */
import { stringify } from "yaml";
import { z } from "zod";
import { METRIC_FAMILIES, QUANTILE_OF, parseMetric, type MetricFamily, type ParsedMetric, type Statistic } from "../contracts/metric-names.js";
import { SCOPE_METHODS, type ScopeMethod } from "../contracts/sessions.js";
import type { ResolvedSlo } from "../contracts/plan.js";
import type { PathPart } from "../contracts/checks.js";
import { parseThreshold, type Comparator, type Threshold } from "../contracts/units.js";
import { resolvedCatalogSlo, SLO_CATALOG } from "./catalog.js";
import type { SloSource } from "../results/types.js";

export const OPENSLO_API_VERSION = "openslo/v1";
/** The `metricSource.type` of an SLI the harness measures itself. */
export const HARNESS_SOURCE_TYPE = "mcp-slo-harness";
/**
 * Prefix of the harness's annotations. OpenSLO wants a DNS subdomain; the project owns no domain, so
 * it takes one under `.local`, which no public domain can be.
 */
export const ANNOTATION_PREFIX = "mcp-slo.local/";
export const ANNOTATION = {
  id: `${ANNOTATION_PREFIX}id`,
  objective: `${ANNOTATION_PREFIX}objective`,
  sourceDocument: `${ANNOTATION_PREFIX}source-document`,
  sourceLines: `${ANNOTATION_PREFIX}source-lines`,
  sourceQuote: `${ANNOTATION_PREFIX}source-quote`,
} as const;

/**
 * The target written for a figure measured once per run. The harness requires every run's figure to
 * meet its threshold (target 1), which OpenSLO cannot write (a target is below 1). Over a history of
 * fewer than 1000 runs, only every run meeting it reaches 0.999: as close to "every run" as a target
 * below 1 comes. One run is one data point, so on import any target above 0 means the same for it:
 * that run's figure must meet the threshold.
 */
export const PER_RUN_TARGET = 0.999;

/** Families the harness names but does not measure (src/slo/evaluate.ts: always "not measured"). */
const NOT_MEASURED: ReadonlySet<MetricFamily> = new Set<MetricFamily>([]);
const RATIO_GOOD: ReadonlySet<MetricFamily> = new Set(["success_rate", "availability", "cache_hit_ratio"]);
const PERCENTILE_FAMILIES: ReadonlySet<MetricFamily> = new Set(["latency", "coordination_latency"]);

/** What one event (or the run's one data point) is, said in the SLI's metric source. */
const COUNTS: Partial<Record<MetricFamily, { good: string; total: string }>> = {
  success_rate: { good: "ok calls", total: "intended calls (closed model: corrected for calls a stalled agent could not send)" },
  error_rate: { good: "failed calls (tool error, protocol error, transport failure, timeout; corrected likewise)", total: "intended calls" },
  availability: { good: "good time of the agents' timelines (ms)", total: "observed time (ms)" },
  cache_hit_ratio: { good: "cache-aside hits", total: "cache-aside reads (hits + misses)" },
};
const PER_RUN_FIGURE: Partial<Record<MetricFamily, string>> = {
  rto: "the slowest recovery of the run's faults (fault start to k consecutive successful probes)",
  rpo: "the largest loss window of the run's faults (fault time minus the oldest lost acknowledged write)",
  throughput: "ok calls completed per second over the measurement window",
  start_time: "the slowest spawn-to-initialized time of the server's sessions",
  install_time: "one cold install from the registry",
  concurrent_agents: "MCP sessions held at once that each completed calls with no failure",
  concurrent_operations: "the peak number of calls in flight at once, all answered",
  degradation: "the worst of the run's fallbacks: p50 latency increase and throughput loss of the agents' calls against their steady state before the fault",
};

const OP_OF: Record<Comparator, "lt" | "lte" | "gt" | "gte"> = { "<": "lt", "<=": "lte", ">": "gt", ">=": "gte" };
const COMPARATOR_OF = { lt: "<", lte: "<=", gt: ">", gte: ">=" } as const satisfies Record<string, Comparator>;

/** A number as people write it: 0.1 + 0.2 is written 0.3 (12 significant digits hold every target). */
const clean = (x: number): number => Number(x.toPrecision(12));

/** How one SLO is written in OpenSLO, or why it cannot be. */
type Shape =
  | { kind: "percentile"; quantile: number; statistic: Exclude<Statistic, "mean" | "max"> }
  | { kind: "ratio"; leg: "good" | "bad" }
  | { kind: "per-run" }
  | { kind: "refused"; reason: string };

function shapeOf(m: ParsedMetric): Shape {
  if (NOT_MEASURED.has(m.family)) return { kind: "refused", reason: `the harness does not measure ${METRIC_FAMILIES[m.family].describe} yet` };
  if (PERCENTILE_FAMILIES.has(m.family)) {
    const s = m.statistic!;
    return s === "mean" || s === "max" ? { kind: "per-run" } : { kind: "percentile", quantile: QUANTILE_OF[s], statistic: s };
  }
  if (RATIO_GOOD.has(m.family)) return { kind: "ratio", leg: "good" };
  if (m.family === "error_rate") return { kind: "ratio", leg: "bad" };
  return { kind: "per-run" };
}

/** An OpenSLO name (RFC 1123-like: lower-case letters, digits, "-" and "."): the harness's "_", "@" and "*" become "-". */
export function openSloName(id: string): string {
  const name = id
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .replace(/[^a-z0-9]+$/, "");
  return name || "slo";
}

export type OpenSloDocument = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; displayName?: string; annotations?: Record<string, string> };
};

export interface OpenSloExport {
  /** Service documents first, then one SLO per exported SLO. */
  documents: OpenSloDocument[];
  /** SLOs with no OpenSLO form, and why (never dropped silently: the caller says so). */
  skipped: { id: string; reason: string }[];
}

/** The metric source of an SLI the harness measures: which metric, of which calls. */
function metricSource(slo: ResolvedSlo, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    type: HARNESS_SOURCE_TYPE,
    spec: {
      ...extra,
      ...(slo.scope.server !== undefined && { server: slo.scope.server }),
      ...(slo.scope.tool !== undefined && { tool: slo.scope.tool }),
      ...(slo.scope.method !== undefined && { method: slo.scope.method }),
    },
  };
}

/** One SLO as an OpenSLO SLO document with an inline SLI, or why it has no OpenSLO form. */
function sloDocument(slo: ResolvedSlo, name: string, service: string): { document: OpenSloDocument } | { reason: string } {
  const shape = shapeOf(slo.metric);
  if (shape.kind === "refused") return { reason: shape.reason };
  const t = slo.threshold;
  const family = slo.metric.family;
  const unit = METRIC_FAMILIES[family].unit;
  if (t.unit !== unit) return { reason: `its objective is in ${t.unit} but ${family} is measured in ${unit}` };
  let indicatorSpec: Record<string, unknown>;
  let objective: Record<string, unknown>;
  let judged: string;
  if (shape.kind === "percentile") {
    if (t.op === ">" || t.op === ">=")
      return { reason: `a lower bound on a latency percentile has no OpenSLO form (a target is the share of events meeting op and value)` };
    indicatorSpec = {
      thresholdMetric: { metricSource: metricSource(slo, { metric: family, unit: "ms", events: "each call (a timeout counts at its deadline)" }) },
    };
    objective = { displayName: `${shape.statistic} ${slo.objectiveText}`, op: OP_OF[t.op], value: clean(t.value), target: shape.quantile };
    judged = `the ${shape.statistic} ${t.op} ${clean(t.value)} ms as the share of calls ${t.op} ${clean(t.value)} ms above ${shape.quantile}, with a 95 % Wilson interval`;
  } else if (shape.kind === "ratio") {
    // A ratio's target is a lower bound on good/total; an error rate is an upper bound on bad/total.
    const upper = t.op === "<" || t.op === "<=";
    if ((shape.leg === "good") === upper)
      return {
        reason: `${shape.leg === "good" ? "an upper" : "a lower"} bound on ${family} has no OpenSLO form (a target is a lower bound on the good share)`,
      };
    const target = clean(shape.leg === "good" ? t.value : 1 - t.value);
    if (target >= 1) return { reason: `a target of 100 % has no OpenSLO form (OpenSLO's target is below 1)` };
    const counts = COUNTS[family]!;
    indicatorSpec = {
      ratioMetric: {
        counter: true,
        [shape.leg]: { metricSource: metricSource(slo, { metric: family, counts: counts.good }) },
        total: { metricSource: metricSource(slo, { metric: family, counts: counts.total }) },
      },
    };
    objective = { displayName: `${family} ${slo.objectiveText}`, target };
    judged = `${shape.leg === "good" ? "good/total" : "bad/total"} ${t.op} ${clean(t.value)} with a 95 % Wilson interval`;
  } else {
    const figure = PER_RUN_FIGURE[family] ?? `the run's ${slo.metric.statistic === "max" ? "slowest" : "mean"} ${family.replace(/_/g, " ")} (ms)`;
    indicatorSpec = {
      thresholdMetric: { metricSource: metricSource(slo, { metric: slo.metricName, unit, dataPoints: `one per run: ${figure}` }) },
    };
    objective = { displayName: `${slo.metricName} ${slo.objectiveText}`, op: OP_OF[t.op], value: clean(t.value), target: PER_RUN_TARGET };
    judged = `one value per run ${t.op} ${clean(t.value)} ${unit}; every run must meet it`;
  }
  const annotations: Record<string, string> = {
    [ANNOTATION.id]: slo.id,
    [ANNOTATION.objective]: slo.objectiveText,
    [ANNOTATION.sourceDocument]: slo.source.document,
    [ANNOTATION.sourceLines]: slo.source.lines,
    ...(slo.source.quote !== undefined && { [ANNOTATION.sourceQuote]: slo.source.quote }),
  };
  const description = `${slo.metricName} ${slo.objectiveText}: ${METRIC_FAMILIES[family].describe}. mcp-slo-harness judges ${judged}.`;
  return {
    document: {
      apiVersion: OPENSLO_API_VERSION,
      kind: "SLO",
      metadata: { name, displayName: slo.title, annotations },
      spec: {
        description: description.slice(0, 1050),
        service,
        indicator: { metadata: { name: `${name}-sli` }, spec: indicatorSpec },
        budgetingMethod: "Occurrences",
        objectives: [objective],
      },
    },
  };
}

/**
 * The SLOs as OpenSLO documents. `serviceOf` groups them (a Service document each); names are made
 * unique (two ids that differ only in "_" and "-" would otherwise collide).
 */
export function toOpenSlo(
  slos: readonly ResolvedSlo[],
  serviceOf: (slo: ResolvedSlo) => { name: string; displayName: string; description: string },
): OpenSloExport {
  const services = new Map<string, OpenSloDocument>();
  const documents: OpenSloDocument[] = [];
  const skipped: OpenSloExport["skipped"] = [];
  const used = new Set<string>();
  for (const slo of slos) {
    const base = openSloName(slo.id);
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    const service = serviceOf(slo);
    const serviceName = openSloName(service.name);
    const doc = sloDocument(slo, name, serviceName);
    if ("reason" in doc) {
      skipped.push({ id: slo.id, reason: doc.reason });
      continue;
    }
    used.add(name);
    documents.push(doc.document);
    if (!services.has(serviceName))
      services.set(serviceName, {
        apiVersion: OPENSLO_API_VERSION,
        kind: "Service",
        metadata: { name: serviceName, displayName: service.displayName },
        spec: { description: service.description.slice(0, 1050) },
      });
  }
  return { documents: [...services.values(), ...documents], skipped };
}

/** The documents as one YAML stream (`---` before each), under a comment saying where they come from. */
export function openSloYaml(documents: readonly OpenSloDocument[], header: string): string {
  const comment = header
    .split("\n")
    .map((l) => `# ${l}`)
    .join("\n");
  // lineWidth 0: no folding, so a quote stays on one line as the seed has it.
  return `${comment}\n${documents.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join("")}`;
}

/** The catalog's SLOs as a scenario resolves them (parsed by the same schema as a scenario's own). */
export function resolvedCatalog(): ResolvedSlo[] {
  return SLO_CATALOG.map((c) => resolvedCatalogSlo(c.id) as ResolvedSlo);
}

// ---------------------------------------------------------------------------------------------
// Import

const NAME_PATTERN = /^[a-z0-9][a-z0-9.|/\\-]*[a-z0-9]*$/;
const Name = z.string().max(255).regex(NAME_PATTERN, "expected an OpenSLO name: lower-case letters, digits, '-', '.', starting with a letter or digit");
const Metadata = z.looseObject({
  name: Name,
  displayName: z.string().min(1).optional(),
  labels: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.string({ error: "expected a string (annotation values are strings)" })).optional(),
});
// What the harness cannot judge is refused inside the schema where one field says it, so it is said with every other problem of the document.
const MetricSource = z
  .looseObject({
    metricSourceRef: z.string().optional(),
    type: z.string().optional(),
    spec: z.record(z.string(), z.unknown()),
  })
  .superRefine((source, ctx) => {
    if (source.type !== HARNESS_SOURCE_TYPE)
      ctx.addIssue({
        code: "custom",
        path: ["type"],
        message: `expected metric source type ${HARNESS_SOURCE_TYPE}: the harness judges what it measures itself (its own calls), not ${source.type === undefined ? "a source without a type" : `a ${source.type} query`}${source.metricSourceRef !== undefined ? ` (metricSourceRef ${source.metricSourceRef})` : ""}`,
      });
  });
const Leg = z.looseObject({ metricSource: MetricSource });
const SliSpec = z.looseObject({
  description: z.string().max(1050).optional(),
  thresholdMetric: Leg.optional(),
  ratioMetric: z
    .looseObject({
      counter: z.boolean().optional(),
      good: Leg.optional(),
      bad: Leg.optional(),
      total: Leg.optional(),
      raw: Leg.optional(),
      rawType: z.enum(["success", "failure"]).optional(),
    })
    .optional(),
});
const Indicator = z.looseObject({ metadata: Metadata.optional(), spec: SliSpec });
const Objective = z.looseObject({
  displayName: z.string().optional(),
  op: z.enum(["lt", "lte", "gt", "gte"]).optional(),
  value: z.number().optional(),
  target: z.number().min(0).lt(1, "expected a target below 1 (OpenSLO: [0, 1))").optional(),
  targetPercent: z.number().min(0).lt(100, "expected a targetPercent below 100 (OpenSLO: [0, 100))").optional(),
  indicator: z.unknown().optional(),
  indicatorRef: z.unknown().optional(),
});
const SloSpec = z.looseObject({
  description: z.string().max(1050).optional(),
  service: Name,
  indicator: Indicator.optional(),
  indicatorRef: Name.optional(),
  timeWindow: z.array(z.unknown()).max(1).optional(),
  budgetingMethod: z.enum(["Occurrences", "Timeslices", "RatioTimeslices"]).refine((m) => m === "Occurrences", {
    error: (issue) =>
      `expected Occurrences: the harness counts events over one measurement window and judges their share; it does not judge ${String(issue.input)} (good time slices)`,
  }),
  objectives: z.array(Objective).min(1),
});
const ApiVersion = z.literal(OPENSLO_API_VERSION, { error: `expected apiVersion ${OPENSLO_API_VERSION} (other versions are not read)` });
/** The part of an OpenSLO v1 document the harness reads; other fields are left as they are. */
export const OpenSloDocumentSchema = z.discriminatedUnion("kind", [
  z.looseObject({ apiVersion: ApiVersion, kind: z.literal("SLO"), metadata: Metadata, spec: SloSpec }),
  z.looseObject({ apiVersion: ApiVersion, kind: z.literal("SLI"), metadata: Metadata, spec: SliSpec }),
  z.looseObject({
    apiVersion: ApiVersion,
    kind: z.enum(["Service", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget"]),
    metadata: Metadata,
  }),
]);
type ParsedDocument = z.output<typeof OpenSloDocumentSchema>;
type ParsedSlo = Extract<ParsedDocument, { kind: "SLO" }>;
type ParsedSli = z.output<typeof SliSpec>;

/** A problem of document `doc` (0-based) at `path` inside it. */
export interface OpenSloProblem {
  doc: number;
  path: PathPart[];
  message: string;
}

/** An imported SLO before the caller resolves its default source: `doc` and `path` locate it. */
export interface ImportedSlo {
  slo: Omit<ResolvedSlo, "source"> & { source: SloSource | undefined };
  doc: number;
  path: PathPart[];
}

/**
 * The SLOs of parsed OpenSLO documents (one file or several: an `indicatorRef` may name an SLI of any
 * of them). Every problem at once (`describeIssues` words the schema's); an SLO with a problem yields nothing.
 */
export function fromOpenSlo(
  documents: readonly unknown[],
  describeIssues: (issues: readonly z.core.$ZodIssue[]) => { path: PathPart[]; message: string }[],
): { slos: ImportedSlo[]; problems: OpenSloProblem[] } {
  const problems: OpenSloProblem[] = [];
  const parsed: { doc: number; value: ParsedDocument }[] = [];
  documents.forEach((value, doc) => {
    const r = OpenSloDocumentSchema.safeParse(value);
    if (r.success) parsed.push({ doc, value: r.data });
    else for (const p of describeIssues(r.error.issues)) problems.push({ doc, ...p });
  });
  const slis = new Map<string, { doc: number; spec: ParsedSli }>();
  for (const p of parsed) if (p.value.kind === "SLI") slis.set(p.value.metadata.name, { doc: p.doc, spec: p.value.spec });
  const slos: ImportedSlo[] = [];
  const ids = new Map<string, number>();
  for (const p of parsed) {
    if (p.value.kind !== "SLO") continue;
    const report = (path: PathPart[], message: string) => problems.push({ doc: p.doc, path, message });
    for (const imported of importSlo(p.value, p.doc, slis, report)) {
      const other = ids.get(imported.slo.id);
      if (other !== undefined) report(["metadata", "name"], `SLO id "${imported.slo.id}" is given twice (also by document ${other + 1})`);
      ids.set(imported.slo.id, p.doc);
      slos.push(imported);
    }
  }
  // In the files' order: a person fixes them from the top.
  return { slos, problems: problems.sort((a, b) => a.doc - b.doc) };
}

const HARNESS_ID = /^[a-z0-9_.@*-]+$/;

function importSlo(
  d: ParsedSlo,
  doc: number,
  slis: ReadonlyMap<string, { doc: number; spec: ParsedSli }>,
  report: (path: PathPart[], message: string) => void,
): ImportedSlo[] {
  const annotations: Record<string, string | undefined> = d.metadata.annotations ?? {};
  const before = { count: 0 };
  const fail = (path: PathPart[], message: string) => {
    before.count++;
    report(path, message);
  };
  const id = annotations[ANNOTATION.id] ?? d.metadata.name;
  if (!HARNESS_ID.test(id))
    fail(
      annotations[ANNOTATION.id] !== undefined ? ["metadata", "annotations", ANNOTATION.id] : ["metadata", "name"],
      `"${id}" cannot be a harness SLO id (lower-case letters, digits and . _ - @ *): rename it, or give the id in annotation ${ANNOTATION.id}`,
    );
  let sli: ParsedSli | undefined = d.spec.indicator?.spec;
  let sliPath: PathPart[] = ["spec", "indicator", "spec"];
  if (d.spec.indicator !== undefined && d.spec.indicatorRef !== undefined) fail(["spec", "indicatorRef"], "give indicator or indicatorRef, not both");
  if (d.spec.indicatorRef !== undefined) {
    const ref = slis.get(d.spec.indicatorRef);
    if (ref === undefined) fail(["spec", "indicatorRef"], `no SLI named "${d.spec.indicatorRef}" in the OpenSLO files of this scenario`);
    else {
      sli = ref.spec;
      sliPath = ["spec", "indicatorRef"];
    }
  }
  d.spec.objectives.forEach((o, i) => {
    if (o.indicator !== undefined || o.indicatorRef !== undefined)
      fail(["spec", "objectives", i], "a composite SLO (an indicator per objective) is not judged by the harness: give each its own SLO");
  });
  if (sli === undefined) {
    if (d.spec.indicatorRef === undefined) fail(["spec"], "expected indicator or indicatorRef");
    return [];
  }
  const read = readSli(sli, sliPath, fail);
  if (read === undefined || before.count > 0) return [];

  const [document, lines, quote] = [annotations[ANNOTATION.sourceDocument], annotations[ANNOTATION.sourceLines], annotations[ANNOTATION.sourceQuote]];
  const source: SloSource | undefined =
    document !== undefined && document !== "" && lines !== undefined && lines !== "" ? { document, lines, ...(quote !== undefined && { quote }) } : undefined;
  const out: ImportedSlo[] = [];
  const many = d.spec.objectives.length > 1;
  d.spec.objectives.forEach((o, i) => {
    const at: PathPart[] = ["spec", "objectives", i];
    const objective = readObjective(o, at, read, fail);
    if (objective === undefined) return;
    // The harness's own words for the objective, when they say the same as the fields (they may only make a bound strict).
    let { text, threshold } = objective;
    const written = many ? undefined : annotations[ANNOTATION.objective];
    if (written !== undefined) {
      const w = parseThreshold(written);
      if (w === undefined || !sameBound(w, threshold)) {
        fail(
          ["metadata", "annotations", ANNOTATION.objective],
          `"${written}" contradicts the objective's fields (${text}); remove the annotation or make them agree`,
        );
        return;
      }
      text = written;
      threshold = w;
    }
    const suffix = many ? `.${i + 1}` : "";
    out.push({
      slo: {
        id: `${id}${suffix}`,
        title: `${d.metadata.displayName ?? d.metadata.name}${many ? ` (${o.displayName ?? `objective ${i + 1}`})` : ""}`,
        metricName: objective.metricName,
        metric: objective.metric,
        threshold,
        objectiveText: text,
        scope: read.scope,
        source,
      },
      doc,
      path: many ? at : [],
    });
  });
  return before.count > 0 ? [] : out;
}

/** Same comparison direction and value; the written one may be strict where the fields are not. */
function sameBound(written: Threshold, fields: Threshold): boolean {
  const direction = (op: Comparator) => (op === "<" || op === "<=" ? "upper" : "lower");
  return written.unit === fields.unit && direction(written.op) === direction(fields.op) && clean(written.value) === clean(fields.value);
}

interface ReadSli {
  shape: Exclude<Shape, { kind: "refused" }>;
  family: MetricFamily;
  /** The metric as named (latency.mean, success_rate); a percentile's statistic comes from its objective's target. */
  metricName: string;
  metric: ParsedMetric;
  scope: { server?: string; tool?: string; method?: ScopeMethod };
}

/** What the harness measures for this SLI, or undefined (problems reported). */
function readSli(sli: ParsedSli, at: PathPart[], fail: (path: PathPart[], message: string) => void): ReadSli | undefined {
  if (sli.thresholdMetric !== undefined && sli.ratioMetric !== undefined) {
    fail(at, "expected thresholdMetric or ratioMetric, not both");
    return undefined;
  }
  const leg = (legAt: PathPart[], source: z.output<typeof MetricSource>) => {
    const spec = source.spec;
    const str = (key: string): string | undefined => {
      const v = spec[key];
      if (v === undefined) return undefined;
      if (typeof v !== "string") {
        fail([...legAt, "metricSource", "spec", key], "expected a string");
        return undefined;
      }
      return v;
    };
    const metric = str("metric");
    if (metric === undefined) {
      if (spec.metric === undefined)
        fail([...legAt, "metricSource", "spec", "metric"], "expected the harness metric this SLI measures, e.g. latency, success_rate, rto");
      return undefined;
    }
    const server = str("server");
    const tool = str("tool");
    const written = str("method");
    const method = SCOPE_METHODS.find((m) => m === written);
    if (written !== undefined && method === undefined)
      fail(
        [...legAt, "metricSource", "spec", "method"],
        `expected one of ${SCOPE_METHODS.map((m) => JSON.stringify(m)).join(", ")}, found ${JSON.stringify(written)}`,
      );
    return {
      metric,
      scope: { ...(server !== undefined && { server }), ...(tool !== undefined && { tool }), ...(method !== undefined && { method }) },
      unit: str("unit"),
      at: [...legAt, "metricSource", "spec"],
    };
  };
  if (sli.thresholdMetric !== undefined) {
    const l = leg([...at, "thresholdMetric"], sli.thresholdMetric.metricSource);
    if (l === undefined) return undefined;
    const family = l.metric as MetricFamily;
    if (PERCENTILE_FAMILIES.has(family)) {
      checkUnit(l.unit, "ms", [...l.at, "unit"], fail);
      return { shape: { kind: "percentile", quantile: 0, statistic: "p50" }, family, metricName: family, metric: { family }, scope: l.scope };
    }
    const parsed = parseMetric(l.metric);
    if (parsed === undefined) {
      fail(
        [...l.at, "metric"],
        `unknown harness metric "${l.metric}"; a threshold SLI measures latency or coordination_latency (each call), or one figure per run: ${perRunNames()}`,
      );
      return undefined;
    }
    const shape = shapeOf(parsed);
    if (shape.kind === "refused") {
      fail([...l.at, "metric"], `${l.metric}: ${shape.reason}, so no objective on it can be judged`);
      return undefined;
    }
    if (shape.kind !== "per-run") {
      fail(
        [...l.at, "metric"],
        shape.kind === "ratio"
          ? `${l.metric} is a ratio: write it as a ratioMetric (${shape.leg} and total)`
          : `write a percentile as metric ${parsed.family} and the objective's target (${QUANTILE_OF[shape.statistic]} for ${shape.statistic})`,
      );
      return undefined;
    }
    checkUnit(l.unit, METRIC_FAMILIES[parsed.family].unit, [...l.at, "unit"], fail);
    return { shape, family: parsed.family, metricName: l.metric, metric: parsed, scope: l.scope };
  }
  const r = sli.ratioMetric;
  if (r === undefined) {
    fail(at, "expected thresholdMetric or ratioMetric");
    return undefined;
  }
  const rAt = [...at, "ratioMetric"];
  if (r.raw !== undefined || r.rawType !== undefined) {
    fail([...rAt, "raw"], "a precomputed (raw) ratio is not judged by the harness: it counts good (or bad) and total events itself");
    return undefined;
  }
  if ((r.good === undefined) === (r.bad === undefined) || r.total === undefined) {
    fail(rAt, "expected good and total, or bad and total");
    return undefined;
  }
  const numeratorLeg = r.good !== undefined ? "good" : "bad";
  const numerator = leg([...rAt, numeratorLeg], (r.good ?? r.bad)!.metricSource);
  const total = leg([...rAt, "total"], r.total.metricSource);
  if (numerator === undefined || total === undefined) return undefined;
  const parsed = parseMetric(numerator.metric);
  const shape = parsed === undefined ? undefined : shapeOf(parsed);
  if (parsed === undefined || shape?.kind !== "ratio") {
    fail([...numerator.at, "metric"], `expected a ratio the harness measures: ${[...RATIO_GOOD].join(", ")} (good and total) or error_rate (bad and total)`);
    return undefined;
  }
  if (shape.leg !== numeratorLeg) {
    fail([...rAt, numeratorLeg], `${parsed.family} is counted as ${shape.leg}/total: write ${shape.leg} and total`);
    return undefined;
  }
  if (total.metric !== numerator.metric || JSON.stringify(total.scope) !== JSON.stringify(numerator.scope)) {
    fail([...total.at], `expected the same metric, server and tool as ${numeratorLeg} (${numerator.metric})`);
    return undefined;
  }
  return { shape, family: parsed.family, metricName: numerator.metric, metric: parsed, scope: numerator.scope };
}

function checkUnit(given: string | undefined, expected: string, at: PathPart[], fail: (path: PathPart[], message: string) => void): void {
  if (given !== undefined && given !== expected) fail(at, `expected ${expected}: the harness measures this metric in ${expected}`);
}

function perRunNames(): string {
  return [...Object.keys(PER_RUN_FIGURE), "latency.mean", "latency.max", "coordination_latency.mean", "coordination_latency.max"].join(", ");
}

/** An objective as the harness writes it ("< 25ms", ">= 99.7%"), from its OpenSLO fields. */
function readObjective(
  o: z.output<typeof Objective>,
  at: PathPart[],
  sli: ReadSli,
  fail: (path: PathPart[], message: string) => void,
): { text: string; threshold: Threshold; metricName: string; metric: ParsedMetric } | undefined {
  if (o.target !== undefined && o.targetPercent !== undefined) {
    fail(at, "give target or targetPercent, not both");
    return undefined;
  }
  const target = o.target ?? (o.targetPercent === undefined ? undefined : clean(o.targetPercent / 100));
  if (target === undefined) {
    fail([...at, "target"], "expected target (or targetPercent)");
    return undefined;
  }
  // The objective in the harness's words, parsed by the same grammar as a scenario's (a number it cannot write, such as 1e-9, is refused).
  const written = (text: string, metricName: string, metric: ParsedMetric) => {
    const threshold = parseThreshold(text);
    if (threshold === undefined) {
      fail([...at, sli.shape.kind === "ratio" ? "target" : "value"], `expected a number the harness can write as an objective, found ${text}`);
      return undefined;
    }
    return { text, threshold, metricName, metric };
  };
  const unitText = (unit: string) => (unit === "ms" ? "ms" : unit === "ops/s" ? "/s" : "");
  if (sli.shape.kind === "ratio") {
    if (o.op !== undefined || o.value !== undefined) {
      fail([...at, o.op !== undefined ? "op" : "value"], "a ratio objective has a target only (op and value compare a threshold metric)");
      return undefined;
    }
    // good/total >= target; for an error rate, bad/total <= 1 - target.
    const pct = clean((sli.shape.leg === "good" ? target : 1 - target) * 100);
    return written(`${sli.shape.leg === "good" ? ">=" : "<="} ${pct}%`, sli.metricName, sli.metric);
  }
  if (o.op === undefined || o.value === undefined) {
    fail([...at, o.op === undefined ? "op" : "value"], "a threshold metric's objective needs op and value");
    return undefined;
  }
  const comparator = COMPARATOR_OF[o.op];
  if (o.value < 0) {
    fail([...at, "value"], "expected a value of 0 or more");
    return undefined;
  }
  if (sli.shape.kind === "percentile") {
    const statistic = (Object.entries(QUANTILE_OF) as [Statistic, number][]).find(([, q]) => q === target)?.[0];
    if (statistic === undefined) {
      fail(
        [...at, "target"],
        `the harness judges latency percentiles p50, p95, p99 and p99.9 only (targets ${Object.values(QUANTILE_OF).join(", ")}), not ${target}`,
      );
      return undefined;
    }
    if (comparator === ">" || comparator === ">=") {
      fail([...at, "op"], "expected lt or lte: the harness judges a latency percentile against an upper bound");
      return undefined;
    }
    return written(`${comparator} ${clean(o.value)}ms`, `${sli.family}.${statistic}`, { family: sli.family, statistic });
  }
  if (target <= 0) {
    fail([...at, "target"], "expected a target above 0 (a target of 0 asks nothing of a run)");
    return undefined;
  }
  // A ratio figured once per run (the degradation during a fallback) is written as a percentage, as its objective is.
  if (METRIC_FAMILIES[sli.family].unit === "ratio") return written(`${comparator} ${clean(o.value * 100)}%`, sli.metricName, sli.metric);
  return written(`${comparator} ${clean(o.value)}${unitText(METRIC_FAMILIES[sli.family].unit)}`, sli.metricName, sli.metric);
}
