/**
 * The always-on availability probe (../shared/measurement.md, "Availability and
 * success rate"): per server, its own MCP session and one call with a deadline
 * every interval through the measurement window, like the RTO probe of
 * src/faults/experiment.ts. It sees the server independently of the load: a
 * workload that stops calling a server, or calls it rarely, cannot hide an
 * outage from it. Its figure is ok probes / probes sent in the window.
 *
 * The call: the catalog's probe for the server, else the workload's first call
 * to it (its argument templates filled as for an agent), else MCP `ping`. The
 * cache of a cache-aside workload is probed with `ping`: any call through it
 * would move the Redis counters the hit ratio is checked against. A
 * server the fault experiment already probes is left to that probe (its points
 * are counted instead), so no server gets two probes.
 *
 * Only counts are kept (bounded memory); each probe has its own deadline, so a
 * slow one never holds back the next; stop() waits (bounded by that deadline)
 * for the probes still in flight, so every probe sent in the window counts.
 */
import type { Scenario } from "../contracts/plan.js";
import type { ProbeSeries } from "../results/types.js";
import type { ProbeCount } from "../window/measurements.js";
import { seededRng } from "../util/random.js";
import { sleep } from "../util/sleep.js";
import { compileTemplate } from "../util/template.js";
import { AVAILABILITY_PROBE_AGENT } from "../contracts/sessions.js";
import type { SessionPool } from "./session-pool.js";

interface Target {
  server: string;
  tool: string;
  /** Arguments of the n-th probe; undefined for MCP ping. */
  args: ((n: number) => Record<string, unknown>) | undefined;
  sent: number;
  probes: number;
  ok: number;
}

/** The probe call for each server: catalog probe, else the workload's first call to it, else ping. */
export function probeCalls(
  s: Scenario,
  env: { runId: string; sandbox: string },
): Map<string, { tool: string; args: ((n: number) => Record<string, unknown>) | undefined }> {
  const out = new Map<string, { tool: string; args: ((n: number) => Record<string, unknown>) | undefined }>();
  const mix = s.workload.calls ?? [];
  for (const def of s.servers) {
    if (s.workload.pingOnly.includes(def.name)) {
      out.set(def.name, { tool: "ping", args: undefined });
      continue;
    }
    if (def.probe) {
      const args = def.probe.args;
      out.set(def.name, { tool: def.probe.tool, args: () => args });
      continue;
    }
    // A tool call: the probe calls a tool (a step of another method, issue 19, is not one).
    const first = mix.find((c) => c.server === def.name && c.method === undefined);
    if (first) {
      const problems: string[] = [];
      const compiled = compileTemplate(first.args, problems);
      // The scenario loader checked these templates already; a problem here means ping instead.
      if (problems.length === 0) {
        const rng = seededRng(s.seed * 7919 + 3);
        out.set(def.name, {
          tool: first.tool,
          args: (n) => compiled({ agent: AVAILABILITY_PROBE_AGENT, seq: n, runId: env.runId, rng, sandbox: env.sandbox }) as Record<string, unknown>,
        });
        continue;
      }
    }
    out.set(def.name, { tool: "ping", args: undefined });
  }
  return out;
}

export class AvailabilityProbe {
  private readonly targets: Target[] = [];
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly options: {
      scenario: Scenario;
      pool: SessionPool;
      runId: string;
      sandbox: string;
      intervalMs: number;
      timeoutMs: number;
      /** Servers the fault experiment's probe already watches. */
      probedElsewhere: ReadonlySet<string>;
    },
  ) {
    for (const [server, call] of probeCalls(options.scenario, options)) {
      if (!options.probedElsewhere.has(server)) this.targets.push({ server, tool: call.tool, args: call.args, sent: 0, probes: 0, ok: 0 });
    }
  }

  /** Opens the probe's own session to every server it probes, before the window. */
  async prepare(): Promise<void> {
    for (const t of this.targets)
      await this.options.pool.startAuxiliary(this.options.scenario.servers.find((d) => d.name === t.server)!, AVAILABILITY_PROBE_AGENT);
  }

  start(): void {
    // Bounded: stopped by stop(); never longer than the planned window plus an hour.
    const hardStop = performance.now() + (this.options.scenario.durationMs ?? 0) + 3_600_000;
    this.loops = this.targets.map(async (t) => {
      for (let next = performance.now(); !this.stopping.signal.aborted && performance.now() < hardStop; next += this.options.intervalMs) {
        await sleep(next - performance.now(), this.stopping.signal);
        if (this.stopping.signal.aborted) break;
        const p = this.probe(t, t.sent++);
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      }
    });
  }

  private async probe(t: Target, n: number): Promise<void> {
    // The live session: a supervisor may have replaced a dead one.
    const session = this.options.pool.session(t.server, AVAILABILITY_PROBE_AGENT);
    let ok = false;
    try {
      if (session) {
        if (t.args === undefined) {
          await session.client.ping({ timeout: this.options.timeoutMs });
          ok = true;
        } else {
          const r = await session.client.callTool({ name: t.tool, arguments: t.args(n) }, undefined, { timeout: this.options.timeoutMs });
          ok = r.isError !== true;
        }
      }
    } catch {
      ok = false;
    }
    t.probes++;
    if (ok) t.ok++;
  }

  /** Sends no more probes and waits for those in flight (each ends by its deadline). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops);
    await Promise.allSettled([...this.inFlight]);
  }

  counts(): ProbeCount[] {
    return this.targets.map((t) => ({
      server: t.server,
      tool: t.tool,
      intervalMs: this.options.intervalMs,
      timeoutMs: this.options.timeoutMs,
      probes: t.probes,
      ok: t.ok,
      source: "availability-probe",
    }));
  }
}

/** The fault experiment's probe, counted like the availability probe over the measurement window [0, windowMs]. */
export function faultProbeCount(series: ProbeSeries, windowMs: number): ProbeCount {
  const inWindow = series.points.filter((p) => p.t >= 0 && p.t <= windowMs);
  return {
    server: series.server,
    tool: series.tool,
    intervalMs: series.intervalMs,
    timeoutMs: series.timeoutMs,
    probes: inWindow.length,
    ok: inWindow.filter((p) => p.ok).length,
    source: "fault-probe",
  };
}
