/**
 * Wording and figures shared by the HTML, Markdown and JUnit renderers for the agents' resilience
 * policies and version switches (ScenarioResult.resilience): a fallback's degradation judgements, a
 * switch's outcome, and the side-by-side of a scenario run with and without its policies (matrix
 * `resilience: [true, false]`). One place, so the outputs cannot word a rule or compute a figure
 * differently.
 */
import type { CallCounts, ChangeJudgement, FallbackMeasurement, ResiliencePolicyInfo, ScenarioResult, SwitchResult, SwitchStep } from "../results/types.js";
import { formatAt, formatDuration } from "./format.js";

/** The rules these figures follow (../shared/measurement.md, "Fallback degradation"), in the words every output uses. */
export const RESILIENCE_RULES = {
  fallback:
    "Fallback window: from the first call routed to the fallback to the last one; baseline: the same agents' calls before the fault. " +
    "Latency degradation = fallback p50 / baseline p50 - 1; throughput degradation = 1 - fallback ok/s / baseline ok/s (positive: worse). " +
    "Each is judged with the comparison rules against < 5 % (design module, line 488), so noise is not called degradation. " +
    "Time to fail over: fault injected to the first call answered ok by the fallback; time to fail back: heal to the first call answered ok by the primary again.",
  agentView:
    "Counts are what the agents saw: one per call an agent made, whatever retries and fallbacks it took (the per-server tables count each server's own answers).",
  switchSteps:
    "At each step a share of the agents goes to version B with all their calls (with a baseline, as many again to a fresh instance of version A); " +
    "the canary analysis compares B's agents' p50s with the baseline's (else A's) over the step after its settle time, by the comparison rules, and rolls back at the first step whose comparison is regressed.",
  avoided:
    "Failures the policy avoided: (failed / calls without the policies - failed / calls with them) x calls with them, i.e. the failure share the policies removed, " +
    "applied to the calls the agents made with them; negative when the run with the policies failed more. " +
    "With the policies the counts are the agents' own view (one per call an agent made); without them, the server's corrected counts: " +
    "in the closed model an agent stuck on a lost session or a timeout would have sent more calls meanwhile, and those missed calls count as failed, as in every success rate of the harness.",
} as const;

export const FALLBACK_KIND_WORD: Record<FallbackMeasurement["kind"], string> = {
  "alternative-server": "alternative server",
  "last-stable-version": "last stable version",
  degraded: "degraded mode (cache of last good results)",
};

export const SWITCH_OUTCOME_WORD: Record<SwitchResult["outcome"], string> = {
  promoted: "promoted (version B took all traffic)",
  "rolled-back": "rolled back to version A",
  switched: "switched (blue-green)",
  "not-started": "not started",
  interrupted: "interrupted",
};

/** A relative change as a signed percentage: "+3.2 %", "-0.4 %", or "-" when a side had no value. */
export function relativeText(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "-";
  const p = x * 100;
  return `${p > 0 ? "+" : p < 0 ? "-" : ""}${Math.abs(p).toFixed(1)} %`;
}

/** The noise band's half-width: "± 4.1 %", or "-" when it could not be estimated. */
export function bandText(x: number | null): string {
  return x === null || !Number.isFinite(x) ? "-" : `± ${(x * 100).toFixed(1)} %`;
}

/** "+3.2 % ± 4.1 %, pass"; "not measured, inconclusive" when a side had no value; "+3.2 % (no noise band), inconclusive". */
export function judgementText(j: ChangeJudgement): string {
  if (j.relative === null || !Number.isFinite(j.relative)) return `not measured, ${j.verdict}`;
  return `${relativeText(j.relative)} ${j.band === null ? "(no noise band)" : bandText(j.band)}, ${j.verdict}`;
}

