/**
 * The design module's security metrics as a real Prometheus sees them (Debian's package, on a free
 * loopback port): one exporter as a run serves it (a scan scenario recorded when it ends), one as the
 * monitor serves it (the newest scan of a directory history, read at each scrape, a later run
 * without a scan in front of it). PromQL over the HTTP API returns the samples the scan gives, and
 * no sample where nothing was measured; `promtool check metrics` accepts the exposition.
 */
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { historyRun } from "../../test/support/history-records.js";
import { securityRunRecord, securityScan, securityScenario } from "../../test/support/security-records.js";
import { DirectoryHistory } from "../history/directory-history.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { startPrometheus } from "../testing/prometheus.js";
import { lastScanReader } from "../trend/load-input.js";
import { waitFor } from "../util/wait-for.js";
import { startMetricsExporter } from "./exporter.js";
import { McpMetrics } from "./metrics.js";

const registry = new ResourceRegistry({ runId: `test-security-metrics-${process.pid}` });
afterAll(async () => {
  await registry.disposeAll();
});

interface PromVector {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe("mcp_security_validation_score and mcp_vulnerability_count scraped by a real Prometheus", () => {
  it("serves a scan's scores and advisory counts from a run's exporter and from the monitor's history, as the record says", async () => {
    // As a run with --metrics-port: the scan scenario's result is recorded when it ends.
    const runMetrics = new McpMetrics();
    runMetrics.recordVerdicts(securityScenario());
    // As the monitor: the history's newest run that holds a scan (a load run came after it).
    const reports = await registry.makeTempDir("security-history");
    const history = new DirectoryHistory(reports, { warn: () => {} });
    const scanRun = { ...securityRunRecord(), runId: "2025-11-22T03-30-00Z-5ca1", startedAt: "2025-11-22T03:30:00.000Z" };
    await history.add(scanRun);
    await history.add(historyRun({ runId: "2025-11-22T05-00-00Z-10ad", startedAt: "2025-11-22T05:00:00.000Z" }));
    const monitorMetrics = new McpMetrics({ securityScans: lastScanReader(reports, reports) });

    const runExporter = await startMetricsExporter(runMetrics, { host: "127.0.0.1", port: 0, allowNonLoopback: false });
    const monitorExporter = await startMetricsExporter(monitorMetrics, { host: "127.0.0.1", port: 0, allowNonLoopback: false });
    try {
      for (const url of [runExporter.url, monitorExporter.url]) {
        const text = await (await fetch(url)).text();
        // promtool's linter objects to one thing only: the "_count" suffix of the design module's own
        // name (lines 319-326), which dashboards written against the module look for, so it stays.
        const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30_000 });
        const problems = `${lint.stdout}${lint.stderr}`.split("\n").filter((l) => l.trim() !== "");
        expect(problems, url).toEqual(['mcp_vulnerability_count non-histogram and non-summary metrics should not have "_count" suffix']);
        expect(text).toMatch(/^mcp_vulnerability_count\{/m);
      }
      const target = (u: string) => new URL(u).host;
      const prometheus = await startPrometheus({
        registry,
        config: [
          "global: { scrape_interval: 1s }",
          "scrape_configs:",
          `  - { job_name: run, static_configs: [{ targets: [${JSON.stringify(target(runExporter.url))}] }] }`,
          `  - { job_name: monitor, static_configs: [{ targets: [${JSON.stringify(target(monitorExporter.url))}] }] }`,
          "",
        ].join("\n"),
      });
      const query = async (promql: string) => (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as PromVector;
      const scan = securityScan();
      for (const job of ["run", "monitor"]) {
        const scores = await waitFor(
          async () => {
            const r = await query(`mcp_security_validation_score{job="${job}"}`);
            return r.data.result.length > 0 ? r : undefined;
          },
          { what: `mcp_security_validation_score from the ${job} exporter`, timeoutMs: 30_000, intervalMs: 200 },
        );
        expect(scores.status).toBe("success");
        const got = new Map(scores.data.result.map((r) => [`${r.metric.mcp_name}/${r.metric.validation_type}`, Number(r.value[1])]));
        // Straight from the record: each server's lower bound overall, each group measured at all.
        const expected = new Map<string, number>();
        for (const s of scan.servers) {
          expected.set(`${s.server}/overall`, s.score.lower);
          for (const c of s.score.byCategory) if (c.applicableWeight > 0 && c.measuredShare > 0) expected.set(`${s.server}/${c.category}`, c.lower);
        }
        expect(got, job).toEqual(expected);
        expect(got.get("vulnerable/overall"), job).toBe(3);
        expect(got.has("memory/vulnerabilities"), job).toBe(false);

        const counts = await query(`mcp_vulnerability_count{job="${job}"}`);
        expect(counts.data.result.map((r) => [r.metric.mcp_name, r.metric.severity, Number(r.value[1])]).sort(), job).toEqual(
          [
            ["github", "critical", 0],
            ["github", "high", 0],
            ["github", "info", 0],
            ["github", "low", 1],
            ["github", "medium", 2],
          ].sort(),
        );
        // npm's advisories could not be reached for memory: no series, not a 0.
        expect((await query(`mcp_vulnerability_count{job="${job}",mcp_name="memory"}`)).data.result, job).toEqual([]);
      }
      await prometheus.stop();
    } finally {
      await runExporter.stop();
      await monitorExporter.stop();
    }
  });
});
