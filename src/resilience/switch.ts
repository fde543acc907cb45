/**
 * A switch of one server from version A to version B while the load runs (the guide's blue-green traffic
 * shift, lines 1258-1356, and canary release with automatic rollback, lines 1358-1430). At each step the
 * router (./router.ts) sends the step's share of the agents' calls to B. With an analysis, each step that
 * still sends calls to A ends with a comparison of B against A over that step, agent by agent (both
 * versions ran side by side, so the machine's load of the moment weighs on both alike): a significant and material slowdown, or a significantly higher failure share, is a regression
 * and rolls back (every call to A); an inconclusive step is repeated, then rolled back; else the next
 * step. Reaching 100 % promotes B.
 */
import { ABSOLUTE_FLOORS } from "../contracts/units.js";
import type { VersionSwitchPlan } from "../contracts/plan.js";
import type { SwitchResult, SwitchStep } from "../results/types.js";
import { tQuantile975 } from "../slo/degradation.js";
import { Z95 } from "../slo/statistics.js";
import { seededRng } from "../util/random.js";
import { sleepUntil } from "../util/sleep.js";
import { ROUTE, type CallLog, type LoggedCall } from "./call-log.js";
import { meanSd, segmentFigures } from "./figures.js";
import { median } from "../util/stats.js";
import type { ResilientCalls } from "./router.js";

interface StepRun {
  index: number;
  share: number;
  start: number;
  end: number | undefined;
  comparison?: SwitchStep["comparison"];
  decision: SwitchStep["decision"] | undefined;
}

export type StepComparison = NonNullable<SwitchStep["comparison"]>;

/** Ok calls an agent needs in a step for its p50 to count. */
export const MIN_AGENT_CALLS = 20;

/** Each agent's p50 over its ok calls, for agents with MIN_AGENT_CALLS or more. */
function perAgentP50(calls: readonly LoggedCall[]): number[] {
  const by = new Map<number, number[]>();
  for (const c of calls) {
    if (!c.ok) continue;
    const l = by.get(c.agent);
    if (l) l.push(c.endedAt - c.startedAt);
    else by.set(c.agent, [c.endedAt - c.startedAt]);
  }
  return [...by.values()].filter((l) => l.length >= MIN_AGENT_CALLS).map((l) => median(l)!);
}

/**
 * B against A over one step (../shared/measurement.md, "Comparing runs": significant and material). The
 * switch moves whole agents (./router.ts SwitchRouting), so the agent is the unit: each agent's p50 over
 * the step, B's agents' mean against the compared group's (a fresh baseline of A, or A itself), with a t
 * interval whose spread between agents is pooled, relative to each group's mean, over every group with
 * two agents or more (`spreadOnly`: A's long-running agents when a baseline is compared, whose spread
 * counts but whose level does not). Agents differ among themselves (each has its own server processes,
 * scheduled as the machine allows; seen here 5-10 % apart with one version everywhere): a comparison by
 * batch of time over all calls leaves that spread out and calls it a regression.
 */
