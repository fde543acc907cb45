/**
 * The last run's mcp_slo_run_* gauges, scraped from the real exporter over HTTP and checked against
 * the run record figure by figure; the scrape passes `promtool check metrics`; a newer run replaces
 * every series of the older one; no run means no sample.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { everySectionRunRecord, sampleRunRecord } from "../../test/support/records.js";
import type { RunRecord } from "../results/types.js";
import { extractMetrics } from "../compare/metrics.js";
import { startMetricsExporter } from "./exporter.js";
import { McpMetrics } from "./metrics.js";
import { type LastRun, registerLastRunMetrics } from "./run-metrics.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format, samples only (comments skipped): enough for gauges. */
function parseExposition(text: string): Sample[] {
  return text
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
        labels[l[1]!] = l[2]!.replace(/\\"/g, '"').replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

function scenarioName(s: RunRecord["scenarios"][number]): string {
  return s.variant ? `${s.name}[${s.variant}]` : s.name;
}

async function scrapeWith(current: { run: LastRun | null }): Promise<{ scrape: () => Promise<string>; stop: () => Promise<void> }> {
  const metrics = new McpMetrics();
  registerLastRunMetrics(metrics.registry, async () => current.run);
  const exporter = await startMetricsExporter(metrics, { host: "127.0.0.1", port: 0, allowNonLoopback: false });
  return { scrape: async () => (await fetch(exporter.url)).text(), stop: () => exporter.stop() };
}

describe("mcp_slo_run_* on the exporter", () => {
  it("exports the last run's info, end time, every SLO's verdict, measured value and target, and its key figures, as the record says", async () => {
    const record = everySectionRunRecord();
    const current = { run: { record, metrics: extractMetrics(record) } as LastRun | null };
    const exporter = await scrapeWith(current);
    try {
      const text = await exporter.scrape();
      const samples = parseExposition(text);
      const of = (name: string) => samples.filter((s) => s.name === name);
      const find = (name: string, labels: Record<string, string>) => of(name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));

      expect(of("mcp_slo_run_info")).toEqual([
        {
          name: "mcp_slo_run_info",
          labels: {
            run_id: record.runId,
            profile: record.profile,
            provider: record.environment.stack?.provider ?? "",
            harness_version: record.harness.version,
            verdict: record.verdict,
          },
          value: 1,
        },
      ]);
      expect(of("mcp_slo_run_timestamp_seconds").map((s) => s.value)).toEqual([Date.parse(record.endedAt) / 1000]);

      let slos = 0;
      for (const s of record.scenarios) {
        for (const slo of s.slos) {
          slos++;
          const labels = { scenario: scenarioName(s), slo: slo.id, server: slo.scope.server ?? "", tool: slo.scope.tool ?? "" };
          const verdicts = find("mcp_slo_run_slo_verdict", labels);
          expect(verdicts, slo.id).toHaveLength(3);
          for (const v of verdicts) expect(v.value, `${slo.id} ${v.labels.verdict}`).toBe(v.labels.verdict === slo.verdict ? 1 : 0);
          const measured = find("mcp_slo_run_slo_measured", labels);
          if (slo.measured === null) expect(measured, slo.id).toEqual([]);
          else
            expect(
              measured.map((m) => [m.value, m.labels.unit]),
              slo.id,
            ).toEqual([[slo.measured, slo.unit]]);
        }
      }
      expect(of("mcp_slo_run_slo_verdict")).toHaveLength(3 * slos);
      // The objectives "p99 < 25 ms" and "cache hit ratio > 99 %" are the targets, in the SLO's unit.
      const coordination = record.scenarios.find((s) => s.name === "coordination-and-cache")!;
      expect(coordination.slos.map((s) => s.objective)).toEqual(expect.arrayContaining(["p99 < 25 ms", "cache hit ratio > 99 %"]));
      expect(find("mcp_slo_run_slo_target", { slo: "coordination.latency.p99", unit: "ms" }).map((s) => s.value)).toEqual([25]);
      expect(find("mcp_slo_run_slo_target", { slo: "cache.hit_ratio", unit: "ratio" }).map((s) => s.value)).toEqual([0.99]);

      // Key figures read straight from the record, not from the extraction under test.
      for (const s of record.scenarios) {
        for (const l of s.latency.filter((x) => x.outcome === "ok")) {
          const labels = { scenario: scenarioName(s), server: l.server, tool: l.tool, unit: "ms" };
          expect(
            find("mcp_slo_run_metric", { ...labels, metric: "latency.p50" }).map((x) => x.value),
            `${l.server}/${l.tool}`,
          ).toEqual([l.p50]);
          expect(
            find("mcp_slo_run_metric", { ...labels, metric: "latency.p99" }).map((x) => x.value),
            `${l.server}/${l.tool}`,
          ).toEqual([l.p99]);
        }
        // The scenario's throughput of ok calls (server and tool "*"): failed calls do not count as speed.
        if (s.load && s.calls) {
          const ok = s.calls.reduce((n, c) => n + c.ok, 0);
          expect(find("mcp_slo_run_metric", { scenario: scenarioName(s), metric: "throughput", server: "*", tool: "*" }).map((x) => x.value)).toEqual([
            (ok * 1000) / s.load.measuredMs,
          ]);
        }
        for (const r of s.rpo ?? [])
          expect(find("mcp_slo_run_metric", { scenario: scenarioName(s), metric: "lost_writes", server: r.store }).map((x) => x.value)).toEqual([r.lost]);
      }
      expect(find("mcp_slo_run_metric", { metric: "cache_hit_ratio" }).map((x) => x.value)).toEqual([coordination.cache!.client.ratio]);
      expect(find("mcp_slo_run_metric", { metric: "coordination_latency.p99" }).map((x) => x.value)).toEqual([coordination.coordination!.p99]);
      expect(find("mcp_slo_run_metric", { metric: "rto" }).length).toBeGreaterThan(0);

      // Prometheus's own linter accepts the exposition (promtool reads it on stdin; exit 0, no problem printed).
      const lint = execFileSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30_000 });
      expect(lint).toBe("");
    } finally {
      await exporter.stop();
    }
  });

  it("a newer run replaces every series of the older one; no run, no sample", async () => {
    const first = everySectionRunRecord();
    const current = { run: { record: first, metrics: extractMetrics(first) } as LastRun | null };
    const exporter = await scrapeWith(current);
    try {
      const before = parseExposition(await exporter.scrape());
      expect(before.some((s) => s.labels.scenario === "redis-durability[redis.persistence=none]")).toBe(true);
      const second = sampleRunRecord({ runId: "2025-11-23T03-30-00Z-beef" });
      current.run = { record: second, metrics: extractMetrics(second) };
      // Past the one-second reuse of a read.
      await new Promise((r) => setTimeout(r, 1100));
      const after = parseExposition(await exporter.scrape()).filter((s) => s.name.startsWith("mcp_slo_run_"));
      expect(after.find((s) => s.name === "mcp_slo_run_info")?.labels.run_id).toBe("2025-11-23T03-30-00Z-beef");
      const scenarios = new Set(second.scenarios.map(scenarioName));
      for (const s of after.filter((x) => x.labels.scenario !== undefined)) expect(scenarios.has(s.labels.scenario!), s.labels.scenario).toBe(true);
      current.run = null;
      await new Promise((r) => setTimeout(r, 1100));
      expect(parseExposition(await exporter.scrape()).filter((s) => s.name.startsWith("mcp_slo_run_"))).toEqual([]);
    } finally {
      await exporter.stop();
    }
  });
});
