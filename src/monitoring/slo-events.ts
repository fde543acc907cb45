/**
 * The catalog SLOs that can be watched continuously: those a single MCP call
 * can count as a good or a bad event. Their compliance, remaining error budget
 * and burn rate come from these counts, in the exporter and in the Prometheus
 * rules alike.
 *
 *  - availability, success_rate (>= X): good = the call answered ok; budget 1 - X.
 *  - error_rate (< X): good = the call answered ok; budget X.
 *  - latency.pQ (< T): the share of calls under T must exceed Q, so good = ok and
 *    under T, a timeout is bad, a failed call is no latency event at all (it
 *    counts against availability instead, as in a run's verdicts); budget 1 - Q.
 *
 * Means, maxima, throughput, coordination, cache, RTO/RPO, install time and the
 * security score are not per-call events: no burn-rate alert is generated for
 * them (a run judges them).
 */
import { SLO_CATALOG, type CatalogSlo } from "../slo/catalog.js";
import { parseMetric, QUANTILE_OF } from "../contracts/metric-names.js";
import { parseThreshold } from "../contracts/units.js";
import type { Outcome } from "../results/types.js";

export interface EventSlo {
  id: string;
  title: string;
  /** The share of good events promised, 0..1. */
  objective: number;
  /** 1 - objective: the share of events allowed to be bad. */
  errorBudget: number;
  kind: "success" | "latency";
  /** For latency SLOs: the threshold and whether it is inclusive. */
  thresholdMs?: number;
  inclusive?: boolean;
  scope: { server?: string; tool?: string };
  source: CatalogSlo["source"];
  objectiveText: string;
  metric: string;
}

export function eventSloOf(slo: CatalogSlo): EventSlo | undefined {
  const t = parseThreshold(slo.objective);
  const m = parseMetric(slo.metric);
  if (!t || !m) return undefined;
  const scope = {
    ...(slo.scope?.server !== undefined && slo.scope.server !== "*" && { server: slo.scope.server }),
    ...(slo.scope?.tool !== undefined && { tool: slo.scope.tool }),
  };
  const base = { id: slo.id, title: slo.title, scope, source: slo.source, objectiveText: slo.objective, metric: slo.metric };
  if ((m.family === "availability" || m.family === "success_rate") && (t.op === ">=" || t.op === ">") && t.unit === "ratio") {
    return { ...base, kind: "success", objective: t.value, errorBudget: 1 - t.value };
  }
  if (m.family === "error_rate" && (t.op === "<" || t.op === "<=") && t.unit === "ratio") {
    return { ...base, kind: "success", objective: 1 - t.value, errorBudget: t.value };
  }
  if (m.family === "latency" && m.statistic !== undefined && m.statistic in QUANTILE_OF && (t.op === "<" || t.op === "<=") && t.unit === "ms") {
    const q = QUANTILE_OF[m.statistic as keyof typeof QUANTILE_OF];
    return { ...base, kind: "latency", objective: q, errorBudget: 1 - q, thresholdMs: t.value, inclusive: t.op === "<=" };
  }
  return undefined;
}

export const EVENT_SLOS: readonly EventSlo[] = SLO_CATALOG.map(eventSloOf).filter((s): s is EventSlo => s !== undefined);

export function inScope(slo: EventSlo, server: string, tool: string): boolean {
  return (slo.scope.server === undefined || slo.scope.server === server) && (slo.scope.tool === undefined || slo.scope.tool === tool);
}

/** Whether a call is an event of `slo`, and if so whether a good one. */
export function classify(slo: EventSlo, outcome: Outcome, latencyMs: number): "good" | "bad" | "none" {
  if (slo.kind === "success") return outcome === "ok" ? "good" : "bad";
  if (outcome === "error") return "none";
  if (outcome === "timeout") return "bad";
  const t = slo.thresholdMs!;
  return (slo.inclusive ? latencyMs <= t : latencyMs < t) ? "good" : "bad";
}
