/**
 * Whether the load generator, not the server, set the pace of a window
 * (../shared/measurement.md): late or dropped sends above 1 % of the offered
 * arrivals, or the harness's CPU saturated. Then a missed throughput is not
 * the server's fault and the verdict is inconclusive.
 */

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
}

/**
 * Why the generator was the limit, or undefined when it kept up. A capacity
 * search passes `droppedIsBacklog: true`: there an arrival dropped because
 * `maxInFlight` calls were unanswered is the server's backlog, not the
 * generator's weakness, so only late sends count.
 */
export function generatorLimit(g: GeneratorHealth | undefined, opts: { droppedIsBacklog: boolean }): string | undefined {
  if (!g) return undefined;
  const counted = opts.droppedIsBacklog ? g.lateSends : g.lateSends + g.dropped;
  if (g.offered > 0 && counted / g.offered > GENERATOR_SLACK) {
    const share = ((counted / g.offered) * 100).toFixed(1);
    return opts.droppedIsBacklog
      ? `${g.lateSends} of ${g.offered} arrivals sent more than 10 ms late (${share} %, event-loop delay p99 ${g.eventLoopDelayP99Ms.toFixed(1)} ms)`
      : `${g.lateSends} late and ${g.dropped} dropped sends out of ${g.offered} (${share} %)`;
  }
  return g.cpu >= GENERATOR_CPU_SATURATED ? `the harness used ${(g.cpu * 100).toFixed(0)} % of a core` : undefined;
}