export function compareVersions(
  a: readonly LoggedCall[],
  b: readonly LoggedCall[],
  plan: NonNullable<VersionSwitchPlan["analysis"]>,
  spreadOnly: readonly LoggedCall[] = [],
): StepComparison {
  const method =
    "per agent: each agent's p50 over the step (after its settle time); B's agents against the compared agents by a t interval, the spread between agents pooled relative to each group's mean; failures by a two-proportion z test";
  const base = { statistic: "p50" as const, method };
  if (a.length < plan.minSamples || b.length < plan.minSamples)
    return {
      ...base,
      verdict: "inconclusive",
      relative: null,
      band: null,
      reason: `too few calls to compare: A ${a.length}, B ${b.length} (needs ${plan.minSamples} each)`,
    };
  // Failures first: a version that fails more is worse whatever its latency.
  const failedA = a.filter((c) => !c.ok).length;
  const failedB = b.filter((c) => !c.ok).length;
  const fa = failedA / a.length;
  const fb = failedB / b.length;
  const pooled = (failedA + failedB) / (a.length + b.length);
  const seF = Math.sqrt(pooled * (1 - pooled) * (1 / a.length + 1 / b.length));
  if (fb > fa && seF > 0 && (fb - fa) / seF > Z95 && fb - fa > Math.max(ABSOLUTE_FLOORS.ratio, plan.relativeFloor * fa))
    return {
      ...base,
      verdict: "regressed",
      relative: null,
      band: null,
      reason: `B failed ${(fb * 100).toFixed(2)} % of its calls, A ${(fa * 100).toFixed(2)} %: more than chance explains`,
    };
  const pa = perAgentP50(a);
  const pb = perAgentP50(b);
  const groups = [pa, pb, perAgentP50(spreadOnly)].filter((g) => g.length >= 2);
  const df = groups.reduce((n, g) => n + g.length - 1, 0);
  if (pa.length < 1 || pb.length < 1 || df < 1)
    return {
      ...base,
      verdict: "inconclusive",
      relative: null,
      band: null,
      reason: `agents with ${MIN_AGENT_CALLS} ok calls or more: A ${pa.length}, B ${pb.length}, none with a second agent to tell the spread between agents`,
    };
  const cv = Math.sqrt(
    groups.reduce((acc, g) => {
      const m = meanSd(g);
      return acc + (g.length - 1) * (m.mean > 0 ? m.sd / m.mean : 0) ** 2;
    }, 0) / df,
  );
  const ma = meanSd(pa).mean;
  const mb = meanSd(pb).mean;
  const half = tQuantile975(df) * cv * ma * Math.sqrt(1 / pa.length + 1 / pb.length);
  const diff = mb - ma;
  const relative = ma > 0 ? diff / ma : null;
  const band = ma > 0 ? half / ma : null;
  const floor = Math.max(plan.relativeFloor * ma, ABSOLUTE_FLOORS.ms);
  const significant = Math.abs(diff) > half;
  const material = Math.abs(diff) > floor;
  const d = `B's agents' p50 ${mb.toFixed(3)} ms (${pb.length} agent(s)) vs ${ma.toFixed(3)} ms (${pa.length}): ${diff >= 0 ? "+" : ""}${diff.toFixed(3)} +- ${half.toFixed(3)} ms`;
  if (significant && material)
    return {
      ...base,
      verdict: diff > 0 ? "regressed" : "improved",
      relative,
      band,
      reason: `${d}: outside the noise and above the floor (${floor.toFixed(3)} ms)`,
    };
  return {
    ...base,
    verdict: "unchanged",
    relative,
    band,
    reason: `${d}: ${significant ? `not above the floor (${floor.toFixed(3)} ms)` : "within the spread between agents"}`,
  };
}

export class SwitchController {
  private readonly steps: StepRun[] = [];
  private outcome: SwitchResult["outcome"] = "not-started";
  private readonly stopped = new AbortController();
  private done: Promise<void> | undefined;
  private origin = 0;

  private readonly order: number[];

  constructor(
    private readonly plan: VersionSwitchPlan,
    private readonly router: ResilientCalls,
    private readonly log: CallLog,
    agents: number,
    seed: number,
  ) {
    const rng = seededRng(seed * 31 + 7);
    this.order = Array.from({ length: agents }, (_, i) => i);
    // Fisher-Yates with the scenario's seed: which agents move first is fixed by the seed, not by their index.
    for (let i = this.order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [this.order[i], this.order[j]] = [this.order[j]!, this.order[i]!];
    }
  }

  get mode(): SwitchResult["mode"] {
    return this.plan.analysis ? "canary" : "blue-green";
  }

  /** Starts the timeline at the window's start (t0). */
  start(t0: number, signal: AbortSignal): void {
    this.origin = t0;
    const stop = () => this.stopped.abort();
    signal.addEventListener("abort", stop, { once: true });
    this.done = this.run(t0).finally(() => signal.removeEventListener("abort", stop));
  }

  /**
   * Moves whole agents to B (see SwitchRouting): the first k of a seeded shuffle of the agents, so a growing
   * share keeps the agents already moved. k = share x agents rounded, at least 1 above 0 % and at most all
   * but one below 100 %: the share that ran is k / agents, and that is what the step reports.
   */
  private setShare(share: number): number {
    const n = this.order.length;
    const base = this.plan.baseline;
    // With a baseline, B and the baseline get as many agents each, so at most half of them.
    const most = base === undefined ? n - 1 : Math.floor(n / 2);
    const k = share <= 0 ? 0 : share >= 1 ? n : Math.min(most, Math.max(1, Math.round(share * n)));
    const onBaseline = base === undefined || k >= n ? [] : this.order.slice(k, 2 * k);
    this.router.routing = {
      from: this.plan.from,
      to: this.plan.to,
      agentsOnB: new Set(this.order.slice(0, k)),
      baseline: base,
      agentsOnBaseline: new Set(onBaseline),
    };
    return n === 0 ? 0 : k / n;
  }

