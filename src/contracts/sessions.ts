/**
 * Who a session belongs to: load agents are 0..agents-1; the auxiliary sessions the run opens for
 * itself have negative ids, so they never collide with a load agent (src/run/session-pool.ts).
 */
/** The fault experiment's recovery probe (src/faults/experiment.ts). */
export const PROBE_AGENT = -1;
/** The RPO writers (src/faults/writers.ts). */
export const WRITER_AGENT = -2;
/** The always-on availability probe (src/run/availability-probe.ts). */
export const AVAILABILITY_PROBE_AGENT = -3;
