/**
 * Every figure of a run record that a comparison looks at, keyed so that the same figure of
 * another run of the same scenario has the same key (../shared/measurement.md, "Comparing runs").
 * Only reads the record: histograms stay encoded here and are decoded by the comparison.
 */
import { parseThreshold } from "../contracts/units.js";
import { decodeHistogram, encodeHistogram, mergeInto, newHistogram } from "../metrics/histogram.js";
import type { LatencySummary, RunRecord, ScenarioResult, SloResult } from "../results/types.js";

/**
 * A results row's name in a comparison: its tool, or for another MCP method than tools/call (issue
 * 19, where `tool` holds the method's name) the method marked as one, so a tool named "ping" and
 * the method ping stay two metrics. The space cannot be in a tool's name (the spec's tool names are
 * letters, digits, _ - . and /).
 */
function rowLabel(row: { tool: string; method?: string }): string {
  return row.method === undefined ? row.tool : `${row.method} (method)`;
}
import type { Better, MetricValue } from "./types.js";

/** Scenario-wide figures (coordination, cache, the scenario's throughput) use "*" for server and tool. */
export const ALL = "*";

const PERCENTILES = [
  ["p50", 0.5],
  ["p95", 0.95],
  ["p99", 0.99],
] as const;

export function scenarioKey(s: Pick<ScenarioResult, "name" | "variant">): string {
  return s.variant ? `${s.name}[${s.variant}]` : s.name;
}

export function metricKey(scenario: string, metric: string, server: string, tool: string): string {
  return `${scenario}|${metric}|${server}|${tool}`;
}

export function extractMetrics(record: RunRecord): MetricValue[] {
  return record.scenarios.flatMap(scenarioMetrics);
}

/** Fewer timeline intervals than this give no batch-means error (five batches is the usual minimum). */
const MIN_BATCHES = 5;

/** Standard error of the mean of per-interval values, relative to that mean; undefined with too few batches. */
function batchRelSe(xs: readonly number[]): number | undefined {
  if (xs.length < MIN_BATCHES) return undefined;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (!(m > 0)) return undefined;
  const variance = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(variance) / m / Math.sqrt(xs.length);
}

interface Dependence {
  latency: Map<string, number>;
  throughput: Map<string, number>;
  /** For figures of the whole scenario: the largest of its servers' latency errors, and the error of all ok calls. */
  anyLatency: number | undefined;
  allThroughput: number | undefined;
}

/** Batch means per server from the timeline's whole intervals inside the measurement window. */
function dependenceOf(s: ScenarioResult): Dependence {
  const interval = s.timeline.intervalMs;
  const end = s.load?.measuredMs ?? Number.POSITIVE_INFINITY;
  const points = s.timeline.points.filter((p) => p.t >= 0 && p.t + interval <= end + 1);
  const p50 = new Map<string, number[]>();
  const ok = new Map<string, number[]>();
  const okAt = new Map<number, number>();
  for (const p of points) {
    if (p.p50 !== null) p50.set(p.server, [...(p50.get(p.server) ?? []), p.p50]);
    ok.set(p.server, [...(ok.get(p.server) ?? []), p.ok]);
    okAt.set(p.t, (okAt.get(p.t) ?? 0) + p.ok);
  }
  const latency = new Map<string, number>();
  const throughput = new Map<string, number>();
  for (const [server, xs] of p50) {
    const e = batchRelSe(xs);
    if (e !== undefined) latency.set(server, e);
  }
  for (const [server, xs] of ok) {
    const e = batchRelSe(xs);
    if (e !== undefined) throughput.set(server, e);
  }
  return { latency, throughput, anyLatency: latency.size ? Math.max(...latency.values()) : undefined, allThroughput: batchRelSe([...okAt.values()]) };
}

const withDefined = <K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, number>);

