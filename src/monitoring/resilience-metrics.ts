/**
 * A fallback's measurements as Prometheus samples, for a run's exporter (--metrics-port) when the
 * scenario ends (../shared/measurement.md, "Fallback degradation"):
 *   mcp_fallback_failover_seconds{mcp_name,fallback}: fault injected to the first call the fallback
 *     answered ok; fallback is the fallback server, or "degraded" for degraded mode;
 *   mcp_fallback_degradation_ratio{mcp_name,figure}: figure "latency" (fallback p50 / baseline p50 - 1)
 *     and "throughput" (1 - fallback ok/s / baseline ok/s); positive is worse, 0.05 is the design
 *     module's "< 5 %" (line 488). The verdict, which allows for noise, is the SLO's (mcp_slo_verdict).
 * No sample where the record has no value (never failed over, a side with no call): an absent series
 * is honest, a 0 would not be. A server with two fallbacks in one scenario (two faults) shows the last.
 * Labelled mcp_name like every other series of this exporter, so dashboards join them.
 */
import type { FallbackMeasurement } from "../results/types.js";

export interface FallbackSamples {
  failover: { labels: { mcp_name: string; fallback: string }; value: number }[];
  degradation: { labels: { mcp_name: string; figure: "latency" | "throughput" }; value: number }[];
}

export function fallbackSamples(fallbacks: readonly FallbackMeasurement[]): FallbackSamples {
  const out: FallbackSamples = { failover: [], degradation: [] };
  for (const f of fallbacks) {
    const mcp_name = f.server;
    if (f.timeToFailOverMs !== null) out.failover.push({ labels: { mcp_name, fallback: f.fallbackServer ?? "degraded" }, value: f.timeToFailOverMs / 1000 });
    for (const figure of ["latency", "throughput"] as const) {
      const relative = f[figure].relative;
      if (relative !== null) out.degradation.push({ labels: { mcp_name, figure }, value: relative });
    }
  }
  return out;
}

export const FALLBACK_FAILOVER_HELP =
  "Time to fail over of the agents' last fallback per server and fallback (the fallback server, or degraded): fault injected to the first call the fallback answered ok; no sample when it never did";
export const FALLBACK_DEGRADATION_HELP =
  "Degradation during the agents' last fallback per server: figure latency = fallback p50 / baseline p50 - 1, throughput = 1 - fallback ok/s / baseline ok/s (positive is worse; the design module's target is < 0.05, judged allowing for noise in mcp_slo_verdict)";
