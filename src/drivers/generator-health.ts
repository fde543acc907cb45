/**
 * The load generator's health, one piece for every driver: what a phase offered and sent, how
 * busy the generator was (its CPU share, the harness's event-loop delay), and whether the
 * generator, not the server, set the pace of a window (../shared/measurement.md): late or dropped
 * sends above 1 % of the offered arrivals, or the harness's CPU saturated. Then a missed
 * throughput is not the server's fault and the verdict is inconclusive.
 */
import type { ThreadHealth } from "../results/types.js";
import { CLOCK_TICKS, procStat } from "../util/proc-stat.js";
import { startLoopDelayMonitor } from "./loop-delay.js";

/** Late (and, where they count, dropped) sends above this share of the offered load. */
export const GENERATOR_SLACK = 0.01;
/** Share of one core at which the harness itself is the bottleneck. */
export const GENERATOR_CPU_SATURATED = 0.95;

export interface GeneratorHealth {
  offered: number;
  lateSends: number;
  dropped: number;
  cpu: number;
  eventLoopDelayP99Ms: number;
  /**
   * A generator of several threads (the threads driver): each thread's own health, judged on its own
   * (one saturated thread limits the load of its agents however idle the others are). The totals
   * above are then the sums, and cpu and the delay the worst thread's.
   */
  threads?: ThreadHealth[];
}

/** What a driver reports of one phase (warm-up or measurement window). */
export interface PhaseStats extends GeneratorHealth {
  completed: number;
  elapsedMs: number;
}

export function emptyPhaseStats(): PhaseStats {
  return { offered: 0, completed: 0, lateSends: 0, dropped: 0, elapsedMs: 0, cpu: 0, eventLoopDelayP99Ms: 0 };
}

/** How busy the generator was over a phase: its share of one core and the harness's event-loop delay p99. */
export interface GeneratorLoad {
  cpu: number;
  eventLoopDelayP99Ms: number;
}

/**
 * The harness's own process generates the load (the sdk and autocannon drivers): its event-loop
 * delay, and its CPU time over `elapsedMs` (the phase's load, not the drain after it).
 */
export function watchHarness(): { stop(elapsedMs: number): GeneratorLoad } {
  const eld = startLoopDelayMonitor();
  const cpu0 = process.cpuUsage();
  return {
    stop(elapsedMs) {
      const eventLoopDelayP99Ms = eld.stop();
      const used = process.cpuUsage(cpu0);
      return { cpu: (used.user + used.system) / 1000 / Math.max(1, elapsedMs), eventLoopDelayP99Ms };
    },
  };
}

const CPU_SAMPLE_MS = 250;

/**
 * Another process generates the load (k6): its CPU time, sampled from /proc while it runs (a gone
 * process has none to read), as a share of one core over its whole life from here; the harness's
 * event loop is not its clock (0).
 */
export function watchProcess(pid: number): { stop(): GeneratorLoad } {
  const startedAt = performance.now();
  let seconds = 0;
  const sample = () => {
    const stat = procStat(pid);
    const ticks = stat === undefined ? Number.NaN : stat.utimeTicks + stat.stimeTicks;
    if (Number.isFinite(ticks)) seconds = ticks / CLOCK_TICKS;
  };
  const timer = setInterval(sample, CPU_SAMPLE_MS);
  let result: GeneratorLoad | undefined;
  return {
    stop() {
      if (result === undefined) {
        clearInterval(timer);
        result = { cpu: seconds / Math.max(0.001, (performance.now() - startedAt) / 1000), eventLoopDelayP99Ms: 0 };
      }
      return result;
    },
  };
}

/**
 * Why the generator was the limit, or undefined when it kept up. A capacity
 * search passes `droppedIsBacklog: true`: there an arrival dropped because
 * `maxInFlight` calls were unanswered is the server's backlog, not the
 * generator's weakness, so only late sends count.
 */
export function generatorLimit(g: GeneratorHealth | undefined, opts: { droppedIsBacklog: boolean }): string | undefined {
  if (!g) return undefined;
  for (const t of g.threads ?? []) {
    const why = generatorLimit({ ...t, threads: undefined }, opts);
    if (why !== undefined) return `load thread ${t.thread} (${t.agents} agent${t.agents === 1 ? "" : "s"}): ${why}`;
  }
  const counted = opts.droppedIsBacklog ? g.lateSends : g.lateSends + g.dropped;
  if (g.offered > 0 && counted / g.offered > GENERATOR_SLACK) {
    const share = ((counted / g.offered) * 100).toFixed(1);
    return opts.droppedIsBacklog
      ? `${g.lateSends} of ${g.offered} arrivals sent more than 10 ms late (${share} %, event-loop delay p99 ${g.eventLoopDelayP99Ms.toFixed(1)} ms)`
      : `${g.lateSends} late and ${g.dropped} dropped sends out of ${g.offered} (${share} %)`;
  }
  return g.cpu >= GENERATOR_CPU_SATURATED ? `the harness used ${(g.cpu * 100).toFixed(0)} % of a core` : undefined;
}