function scenarioMetrics(s: ScenarioResult): MetricValue[] {
  const scenario = scenarioKey(s);
  const out: MetricValue[] = [];
  const dep = dependenceOf(s);
  const latencyExtras = (server: string | undefined) => ({
    ...withDefined("batchRelSe", server === undefined || server === ALL ? dep.anyLatency : dep.latency.get(server)),
  });
  const add = (
    metric: string,
    server: string,
    tool: string,
    title: string,
    unit: MetricValue["unit"],
    better: Better,
    rest: Partial<MetricValue> & { value: number | null; samples: number },
  ) => out.push({ key: metricKey(scenario, metric, server, tool), scenario, source: "metric", metric, server, tool, title, unit, better, ...rest });

  for (const r of s.slos) {
    const v = sloMetric(scenario, s, r);
    if (v.unit === "ms" && v.histogram !== undefined) Object.assign(v, latencyExtras(v.metric.startsWith("coordination") ? undefined : r.scope.server));
    if (v.unit === "ops/s") Object.assign(v, withDefined("batchRelSe", r.scope.server ? dep.throughput.get(r.scope.server) : dep.allThroughput));
    out.push(v);
  }

  const measuredMs = s.load?.measuredMs ?? 0;
  const okRows = s.latency.filter((l) => l.outcome === "ok");
  for (const row of okRows) {
    const tool = rowLabel(row);
    const name = `${row.server}/${tool}`;
    for (const [stat, q] of PERCENTILES)
      add(`latency.${stat}`, row.server, tool, `${name} latency ${stat}`, "ms", "lower", {
        value: row.count > 0 ? row[stat] : null,
        samples: row.count,
        histogram: row.histogram,
        quantile: q,
        ...latencyExtras(row.server),
      });
    add("latency.mean", row.server, tool, `${name} latency mean`, "ms", "lower", {
      value: row.count > 0 ? row.mean : null,
      samples: row.count,
      histogram: row.histogram,
      ...latencyExtras(row.server),
    });
  }

  // Throughput counts ok calls only: failed calls are fast and would make an outage look like speed.
  const okCalls = new Map<string, { server: string; tool: string; ok: number }>();
  if (s.calls) for (const c of s.calls) okCalls.set(`${c.server}/${rowLabel(c)}`, { server: c.server, tool: rowLabel(c), ok: c.ok });
  else for (const row of okRows) okCalls.set(`${row.server}/${rowLabel(row)}`, { server: row.server, tool: rowLabel(row), ok: row.count });
  if (s.load && measuredMs > 0) {
    let total = 0;
    for (const [name, { server, tool, ok }] of okCalls) {
      total += ok;
      add("throughput", server, tool, `${name} throughput`, "ops/s", "higher", {
        value: (ok * 1000) / measuredMs,
        samples: ok,
        ...withDefined("batchRelSe", dep.throughput.get(server)),
      });
    }
    add("throughput", ALL, ALL, `${scenario} throughput (ok calls)`, "ops/s", "higher", {
      value: (total * 1000) / measuredMs,
      samples: total,
      ...withDefined("batchRelSe", dep.allThroughput),
    });
  }

  for (const c of s.calls ?? []) {
    // The closed model's corrected counts (measurement.md, "Availability and success rate"): missed calls count as failed.
    const trials = c.ok + c.failed.tool + c.failed.protocol + c.failed.transport + c.missed;
    add("success_rate", c.server, rowLabel(c), `${c.server}/${rowLabel(c)} success rate`, "ratio", "higher", {
      value: trials > 0 ? c.ok / trials : null,
      samples: trials,
      successes: c.ok,
    });
  }

  for (const f of s.availability?.figures ?? []) {
    if (f.judgedBy === "probe" && f.probe) {
      const p = f.probe;
      add("availability", f.server, ALL, `${f.server} availability (probe)`, "ratio", "higher", {
        value: p.probes > 0 ? p.ok / p.probes : null,
        samples: p.probes,
        successes: p.ok,
      });
    } else if (f.judgedBy === "load" && f.load) {
      // Time-based: good time over observed time. Its trials (agents' observation spans) stand in for samples.
      const l = f.load;
      add("availability", f.server, ALL, `${f.server} availability (load)`, "ratio", "higher", {
        value: l.ratio,
        samples: l.trials,
        ...(l.ratio === null ? {} : { successes: Math.round(l.ratio * l.trials) }),
      });
    }
  }

  if (s.coordination) {
    const c = s.coordination;
    for (const [stat, q] of PERCENTILES)
      add(`coordination_latency.${stat}`, ALL, ALL, `coordination latency ${stat}`, "ms", "lower", {
        value: c.samples > 0 ? c[stat] : null,
        samples: c.samples,
        histogram: c.histogram,
        quantile: q,
        ...latencyExtras(undefined),
      });
  }

  if (s.cache) {
    const { hits, misses } = s.cache.client;
    add("cache_hit_ratio", ALL, ALL, "cache hit ratio (client)", "ratio", "higher", {
      value: hits + misses > 0 ? hits / (hits + misses) : null,
      samples: hits + misses,
      successes: hits,
    });
  }

  for (const f of s.faults ?? []) {
    if (!f.injected) continue;
    // Keyed by the fault's id (the scenario's), not its target: a target names ports that change between runs.
    add("rto", ALL, f.id, `RTO of ${f.id} (${f.target})`, "ms", "lower", { value: f.rtoMs, samples: f.rtoMs === null ? 0 : 1 });
  }

  for (const r of s.rpo ?? []) {
    const known = r.readBackError === undefined;
    add("lost_writes", r.store, ALL, `${r.store} lost writes`, "count", "lower", {
      value: known ? r.lost : null,
      samples: known ? r.acknowledged : 0,
      ...(known ? { successes: r.acknowledged - r.lost } : {}),
    });
  }
  return out;
}

