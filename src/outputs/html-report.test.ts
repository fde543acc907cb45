import { readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import { capacityRunRecord, everySectionRunRecord, faultScenario, HOSTILE, sampleRunRecord, withHostileText } from "../../test/support/records.js";
import { renderHtmlReport } from "./html-report.js";
import { chartJsPath } from "./report/assets.js";
import { reportData } from "./report/derived.js";
import { escapeHtml, escapeInlineScript, escapeJsonForHtml } from "./report/safe-html.js";

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
    // The run record and the charts' derived data (JSON), Chart.js, the scorecard's filter, the charts.
    expect(opens.length).toBe(5);
    expect(closes.length).toBe(5);
  });

  it("escapes text from the record, in the markup and in the embedded data", () => {
    lacks(html, '<script>alert("x")');
    has(html, "value &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co is not valid JSON");
    has(html, "tool-latency &lt;baseline&gt; &amp; friends");
    const data = /<script type="application\/json" id="run-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(data).toBeDefined();
    expect(data).not.toContain("<");
    expect(JSON.parse(data as string)).toEqual(run);
    const derived = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(derived).not.toContain("<");
    expect(JSON.parse(derived as string)).toEqual(JSON.parse(JSON.stringify(reportData(run))));
  });

  it("leads with the verdict and the one-sentence summary", () => {
    const banner = html.indexOf('<header class="banner fail" id="verdict">');
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(html.indexOf('id="scorecard"'));
    has(html, '<div class="verdict-word">Fail</div>');
    has(html, "5 of 9 SLOs met, 3 failed, 1 inconclusive.");
    has(html, run.runId);
    has(html, "2025-11-22 03:30:00 UTC");
  });

  it("renders the scorecard server-side: one row per SLO with source, quote and stand-in mark", () => {
    const rows = html.match(/<tr class="slo-row /g) ?? [];
    expect(rows.length).toBe(9);
    for (const slo of run.scenarios.flatMap((s) => s.slos)) {
      has(html, `data-slo="${escapeHtml(slo.id)}"`);
      has(html, escapeHtml(slo.reason));
    }
    // The quote is in the page, in a <details> a tap opens: no hover needed.
    has(html, `<details class="quote"><summary>quote</summary><q>${escapeHtml('latency_p99: "25ms"')}</q></details>`);
    expect(html.match(/<tr class="slo-row [a-z]+ stand-in"/g)?.length).toBe(2);
  });

  it("has the per-scenario sections, with coordination and cache blocks only where measured", () => {
    expect(html.match(/<section class="card scenario"/g)?.length).toBe(3);
    // Per scenario: latency and throughput over time and the latency distribution; the coordination and
    // cache charts where measured; the probe chart of the fault scenario; and each scenario's key chart
    // at the top (its worst SLO's chart: the cache hit ratio, the calls; the fault windows).
    const canvases = [...html.matchAll(/<canvas data-scenario="(\d)" data-chart="([a-z]+)"(?: data-server="[^"]*")?( data-key="true")?/g)];
    expect(canvases.map((m) => `${m[1]}:${m[2]}${m[3] ? " (key)" : ""}`).sort()).toEqual(
      [
        "0:cache (key)",
        "1:throughput (key)",
        "2:faults (key)",
        "0:latency",
        "0:throughput",
        "0:spectrum",
        "0:coordination",
        "0:cache",
        "1:latency",
        "1:throughput",
        "1:spectrum",
        "2:probe",
        "2:latency",
        "2:throughput",
        "2:spectrum",
      ].sort(),
    );
    expect(html.match(/<canvas /g)?.length).toBe(canvases.length);
    expect(html.match(/data-chart="probe"/g)?.length).toBe(1);
    expect(html.match(/<h3>Coordination latency<\/h3>/g)?.length).toBe(1);
    expect(html.match(/<h3>Cache hit ratio<\/h3>/g)?.length).toBe(1);
    expect(html.match(/<h3>Load generator health<\/h3>/g)?.length).toBe(3);
    expect(html.match(/<h3>Recovery under faults<\/h3>/g)?.length).toBe(1);
    has(html, '<code class="package">@modelcontextprotocol/<wbr>server-redis<wbr>@2025.4.25</code>');
  });

  it("shows a script's tasks and each step's counts only where a script ran", async () => {
    lacks(html, "Agent tasks (script)");
    const out = await renderHtmlReport(everySectionRunRecord());
    const block = out.slice(out.indexOf("<h3>Agent tasks (script)</h3>"), out.indexOf("</table>", out.indexOf("<h3>Agent tasks (script)</h3>")));
    has(block, "1,195 (99.58 %)");
    has(
      block,
      '<tr><td><strong>search</strong></td><td>memory</td><td>search_nodes</td><td class="num">1,199</td><td class="num">1,196</td><td class="num">0</td><td class="num warn">2</td><td class="num warn">1</td>',
    );
    has(block, "step &quot;open&quot; needs {{steps.search.result.entities[0].name}}");
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

describe("renderHtmlReport: fault injection", async () => {
  const run = sampleRunRecord();
  const html = await renderHtmlReport(run);
  /** The HTML of scenario `i`'s section. */
  const section = (text: string, i: number) => {
    const start = text.indexOf(`<section class="card scenario" id="scenario-${i}">`);
    expect(start).toBeGreaterThan(0);
    return text.slice(start, text.indexOf("</section>", start));
  };
  const faults = section(html, 2);
  const rowOf = (text: string, cls: string, attr: string, value: string) => {
    const m = new RegExp(`<tr class="${cls}[^"]*" ${attr}="${value}">([\\s\\S]*?)</tr>`).exec(text);
    expect(m, `${cls} ${value}`).not.toBeNull();
    return m![1]!;
  };

  it("puts the variant in the scenario heading, the scorecard and the attention list", () => {
    has(faults, '<h2>redis-durability <span class="variant" title="matrix cell">redis.persistence=none</span> <span class="badge fail">Fail</span></h2>');
    has(html, '<a href="#scenario-2">redis-durability</a> <span class="variant" title="matrix cell">redis.persistence=none</span>');
    has(html, '<span class="muted">in redis-durability [redis.persistence=none]</span>');
  });

  it("has an RTO row per fault: times, RTO, supervisor and observations, and says which did not recover", () => {
    expect(faults.match(/<tr class="fault-row /g)?.length).toBe(3);
    const recovered = rowOf(faults, "fault-row recovered", "data-fault", "redis-kill");
    for (const cell of ["20.0 s", "25.0 s", "120 ms", "<strong>7.12 s</strong>", "2.12 s", "<td>on</td>"]) has(recovered, cell);
    has(recovered, "<li>redis-server started again 5.00 s after the fault; persistence=none: it came back empty</li>");
    const stuck = rowOf(faults, "fault-row not-recovered", "data-fault", "redis-mcp-kill");
    has(stuck, '<span class="negative not-recovered">did not recover within 45 s</span>');
    has(stuck, '<span class="muted">never</span>');
    has(stuck, "<td>off</td>");
    const skipped = rowOf(faults, "fault-row not-injected", "data-fault", "postgres-partition");
    has(skipped, "Not injected: steady state was not met before it: redis get probes were still failing");
  });

  it("escapes observations", () => {
    lacks(html, "<b>Error</b>");
    has(faults, "<li>stderr of redis#0: &lt;b&gt;Error&lt;/b&gt;: write EPIPE</li>");
  });

  it("has an RPO row per store: durability, counts, loss and RPO", () => {
    const redis = rowOf(faults, "rpo-row lost", "data-store", "redis");
    for (const cell of [
      "appendonly no, no RDB snapshots",
      ">2,118<",
      ">276<",
      '<td class="num negative">1,842</td>',
      '<strong class="negative">19.9 s</strong>',
    ])
      has(redis, cell);
    const postgres = rowOf(faults, "rpo-row", "data-store", "postgres");
    for (const cell of ["synchronous_commit on, fsync on", ">1,630<", ">1,633<", '<td class="num">0</td>', '<td class="num">3</td>', "no loss"])
      has(postgres, cell);
  });

  it("shows steady state before, during and after as badges with their detail", () => {
    has(faults, '<span class="badge pass">before: met</span>');
    has(faults, '<span class="badge pass">during: met</span>');
    has(faults, '<span class="badge fail">after: not met</span>');
    has(faults, "0 of 90 redis get probes ok in the 45 s after the last fault");
  });

  it("leaves scenarios without faults as they were", () => {
    for (const i of [0, 1]) {
      const s = section(html, i);
      lacks(s, "Recovery under faults");
      lacks(s, "fault-legend");
      lacks(s, 'class="variant"');
    }
    has(faults, 'class="small muted fault-legend"');
  });

  it("puts a recovery matrix before the scorecard, one row per matrix cell", async () => {
    const matrix = html.indexOf('id="recovery-matrix"');
    expect(matrix).toBeGreaterThan(0);
    expect(matrix).toBeLessThan(html.indexOf('id="scorecard"'));
    const two = sampleRunRecord();
    const aof = faultScenario("redis.persistence=aof-always");
    aof.faults![1] = { ...aof.faults![1]!, recovered: true, supervisor: true, healedAtMs: 46_000, rtoMs: 150_000, afterHealMs: 149_000 };
    aof.rpo![0] = { ...aof.rpo![0]!, durability: "appendonly yes, appendfsync always", present: 2118, lost: 0, rpoMs: 0 };
    aof.slos = aof.slos.map((x) => (x.metric === "rto" ? { ...x, verdict: "pass" as const } : x));
    two.scenarios.push(aof);
    const out = await renderHtmlReport(two);
    const table = out.slice(out.indexOf('id="recovery-matrix"'), out.indexOf('id="scorecard"'));
    const rows = table.split('<tr class="matrix-row"').slice(1);
    expect(rows).toHaveLength(2);
    has(rows[0]!, '<code class="variant-code">redis.persistence=none</code>');
    has(rows[0]!, '<span class="negative">did not recover within 45 s</span>');
    has(rows[0]!, '<td class="rpo-cell" data-store="redis" title="appendonly no, no RDB snapshots. 19.9 s (1,842 lost)"><span class="negative">19.9 s</span>');
    has(rows[0]!, '<span class="badge fail">Fail</span> <span class="small">RTO &lt;= 30 s</span>');
    has(rows[1]!, '<code class="variant-code">redis.persistence=aof-always</code>');
    // The worst RTO is the slowest of the recovered faults, minutes readable as minutes.
    has(rows[1]!, "<strong>2 min 30 s</strong>");
    has(rows[1]!, '<td class="rpo-cell" data-store="redis" title="appendonly yes, appendfsync always. no loss"><span class="ok-text">no loss</span>');
    has(rows[1]!, '<span class="badge pass">Pass</span> <span class="small">RTO &lt;= 30 s</span>');
    for (const row of rows) has(row, '<span class="badge pass">Pass</span> <span class="small">RPO &lt;= 0 s <span class="muted">postgres</span></span>');
  });

  it("has no recovery matrix when no scenario injected faults", async () => {
    const plain = await renderHtmlReport(sampleRunRecord({ scenarios: sampleRunRecord().scenarios.slice(0, 2) }));
    lacks(plain, 'id="recovery-matrix"');
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
    // biome-ignore lint/security/noGlobalEval: the test's point is that the escaped text, run as a script would run it, is the original string.
    expect(eval(escapeInlineScript('"</script>"'))).toBe("</script>");
  });
  it("keeps embedded JSON inert and parseable", () => {
    const value = { m: "</script><!-- \u2028" };
    const json = escapeJsonForHtml(value);
    expect(json).not.toContain("<");
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe("renderHtmlReport: capacity search", async () => {
  const html = await renderHtmlReport(capacityRunRecord());
  const section = /<div class="capacity" id="capacity-3">[\s\S]*?<\/table><\/div>\n<\/div>/.exec(html)?.[0] ?? "";

  it("has a Capacity section with the answer, a chart and one row per step", () => {
    expect(section, "capacity section").not.toBe("");
    has(section, "<h3>Capacity</h3>");
    has(section, "<dt>sustained rate</dt><dd>2,400/s</dd>");
    has(section, "<dt>breaking rate</dt><dd>4,800/s</dd>");
    has(section, "<dt>broken by</dt><dd>server.response_time@redis</dd>");
    has(section, `data-scenario="3" data-chart="capacity"`);
    has(section, "the red line marks where an SLO broke");
    expect(section.match(/<tr[^>]*><td class="num">\d/g)?.length).toBe(6);
    has(section, `<span class="badge fail">broke</span>`);
    expect(section.match(/<span class="badge pass">held<\/span>/g)?.length).toBe(5);
    // Inconclusive verdicts are noted, not breaking; the verdict step is marked.
    has(section, "inconclusive (noted, not breaking)");
    has(section, `<td class="num">5 <span class="small muted" title="the scenario's verdicts are this step's">(verdicts)</span>`);
  });

  it("shows the load generator's health per step", () => {
    has(section, "0.00 % late, 0.00 % dropped, CPU 13 %, loop p99 13.2 ms");
    has(section, "<th>Load generator</th>");
  });

  it("escapes the scenario name and draws the chart from the embedded data", () => {
    has(html, "capacity-redis &lt;search&gt;");
    lacks(html, "capacity-redis <search>");
    has(html, "if (scenario.capacity) capacityChart(canvas, scenario);");
  });

  it("says when the load generator, not the server, ended the search", async () => {
    const limited = await renderHtmlReport(capacityRunRecord(true));
    has(limited, `<p class="warn-box">Limited by the load generator: stopped at 4800/s: the load generator was the limit`);
    has(limited, "<dt>breaking rate</dt><dd>not reached (generator limit)</dd>");
    has(limited, `<span class="badge inconclusive">generator limit</span>`);
    has(limited, "<strong>generator was the limit</strong>");
    has(limited, "the amber line marks the generator limit");
  });
});

describe("renderHtmlReport: RPO rules (loss without a fault, censoring, fault timing)", () => {
  it("shows a consistency check with no steady-state wording, and the loss without a fault", async () => {
    const s = faultScenario();
    delete s.faults;
    delete s.steadyState;
    delete s.probe;
    s.rpo = [
      {
        store: "memory",
        durability: "JSON lines",
        acknowledged: 356,
        present: 171,
        lost: 185,
        unacknowledgedPresent: 0,
        faultAtMs: null,
        rpoMs: null,
        lostWithoutFault: 185,
        text: "acknowledged writes lost without a fault: 185 of 356 (no fault was injected)",
      },
    ];
    const out = await renderHtmlReport(sampleRunRecord({ scenarios: [s] }));
    const body = out.slice(out.indexOf("<body"), out.indexOf("<script"));
    lacks(body, /steady state|Recovery under faults/i);
    has(body, "Data loss (consistency check, no fault injected)");
    has(body, "acknowledged writes lost without a fault: 185 of 356 (no fault was injected)");
  });

  it("writes a censored RPO as '>= N', and shows ready-at beside healed-at", async () => {
    const s = faultScenario();
    s.rpo = [{ ...s.rpo![0]!, rpoMs: 6020, censored: true, writerAgeMs: 6020 }];
    const out = await renderHtmlReport(sampleRunRecord({ scenarios: [s] }));
    has(out, '<strong class="negative">&gt;= 6.02 s</strong>');
    has(out, '<th class="num">Healed at</th><th class="num">Ready at</th>');
    has(out, '<td class="num">25.0 s</td>\n  <td class="num">25.9 s</td>');
    has(out, "Censored (&quot;&gt;= N&quot;)");
  });
});

describe("renderHtmlReport: no text from the record reaches the page unescaped", async () => {
  // Markup appended to every free text of a record that fills every section of the report.
  const run = withHostileText(everySectionRunRecord());
  const out = await renderHtmlReport(run);
  const escaped = escapeHtml(HOSTILE);
  const body = out.slice(out.indexOf("<body>"), out.indexOf('<script type="application/json"'));
  /** The HTML from `start` to the next `end` after it. */
  const between = (start: string, end: string) => {
    const from = out.indexOf(start);
    expect(from, start).toBeGreaterThan(0);
    return out.slice(from, out.indexOf(end, from + start.length));
  };

  it("has no element or attribute from the record: the page's own five scripts are the only ones", () => {
    expect(out.match(/<script\b/gi)?.length).toBe(5);
    lacks(body, /<script|<img|onerror="/i);
    lacks(out.slice(0, out.indexOf("<body>")), /<script|<img/i);
    const data = /<script type="application\/json" id="run-data">([\s\S]*?)<\/script>/.exec(out)?.[1];
    expect(JSON.parse(data ?? "")).toEqual(run);
  });

  it("shows the text escaped in every section", () => {
    has(between("<title>", "</title>"), escaped);
    for (const [start, end] of [
      ['<header class="banner', "</header>"],
      ['<section class="card attention" id="attention">', "</section>"],
      ['<section class="card glance" id="glance">', "</section>"],
      ['<section class="card" id="recovery-matrix">', "</section>"],
      ['<section class="card" id="scorecard">', "</section>"],
      ['<section class="card" id="notes">', "</section>"],
      ["<footer>", "</footer>"],
    ] as const) {
      has(between(start, end), escaped);
    }
    for (let i = 0; i < run.scenarios.length; i++) has(between(`<section class="card scenario" id="scenario-${i}">`, "</section>"), escaped);
    // Each block of a scenario that shows text from the record, up to where it ends.
    for (const [start, end] of [
      ["<h3>Servers</h3>", "</table>"],
      ["<h3>Upstream APIs</h3>", "</table>"],
      ["<h3>Cold installs</h3>", "</table>"],
      ["<h3>Backends</h3>", "</table>"],
      ["<h3>Availability</h3>", "</table>"],
      ["<h3>Calls: raw and corrected</h3>", "</table>"],
      ["<h3>Server processes that exited</h3>", "</table>"],
      ["<h3>Session setup beside the calls (ms)</h3>", "</table>"],
      ["<h3>Latency (ms)</h3>", "</table>"],
      ["<h3>Errors</h3>", "</table>"],
      ["<h3>Agent tasks (script)</h3>", "</table>"],
      ["<h3>Coordination latency</h3>", "</p>"],
      ["<h3>Cache hit ratio</h3>", "</p>"],
      ["<h4>Warnings</h4>", "</ul>"],
      ["<h4>Steady state</h4>", "<h4>"],
      ["<h4>RTO per fault</h4>", "</table>"],
      ["<h4>RPO per store</h4>", "</table>"],
      ["<h3>Capacity</h3>", "</table>"],
      ["<figcaption>Probe", "</figcaption>"],
      ['<p class="error-box">', "</p>"],
    ] as const) {
      has(between(start, end), escaped);
    }
  });
});

describe("renderHtmlReport: needs attention folds sooner on a phone", () => {
  it("shows 10 lines on a wide screen and 4 on a narrow one, each fold counting what it hides", async () => {
    const record = JSON.parse(readFileSync("test/fixtures/records/default-suite.results.json", "utf8"));
    const notPassed = record.scenarios.flatMap((s: { slos: { verdict: string }[] }) => s.slos).filter((x: { verdict: string }) => x.verdict !== "pass").length;
    expect(notPassed).toBeGreaterThan(10);
    const page = await renderHtmlReport(record);
    const section = page.slice(page.indexOf('id="attention"'), page.indexOf("</section>", page.indexOf('id="attention"')));
    const open = section.slice(0, section.indexOf("<details"));
    expect(open.match(/<li>/g)?.length).toBe(4);
    expect(open.match(/<li class="wide-only">/g)?.length).toBe(6);
    expect(section).toContain(`<span class="wide-only">${notPassed - 10} more`);
    expect(section).toContain(`<span class="narrow-only">${notPassed - 4} more`);
    // every line is in the page exactly once per width: open or folded
    expect(section.match(/<li( class="narrow-only")?>/g)?.length).toBe(notPassed);
    expect(section.match(/<li( class="wide-only")?>/g)?.length).toBe(notPassed);
  });
});

describe("renderHtmlReport: the run's identity", () => {
  it("says which build, where and on what machine the run ran, escaped, and links nowhere outside the file", async () => {
    const run = {
      ...sampleRunRecord(),
      identity: {
        harness: { version: "0.1.0", commit: "0123456789abcdef0123456789abcdef01234567" },
        workdir: { commit: "fedcba9876543210fedcba9876543210fedcba98", branch: "main", dirty: true },
        ci: {
          system: "github-actions" as const,
          variables: {},
          branch: "main",
          commit: "abcdef0123456789abcdef0123456789abcdef01",
          url: "https://ci.example/run/1",
        },
        tags: { build: `41${HOSTILE}` },
        provider: "local",
        machine: { cpuModel: "Test CPU", cpus: 2, memoryGiB: 24, kernel: "6.1.0", node: "v20.19.0", hash: "a1b2c3d4e5f6" },
      },
    };
    const out = await renderHtmlReport(run);
    const section = out.slice(out.indexOf('<ul id="run-identity">'), out.indexOf("</ul>", out.indexOf('<ul id="run-identity">')));
    has(section, "at commit 0123456789ab");
    has(section, "fedcba987654 on main, with uncommitted changes");
    has(section, "github-actions, branch main, commit abcdef012345");
    has(section, "<code>https://ci.example/run/1</code>");
    has(section, `build=41${escapeHtml(HOSTILE)}`);
    has(section, "Test CPU, 2 CPUs, 24 GiB, kernel 6.1.0, Node v20.19.0");
    for (const m of out.matchAll(/\bhref="([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
  });
});
