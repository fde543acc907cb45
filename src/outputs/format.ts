/**
 * Formatting shared by the HTML and Markdown renderers for what a fault
 * scenario measures: durations from a few milliseconds (time to detect) to
 * many minutes (RTO), and the scenario's name with its matrix cell.
 */
import { formatDurationBound, formatMs } from "../contracts/units.js";
import { secondsText } from "../slo/burn-rate.js";
import type { HaltedResult, LoadShapeSummary, RpoResult, RunRecord, ScenarioResult, SloResult, Verdict } from "../results/types.js";

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

/** A halt (scenario `slos[].halt`), and what it means for the verdicts: every output says it so. */
export function haltedLine(h: HaltedResult): string {
  return `${h.text}. ${h.slo} is judged fail on the halt; the other SLOs are judged on the ${secondsText(h.measuredMs)} measured before it.`;
}

export function notRecoveredText(limitMs: number): string {
  return `did not recover within ${formatDuration(limitMs)}`;
}

/**
 * RPO of one store in words: "no loss", "19.9 s (1,842 lost)", ">= 6.02 s (312 lost, censored)",
 * "lost without a fault (185 of 356)", "unknown: read-back failed".
 */
export function rpoText(r: RpoResult): string {
  if (r.readBackError !== undefined) return "unknown: read-back failed";
  if (r.lost === 0) return "no loss";
  const lost = `${r.lost.toLocaleString("en-US")} lost`;
  if ((r.lostWithoutFault ?? 0) > 0)
    return `lost without a fault (${(r.lostWithoutFault ?? 0).toLocaleString("en-US")} of ${r.acknowledged.toLocaleString("en-US")})`;
  if (r.rpoMs === null) return `unknown (${lost}, no fault time)`;
  if (r.rpoMs === 0) return `> 0 s (${lost} as the fault hit)`;
  return r.censored ? `>= ${formatDuration(r.rpoMs)} (${lost}, censored)` : `${formatDuration(r.rpoMs)} (${lost})`;
}

/** The RPO column alone: what rpoText says before its parenthesis. */
export function rpoValueText(r: RpoResult): string {
  if (r.readBackError !== undefined) return "unknown";
  if (r.lost === 0) return "no loss";
  if ((r.lostWithoutFault ?? 0) > 0) return "lost without a fault";
  if (r.rpoMs === null) return "unknown";
  if (r.rpoMs === 0) return "> 0 s";
  return `${r.censored ? ">= " : ""}${formatDuration(r.rpoMs)}`;
}

/** The rules an RPO figure follows, said once above every RPO table (measurement.md, RPO). */
export const RPO_RULES = [
  "Every acknowledged write is read back after recovery (and right after each heal, to tell which fault lost it).",
  "RPO: fault time minus the acknowledgement time of the oldest lost write.",
  'Acknowledged writes lost with no fault to account for them are "lost without a fault", a consistency failure (e.g. concurrent writers overwriting each other): they fail every RPO objective.',
  "Censored (\">= N\"): the oldest lost write was the writer's first (nothing older was left to lose), so the true RPO is at least the writer's age at the fault; it fails a target it already exceeds and is inconclusive otherwise, never a pass.",
];

/** The rules a fault's times follow, said once above every fault table. */
export const FAULT_TIMING_RULES = [
  "Times are from the start of the measurement window; a fault at 0 s is injected before the window's first call.",
  "Healed at: when the cause was removed (the process spawned again, the link restored); ready at: when it answered again.",
  "After heal: the recovery point minus healed at; negative only if the stack worked again while the fault was still on (e.g. a supervisor restarted a killed server first).",
  "A probe or a write belongs to a fault window only if it was sent after the fault began.",
];

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
  const verdict: Verdict = of.some((x) => x.verdict === "fail") ? "fail" : of.some((x) => x.verdict === "inconclusive") ? "inconclusive" : "pass";
  return { verdict, slos: of };
}

/** Stores that appear in any scenario's RPO rows, in a stable order. */
export function rpoStores(scenarios: ScenarioResult[]): RpoResult["store"][] {
  const order: RpoResult["store"][] = ["redis", "postgres", "memory", "filesystem"];
  const seen = new Set(scenarios.flatMap((s) => (s.rpo ?? []).map((r) => r.store)));
  return order.filter((x) => seen.has(x));
}

/** True when the scenario injects faults (so it has steady states and recoveries to show), not RPO writers alone. */
export function hasFaults(s: ScenarioResult): boolean {
  return (s.faults?.length ?? 0) > 0;
}

/** Worst (most lost, then largest RPO) row of a store in a scenario. */
export function worstRpo(s: ScenarioResult, store: RpoResult["store"]): RpoResult | null {
  let worst: RpoResult | null = null;
  for (const r of s.rpo ?? []) {
    if (r.store !== store) continue;
    if (worst === null || (r.rpoMs ?? Infinity) > (worst.rpoMs ?? Infinity) || ((r.rpoMs ?? Infinity) === (worst.rpoMs ?? Infinity) && r.lost > worst.lost)) {
      worst = r;
    }
  }
  return worst;
}

/** True when a scenario has anything of fault injection to show. */
export function hasRecovery(s: ScenarioResult): boolean {
  return (s.faults?.length ?? 0) > 0 || (s.rpo?.length ?? 0) > 0 || (s.steadyState?.length ?? 0) > 0 || s.probe !== undefined;
}

/** "arrivals/s: 20 at the start, then 20 over 10s, 100 over 1s, ...": a load shape as its stages, durations as a scenario writes them. */
export function shapeText(shape: LoadShapeSummary): string {
  const num = (x: number) => String(Number(x.toPrecision(6)));
  return `${shape.unit}: ${num(shape.start)} at the start, then ${shape.stages.map((x) => `${num(x.target)} over ${formatDurationBound(x.durationMs)}`).join(", ")}`;
}

/** "http: p50 0.210 ms, p99 0.480 ms" per transport: how much of each sample is the harness's own client. */
export function clientCostText(costs: NonNullable<RunRecord["environment"]["clientCost"]>): string {
  return costs.map((c) => `${c.transport}: p50 ${c.p50Ms.toFixed(3)} ms, p99 ${c.p99Ms.toFixed(3)} ms`).join("; ");
}

/** The priority the stack ran at against the harness's, as the banner and summary.md say it. */
export function priorityText(p: NonNullable<RunRecord["environment"]["priority"]>): string {
  const placement = p.placement === "none" ? "no CPU pinning" : p.placement;
  return p.stackNice === p.harnessNice
    ? `stack and harness on equal footing (nice ${p.harnessNice}), ${placement}`
    : `stack at nice ${p.stackNice} below the harness's ${p.harnessNice} (processes it starts; not containers)${autogroupText(p)}${p.harnessPolicy === "realtime" ? ", harness at real-time priority (SCHED_RR 1)" : ""}, ${placement}`;
}

/** What the kernel's autogroups made of the stack's priority, when they were on. */
function autogroupText(p: NonNullable<RunRecord["environment"]["priority"]>): string {
  if (p.stackAutogroupNice === undefined) return "";
  const refused = p.autogroupsNotLowered ?? [];
  return (
    `, each process's own scheduling group (kernel autogroup) at nice ${p.stackAutogroupNice} too` +
    (refused.length > 0
      ? `, except ${refused.length} the kernel would not lower, which competed with the harness at a group's full share: ${refused.join(", ")}`
      : "")
  );
}