/** "p99 < 25 ms" -> lower is better, target 25. */
function objectiveOf(r: SloResult): { better: Better; target?: number } {
  const m = /(<=|>=|<|>)\s*(.*)$/.exec(r.objective);
  const better: Better = m?.[1]?.startsWith("<") ? "lower" : "higher";
  // The margin is exact (it was computed against the target): prefer it to re-reading the text.
  if (r.measured !== null && r.margin !== null) return { better, target: better === "lower" ? r.measured + r.margin : r.measured - r.margin };
  const t = m ? parseThreshold(`${m[1]} ${(m[2] ?? "").replace(/\s+/g, "")}`) : undefined;
  if (!t) return { better };
  return { better, target: r.unit === "s" && t.unit === "ms" ? t.value / 1000 : t.value };
}

function sloMetric(scenario: string, s: ScenarioResult, r: SloResult): MetricValue {
  const { better, target } = objectiveOf(r);
  const server = r.scope.server;
  const tool = r.scope.tool;
  const v: MetricValue = {
    key: `${scenario}|slo|${r.id}`,
    scenario,
    source: "slo",
    metric: r.metric,
    ...(server === undefined ? {} : { server }),
    ...(tool === undefined ? {} : { tool }),
    title: r.title + (server ? ` (${server}${tool ? `/${tool}` : ""})` : ""),
    unit: r.unit,
    better,
    value: r.measured,
    samples: r.samples,
    verdict: r.verdict,
    objective: r.objective,
    ...(target === undefined ? {} : { target }),
  };
  if (r.unit === "ratio" && r.measured !== null) {
    // measuredText carries "(successes/trials)" for ratios judged by Wilson; else the nearest whole count.
    const m = /\((\d+)\s*\/\s*(\d+)\)/.exec(r.measuredText);
    v.successes = m && Number(m[2]) === r.samples ? Number(m[1]) : Math.round(r.measured * r.samples);
  }
  const latency = /^(coordination_latency|latency)\.(p50|p95|p99|p99_9)$/.exec(r.metric);
  if (latency) {
    const q = { p50: 0.5, p95: 0.95, p99: 0.99, p99_9: 0.999 }[latency[2] as "p50"];
    const histogram = latency[1] === "coordination_latency" ? s.coordination?.histogram : mergedOk(s.latency, server, tool);
    if (histogram) {
      v.histogram = histogram;
      v.quantile = q;
    }
  }
  return v;
}

/** The ok calls in an SLO's scope in one histogram (undefined when none, or one row: its own). */
function mergedOk(rows: readonly LatencySummary[], server: string | undefined, tool: string | undefined): string | undefined {
  const inScope = rows.filter(
    (l) => l.outcome === "ok" && l.count > 0 && (server === undefined || l.server === server) && (tool === undefined || l.tool === tool),
  );
  if (inScope.length === 0) return undefined;
  if (inScope.length === 1) return inScope[0]?.histogram;
  try {
    const h = newHistogram();
    for (const row of inScope) mergeInto(h, decodeHistogram(row.histogram));
    return encodeHistogram(h);
  } catch {
    // A histogram that does not decode (a hand-made record) leaves the SLO without one: the comparison says why.
    return undefined;
  }
}
