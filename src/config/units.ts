/**
 * Durations and objectives as people write them in scenario files
 * ("30s", "500ms", "p99 < 25ms", ">= 99.7%"). Parsed by hand because the
 * grammar is four operators and a handful of units; a library (ms, parse-duration)
 * would still need the objective half written here.
 */

const DURATION_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|m|h)\s*$/;

/** Milliseconds for "250ms", "30s", "2m", "2min", "1h"; undefined when the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
}

export type Comparator = "<" | "<=" | ">" | ">=";
export type ObjectiveUnit = "ms" | "ratio" | "ops/s" | "count";

export interface Threshold {
  op: Comparator;
  /** In `unit`: milliseconds for times, 0..1 for ratios. */
  value: number;
  unit: ObjectiveUnit;
}

const THRESHOLD_RE = /^\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*(%|\/s|ops\/s|us|ms|s|min|m|h)?\s*$/;

/** "< 25ms" | ">= 99.7%" | ">= 10000/s" | ">= 32"; undefined when not of that form. */
export function parseThreshold(text: string): Threshold | undefined {
  const m = THRESHOLD_RE.exec(text);
  if (!m) return undefined;
  const op = m[1] as Comparator;
  const n = Number(m[2]);
  const u = m[3];
  if (u === undefined) return { op, value: n, unit: "count" };
  if (u === "%") return { op, value: n / 100, unit: "ratio" };
  if (u === "/s" || u === "ops/s") return { op, value: n, unit: "ops/s" };
  return { op, value: n * DURATION_UNITS_MS[u]!, unit: "ms" };
}

export function compare(op: Comparator, a: number, b: number): boolean {
  switch (op) {
    case "<": return a < b;
    case "<=": return a <= b;
    case ">": return a > b;
    case ">=": return a >= b;
  }
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  if (abs >= 120_000) return `${+(ms / 60_000).toFixed(1)} min`;
  if (abs >= 10_000) return `${+(ms / 1000).toFixed(1)} s`;
  if (abs >= 100) return `${ms.toFixed(0)} ms`;
  if (abs >= 10) return `${ms.toFixed(1)} ms`;
  if (abs >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export function formatValue(value: number, unit: ObjectiveUnit | "s"): string {
  switch (unit) {
    case "ms": return formatMs(value);
    case "s": return formatMs(value * 1000);
    case "ratio": return `${+(value * 100).toFixed(3)} %`;
    case "ops/s": return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ops/s`;
    case "count": return `${+value.toFixed(2)}`;
  }
}

export function formatThreshold(t: Threshold): string {
  return `${t.op} ${formatValue(t.value, t.unit)}`;
}
