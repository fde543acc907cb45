import { describe, expect, it } from "vitest";
import { HOSTILE, everySectionRunRecord } from "../../test/support/records.js";
import { renderHtmlReport } from "../outputs/html-report.js";
import { renderJunit } from "../outputs/junit.js";
import { renderSummaryMarkdown } from "../outputs/summary-md.js";
import { parseRunRecord } from "../results/read-record.js";
import type { RunRecord } from "../results/types.js";
import { compareRuns } from "./compare.js";
import { renderJson, renderMarkdown, renderTable } from "./render.js";

/** The every-section record against a copy whose redis/get p50 and throughput got worse by hand (values only). */
function pair(): { baseline: RunRecord; candidate: RunRecord } {
  const baseline = everySectionRunRecord();
  const candidate: RunRecord = structuredClone({ ...baseline, runId: "candidate-run" });
  const s = candidate.scenarios[0];
  if (!s) throw new Error("no scenario");
  s.latency = s.latency.map((l) => (l.server === "redis" && l.tool === "get" && l.outcome === "ok" ? { ...l, p50: l.p50 + 2, mean: l.mean + 2 } : l));
  return { baseline, candidate };
}

describe("comparison outputs", () => {
  // The every-section record's histograms are fake: the percentile intervals cannot be made, so latency is inconclusive; the mean too.
  const { baseline, candidate } = pair();
  const c = compareRuns(baseline, candidate, { baselineRef: { ref: "main~1", location: "reports/runs/x" } });

  it("the table puts changes first and shows values, difference, band and method", () => {
    const t = renderTable(c);
    const lines = t.split("\n");
    expect(lines[0]).toMatch(/candidate-run compared with .*: \d+ regressed, \d+ improved, \d+ inconclusive, \d+ unchanged/);
    const header = lines.findIndex((l) => l.startsWith("verdict"));
    expect(lines[header]).toMatch(/verdict\s+metric\s+baseline\s+candidate\s+difference\s+noise band\s+method, or why inconclusive/);
    const verdicts = lines
      .slice(header + 2)
      .filter(Boolean)
      .map((l) => l.split(/\s{2,}/)[0]?.replace(" (low confidence)", ""));
    const order = { regressed: 0, improved: 1, inconclusive: 2, unchanged: 3 } as Record<string, number>;
    expect(verdicts.map((v) => order[v ?? ""] ?? -1)).toEqual([...verdicts.map((v) => order[v ?? ""] ?? -1)].sort((a, b) => a - b));
    expect(verdicts.every((v) => v !== undefined && v in order)).toBe(true);
    // an inconclusive row says why (here: a fake histogram has no interval), a decided one its method
    const inconclusive = c.metrics.find((m) => m.verdict === "inconclusive")!;
    const row = lines.find((l) => l.startsWith("inconclusive") && l.includes(inconclusive.reason.slice(0, 40)));
    expect(row, `no inconclusive row giving its reason "${inconclusive.reason}"`).toBeDefined();
  });

  it("Markdown folds the unchanged in <details>, JSON is the comparison itself", () => {
    const md = renderMarkdown(c);
    expect(md).toMatch(/^### Compared with main~1/);
    expect(md).toMatch(/<details><summary>\d+ more: \d+ inconclusive, \d+ unchanged<\/summary>/);
    expect(JSON.parse(renderJson(c))).toEqual(JSON.parse(JSON.stringify(c)));
  });

  it("a record with a comparison reads back by its schema and every output shows it", async () => {
    const regressed = { ...c.metrics[0]!, verdict: "regressed" as const, title: `p50 ${HOSTILE}` };
    const withRegression = { ...c, metrics: [regressed, ...c.metrics.slice(1)], counts: { ...c.counts, regressed: c.counts.regressed + 1 } };
    const record: RunRecord = { ...candidate, comparison: withRegression };
    expect(parseRunRecord(JSON.stringify(record), "results.json").comparison?.metrics.length).toBe(c.metrics.length);

    const junit = renderJunit(record);
    expect(junit).toContain(
      `<testcase name="${regressed.key.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}" classname="compared with main~1"`,
    );
    expect(junit).toMatch(/<failure message="[^"]*" type="regression">/);
    expect(junit).not.toContain("<script>");

    const summary = renderSummaryMarkdown(record);
    expect(summary).toContain("## Compared with main~1");
    // Unfolded, above every fold: what a pull-request comment made of summary.md is for.
    expect(summary.indexOf("## Compared with main~1")).toBeLessThan(summary.indexOf("<details>\n<summary>"));

    const page = await renderHtmlReport(record);
    expect(page).toContain('<section class="card" id="comparison">');
    expect(page).toContain(`data-key="`);
    expect(page).not.toContain("<script>window.__pwned");
    // no comparison, no section and no JUnit suite
    expect(await renderHtmlReport(candidate)).not.toContain('id="comparison"');
    expect(renderJunit(candidate)).not.toContain("compared with");
  });

  it("JUnit has one passing case when nothing regressed", () => {
    const same = compareRuns(baseline, { ...baseline, runId: "again" });
    const junit = renderJunit({ ...baseline, comparison: same });
    expect(junit).toMatch(/<testcase name="no regression" classname="compared with [^"]+"[^>]*\/>/);
  });
});
