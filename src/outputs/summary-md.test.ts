import { describe, it, expect } from "vitest";
import { sampleRunRecord } from "./fixtures.js";
import { escapeMarkdownCell, renderSummaryMarkdown } from "./summary-md.js";

describe("renderSummaryMarkdown", () => {
  const run = sampleRunRecord();
  const md = renderSummaryMarkdown(run);
  const lines = md.split("\n");

  it("puts the overall verdict and the counts on the first line", () => {
    expect(lines[0]).toBe("# FAIL: 3 of 6 SLOs met, 2 failed, 1 inconclusive");
  });

  it("has a row per SLO with its id, objective, measured value, margin, samples, verdict and source", () => {
    for (const slo of run.scenarios.flatMap((s) => s.slos)) {
      const row = lines.find((l) => l.startsWith(`| ${slo.id} |`));
      expect(row, slo.id).toBeDefined();
      expect(row).toContain(slo.objective.replace(/&(?=[A-Za-z#])/g, "&amp;"));
      expect(row).toContain(slo.measuredText);
      expect(row).toContain(slo.marginText);
      expect(row).toContain(`| ${slo.samples} |`);
      const plural = /[,-]/.test(slo.source.lines) ? "lines" : "line";
      expect(row).toContain(`${slo.source.document} ${plural} ${slo.source.lines}`);
      expect(row).toContain(slo.verdict === "fail" ? "**FAIL**" : slo.verdict);
    }
  });

  it("marks stand-in results", () => {
    const row = lines.find((l) => l.startsWith("| server.success_rate@github |"));
    expect(row).toContain("**FAIL** (stand-in)");
    expect(md).toContain("(stand-in): github talked to a local stand-in");
  });

  it("lists latency, errors, coordination, cache and notes", () => {
    expect(md).toContain("| redis | get | 1.41 | 3.20 | 6.10 | 41.2 | 71200 |");
    expect(md).toContain("Coordination latency: p50 4.10 ms, p95 9.80 ms, p99 18.4 ms");
    expect(md).toContain("Cache hit ratio: client 97.90 %");
    expect(md).toContain("the two counts agree");
    expect(md).toContain("## Notes");
    for (const note of run.notes) expect(md).toContain(note);
  });

  it("keeps server text from becoming HTML or breaking a table", () => {
    expect(md).not.toContain("<script>");
    expect(md).toContain("&lt;script>alert");
    expect(md).toContain("## tool-latency &lt;baseline> & friends");
    expect(escapeMarkdownCell("a | b\nc")).toBe("a \\| b c");
    // Comparisons stay readable in the raw file.
    expect(escapeMarkdownCell("p99 < 25 ms")).toBe("p99 < 25 ms");
    expect(escapeMarkdownCell("&amp; <b>")).toBe("&amp;amp; &lt;b>");
    for (const row of lines.filter((l) => l.startsWith("| ") && l.includes("MCP error"))) {
      expect(row.split(/(?<!\\)\|/).length).toBe(7);
    }
  });
});
