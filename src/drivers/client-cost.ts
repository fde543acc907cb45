/**
 * The harness's own cost per call (issue 16): the sdk driver's per-call path (CallContext.call: the
 * Recorder, the message meter, the SDK Client and the session's transport) timed against the null
 * endpoint (src/stack/null-endpoint.ts), one call at a time. Every latency sample the driver records
 * against a real server carries this much of the client in it; the figure is an upper bound of that
 * share, since it also holds the loopback hop and the null endpoint's own (tiny) answer time.
 */
import { maxMs, percentileMs } from "../metrics/histogram.js";
import type { ClientCost } from "../results/types.js";
import { Recorder } from "../metrics/recorder.js";
import { NULL_ENDPOINT, NULL_TOOL, startNullSession } from "../stack/null-endpoint.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { CallContext } from "./sdk-driver.js";

export type { ClientCost };

/** Calls before anything counts: the JIT, the connection pool and the session warm up. */
const WARMUP_CALLS = 200;
/** Enough for a p99 from ten samples above it; a run pays about a second per transport for it. */
export const CLIENT_COST_CALLS = 1000;

/**
 * Times `calls` sequential calls of the harness's per-call path to a fresh null endpoint over
 * `transport`. The endpoint and its session are gone when it returns; its working directory is one of the
 * registry's temp dirs, removed with the run.
 */
export async function measureClientCost(opts: {
  transport: "stdio" | "http";
  registry: ResourceRegistry;
  calls?: number;
  signal?: AbortSignal;
}): Promise<ClientCost> {
  const calls = opts.calls ?? CLIENT_COST_CALLS;
  // The run's own temp dir: removed with the run, also on SIGINT or a crash (the registry's marker names it).
  const workdir = await opts.registry.makeTempDir("null-endpoint");
  const nul = await startNullSession({
    transport: opts.transport,
    registry: opts.registry,
    workdir,
    timeoutMs: 15_000,
    ...(opts.signal && { signal: opts.signal }),
  });
  try {
    const server = NULL_ENDPOINT.name;
    const recorder = new Recorder({ plannedMeasureMs: undefined, warmupMs: 0, now: performance.now() });
    const context = new CallContext(recorder, [{ id: 0, sessions: new Map([[server, nul.session]]) }], 5000);
    const args = { message: "client cost" };
    context.phase = "warmup";
    for (let i = 0; i < WARMUP_CALLS && !opts.signal?.aborted; i++) await context.call(0, server, NULL_TOOL, args);
    context.phase = "measure";
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < calls && !opts.signal?.aborted; i++) await context.call(0, server, NULL_TOOL, args);
    const cpu = process.cpuUsage(cpu0);
    const failed = recorder.count({}, ["error", "timeout"]);
    if (failed > 0)
      throw new Error(`${failed} of ${calls} calls to the null endpoint (${opts.transport}) failed: ${recorder.errorSummaries()[0]?.message ?? "?"}`);
    const h = recorder.select({}, ["ok"]);
    return {
      transport: opts.transport,
      calls: h.totalCount,
      p50Ms: percentileMs(h, 50),
      p90Ms: percentileMs(h, 90),
      p99Ms: percentileMs(h, 99),
      maxMs: maxMs(h),
      cpuUsPerCall: (cpu.user + cpu.system) / Math.max(1, h.totalCount),
    };
  } finally {
    await nul.stop();
  }
}
