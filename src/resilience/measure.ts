/**
 * What a fallback cost the agents (../shared/measurement.md, "Fallback degradation"): the fallback window
 * runs from the first call routed to the fallback to the last one; the baseline is the same agents' calls
 * before the fault. Degradation = fallback p50 / baseline p50 - 1 and 1 - fallback ok/s / baseline ok/s,
 * each with a noise band from batches of time (./figures.ts) and judged by the comparison rules
 * (src/slo/degradation.ts); success rate, degraded answers, time to fail over (fault to the first ok answer
 * of the fallback) and time to fail back (heal to the first ok answer of the primary) beside them.
 */
import { ABSOLUTE_FLOORS } from "../contracts/units.js";
import type { ResiliencePlan } from "../contracts/plan.js";
import type { ChangeJudgement, FallbackMeasurement, FaultResult, ResiliencePolicyInfo, SegmentFigures } from "../results/types.js";
import { judgeChange, tQuantile975 } from "../slo/degradation.js";
import { ROUTE, type CallLog, type LoggedCall } from "./call-log.js";
import { batchError, batches, segmentFigures } from "./figures.js";

/** The module's figure (line 488) when the scenario judges no other: what a fallback's own verdicts in the results are held to. */
export const DEFAULT_DEGRADATION_LIMIT = 0.05;

export function policyInfo(plan: ResiliencePlan, kindOf: (server: string) => "alternative-server" | "last-stable-version"): ResiliencePolicyInfo {
  const fb = plan.fallback;
  return {
    server: plan.server,
    retries: { ...plan.retries },
    deadlineMs: plan.deadlineMs ?? null,
    breaker: plan.breaker ? { ...plan.breaker } : null,
    fallback:
      fb === undefined
        ? null
        : fb.kind === "degraded"
          ? { kind: "degraded", server: null, tools: [...fb.tools] }
          : { kind: kindOf(fb.server), server: fb.server, tools: [...fb.tools.keys()] },
  };
}

/** A relative change of two stretches with its noise band: latency (p50, higher is worse) or throughput (ok/s, lower is worse). */
function change(
  figure: "latency" | "throughput",
  base: { calls: LoggedCall[]; from: number; to: number; fig: SegmentFigures },
  during: { calls: LoggedCall[]; from: number; to: number; fig: SegmentFigures },
  limit: number,
  harnessDelayMs: number | undefined,
): ChangeJudgement {
  const bb = batches(base.calls, base.from, base.to);
  const bd = batches(during.calls, during.from, during.to);
  const eb = batchError(figure === "latency" ? bb.p50 : bb.rate);
  const ed = batchError(figure === "latency" ? bd.p50 : bd.rate);
  const bv = figure === "latency" ? base.fig.p50Ms : base.fig.throughput;
  const dv = figure === "latency" ? during.fig.p50Ms : during.fig.throughput;
  const what = figure === "latency" ? "p50 latency" : "throughput";
  const method = `batches: each stretch cut into 10 batches of time, the ${figure === "latency" ? "p50" : "ok calls per second"} of each; se = 1.2533 x 1.4826 x MAD / sqrt(batches); band = t(0.975, min batches - 1) x sqrt(se_baseline^2 + se_fallback^2)`;
  if (bv === null || dv === null || bv <= 0) {
    const missing = `${what}: ${bv === null || bv <= 0 ? "no ok call before the fault" : "no ok call during the fallback"}`;
    return { relative: null, band: null, method, ...judgeChange({ relative: null, band: null, limit, absolute: 0, absoluteFloor: 0, what, missing }) };
  }
  const relative = figure === "latency" ? dv / bv - 1 : 1 - dv / bv;
  if (!eb || !ed) {
    const missing = `${what} ${(relative * 100).toFixed(1)} % worse, but too few calls for a noise band (each stretch needs 4 batches of 10 with 3 ok calls or more)`;
    return { relative, band: null, method, ...judgeChange({ relative, band: null, limit, absolute: 0, absoluteFloor: 0, what, missing }) };
  }
  const t = tQuantile975(Math.min(eb.n, ed.n) - 1);
  const band = (t * Math.hypot(eb.se, ed.se)) / bv;
  const j = judgeChange({
    relative,
    band,
    limit,
    absolute: Math.abs(dv - bv),
    absoluteFloor: figure === "latency" ? ABSOLUTE_FLOORS.ms : ABSOLUTE_FLOORS["ops/s"],
    ...(figure === "latency" && harnessDelayMs !== undefined && { harnessSlack: harnessDelayMs / bv }),
    what,
  });
  return { relative, band, method, ...j };
}

