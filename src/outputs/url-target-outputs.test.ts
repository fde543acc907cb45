/**
 * A url server and a run whose load left loopback (--allow-hosts) in report.html, summary.md and results.json's
 * schema: the server table names the URL, an "Off loopback" box heads the scenario, and both fields
 * are part of the results schema (a record with them validates). The run side is test/url-target.e2e.test.ts.
 */
import { describe, expect, it } from "vitest";
import { sampleRunRecord } from "../../test/support/records.js";
import { RunRecord } from "../results/schema.js";
import { renderHtmlReport } from "./html-report.js";
import { renderSummaryMarkdown } from "./summary-md.js";

describe("url targets in the outputs", () => {
  const run = sampleRunRecord();
  const s = run.scenarios[0]!;
  s.servers[0] = { ...s.servers[0]!, name: "staging", transport: "http", runsOn: { kind: "url", url: "https://staging.example.com/mcp" } };
  s.offLoopback = { hosts: ["staging.example.com"] };

  it("report.html: the server's URL in the server table, the off-loopback box at the top of the scenario", async () => {
    const html = await renderHtmlReport(run);
    expect(html).toContain("url target: <code>https://staging.example.com/mcp</code>");
    expect(html).toContain(
      '<p class="error-box off-loopback" data-off-loopback="staging.example.com"><strong>Off loopback.</strong> This scenario sent its load to staging.example.com (allowed by --allow-hosts), not to servers on this machine.</p>',
    );
    // Only the scenario that left loopback says so.
    expect(html.match(/class="error-box off-loopback"/g)).toHaveLength(1);
  });

  it("summary.md: the url target and the off-loopback mark in the scenario", () => {
    const md = renderSummaryMarkdown(run);
    expect(md).toContain("**Off loopback:** the load went to staging.example.com (allowed by --allow-hosts).");
    expect(md).toContain("**Url targets** (the harness started nothing for them): staging at https://staging.example.com/mcp");
  });

  it("results.json: runsOn and offLoopback are in its schema", () => {
    expect(RunRecord.safeParse(JSON.parse(JSON.stringify(run))).success).toBe(true);
    const bad = JSON.parse(JSON.stringify(run));
    bad.scenarios[0].servers[0].runsOn = { kind: "url" };
    expect(RunRecord.safeParse(bad).success).toBe(false);
  });
});
