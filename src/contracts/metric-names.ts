/**
 * What an SLO can be about. A metric name is `family` or `family.statistic`
 * ("latency.p99", "success_rate"); the family fixes the unit and how a
 * verdict is decided (see ../shared/measurement.md).
 */
import type { ObjectiveUnit } from "./units.js";

export type Statistic = "p50" | "p95" | "p99" | "p99_9" | "mean" | "max";
export const STATISTICS: readonly Statistic[] = ["p50", "p95", "p99", "p99_9", "mean", "max"];
export const QUANTILE_OF: Record<Exclude<Statistic, "mean" | "max">, number> = { p50: 0.5, p95: 0.95, p99: 0.99, p99_9: 0.999 };

interface FamilySpec {
  unit: ObjectiveUnit;
  /** Does this family take a statistic suffix (".p99")? */
  statistic: boolean;
  describe: string;
  /** Measured by the harness today; the others are recognised but yield "inconclusive: not measured". */
  measured: boolean;
}

export const METRIC_FAMILIES = {
  latency: { unit: "ms", statistic: true, describe: "MCP tool-call latency (ok and timed-out calls; a timeout counts at its deadline)", measured: true },
  coordination_latency: { unit: "ms", statistic: true, describe: "time from agent A's write start to agent B's first read that sees it", measured: true },
  success_rate: { unit: "ratio", statistic: false, describe: "ok calls / all calls", measured: true },
  availability: { unit: "ratio", statistic: false, describe: "ok calls / all calls over the whole window, faults included", measured: true },
  error_rate: { unit: "ratio", statistic: false, describe: "failed or timed-out calls / all calls", measured: true },
  throughput: { unit: "ops/s", statistic: false, describe: "ok calls completed per second over the measurement window", measured: true },
  cache_hit_ratio: { unit: "ratio", statistic: false, describe: "cache-aside hits / (hits + misses)", measured: true },
  concurrent_agents: { unit: "count", statistic: false, describe: "MCP sessions held open at once that each completed calls with no failure", measured: true },
  concurrent_operations: { unit: "count", statistic: false, describe: "peak number of calls in flight at once, all answered", measured: true },
  start_time: { unit: "ms", statistic: false, describe: "slowest spawn-to-initialized time of a server's sessions", measured: true },
  install_time: {
    unit: "ms",
    statistic: false,
    describe: "cold install of a server from its registry into empty dirs and caches, download included",
    measured: true,
  },
  rto: { unit: "ms", statistic: false, describe: "fault start to k consecutive successful probes", measured: false },
  rpo: { unit: "ms", statistic: false, describe: "fault time minus the oldest lost acknowledged write", measured: false },
  security_score: { unit: "count", statistic: false, describe: "security validation score out of 10", measured: true },
  degradation: {
    unit: "ratio",
    statistic: false,
    describe: "p50 latency increase and throughput loss of the agents' calls during a fallback, against their steady state before the fault",
    measured: true,
  },
} as const satisfies Record<string, FamilySpec>;

export type MetricFamily = keyof typeof METRIC_FAMILIES;

export interface ParsedMetric {
  family: MetricFamily;
  statistic?: Statistic;
}

export function parseMetric(name: string): ParsedMetric | undefined {
  const [family, statistic, ...rest] = name.split(".");
  if (rest.length > 0 || family === undefined || !(family in METRIC_FAMILIES)) return undefined;
  const spec: FamilySpec = METRIC_FAMILIES[family as MetricFamily];
  if (spec.statistic) {
    if (statistic === undefined || !(STATISTICS as readonly string[]).includes(statistic)) return undefined;
    return { family: family as MetricFamily, statistic: statistic as Statistic };
  }
  return statistic === undefined ? { family: family as MetricFamily } : undefined;
}

export function metricNamesForHumans(): string {
  return Object.entries(METRIC_FAMILIES)
    .map(([name, spec]) => ((spec as FamilySpec).statistic ? `${name}.{${STATISTICS.join("|")}}` : name))
    .join(", ");
}
