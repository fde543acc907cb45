import type { CallContext, Operation } from "../drivers/sdk-driver.js";
import type { CacheSummary, CoordinationSummary } from "../results/types.js";
import type { Histogram } from "../metrics/histogram.js";

/** A workload turned into something the driver can schedule. */
export interface PreparedWorkload {
  /** Independent loops (closed model) or round-robin targets (open model). */
  workers: number;
  operation: Operation;
  /** Called with no operation in flight, right before and right after the measurement window. */
  beforeMeasure?(): Promise<void>;
  afterMeasure?(): Promise<void>;
  coordination?(): { summary: CoordinationSummary; histogram: Histogram };
  cache?(): CacheSummary;
}

export interface WorkloadEnv {
  calls: CallContext;
  runId: string;
  seed: number;
  agents: number;
  sandbox: string;
  /** INFO of the Redis behind the cache, for the server-side hit count. */
  redisInfo?: (section: string) => Promise<Record<string, string>>;
}
