/**
 * Durations and objectives as people write them in scenario files
 * ("30s", "500ms", "p99 < 25ms", ">= 99.7%"): the language scenario files, the SLO catalog,
 * the evaluator and the outputs share. Parsed by hand because the
 * grammar is four operators and a handful of units; a library (ms, parse-duration)
 * would still need the objective half written here.
 */

const DURATION_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, m: 60_000, h: 3_600_000 };
/** The shape of a duration, also given to editors as the JSON schema's pattern. */
export const DURATION_PATTERN = "^\\s*(\\d+(?:\\.\\d+)?)\\s*(us|ms|s|min|m|h)\\s*$";
const DURATION_RE = new RegExp(DURATION_PATTERN);

/**
 * Milliseconds for "250ms", "30s", "2m", "2min", "1h"; undefined when the text is not a duration.
 * A number too large for a double ("1" followed by 400 digits) is not a duration either: Number()
 * would read it as Infinity, and a window of Infinity ms runs until killed.
 */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The longest delay Node's timers take: setTimeout(fn, more) warns (TimeoutOverflowWarning) and fires
 * after 1 ms instead. Every duration a scenario or a flag may give stays well under it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Bounds of a duration, inclusive, in ms. */
export interface DurationBounds {
  min: number;
  max: number;
}

/** "1ms", "30s", "1h", "24h": a bound as people write it (the largest unit that divides it). */
export function formatDurationBound(ms: number): string {
  if (ms === 0) return "0s";
  for (const [unit, size] of [
    ["h", 3_600_000],
    ["min", 60_000],
    ["s", 1000],
    ["ms", 1],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit === "min" ? "m" : unit}`;
  }
  return `${ms * 1000}us`;
}

/** 'between 1ms and 1h' */
export function describeDurationBounds(b: DurationBounds): string {
  return `between ${formatDurationBound(b.min)} and ${formatDurationBound(b.max)}`;
}

/**
 * Why `text` is not a duration within `bounds`, or undefined when it is. The message says what was
 * expected; the caller adds where and what was found.
 */
export function durationProblem(text: string, bounds: DurationBounds): string | undefined {
  return readDuration(text, bounds).problem;
}

/** `text` in ms when it is a duration within `bounds`, else why not (as durationProblem says it). */
export function readDuration(text: string, bounds: DurationBounds): { ms: number; problem?: undefined } | { ms?: undefined; problem: string } {
  const ms = parseDurationMs(text);
  if (ms === undefined) return { problem: `expected a duration ${describeDurationBounds(bounds)}, such as "500ms", "30s", "2m" or "1h"` };
  if (ms < bounds.min || ms > bounds.max) return { problem: `expected a duration ${describeDurationBounds(bounds)}` };
  return { ms };
}

export type Comparator = "<" | "<=" | ">" | ">=";
export type ObjectiveUnit = "ms" | "ratio" | "ops/s" | "count";

/**
 * The smallest absolute difference that matters when two figures are compared (measurement.md,
 * "Comparing runs"), per unit: the comparison of runs, fallback degradation and the canary analysis
 * share it. ops/s: 0.1/s, so the 5 % relative floor decides above 2 ops/s and a trickle of a few
 * calls does not flip on one call more or less.
 */
export const ABSOLUTE_FLOORS: Readonly<Record<ObjectiveUnit | "s", number>> = { ms: 0.1, ratio: 0.001, "ops/s": 0.1, count: 1, s: 0.1 };

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
  // 400 digits read as Infinity: no objective, like a duration of Infinity.
  if (!Number.isFinite(n)) return undefined;
  const u = m[3];
  if (u === undefined) return { op, value: n, unit: "count" };
  if (u === "%") return { op, value: n / 100, unit: "ratio" };
  if (u === "/s" || u === "ops/s") return { op, value: n, unit: "ops/s" };
  return { op, value: n * DURATION_UNITS_MS[u]!, unit: "ms" };
}

export function compare(op: Comparator, a: number, b: number): boolean {
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
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
    case "ms":
      return formatMs(value);
    case "s":
      return formatMs(value * 1000);
    case "ratio":
      return `${+(value * 100).toFixed(3)} %`;
    case "ops/s":
      return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ops/s`;
    case "count":
      return `${+value.toFixed(2)}`;
  }
}

export function formatThreshold(t: Threshold): string {
  return `${t.op} ${formatValue(t.value, t.unit)}`;
}
