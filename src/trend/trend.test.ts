import { describe, expect, it } from "vitest";
import { HOSTILE } from "../../test/support/records.js";
import { nightlyRecords } from "../../test/support/trend-history.js";
import { extractMetrics } from "../compare/metrics.js";
import { buildTrend, type TrendRun } from "./trend.js";
import { renderTrendHtml } from "./trend-html.js";
import { renderTrendMarkdown } from "./trend-md.js";

function runsOf(n: number, stepAt?: number): TrendRun[] {
  return nightlyRecords({ n, stepAt }).map((record) => ({
    entry: {
      runId: record.runId,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
      verdict: record.verdict,
      profile: record.profile,
      provider: "local",
      tags: {},
      scenarios: [{ name: "cache-read", hash: "h" }],
      machine: "m",
      location: `runs/${record.runId}`,
    },
    metrics: extractMetrics(record),
    reportHref: `../runs/${record.runId}/report.html`,
  }));
}

describe("buildTrend", () => {
  it("puts the change of a step at run 20 of 30 on run 20, only in the series that stepped", () => {
    const runs = runsOf(30, 20);
    const trend = buildTrend(runs);
    expect(trend.runs).toHaveLength(30);
    const latency = trend.series.find((s) => s.key === "cache-read|slo|redis.latency.p99@redis")!;
    expect(latency.points).toHaveLength(30);
    expect(latency.changes.map((c) => c.pointIndex)).toEqual([20]);
    const change = latency.changes[0]!;
    expect(change.runId).toBe(runs[20]!.entry.runId);
    expect(change.direction).toBe("worse");
    expect(change.meanBefore).toBeGreaterThan(11);
    expect(change.meanBefore).toBeLessThan(13);
    expect(change.meanAfter).toBeGreaterThan(20);
    expect(change.meanAfter).toBeLessThan(24);
    // The target comes from the objective, the verdicts from each run.
    expect(latency.points.every((p) => p.target === 20)).toBe(true);
    expect(latency.points.slice(0, 20).every((p) => p.verdict === "pass")).toBe(true);
    expect(latency.points.slice(20).every((p) => p.verdict === "fail")).toBe(true);
    expect(latency.points[3]!.href).toBe(`../runs/${runs[3]!.entry.runId}/report.html`);
    for (const s of trend.series.filter((x) => x !== latency)) expect(s.changes, s.key).toEqual([]);
  });

  it("filters by --last, --since and --scenario", () => {
    const runs = runsOf(30, 20);
    expect(buildTrend(runs, { last: 5 }).runs.map((r) => r.runId)).toEqual(runs.slice(25).map((r) => r.entry.runId));
    const since = new Date(runs[10]!.entry.startedAt);
    expect(buildTrend(runs, { since }).runs).toHaveLength(20);
    expect(buildTrend(runs, { scenario: "cache-read" }).series).toHaveLength(3);
    expect(buildTrend(runs, { scenario: "cache-read[x=1]" }).series).toHaveLength(0);
    expect(buildTrend(runs, { scenario: "other" }).runs).toHaveLength(0);
    // The newest 8 runs hold 8 after the step and none before: no change left to see.
    expect(buildTrend(runs, { last: 8 }).series.every((s) => s.changes.length === 0)).toBe(true);
  });

  it("ignores a run that did not measure a figure, rather than reading it as a change", () => {
    const runs = runsOf(30);
    const gap = runs[12]!;
    gap.metrics = gap.metrics.map((m) => ({ ...m, value: null }));
    const trend = buildTrend(runs);
    const latency = trend.series.find((s) => s.metric === "latency.p99")!;
    expect(latency.points[12]!.value).toBeNull();
    expect(latency.changes).toEqual([]);
    expect(latency.last?.runId).toBe(runs[29]!.entry.runId);
  });
});

describe("trend.md and trend.html", () => {
  it("trend.md gives each series' last value and its change point with the means before and after", () => {
    const runs = runsOf(30, 20);
    const md = renderTrendMarkdown(buildTrend(runs));
    const line = md.split("\n").find((l) => l.startsWith("| Redis MCP latency p99"))!;
    expect(line).toContain(`run \`${runs[20]!.entry.runId}\`: +`);
    expect(line).toMatch(/\d+(\.\d+)? ms → \d+(\.\d+)? ms, worse/);
    expect(line).toContain("| fail |");
    expect(md.split("\n").find((l) => l.startsWith("| Agent coordination latency p99"))).toContain("| none |");
  });

  it("trend.html embeds the trend, a canvas per series and a link per run, with a CSP", async () => {
    const runs = runsOf(30, 20);
    const trend = buildTrend(runs);
    const page = await renderTrendHtml(trend);
    expect(page).toContain('http-equiv="Content-Security-Policy" content="default-src \'none\'');
    expect(page.match(/<canvas data-series=/g)).toHaveLength(trend.series.length);
    expect(page).toContain(`change at run <a href="../runs/${runs[20]!.entry.runId}/report.html">${runs[20]!.entry.runId}</a>: +`);
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    // A run with no report (a PostgreSQL history keeps none) is named, not linked.
    const noReport = await renderTrendHtml(buildTrend(runs.map((r) => ({ ...r, reportHref: "" }))));
    expect(noReport).not.toContain('href=""');
    expect(noReport).toContain(`<td>${runs[0]!.entry.runId}</td>`);
  });

  it("shows markup in scenario and SLO names as text, in the page, the embedded data and trend.md", async () => {
    const runs = runsOf(5).map((r) => ({
      ...r,
      metrics: r.metrics.map((m) => ({ ...m, scenario: `cache${HOSTILE}`, key: `${HOSTILE}${m.key}`, title: `${m.title} | ${HOSTILE}` })),
    }));
    const trend = buildTrend(runs);
    const page = await renderTrendHtml(trend);
    expect(page).not.toContain("<script>window.__pwned");
    expect(page).not.toContain('<img src=x onerror="window.__pwned');
    expect(page).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
    const data = page.slice(page.indexOf('id="trend-data">'), page.indexOf("</script>", page.indexOf('id="trend-data">')));
    expect(data).not.toContain("<");
    const md = renderTrendMarkdown(trend);
    // A pipe in a name cannot break the table: every row still has its five separators.
    for (const line of md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Series")))
      expect(line.replace(/\\\|/g, "").split("|")).toHaveLength(6);
  });
});
