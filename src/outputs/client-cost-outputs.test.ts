/**
 * The harness's own cost per call (environment.clientCost) in the outputs: the report's banner,
 * summary.md and results.json's schema. The measurement is src/drivers/client-cost.integration.test.ts.
 */
import { describe, expect, it } from "vitest";
import { sampleRunRecord } from "../../test/support/records.js";
import { RunRecord } from "../results/schema.js";
import { renderHtmlReport } from "./html-report.js";
import { renderSummaryMarkdown } from "./summary-md.js";

describe("clientCost in the outputs", () => {
  const run = sampleRunRecord();
  run.environment.clientCost = [
    { transport: "http", calls: 1000, p50Ms: 0.212, p90Ms: 0.3, p99Ms: 0.871, maxMs: 4.2, cpuUsPerCall: 180.5 },
    { transport: "stdio", calls: 1000, p50Ms: 0.15, p90Ms: 0.2, p99Ms: 0.5, maxMs: 2, cpuUsPerCall: 120 },
  ];

  it("report.html and summary.md say the p50 and p99 per transport", async () => {
    const html = await renderHtmlReport(run);
    expect(html).toContain("Client&#39;s own cost per call");
    expect(html).toContain("http: p50 0.212 ms, p99 0.871 ms; stdio: p50 0.150 ms, p99 0.500 ms");
    expect(renderSummaryMarkdown(run)).toContain("the harness's own cost per call (null endpoint): http: p50 0.212 ms, p99 0.871 ms");
  });

  it("results.json: in its schema; a run without it says nothing of it", async () => {
    expect(RunRecord.safeParse(JSON.parse(JSON.stringify(run))).success).toBe(true);
    const bad = JSON.parse(JSON.stringify(run));
    bad.environment.clientCost[0].transport = "carrier pigeon";
    expect(RunRecord.safeParse(bad).success).toBe(false);
    const without = sampleRunRecord();
    expect(await renderHtmlReport(without)).not.toContain("own cost per call");
  });
});
