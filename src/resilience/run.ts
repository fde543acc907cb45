/**
 * The agents' resilience for one measurement window: the router in front of the driver's calls, the
 * version switch's timeline, and at the end the results (what the agents got, the decisions, the
 * fallbacks' cost). src/run/run-scenario.ts makes one when the scenario has `resilience:` or `switch:`.
 */
import type { Scenario } from "../contracts/plan.js";
import type { CallSender } from "../contracts/workload-env.js";
import type { FaultResult, ResilienceResult, ResilientCallCounts, ServerInfo } from "../results/types.js";
import { ROUTE } from "./call-log.js";
import { DEFAULT_DEGRADATION_LIMIT, measureFallbacks, policyInfo } from "./measure.js";
import { ResilientCalls } from "./router.js";
import { SwitchController } from "./switch.js";

export class ResilienceRun {
  readonly calls: ResilientCalls;
  private readonly controller: SwitchController | undefined;
  private t0: number | undefined;

  constructor(
    private readonly scenario: Scenario,
    inner: CallSender,
  ) {
    this.calls = new ResilientCalls(
      inner,
      scenario.resilience,
      scenario.agents,
      scenario.seed,
      { windowStart: () => this.t0 },
      scenario.load.model === "closed",
    );
    const sw = scenario.versionSwitch;
    if (sw) {
      this.calls.watch(sw.from);
      this.calls.warmB = { from: sw.from, to: sw.to, baseline: sw.baseline };
      this.controller = new SwitchController(sw, this.calls, this.calls.logs.get(sw.from)!, scenario.agents, scenario.seed);
    }
  }

  /** The window opened at t0: the switch's timeline starts. */
  open(t0: number, signal: AbortSignal): void {
    this.t0 = t0;
    this.calls.signal = signal;
    this.controller?.start(t0, signal);
  }

  async finish(x: {
    windowStart: number;
    windowEnd: number;
    interrupted: boolean;
    faults: readonly FaultResult[];
    servers: readonly ServerInfo[];
    harnessDelayMs: number | undefined;
  }): Promise<ResilienceResult> {
    const s = this.scenario;
    const defs = new Map(s.servers.map((d) => [d.name, d]));
    const familyOf = (name: string) => defs.get(name)?.versionOf?.server ?? name;
    const kindOf =
      (primary: string) =>
      (fallback: string): "last-stable-version" | "alternative-server" =>
        familyOf(primary) === familyOf(fallback) ? "last-stable-version" : "alternative-server";
    const slo = s.slos.find((x) => x.metric.family === "degradation");
    const limit = slo?.threshold.value ?? DEFAULT_DEGRADATION_LIMIT;
    const calls: ResilientCallCounts[] = [...this.calls.logs].map(([server, log]) => {
      const c: ResilientCallCounts = { server, calls: 0, ok: 0, failed: 0, primary: 0, fallback: 0, degraded: 0, retried: 0, shortCircuited: 0 };
      for (const x1 of log.calls(x.windowStart, x.windowEnd)) {
        c.calls++;
        if (x1.ok) c.ok++;
        else c.failed++;
        if (x1.route === ROUTE.fallback) c.fallback++;
        else if (x1.route === ROUTE.degraded) {
          if (x1.ok) c.degraded++;
        } else c.primary++;
        if (x1.retried) c.retried++;
        if (x1.shortCircuited) c.shortCircuited++;
      }
      return c;
    });
    const fallbacks = s.resilience.flatMap((plan) => {
      const fb = plan.fallback;
      if (!fb) return [];
      return measureFallbacks({
        plan,
        kind: fb.kind === "degraded" ? "degraded" : kindOf(plan.server)(fb.server),
        log: this.calls.logs.get(plan.server)!,
        faults: x.faults,
        windowStart: x.windowStart,
        windowEnd: x.windowEnd,
        limit,
        harnessDelayMs: x.harnessDelayMs,
      });
    });
    const result: ResilienceResult = {
      policies: s.resilience.map((p) => policyInfo(p, kindOf(p.server))),
      calls,
      events: this.calls.events,
      eventsNotKept: this.calls.eventsNotKept,
      fallbacks,
    };
    if (this.controller && s.versionSwitch) {
      const sw = await this.controller.finish(x.windowEnd, x.interrupted);
      const version = (name: string) => x.servers.find((v) => v.name === name)?.version ?? "unknown";
      const toDef = defs.get(s.versionSwitch.to);
      sw.from.version = defs.get(s.versionSwitch.from)?.versionOf?.version ?? version(s.versionSwitch.from);
      sw.to.version = toDef?.versionOf?.version ?? version(s.versionSwitch.to);
      sw.to.standIn = toDef?.versionOf?.standIn?.says ?? null;
      if (sw.baseline) sw.baseline.version = defs.get(sw.baseline.server)?.versionOf?.version ?? version(sw.baseline.server);
      result.switch = sw;
    }
    return result;
  }
}
