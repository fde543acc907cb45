/**
 * Formatting shared by the HTML and Markdown renderers for what a fault
 * scenario measures: durations from a few milliseconds (time to detect) to
 * many minutes (RTO), and the scenario's name with its matrix cell.
 */
import { formatMs } from "../config/units.js";
import type { RpoResult, ScenarioResult, SloResult, Verdict } from "../results/types.js";

/**
 * A duration as people read it: "120 ms", "7.12 s", "45 s", "2 min 5 s", "1 h 3 min".
 * Below one second it is formatMs's; above, seconds or minutes rather than "7120 ms".
 */
export function formatDuration(ms: number | null | undefined, empty = "–"): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return empty;
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  if (abs < 1000) return sign + formatMs(abs);
  if (abs < 10_000) return `${sign}${+(abs / 1000).toFixed(2)} s`;
  if (abs < 60_000) return `${sign}${+(abs / 1000).toFixed(1)} s`;
  const totalS = Math.round(abs / 1000);
  if (totalS < 3600) {
    const m = Math.floor(totalS / 60);
    const s = totalS % 60;
    return `${sign}${m} min${s > 0 ? ` ${s} s` : ""}`;
  }
  const totalMin = Math.round(totalS / 60);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  return `${sign}${h} h${m > 0 ? ` ${m} min` : ""}`;
}

/** A point in the measurement window: "at 20.0 s" style, always in seconds so rows line up. */
export function formatAt(ms: number | null | undefined, empty = "–"): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return empty;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "redis-durability [redis.persistence=none]", or the bare name without a matrix cell. */
export function scenarioLabel(s: Pick<ScenarioResult, "name" | "variant">): string {
  return s.variant ? `${s.name} [${s.variant}]` : s.name;
}

export function notRecoveredText(limitMs: number): string {
  return `did not recover within ${formatDuration(limitMs)}`;
}

/** RPO of one store in words: "no loss", or "19.9 s (1,842 lost)". */
export function rpoText(r: RpoResult): string {
  if (r.lost === 0) return "no loss";
  const lost = `${r.lost.toLocaleString("en-US")} lost`;
  return r.rpoMs === null ? `unknown (${lost}, no fault time)` : `${formatDuration(r.rpoMs)} (${lost})`;
}

export interface WorstRto {
  /** "did not recover" when any injected fault did not; else the largest RTO. */
  recovered: boolean;
  rtoMs: number | null;
  limitMs: number | null;
  faultId: string | null;
  injected: number;
  recoveredCount: number;
  notInjected: number;
}

export function worstRto(s: ScenarioResult): WorstRto {
  const faults = s.faults ?? [];
  const injected = faults.filter((f) => f.injected);
  const out: WorstRto = {
    recovered: true,
    rtoMs: null,
    limitMs: null,
    faultId: null,
    injected: injected.length,
    recoveredCount: injected.filter((f) => f.recovered).length,
    notInjected: faults.length - injected.length,
  };
  const failed = injected.find((f) => !f.recovered);
  if (failed) return { ...out, recovered: false, limitMs: failed.limitMs, faultId: failed.id };
  for (const f of injected) {
    if (f.rtoMs !== null && (out.rtoMs === null || f.rtoMs > out.rtoMs)) {
      out.rtoMs = f.rtoMs;
      out.faultId = f.id;
    }
  }
  return out;
}

/** The worst verdict of a scenario's SLOs on one metric ("rto", "rpo"), null when it has none. */
export function worstVerdict(slos: SloResult[], metric: string): { verdict: Verdict; slos: SloResult[] } | null {
  const of = slos.filter((x) => x.metric === metric);
  if (of.length === 0) return null;
  const verdict: Verdict = of.some((x) => x.verdict === "fail")
    ? "fail"
    : of.some((x) => x.verdict === "inconclusive")
      ? "inconclusive"
      : "pass";
  return { verdict, slos: of };
}

/** Stores that appear in any scenario's RPO rows, in a stable order. */
export function rpoStores(scenarios: ScenarioResult[]): RpoResult["store"][] {
  const order: RpoResult["store"][] = ["redis", "postgres", "memory", "filesystem"];
  const seen = new Set(scenarios.flatMap((s) => (s.rpo ?? []).map((r) => r.store)));
  return order.filter((x) => seen.has(x));
}

/** Worst (most lost, then largest RPO) row of a store in a scenario. */
export function worstRpo(s: ScenarioResult, store: RpoResult["store"]): RpoResult | null {
  let worst: RpoResult | null = null;
  for (const r of s.rpo ?? []) {
    if (r.store !== store) continue;
    if (
      worst === null ||
      (r.rpoMs ?? Infinity) > (worst.rpoMs ?? Infinity) ||
      ((r.rpoMs ?? Infinity) === (worst.rpoMs ?? Infinity) && r.lost > worst.lost)
    ) {
      worst = r;
    }
  }
  return worst;
}

/** True when a scenario has anything of fault injection to show. */
export function hasRecovery(s: ScenarioResult): boolean {
  return (s.faults?.length ?? 0) > 0 || (s.rpo?.length ?? 0) > 0 || (s.steadyState?.length ?? 0) > 0 || s.probe !== undefined;
}