export function policyText(p: ResiliencePolicyInfo): { retries: string; deadline: string; breaker: string; fallback: string } {
  const b = p.breaker;
  return {
    retries:
      p.retries.count === 0 ? "none" : `${p.retries.count} (backoff ${formatDuration(p.retries.backoffMs)}, jitter ${Math.round(p.retries.jitter * 100)} %)`,
    deadline: p.deadlineMs === null ? "call timeout per attempt" : formatDuration(p.deadlineMs),
    breaker:
      b === null
        ? "none"
        : `opens at ${Math.round(b.failureRate * 100)} % failed of the last ${b.windowCalls} calls (at least ${b.minCalls}), open ${formatDuration(b.openMs)}, ${b.halfOpenProbes} half-open probe${b.halfOpenProbes === 1 ? "" : "s"}`,
    fallback:
      p.fallback === null
        ? "none"
        : `${FALLBACK_KIND_WORD[p.fallback.kind]}${p.fallback.server ? `: ${p.fallback.server}` : ""}${p.fallback.tools.length ? ` (tools ${p.fallback.tools.join(", ")})` : ""}`,
  };
}

/** "redis -> redis-official" or "redis -> degraded mode". */
export function fallbackLabel(f: Pick<FallbackMeasurement, "server" | "fallbackServer" | "kind">): string {
  return `${f.server} -> ${f.fallbackServer ?? (f.kind === "degraded" ? "degraded mode" : FALLBACK_KIND_WORD[f.kind])}`;
}

/** "failed during the fault: 12 of 3,400 calls" */
export function failedDuringFaultText(f: FallbackMeasurement): string {
  return `failed during the fault: ${f.failedDuringFault.toLocaleString("en-US")} of ${f.callsDuringFault.toLocaleString("en-US")} calls`;
}

/** One line per fallback: server -> fallback, time to fail over, both degradations with their verdicts. */
export function fallbackLine(f: FallbackMeasurement): string {
  const over = f.timeToFailOverMs === null ? "never failed over" : `failed over in ${formatDuration(f.timeToFailOverMs)}`;
  return `${fallbackLabel(f)} (fault ${f.faultId} at ${formatAt(f.faultAtMs)}): ${over}; latency ${judgementText(f.latency)}; throughput ${judgementText(f.throughput)}; ${failedDuringFaultText(f)}`;
}

/** The step where the switch was decided: the last one with a decision other than "next"/"repeated", else the last step. */
export function decidingStep(sw: SwitchResult): SwitchStep | undefined {
  return [...sw.steps].reverse().find((st) => st.decision !== "next" && st.decision !== "repeated") ?? sw.steps[sw.steps.length - 1];
}

export function shareText(share: number): string {
  return `${+(share * 100).toFixed(1)} %`;
}

export function versionText(side: { server: string; version: string; standIn?: string | null }): string {
  return `${side.server}@${side.version}${side.standIn ? ` (stand-in: ${side.standIn})` : ""}`;
}

/** A step's canary analysis: "regressed +41.0 % ± 6.0 %", or the verdict alone when the change was not measured. */
export function comparisonText(c: NonNullable<SwitchStep["comparison"]>): string {
  if (c.relative === null || !Number.isFinite(c.relative)) return `${c.verdict} (change not measured)`;
  return `${c.verdict} ${relativeText(c.relative)} ${c.band === null ? "(no noise band)" : bandText(c.band)}`;
}

/** "redis@1.0 -> redis-next@1.1 (canary): rolled back to version A at step 2 (10 % to B): regressed +38.0 % ± 6.0 %" */
export function switchLine(sw: SwitchResult): string {
  const st = decidingStep(sw);
  const c = st?.comparison;
  const at = st ? ` at step ${st.index + 1} (${shareText(st.shareTo)} to B)${c ? `: B against A ${comparisonText(c)}` : ""}` : "";
  const failed = `${sw.failedCalls.toLocaleString("en-US")} of ${sw.calls.toLocaleString("en-US")} calls failed from the switch on`;
  return `${versionText(sw.from)} -> ${versionText(sw.to)} (${sw.mode}): ${SWITCH_OUTCOME_WORD[sw.outcome]}${at}; ${failed}`;
}

/** One side of the with/without comparison for one server. */
export interface SideCounts {
  calls: number;
  failed: number;
  /** failed / calls; null with no call */
  failedShare: number | null;
  /** Where the counts come from. */
  basis: "agents' view" | "server's corrected counts" | "none";
  /** Of `failed`, calls an agent would have sent while stuck (closed model, corrected counts). */
  missed: number;
}