  private async run(t0: number): Promise<void> {
    const sig = this.stopped.signal;
    await sleepUntil(t0 + this.plan.atMs, sig);
    if (sig.aborted) return;
    let repeats = 0;
    for (let i = 0; i < this.plan.steps.length && !sig.aborted; ) {
      const step = this.plan.steps[i]!;
      const start = performance.now();
      const share = this.setShare(step.share);
      const run: StepRun = { index: i, share, start, end: undefined, decision: undefined };
      this.steps.push(run);
      const asked = share === step.share ? "" : ` (${Math.round(step.share * 100)} % asked: whole agents move)`;
      this.router.event("switch-step", this.plan.from, `${Math.round(share * 100)} % of the agents' calls to ${this.plan.to}${asked}`);
      if (share >= 1) {
        run.decision = this.plan.analysis ? "promoted" : "switched";
        this.outcome = this.plan.analysis ? "promoted" : "switched";
        this.router.event(this.plan.analysis ? "promoted" : "switched", this.plan.from, `every call goes to ${this.plan.to}`);
      }
      if (!Number.isFinite(step.durationMs)) return;
      await sleepUntil(start + step.durationMs, sig);
      run.end = performance.now();
      if (sig.aborted) {
        run.decision ??= "interrupted";
        return;
      }
      if (share >= 1 || !this.plan.analysis || share <= 0) {
        run.decision ??= "next";
        i++;
        continue;
      }
      // The step's start settles unjudged: agents just moved meet their new processes' slower first calls (the baseline,
      // warmed and moved with B, is what removes the rest of that gap).
      const calls = [...this.log.calls(Math.min(start + this.plan.analysis.settleMs, run.end), run.end)];
      const primary = calls.filter((c) => c.route === ROUTE.primary);
      const b = calls.filter((c) => c.route === ROUTE.versionB);
      const cmp =
        this.plan.baseline === undefined
          ? compareVersions(primary, b, this.plan.analysis)
          : compareVersions(
              calls.filter((c) => c.route === ROUTE.baseline),
              b,
              this.plan.analysis,
              primary,
            );
      run.comparison = cmp;
      this.router.event("canary-analysis", this.plan.from, `step ${i + 1}: ${cmp.verdict}: ${cmp.reason}`);
      if (cmp.verdict === "regressed" || (cmp.verdict === "inconclusive" && repeats >= this.plan.analysis.repeatInconclusive)) {
        run.decision = "rolled-back";
        this.outcome = "rolled-back";
        this.setShare(0);
        this.router.event(
          "rolled-back",
          this.plan.from,
          cmp.verdict === "regressed"
            ? `${this.plan.to} is worse: every call goes to ${this.plan.from} again`
            : `no evidence that ${this.plan.to} is not worse after ${repeats + 1} tries: back to ${this.plan.from}`,
        );
        return;
      }
      if (cmp.verdict === "inconclusive") {
        run.decision = "repeated";
        repeats++;
        continue;
      }
      run.decision = "next";
      repeats = 0;
      i++;
    }
  }

  /** Stops the timeline (the window ended) and says what happened, with each step's figures. */
  async finish(windowEnd: number, interrupted: boolean): Promise<SwitchResult> {
    this.stopped.abort();
    await this.done;
    const origin = this.origin;
    const side = (calls: LoggedCall[], from: number, to: number) => ({ ...segmentFigures(calls, from, to, origin), failed: calls.filter((c) => !c.ok).length });
    const steps: SwitchStep[] = this.steps.map((s) => {
      const end = Math.min(s.end ?? windowEnd, windowEnd);
      const calls = [...this.log.calls(s.start, end)];
      return {
        index: s.index,
        shareTo: s.share,
        startedMs: s.start - origin,
        endedMs: end - origin,
        from: side(
          calls.filter((c) => c.route === ROUTE.primary),
          s.start,
          end,
        ),
        to: side(
          calls.filter((c) => c.route === ROUTE.versionB),
          s.start,
          end,
        ),
        ...(this.plan.baseline !== undefined && {
          baseline: side(
            calls.filter((c) => c.route === ROUTE.baseline),
            s.start,
            end,
          ),
        }),
        ...(s.comparison && { comparison: s.comparison }),
        decision: s.decision ?? "interrupted",
      };
    });
    const switchStart = this.steps[0]?.start;
    const after = switchStart === undefined ? [] : [...this.log.calls(switchStart, windowEnd)];
    return {
      from: { server: this.plan.from, version: "" },
      to: { server: this.plan.to, version: "", standIn: null },
      baseline: this.plan.baseline === undefined ? null : { server: this.plan.baseline, version: "" },
      mode: this.mode,
      atMs: this.plan.atMs,
      steps,
      outcome: interrupted && this.outcome === "not-started" ? "interrupted" : this.outcome,
      failedCalls: after.filter((c) => !c.ok).length,
      calls: after.length,
    };
  }
}
