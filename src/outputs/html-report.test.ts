import { readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import { sampleRunRecord } from "./fixtures.js";
import { chartJsPath, escapeHtml, escapeInlineScript, escapeJsonForHtml, renderHtmlReport } from "./html-report.js";

/** The report is over 200 kB: on failure, say which snippet is missing instead of printing the whole file. */
function has(text: string, snippet: string): void {
  expect(text.includes(snippet), `expected the report to contain: ${snippet}`).toBe(true);
}
function lacks(text: string, pattern: string | RegExp): void {
  const found = typeof pattern === "string" ? (text.includes(pattern) ? pattern : null) : (pattern.exec(text)?.[0] ?? null);
  expect(found, `expected the report not to contain ${String(pattern)}`).toBeNull();
}

describe("renderHtmlReport", async () => {
  const run = sampleRunRecord();
  const html = await renderHtmlReport(run);

  it("references no external resource", () => {
    // src/href/url()/@import pointing anywhere but this file (fragments) would be a request.
    lacks(html, /\b(?:src|href|action|poster|srcset)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    lacks(html, /url\(\s*["']?\s*(?:https?:)?\/\//i);
    lacks(html, /@import/i);
    lacks(html, /<link\b/i);
    lacks(html, /<script\b[^>]*\bsrc=/i);
    for (const m of html.matchAll(/\bhref="([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
    has(html, `http-equiv="Content-Security-Policy" content="default-src 'none';`);
    lacks(html, "sourceMappingURL");
  });

  it("inlines the chart library", () => {
    const lib = readFileSync(chartJsPath(), "utf8");
    expect(lib.length).toBeGreaterThan(100_000);
    has(html, "Chart.js v4.6.1");
    // The body of the library, unchanged apart from the source-map line.
    has(html, lib.slice(0, 20_000));
    has(html, lib.slice(-5_000, -100));
  });

  it("ends every script only where it means to", () => {
    const opens = html.match(/<script\b/gi) ?? [];
    const closes = html.match(/<\/script/gi) ?? [];
    expect(opens.length).toBe(3);
    expect(closes.length).toBe(3);
  });

  it("escapes text from the record, in the markup and in the embedded data", () => {
    lacks(html, '<script>alert("x")');
    has(html, "value &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co is not valid JSON");
    has(html, "tool-latency &lt;baseline&gt; &amp; friends");
    const data = /<script type="application\/json" id="run-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(data).toBeDefined();
    expect(data).not.toContain("<");
    expect(JSON.parse(data as string)).toEqual(run);
  });

  it("leads with the verdict and the one-sentence summary", () => {
    const banner = html.indexOf('<header class="banner fail" id="verdict">');
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(html.indexOf('id="scorecard"'));
    has(html, '<div class="verdict-word">Fail</div>');
    has(html, "3 of 6 SLOs met, 2 failed, 1 inconclusive.");
    has(html, run.runId);
    has(html, "2025-11-22 03:30:00 UTC");
  });

  it("renders the scorecard server-side: one row per SLO with source, quote and stand-in mark", () => {
    const rows = html.match(/<tr class="slo-row /g) ?? [];
    expect(rows.length).toBe(6);
    for (const slo of run.scenarios.flatMap((s) => s.slos)) {
      has(html, `data-slo="${escapeHtml(slo.id)}"`);
      has(html, escapeHtml(slo.reason));
    }
    has(html, `title="${escapeHtml('latency_p99: "25ms"')}"`);
    expect(html.match(/<tr class="slo-row [a-z]+ stand-in"/g)?.length).toBe(2);
  });

  it("has the per-scenario sections, with coordination and cache blocks only where measured", () => {
    expect(html.match(/<section class="card scenario"/g)?.length).toBe(2);
    expect(html.match(/<canvas /g)?.length).toBe(4);
    expect(html.match(/<h3>Coordination latency<\/h3>/g)?.length).toBe(1);
    expect(html.match(/<h3>Cache hit ratio<\/h3>/g)?.length).toBe(1);
    expect(html.match(/<h3>Load generator health<\/h3>/g)?.length).toBe(2);
    has(html, '<code class="package">@modelcontextprotocol/<wbr>server-redis<wbr>@2025.4.25</code>');
  });

  it("colours the banner by verdict and explains an error or interruption", async () => {
    const interrupted = await renderHtmlReport(sampleRunRecord({ status: "interrupted", verdict: "interrupted" }));
    has(interrupted, '<header class="banner interrupted"');
    has(interrupted, "The run was interrupted");
    const broken = sampleRunRecord({ status: "error", verdict: "error" });
    broken.scenarios[0]!.status = "error";
    broken.scenarios[0]!.error = "redis <server> crashed";
    broken.scenarios[0]!.slos = [];
    const errorHtml = await renderHtmlReport(broken);
    has(errorHtml, '<header class="banner error"');
    has(errorHtml, "Scenario error, nothing judged: redis &lt;server&gt; crashed");
  });
});

describe("escaping helpers", () => {
  it("escapes the characters HTML cares about", () => {
    expect(escapeHtml(`<a href='x'>"&"</a>`)).toBe("&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
  });
  it("keeps inline scripts from ending early", () => {
    expect(escapeInlineScript('var s = "</script><script>";')).toBe('var s = "<\\/script><script>";');
    expect(escapeInlineScript('x = "</SCRIPT"')).toBe('x = "<\\/SCRIPT"');
    expect(escapeInlineScript('x = "<!--"')).toBe('x = "<\\!--"');
    // Same meaning in JS.
    expect(eval(escapeInlineScript('"</script>"'))).toBe("</script>");
  });
  it("keeps embedded JSON inert and parseable", () => {
    const value = { m: "</script><!-- \u2028" };
    const json = escapeJsonForHtml(value);
    expect(json).not.toContain("<");
    expect(JSON.parse(json)).toEqual(value);
  });
});