export interface SideBySideRow {
  server: string;
  on: SideCounts;
  off: SideCounts;
  /** (failedShare(off) - failedShare(on)) x calls(on); null when a side has no call. */
  avoided: number | null;
}

export interface SideBySide {
  name: string;
  /** The matrix cells compared, e.g. "redis.persistence=none, resilience=true". */
  onVariant: string;
  offVariant: string;
  /** Index in run.scenarios of each variant. */
  onIndex: number;
  offIndex: number;
  rows: SideBySideRow[];
}

function rawCounts(calls: readonly CallCounts[], server: string): { calls: number; failed: number; missed: number } | null {
  const own = calls.filter((c) => c.server === server);
  if (own.length === 0) return null;
  let ok = 0;
  let failed = 0;
  let missed = 0;
  for (const c of own) {
    ok += c.ok;
    failed += c.failed.tool + c.failed.protocol + c.failed.transport;
    missed += c.missed;
  }
  // Corrected: the missed calls are intended calls that failed (closed model; 0 in the open model).
  return { calls: ok + failed + missed, failed: failed + missed, missed };
}

/** One variant's counts of one server: the agents' view when the variant has one for it, else the server's raw counts. */
function sideCounts(s: ScenarioResult, server: string): SideCounts {
  const agents = s.resilience?.calls.find((c) => c.server === server);
  const raw = rawCounts(s.calls ?? [], server);
  if (agents) {
    return {
      calls: agents.calls,
      failed: agents.failed,
      failedShare: agents.calls > 0 ? agents.failed / agents.calls : null,
      basis: "agents' view",
      missed: 0,
    };
  }
  if (raw) {
    return {
      calls: raw.calls,
      failed: raw.failed,
      failedShare: raw.calls > 0 ? raw.failed / raw.calls : null,
      basis: "server's corrected counts",
      missed: raw.missed,
    };
  }
  return { calls: 0, failed: 0, failedShare: null, basis: "none", missed: 0 };
}

const ON = "resilience=true";
const OFF = "resilience=false";

/**
 * Every pair of matrix cells of one scenario that differ only by `resilience=true` / `resilience=false`,
 * with one row per server that has a policy in the "true" cell (../shared/measurement.md has no rule for
 * this figure; RESILIENCE_RULES.avoided says it in the report).
 */
export function sideBySides(scenarios: readonly ScenarioResult[]): SideBySide[] {
  const out: SideBySide[] = [];
  scenarios.forEach((on, onIndex) => {
    if (!on.variant?.includes(ON) || !on.resilience) return;
    const offVariant = on.variant.replace(ON, OFF);
    const offIndex = scenarios.findIndex((x) => x.name === on.name && x.variant === offVariant);
    if (offIndex < 0) return;
    const off = scenarios[offIndex]!;
    const servers = [...new Set(on.resilience.policies.map((p) => p.server))];
    const rows = servers.map((server) => {
      const a = sideCounts(on, server);
      const b = sideCounts(off, server);
      const avoided = a.failedShare === null || b.failedShare === null ? null : (b.failedShare - a.failedShare) * a.calls;
      return { server, on: a, off: b, avoided };
    });
    // A switch alone (no policy) has nothing to compare: the cell without policies keeps its switch.
    if (rows.length > 0) out.push({ name: on.name, onVariant: on.variant, offVariant, onIndex, offIndex, rows });
  });
  return out;
}

/** The avoided failures, "588" or "none: 12 more failed with the policies", and the failure shares they come from. */
export function avoidedParts(r: SideBySideRow): { count: string; shares: string } {
  if (r.avoided === null) return { count: "-", shares: "a side made no call" };
  const pct = (x: number | null) => (x === null ? "-" : `${+(x * 100).toFixed(2)} %`);
  const n = Math.round(r.avoided);
  const count = n < 0 ? `none: ${Math.abs(n).toLocaleString("en-US")} more failed with the policies` : n.toLocaleString("en-US");
  return { count, shares: `failure share ${pct(r.off.failedShare)} without, ${pct(r.on.failedShare)} with` };
}

/** "588 (failure share 10 % without, 0.2 % with)" */
export function avoidedText(r: SideBySideRow): string {
  const { count, shares } = avoidedParts(r);
  return `${count} (${shares})`;
}