export interface FallbackInputs {
  plan: ResiliencePlan;
  kind: FallbackMeasurement["kind"];
  log: CallLog;
  faults: readonly FaultResult[];
  /** performance.now() of the window's start and end */
  windowStart: number;
  windowEnd: number;
  limit: number;
  harnessDelayMs: number | undefined;
}

/** One measurement per injected fault after which calls of this server were routed to its fallback. */
export function measureFallbacks(x: FallbackInputs): FallbackMeasurement[] {
  const fb = x.plan.fallback;
  if (!fb) return [];
  const injected = x.faults.filter((f) => f.injected && f.injectedAtMs !== null).sort((a, b) => a.injectedAtMs! - b.injectedAtMs!);
  if (injected.length === 0) return [];
  const at = (ms: number) => x.windowStart + ms;
  const all = [...x.log.calls(x.windowStart, x.windowEnd)];
  const firstFault = at(injected[0]!.injectedAtMs!);
  const baseCalls = all.filter((c) => c.startedAt < firstFault);
  const base = { calls: baseCalls, from: x.windowStart, to: firstFault, fig: segmentFigures(baseCalls, x.windowStart, firstFault, x.windowStart) };
  const out: FallbackMeasurement[] = [];
  injected.forEach((f, i) => {
    const faultAt = at(f.injectedAtMs!);
    const until = i + 1 < injected.length ? at(injected[i + 1]!.injectedAtMs!) : x.windowEnd;
    const mine = all.filter((c) => c.startedAt >= faultAt && c.startedAt < until);
    const routed = mine.filter((c) => c.route === ROUTE.fallback || c.route === ROUTE.degraded);
    // A kill is never healed by the fault itself: the stack's own recovery (a supervisor's restart, as the
    // recovery probe saw it) is when the primary could be failed back to.
    const healedMs = f.healedAtMs ?? (f.recovered && f.rtoMs !== null ? f.injectedAtMs! + f.rtoMs : null);
    const healedAt = healedMs === null ? null : at(healedMs);
    const endOfFault = healedAt ?? until;
    const duringFault = mine.filter((c) => c.startedAt < endOfFault);
    const firstOkFallback = routed.filter((c) => c.ok).reduce<number | null>((m, c) => (m === null || c.endedAt < m ? c.endedAt : m), null);
    const firstOkPrimaryAfterHeal =
      healedAt === null
        ? null
        : mine
            .filter((c) => c.ok && c.route !== ROUTE.fallback && c.route !== ROUTE.degraded && c.startedAt >= healedAt)
            .reduce<number | null>((m, c) => (m === null || c.endedAt < m ? c.endedAt : m), null);
    let during: FallbackMeasurement["during"] = null;
    let latency: ChangeJudgement;
    let throughput: ChangeJudgement;
    if (routed.length > 0) {
      // A loop, not Math.min(...calls): a long fallback has more calls than a call's arguments may hold.
      let from = Number.POSITIVE_INFINITY;
      let to = Number.NEGATIVE_INFINITY;
      for (const c of routed) {
        if (c.startedAt < from) from = c.startedAt;
        if (c.endedAt > to) to = c.endedAt;
      }
      const inWindow = mine.filter((c) => c.startedAt >= from && c.startedAt < to);
      const fig = segmentFigures(inWindow, from, to, x.windowStart);
      during = { ...fig, degraded: inWindow.filter((c) => c.ok && c.route === ROUTE.degraded).length, successRate: fig.calls > 0 ? fig.ok / fig.calls : null };
      const d = { calls: inWindow, from, to, fig };
      latency = change("latency", base, d, x.limit, x.harnessDelayMs);
      throughput = change("throughput", base, d, x.limit, x.harnessDelayMs);
    } else {
      const none: ChangeJudgement = {
        relative: null,
        band: null,
        method: "",
        verdict: "inconclusive",
        reason: "no call was routed to the fallback after this fault",
      };
      latency = none;
      throughput = none;
    }
    out.push({
      server: x.plan.server,
      fallbackServer: fb.kind === "server" ? fb.server : null,
      kind: x.kind,
      faultId: f.id,
      faultAtMs: f.injectedAtMs!,
      healedAtMs: healedMs,
      baseline: base.fig,
      during,
      latency,
      throughput,
      timeToFailOverMs: firstOkFallback === null ? null : firstOkFallback - faultAt,
      timeToFailBackMs: firstOkPrimaryAfterHeal === null || healedAt === null ? null : firstOkPrimaryAfterHeal - healedAt,
      failedDuringFault: duringFault.filter((c) => !c.ok).length,
      callsDuringFault: duringFault.length,
    });
  });
  // Faults after which nothing fell back (another server's fault) are not this policy's fallbacks, unless none was.
  const used = out.filter((m) => m.during !== null);
  return used.length > 0 ? used : out.slice(0, 1);
}
