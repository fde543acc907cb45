import { describe, it, expect } from "vitest";
import { capacityRunRecord, everySectionRunRecord, faultScenario, sampleRunRecord, withHostileText } from "../../test/support/records.js";
import { securityRunRecord } from "../../test/support/security-records.js";
import { escapeMarkdownCell, renderSummaryMarkdown } from "./summary-md.js";
import { sloName } from "./slo-text.js";

describe("renderSummaryMarkdown", () => {
  const run = sampleRunRecord();
  const md = renderSummaryMarkdown(run);
  const lines = md.split("\n");

  it("puts the overall verdict and the counts on the first line", () => {
    expect(lines[0]).toBe("# FAIL: 5 of 9 SLOs met, 3 failed, 1 inconclusive");
  });

  it("has a row per SLO with its id and scope, objective, measured value, margin, samples, verdict and source mark", () => {
    const marks: Record<string, string> = {
      "MCP Enterprise Guide (003_ba5d8098385d04d0.txt)": "[1]",
      "scenarios/redis-durability.yaml": "[2]",
    };
    for (const slo of run.scenarios.flatMap((s) => s.slos)) {
      const row = lines.find((l) => l.startsWith(`| ${sloName(slo)} |`));
      expect(row, slo.id).toBeDefined();
      expect(row).toContain(slo.objective.replace(/&(?=[A-Za-z#])/g, "&amp;"));
      expect(row).toContain(slo.measuredText);
      expect(row).toContain(slo.marginText);
      expect(row).toContain(`| ${slo.samples} |`);
      const plural = /[,-]/.test(slo.source.lines) ? "lines" : "line";
      expect(row).toContain(`| ${marks[slo.source.document]} ${plural} ${slo.source.lines} |`);
      expect(row).toContain(slo.verdict === "fail" ? "**FAIL**" : slo.verdict);
    }
  });

  it("names each source document once, in a legend, and cites it by its mark", () => {
    expect(md.split("MCP Enterprise Guide (003_ba5d8098385d04d0.txt)").length - 1).toBe(1);
    expect(md.split("scenarios/redis-durability.yaml").length - 1).toBe(1);
    expect(lines).toContain("Sources: [1] MCP Enterprise Guide (003_ba5d8098385d04d0.txt); [2] scenarios/redis-durability.yaml.");
    // The legend is above the first fold, where the rows that need attention cite it.
    expect(lines.findIndex((l) => l.startsWith("Sources: "))).toBeLessThan(lines.indexOf("<details>"));
  });

  it("marks stand-in results", () => {
    const row = lines.find((l) => l.startsWith("| server.success_rate@github [server=github] |"));
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

  it("gives a script's tasks and a row per step, with its examples, only where a script ran", () => {
    expect(md).not.toContain("Agent tasks (script)");
    const withScript = renderSummaryMarkdown(everySectionRunRecord());
    expect(withScript).toContain("Agent tasks (script): 1195 of 1200 completed.");
    expect(withScript).toContain("| search | memory | search_nodes | 1199 | 1196 | 0 | 2 | 1 |");
    expect(withScript).toContain('- search: step "open" needs {{steps.search.result.entities[0].name}}');
  });

  it("folds each scenario under a line with its name, matrix cell and counts", () => {
    expect(lines).toContain("<summary><b>redis-durability</b> <code>redis.persistence=none</code>: 2 of 3 SLOs met, 1 failed</summary>");
    expect(lines).toContain("<summary><b>coordination-and-cache</b>: 2 of 3 SLOs met, 1 failed</summary>");
    expect(lines).toContain("<summary><b>tool-latency &lt;baseline&gt; &amp; friends</b>: 1 of 3 SLOs met, 1 failed, 1 inconclusive</summary>");
  });

  it("has the steady-state, RTO and RPO tables of the fault scenario", () => {
    const from = md.indexOf("<summary><b>redis-durability</b>");
    const section = md.slice(from).split("\n");
    const row = (start: string) => {
      const found = section.find((l) => l.startsWith(start));
      expect(found, start).toBeDefined();
      return found!;
    };
    expect(row("| phase |")).toBe("| phase | met | probes | failed | detail |");
    expect(row("| before |")).toBe("| before | met | 40 | 0 | 40 of 40 redis get probes ok in the 20 s before the first fault |");
    expect(row("| after |")).toBe("| after | **NOT MET** | 90 | 90 | 0 of 90 redis get probes ok in the 45 s after the last fault |");

    expect(row("| fault |")).toBe("| fault | what | injected at | healed at | ready at | detected after | RTO | after heal | supervisor | observations |");
    const recovered = row("| redis-kill |")
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    expect(recovered.slice(3, 10)).toEqual(["20.0 s", "25.0 s", "25.9 s", "120 ms", "7.12 s", "2.12 s", "on"]);
    const stuck = row("| redis-mcp-kill |");
    expect(stuck).toContain("| 45.0 s | never | - | 120 ms | **did not recover within 45 s** | - | off |");
    // Observations are joined in one cell, their markup escaped.
    expect(stuck).toContain("stderr of redis#0: &lt;b>Error&lt;/b>: write EPIPE; no supervisor");
    expect(stuck.split(/(?<!\\)\|/).length).toBe(12);
    expect(row("| postgres-partition |")).toContain("not injected: steady state was not met before it");

    expect(row("| store |")).toBe("| store | durability | acknowledged | present | lost | unacknowledged but present | RPO | detail |");
    expect(row("| redis | appendonly")).toBe("| redis | appendonly no, no RDB snapshots | 2118 | 276 | **1842** | 0 | 19.9 s | 19.9 s (1,842 lost) |");
    expect(row("| postgres | synchronous")).toBe("| postgres | synchronous_commit on, fsync on | 1630 | 1633 | 0 | 3 | no loss | no loss |");
    expect(md).not.toContain("<b>Error");
  });

  it("puts a recovery matrix, folded, before the scenarios", () => {
    const matrix = lines.indexOf("<summary>Recovery matrix</summary>");
    expect(matrix).toBeGreaterThan(0);
    expect(lines[matrix - 1]).toBe("<details>");
    expect(matrix).toBeLessThan(lines.findIndex((l) => l.startsWith("<summary><b>coordination-and-cache</b>")));
    expect(lines[matrix + 2]).toBe("| scenario | variant | faults recovered | worst RTO | RPO redis | RPO postgres | RTO SLO | RPO SLO |");
    expect(lines[matrix + 4]).toBe(
      "| redis-durability | redis.persistence=none | 1 of 2 (1 not injected) | **did not recover within 45 s** (redis-mcp-kill) | 19.9 s (1,842 lost) | no loss | **FAIL** (RTO <= 30 s) | pass (RPO <= 30 s), pass (RPO <= 0 s) |",
    );
    const plain = renderSummaryMarkdown(sampleRunRecord({ scenarios: run.scenarios.slice(0, 2) }));
    expect(plain).not.toContain("Recovery matrix");
  });

  it("keeps server text from becoming HTML or breaking a table", () => {
    expect(md).not.toContain("<script>");
    expect(md).toContain("&lt;script>alert");
    expect(md).toContain("<b>tool-latency &lt;baseline&gt; &amp; friends</b>");
    expect(md).toContain("| tool-latency &lt;baseline> & friends |");
    expect(escapeMarkdownCell("a | b\nc")).toBe("a \\| b c");
    // Comparisons stay readable in the raw file.
    expect(escapeMarkdownCell("p99 < 25 ms")).toBe("p99 < 25 ms");
    expect(escapeMarkdownCell("&amp; <b>")).toBe("&amp;amp; &lt;b>");
    // The errors table: server, tool, kind, outcome, count, message (the message must not add a column).
    for (const row of lines.filter((l) => l.startsWith("| ") && l.includes("MCP error"))) {
      expect(row.split(/(?<!\\)\|/).length).toBe(8);
    }
  });
});

describe("renderSummaryMarkdown: capacity search", () => {
  it("states the sustained and breaking rates and has a row per step with the generator's health", () => {
    const md = renderSummaryMarkdown(capacityRunRecord());
    expect(md).toContain("Capacity: sustained 2400/s; broke at 4800/s (server.response_time@redis failed); the verdicts above are those of step 5 (2400/s).");
    expect(md).toContain(
      "| step | offered | achieved | p50 ms | p99 ms | ok | failed | late sends | dropped | generator CPU | loop p99 ms | result | SLOs failed | inconclusive (noted) |",
    );
    expect(md).toContain("| 1 | 150/s | 150/s | 2.23 | 7.33 | 600 | 0 | 0 (0.00 %) | 0 (0.00 %) | 13 % | 13.2 | held | - | - |");
    expect(md).toContain(
      "| 6 | 4800/s | 4788/s | 5.04 | 57.9 | 19153 | 0 | 107 (0.56 %) | 0 (0.00 %) | 25 % | 18.3 | **broke** | server.response_time@redis | - |",
    );
    expect(md).toContain("| 3 | 600/s | 600/s | 1.87 | 43.2 | 2399 | 0 | 24 (1.00 %) | 0 (0.00 %) | 16 % | 17.9 | held | - | server.response_time@redis |");
    expect(md).toContain("<b>capacity-redis &lt;search&gt;</b>");
  });

  it("says when the generator was the limit", () => {
    const md = renderSummaryMarkdown(capacityRunRecord(true));
    expect(md).toContain("Capacity: limited by the load generator: the highest rate shown to hold is 2400/s; the server was not shown to break;");
    expect(md).toContain("| generator limit | server.response_time@redis |");
  });
});

describe("renderSummaryMarkdown: RPO rules (loss without a fault, censoring)", () => {
  it("shows a consistency check with no steady-state wording and says the loss was without a fault", () => {
    const s = faultScenario();
    delete s.faults;
    delete s.steadyState;
    delete s.probe;
    s.variant = undefined;
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
    const md = renderSummaryMarkdown(sampleRunRecord({ scenarios: [s] }));
    expect(md).not.toMatch(/steady state/i);
    expect(md).toContain("Data loss, consistency check: RPO writers with no fault injected");
    expect(md).toContain(
      "| memory | JSON lines | 356 | 171 | **185** | 0 | lost without a fault | acknowledged writes lost without a fault: 185 of 356 (no fault was injected) |",
    );
  });

  it("writes a censored RPO as '>= N' and shows the scenario's warnings", () => {
    const s = faultScenario();
    s.rpo = [
      {
        ...s.rpo![0]!,
        rpoMs: 6020,
        censored: true,
        writerAgeMs: 6020,
        text: "RPO >= 6.02 s (1842 lost, dated against f1; censored: nothing older than the oldest lost write was left to lose, so the true RPO is at least that)",
      },
    ];
    s.warnings = ["x.yaml: rpo.lead: the RPO writers will be only about 7 s old at fault f1"];
    const md = renderSummaryMarkdown(sampleRunRecord({ scenarios: [s] }));
    expect(md).toContain("| >= 6.02 s | RPO >= 6.02 s (1842 lost, dated against f1; censored");
    expect(md).toContain("- x.yaml: rpo.lead: the RPO writers will be only about 7 s old at fault f1");
    expect(md).toContain("| >= 6.02 s (1,842 lost, censored) |");
    expect(md).toMatch(/Censored \(">= N"\): the oldest lost write was the writer's first/);
    expect(md).toMatch(/Healed at: when the cause was removed \(the process spawned again, the link restored\); ready at: when it answered again/);
  });
});

describe("text from servers in summary.md", () => {
  it("cannot act on a terminal or break a table: control characters become visible escapes, HTML stays text", () => {
    const evil = "\u001b]0;pwned\u0007\u001b[2J\rx|y<img src=x>\u202e";
    const run = sampleRunRecord();
    const s = run.scenarios[0]!;
    s.servers = s.servers.map((srv) => ({ ...srv, version: `9.9${evil}`, tools: [`t${evil}`] }));
    s.errors = [{ server: "redis", tool: `get${evil}`, outcome: "error", message: `tool error: ${evil}\nsecond line`, count: 2 }];
    s.error = `server said ${evil}`;
    s.status = "error";
    const md = renderSummaryMarkdown(run);
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(md).toContain("\\x1b]0;pwned\\x07\\x1b[2J\\rx\\|y&lt;img src=x>\\u202e");
    const lines = md.split("\n");
    const at = lines.findIndex((l) => l.includes("tool error:"));
    const header = lines
      .slice(0, at)
      .reverse()
      .find((l) => l.startsWith("| server | tool |"))!;
    // Still one row with as many cells as its header: | and newlines inside a cell are escaped.
    const cells = (l: string) => l.split(/(?<!\\)\|/).length;
    expect(cells(lines[at]!)).toBe(cells(header));
  });
});

describe("summary.md for a CI job page: what needs attention first, the rest folded", () => {
  const run = sampleRunRecord();
  const md = renderSummaryMarkdown(run);
  const lines = md.split("\n");
  const slos = run.scenarios.flatMap((s) => s.slos);
  /** Line indices of the table rows that show an SLO with this verdict (attention rows and scenario rows alike). */
  const rowsOf = (verdict: string) => {
    const names = slos.filter((s) => s.verdict === verdict).map(sloName);
    return lines.flatMap((l, i) => (l.startsWith("| ") && names.some((n) => l.includes(`| ${n} |`)) ? [i] : []));
  };

  it("lists every failure, then every inconclusive verdict, before any pass", () => {
    const fails = rowsOf("fail");
    const inconclusives = rowsOf("inconclusive");
    const passes = rowsOf("pass");
    expect(fails.length).toBeGreaterThanOrEqual(slos.filter((s) => s.verdict === "fail").length);
    expect(passes.length).toBe(slos.filter((s) => s.verdict === "pass").length);
    const firstPass = Math.min(...passes);
    // Each failed and inconclusive SLO has a row above the first pass: the attention table.
    for (const slo of slos.filter((s) => s.verdict !== "pass")) {
      const first = lines.findIndex((l) => l.includes(`| ${sloName(slo)} |`));
      expect(first, sloName(slo)).toBeLessThan(firstPass);
    }
    expect(Math.max(...slos.filter((s) => s.verdict === "fail").map((s) => lines.findIndex((l) => l.includes(`| ${sloName(s)} |`))))).toBeLessThan(
      Math.min(...inconclusives),
    );
    expect(lines[2]).toBe("## Needs attention: 3 failed, 1 inconclusive");
  });

  it("gives each failure its measured value, target, margin, source and why", () => {
    expect(lines).toContain("| verdict | SLO | scenario | measured | target | margin | source | why |");
    expect(lines).toContain(
      "| **FAIL** | cache.hit_ratio [server=redis] | coordination-and-cache | 98.01 % | > 99 % | 0.99 points short | [1] lines 1813, 269, 590, 1234 | the 95 % interval [97.87 %, 98.14 %] lies entirely below 99 %. |",
    );
    expect(lines).toContain(
      "| **FAIL** | redis.rto [server=redis] | redis-durability [redis.persistence=none] | not recovered in 45 s | <= 30 s | at least 15 s over | [2] line 41 | redis-mcp-kill: no 3 consecutive successful probes within 45 s of the fault (redis-kill recovered in 7.12 s). |",
    );
  });

  it("folds everything else: every pass and every scenario's measurements are inside <details>", () => {
    const firstFold = lines.indexOf("<details>");
    expect(firstFold).toBeGreaterThan(0);
    for (const i of rowsOf("pass")) expect(i).toBeGreaterThan(firstFold);
    for (const heading of ["Latency of successful calls (ms):", "Steady state:", "Errors:", "### Notes"]) {
      expect(lines.indexOf(heading), heading).toBeGreaterThan(firstFold);
    }
    // Balanced folds, each with a summary line and a blank line after it (GitHub renders Markdown inside only then).
    const opens = lines.flatMap((l, i) => (l === "<details>" ? [i] : []));
    expect(opens.length).toBe(lines.filter((l) => l === "</details>").length);
    expect(opens.length).toBe(run.scenarios.length + 2);
    for (const i of opens) {
      expect(lines[i + 1]).toMatch(/^<summary>.*<\/summary>$/);
      expect(lines[i + 2]).toBe("");
    }
    let depth = 0;
    for (const l of lines) {
      if (l === "<details>") depth++;
      if (l === "</details>") depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
      expect(depth).toBeLessThanOrEqual(1);
    }
  });

  it("under --fail-on-inconclusive says the inconclusive verdicts fail the run", () => {
    expect(md).not.toContain("--fail-on-inconclusive");
    const gated = renderSummaryMarkdown({ ...sampleRunRecord(), failOnInconclusive: true });
    expect(gated).toContain("Inconclusive verdicts fail this run (`--fail-on-inconclusive`).");
  });

  it("says plainly when every SLO was met, and shows no attention table", () => {
    const r = sampleRunRecord();
    for (const s of r.scenarios) for (const slo of s.slos) slo.verdict = "pass";
    const total = r.scenarios.flatMap((s) => s.slos).length;
    const ok = renderSummaryMarkdown({ ...r, verdict: "pass", counts: { pass: total, fail: 0, inconclusive: 0 } }).split("\n");
    expect(ok[0]).toBe(`# PASS: ${total} of ${total} SLOs met, 0 failed, 0 inconclusive`);
    expect(ok[2]).toBe(`Every one of the ${total} SLOs was met.`);
    expect(ok.join("\n")).not.toContain("Needs attention");
  });

  it("puts a scenario that broke at the top, before the failed SLOs", () => {
    const r = sampleRunRecord();
    r.scenarios[1]!.status = "error";
    r.scenarios[1]!.error = "server github exited with code 1 before initialize";
    const out = renderSummaryMarkdown({ ...r, status: "error", verdict: "error" }).split("\n");
    expect(out[0]).toMatch(/^# ERROR: /);
    expect(out[4]).toBe("- **Scenario error** in tool-latency &lt;baseline> & friends: server github exited with code 1 before initialize");
  });
});

describe("summary.md: a security scan", () => {
  const run = securityRunRecord();
  const md = renderSummaryMarkdown(run);
  const lines = md.split("\n");

  it("has an unfolded Security section after what needs attention: a row per server with score, measured share, cap and worst finding", () => {
    const at = lines.indexOf("## Security");
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.startsWith("## Needs attention")));
    expect(at).toBeLessThan(lines.indexOf("<details>"));
    const row = (server: string) => lines.find((l) => l.startsWith(`| ${server} |`));
    // An interval while something was not measured; a single figure when all of it was.
    expect(row("memory")).toBe(
      "| memory | @modelcontextprotocol/server-memory@2026.8.31 | 7.6-10.0/10 | 76 % | - | inconclusive | 1 info | info: No JSON-RPC parse error for a line that is not JSON |",
    );
    expect(row("vulnerable")).toBe(
      "| vulnerable | test/fixtures/servers/vulnerable-server.mjs@0.0.0 | 3.0/10 | 100 % | 3 (critical) | **FAIL** | 3 critical, 2 high | critical: Reads outside its root by relative traversal (read_file) |",
    );
    expect(row("github")).toContain("| 3.5-9.2/10 | 43 % | - | **scan did not finish** | 2 medium, 1 low | medium: GO-2026-6809:");
    expect(md).toContain("- **github**: the scan did not finish: the server did not start: exited with code 1 before initialize");
    expect(md).toContain("Caps: a critical finding caps the score at 3, a high finding caps the score at 6.");
  });

  it("has no Security section without a scan", () => {
    expect(renderSummaryMarkdown(sampleRunRecord())).not.toContain("## Security");
  });

  it("keeps a finding's markup as text and the table whole", () => {
    const hostile = renderSummaryMarkdown(withHostileText(run));
    const rows = hostile.split("\n").filter((l) => l.startsWith("| memory") || l.startsWith("| vulnerable") || l.startsWith("| github"));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const r of rows) {
      expect(r).not.toMatch(/<script|<img/);
      expect(r.split(/(?<!\\)\|/).length).toBe(10);
    }
  });
});
