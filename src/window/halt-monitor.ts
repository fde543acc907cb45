/**
 * Halt on burn, live: while the measurement window runs, every SLO of the scenario with a halt
 * condition (scenario `slos[].halt`) has its error-budget burn rate computed every `every` over the
 * last `window` (src/slo/burn-rate.ts), from the recorder's samples as they land (Recorder.watch)
 * and, for a latency SLO, the calls still in flight past its threshold (Recorder.openCalls). An SLO scoped to every
 * server ("*") is watched per server, as it is judged. The first condition that holds for its grace
 * trips: the monitor stops and calls `onTrip` once; the caller stops the load and heals the faults.
 *
 * Bounded: one timer per distinct `every`, stopped with the window; each tracker keeps at most 21
 * buckets; an evaluation walks the calls in flight, which the load model bounds.
 */
import type { HaltPlan, ResolvedSlo } from "../contracts/plan.js";
import type { LiveEvent, Recorder } from "../metrics/recorder.js";
import type { HaltWatch } from "../results/types.js";
import { badAfterMs, BurnTracker, haltRule, type BurnReading } from "../slo/burn-rate.js";

type Scope = { server?: string; tool?: string };

interface Target {
  slo: ResolvedSlo;
  /** The verdict's id: the SLO's, with "@server" when its scope is "*" (src/slo/evaluate.ts). */
  id: string;
  title: string;
  scope: Scope;
  plan: HaltPlan;
  budget: number;
  tracker: BurnTracker;
  /** How long a call may be in flight before it is known to be bad; undefined: only its recorded outcome says. */
  badAfterMs: number | undefined;
  evaluations: number;
  max: BurnReading | undefined;
}

/** The condition that tripped, and the reading that tripped it (times on performance.now()). */
export interface HaltTrip {
  sloId: string;
  title: string;
  scope: Scope;
  plan: HaltPlan;
  budget: number;
  reading: BurnReading & { burnRate: number; overSince: number };
  /** The window's start, on performance.now(). */
  t0: number;
}

function inScope(scope: Scope, server: string, tool: string): boolean {
  return (scope.server === undefined || scope.server === server) && (scope.tool === undefined || scope.tool === tool);
}

export class HaltMonitor {
  private readonly targets: Target[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private unwatch: (() => void) | undefined;
  private t0: number | undefined;
  private trip: HaltTrip | undefined;
  private readonly now: () => number;

  constructor(
    private readonly opts: {
      slos: readonly ResolvedSlo[];
      /** The scenario's servers: a "*" scope is watched per server. */
      servers: readonly string[];
      recorder: Recorder;
      /** Called once, at the trip. */
      onTrip: (trip: HaltTrip) => void;
      /** The clock the recorder's times are on (performance.now(); a fake one in tests). */
      now?: () => number;
    },
  ) {
    this.now = opts.now ?? (() => performance.now());
    for (const slo of opts.slos) {
      if (!slo.halt) continue;
      const found = haltRule(slo.metric, slo.threshold);
      // The scenario's checks refuse such a halt (src/config/halt-checks.ts): a plan that still has one is a bug.
      if ("problem" in found) throw new Error(`halt on SLO "${slo.id}": ${found.problem}`);
      const perServer = slo.scope.server === "*";
      const scopes: Scope[] = perServer ? opts.servers.map((server) => ({ ...slo.scope, server })) : [slo.scope];
      for (const scope of scopes)
        this.targets.push({
          slo,
          id: perServer ? `${slo.id}@${scope.server}` : slo.id,
          title: perServer ? `${slo.title}: ${scope.server}` : slo.title,
          scope,
          plan: slo.halt,
          budget: found.rule.budget,
          tracker: new BurnTracker(slo.halt, found.rule),
          badAfterMs: badAfterMs(found.rule),
          evaluations: 0,
          max: undefined,
        });
    }
  }

  /** Some SLO of the scenario has a halt condition. */
  get armed(): boolean {
    return this.targets.length > 0;
  }

  /** The trip, once it happened. */
  get tripped(): HaltTrip | undefined {
    return this.trip;
  }

  /** Starts watching at `t0`, the window's start: the first evaluation comes one `every` later. */
  start(t0: number): void {
    if (!this.armed || this.t0 !== undefined) return;
    this.t0 = t0;
    this.unwatch = this.opts.recorder.watch((e) => this.hear(e));
    const byEvery = new Map<number, Target[]>();
    for (const t of this.targets) byEvery.set(t.plan.everyMs, [...(byEvery.get(t.plan.everyMs) ?? []), t]);
    for (const [everyMs, targets] of byEvery) this.timers.push(setInterval(() => this.evaluate(targets), everyMs));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private hear(e: LiveEvent): void {
    for (const t of this.targets) if (inScope(t.scope, e.server, e.tool)) t.tracker.add(e.at, e);
  }

  /** One evaluation of `targets` now (the timer's; tests call it through their fake clock's timers). */
  private evaluate(targets: readonly Target[]): void {
    if (this.trip) return;
    const now = this.now();
    for (const t of targets) {
      let inFlight = 0;
      if (t.badAfterMs !== undefined)
        for (const c of this.opts.recorder.openCalls()) if (inScope(t.scope, c.server, c.tool) && now - c.startedAt >= t.badAfterMs) inFlight++;
      const r = t.tracker.evaluate(now, inFlight);
      t.evaluations++;
      if (r.burnRate !== null && r.samples >= t.plan.minSamples && (t.max?.burnRate ?? -1) < r.burnRate) t.max = r;
      if (r.trips && r.burnRate !== null && r.overSince !== undefined) {
        this.trip = {
          sloId: t.id,
          title: t.title,
          scope: t.scope,
          plan: t.plan,
          budget: t.budget,
          reading: { ...r, burnRate: r.burnRate, overSince: r.overSince },
          t0: this.t0!,
        };
        this.stop();
        this.opts.onTrip(this.trip);
        return;
      }
    }
  }

  /** What each watched condition saw, for the results: evaluations and the highest burn rate with enough samples. */
  watched(): HaltWatch[] {
    const t0 = this.t0 ?? 0;
    return this.targets.map((t) => ({
      slo: t.id,
      condition: haltCondition(t.plan),
      budget: t.budget,
      evaluations: t.evaluations,
      maxBurnRate: t.max?.burnRate ?? null,
      maxBurnRateAtMs: t.max ? t.max.at - t0 : null,
      maxBurnRateSamples: t.max?.samples ?? null,
      tripped: this.trip?.sloId === t.id,
    }));
  }
}

/** A halt condition as results.json says it. */
export function haltCondition(p: HaltPlan): HaltWatch["condition"] {
  return { burnRate: p.burnRate, windowMs: p.windowMs, minSamples: p.minSamples, graceMs: p.graceMs, everyMs: p.everyMs };
}
