/**
 * The last run's verdicts and key figures as Prometheus gauges (`mcp_slo_run_*`), so a team's
 * existing Grafana, scraping the monitor, draws the same trend as trend.html night after night.
 *
 * Read at scrape time from a source the caller gives (the monitor: the newest run), so a run that
 * finishes while the monitor is up shows at the next scrape; each scrape replaces every series, so
 * a scenario or SLO no longer run disappears instead of lingering with an old value. No run yet:
 * no sample at all (an absent series is honest, a 0 would not be).
 *
 * Verdicts are one gauge per verdict label (1 for the verdict the SLO got, 0 for the others), as
 * the monitor's mcp_slo_verdict and kube-state-metrics' phase gauges do: Grafana's state timeline
 * and `sum by (verdict)` work on it directly, and no reader has to learn a 1/0/-1 code.
 * Values are in the record's units (ms, ratio, ops/s, count, s), named by the `unit` label: they are
 * the figures the report shows, so a panel and the report read alike.
 */
import { Gauge, type Registry } from "prom-client";
import type { MetricValue } from "../compare/types.js";
import type { RunRecord } from "../results/types.js";

export interface LastRun {
  record: RunRecord;
  /** Its figures keyed across runs (SLOs and measured metrics). */
  metrics: MetricValue[];
}

/** How long one read of the source serves a scrape: the gauges of one scrape share one read. */
const READ_REUSE_MS = 1000;

export function registerLastRunMetrics(registry: Registry, source: () => Promise<LastRun | null>, onError: (err: unknown) => void = () => {}): void {
  const registers = [registry];
  let cached: { at: number; value: Promise<LastRun | null> } | undefined;
  const read = (): Promise<LastRun | null> => {
    const now = Date.now();
    if (cached === undefined || now - cached.at > READ_REUSE_MS) {
      cached = {
        at: now,
        // A record that cannot be read is reported once per read and exported as no run: a scrape never fails over it.
        value: source().catch((err: unknown) => {
          onError(err);
          return null;
        }),
      };
    }
    return cached.value;
  };
  const scope = (m: MetricValue) => ({ scenario: m.scenario, server: m.server ?? "", tool: m.tool ?? "" });
  const sloId = (m: MetricValue) => m.key.slice(m.key.indexOf("|slo|") + 5);

  new Gauge({
    name: "mcp_slo_run_info",
    help: "The last run of the harness: 1, labelled with its id, profile, provider, harness version and overall verdict",
    labelNames: ["run_id", "profile", "provider", "harness_version", "verdict"],
    registers,
    async collect() {
      this.reset();
      const last = await read();
      if (last === null) return;
      const r = last.record;
      this.set(
        { run_id: r.runId, profile: r.profile, provider: r.environment.stack?.provider ?? "", harness_version: r.harness.version, verdict: r.verdict },
        1,
      );
    },
  });
  new Gauge({
    name: "mcp_slo_run_timestamp_seconds",
    help: "When the last run ended (unix seconds); time() minus this says how stale the other mcp_slo_run_* series are",
    // A gauge without labels shows 0 after reset(); labelled by the run, no run means no sample.
    labelNames: ["run_id"],
    registers,
    async collect() {
      this.reset();
      const last = await read();
      if (last !== null) this.set({ run_id: last.record.runId }, Date.parse(last.record.endedAt) / 1000);
    },
  });
  new Gauge({
    name: "mcp_slo_run_slo_verdict",
    help: "Verdict of each SLO in the last run: 1 for the verdict it got (pass, fail, inconclusive), 0 for the others",
    labelNames: ["scenario", "slo", "server", "tool", "verdict"],
    registers,
    async collect() {
      this.reset();
      const last = await read();
      for (const m of last?.metrics ?? []) {
        if (m.source !== "slo" || m.verdict === undefined) continue;
        for (const v of ["pass", "fail", "inconclusive"] as const) this.set({ ...scope(m), slo: sloId(m), verdict: v }, m.verdict === v ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "mcp_slo_run_slo_measured",
    help: "Measured value of each SLO in the last run, in the unit the label names (absent when nothing was measured)",
    labelNames: ["scenario", "slo", "server", "tool", "unit"],
    registers,
    async collect() {
      this.reset();
      const last = await read();
      for (const m of last?.metrics ?? []) if (m.source === "slo" && m.value !== null) this.set({ ...scope(m), slo: sloId(m), unit: m.unit }, m.value);
    },
  });
  new Gauge({
    name: "mcp_slo_run_slo_target",
    help: "Target of each SLO in the last run, in the unit the label names (for a threshold line next to mcp_slo_run_slo_measured)",
    labelNames: ["scenario", "slo", "server", "tool", "unit"],
    registers,
    async collect() {
      this.reset();
      const last = await read();
      for (const m of last?.metrics ?? []) if (m.source === "slo" && m.target !== undefined) this.set({ ...scope(m), slo: sloId(m), unit: m.unit }, m.target);
    },
  });
  new Gauge({
    name: "mcp_slo_run_metric",
    help: "Key figures of the last run per scenario (latency.p50/p99 per server and tool, throughput, success_rate, availability, coordination_latency, cache_hit_ratio, rto, lost_writes), in the unit the label names",
    labelNames: ["scenario", "metric", "server", "tool", "unit"],
    registers,
    async collect() {
      this.reset();
      const last = await read();
      for (const m of last?.metrics ?? []) if (m.source === "metric" && m.value !== null) this.set({ ...scope(m), metric: m.metric, unit: m.unit }, m.value);
    },
  });
}
