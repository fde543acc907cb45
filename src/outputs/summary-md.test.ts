import { describe, it, expect } from "vitest";
import { capacityRunRecord, faultScenario, sampleRunRecord } from "../../test/support/records.js";
import { escapeMarkdownCell, renderSummaryMarkdown } from "./summary-md.js";

describe("renderSummaryMarkdown", () => {
  const run = sampleRunRecord();
  const md = renderSummaryMarkdown(run);
  const lines = md.split("\n");

  it("puts the overall verdict and the counts on the first line", () => {
    expect(lines[0]).toBe("# FAIL: 5 of 9 SLOs met, 3 failed, 1 inconclusive");
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

  it("names the matrix cell in the scenario heading", () => {
    expect(lines).toContain("## redis-durability `redis.persistence=none`");
    expect(lines).toContain("## coordination-and-cache");
  });

  it("has the steady-state, RTO and RPO tables of the fault scenario", () => {
    const from = md.indexOf("## redis-durability");
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
    expect(md).not.toContain("<b>");
  });

  it("puts a recovery matrix before the scenarios", () => {
    const matrix = lines.indexOf("## Recovery matrix");
    expect(matrix).toBeGreaterThan(0);
    expect(matrix).toBeLessThan(lines.indexOf("## coordination-and-cache"));
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
    expect(md).toContain("## tool-latency &lt;baseline> & friends");
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
    expect(md).toContain("## capacity-redis &lt;search>");
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
