/**
 * The three outputs state availability (load and probe), raw and corrected call
 * counts, the three kinds of failed call, server processes that exited and the
 * harness's timing delay, each in the same words (src/outputs/availability-format.ts).
 * The scenario is the crash fixture of test/availability.e2e.test.ts, with the
 * figures one run of it gave, rounded.
 */
import { describe, expect, it } from "vitest";
import type { RunRecord, ScenarioResult } from "../results/types.js";
import { sampleRunRecord } from "../../test/support/records.js";
import { renderHtmlReport } from "./html-report.js";
import { renderJunit } from "./junit.js";
import { renderSummaryMarkdown } from "./summary-md.js";
import { RULES } from "./availability-format.js";

const CRASH_LINE = "fixture: simulated crash after 1424 calls";

function crashedScenario(): ScenarioResult {
  return {
    name: "e2e-server-crashes",
    description: "A server whose processes crash 4 s into an 8 s window.",
    file: "test/fixtures/e2e-server-crashes.yaml",
    profile: "ci",
    status: "completed",
    startedAt: "2025-11-22T03:40:00.000Z",
    endedAt: "2025-11-22T03:40:12.000Z",
    servers: [
      {
        name: "crashes",
        package: "custom",
        version: "1.0.0",
        transport: "stdio",
        startToReadyMs: { p50: 400, max: 450, sessions: 3 },
        upstream: "none",
        tools: ["work"],
      },
    ],
    backends: [],
    load: {
      model: "closed",
      agents: 2,
      warmupMs: 0,
      durationMs: 8000,
      measuredMs: 8600,
      offered: 2841,
      completed: 2841,
      lateSends: 0,
      dropped: 0,
      lateThresholdMs: 10,
      throughput: 328,
      generatorCpu: 0.2,
      eventLoopDelayP99Ms: 4.2,
      harnessTimed: true,
    },
    latency: [],
    timeline: { intervalMs: 1000, points: [] },
    errors: [
      { server: "crashes", tool: "work", outcome: "error", kind: "transport", message: "Not connected", count: 16 },
      {
        server: "crashes",
        tool: "work",
        outcome: "error",
        kind: "protocol",
        message: "protocol error: the answer breaks the MCP result schema at content",
        count: 1,
      },
    ],
    availability: {
      definition: "Availability is time-based: good time / observed time.",
      figures: [
        {
          server: "crashes",
          load: { goodMs: 8028, badMs: 9157, ratio: 8028 / 17_185, trials: 7251 },
          probe: { tool: "work", intervalMs: 1000, timeoutMs: 2000, probes: 9, ok: 5, ratio: 5 / 9, source: "availability-probe" },
          judgedBy: "load",
        },
        {
          server: "*",
          load: { goodMs: 8028, badMs: 9157, ratio: 8028 / 17_185, trials: 7251 },
          probe: { tool: "work", intervalMs: 1000, timeoutMs: 2000, probes: 9, ok: 5, ratio: 5 / 9, source: "availability-probe" },
          judgedBy: "load",
        },
      ],
      probe: { intervalMs: 1000, timeoutMs: 2000 },
      countsCorrected: true,
      correctionNote: "closed model: a timed-out call and a backoff after a lost session also count the calls the agent would have sent meanwhile",
    },
    calls: [
      {
        server: "crashes",
        tool: "work",
        ok: 2823,
        failed: { tool: 0, protocol: 1, transport: 17 },
        timeouts: 0,
        missed: 4410,
        successRate: { raw: 2823 / 2841, corrected: 2823 / 7251 },
      },
    ],
    serverExits: [
      { server: "crashes", session: "crashes#1", atMs: 4054, code: 3, signal: null, stderr: [CRASH_LINE, "fixture: giving up with exit code 3"] },
      { server: "crashes", session: "crashes#0", atMs: 4056, code: 3, signal: null, stderr: ["fixture: simulated crash after 1399 calls"] },
    ],
    slos: [
      {
        id: "availability",
        title: "System availability",
        metric: "availability",
        objective: "availability >= 99.9 %",
        source: { document: "MCP Enterprise Guide", lines: "32" },
        scope: {},
        measured: 8028 / 17_185,
        unit: "ratio",
        measuredText: "46.716 % of 17.19 s observed",
        samples: 7251,
        interval: { low: 0.455, high: 0.479, kind: "wilson95", of: "time-based availability" },
        margin: 8028 / 17_185 - 0.999,
        marginText: "53.2 % below the target",
        verdict: "fail",
        reason: "judged on the load",
        standIn: false,
      },
    ],
  };
}

const run: RunRecord = sampleRunRecord({ scenarios: [crashedScenario()], counts: { pass: 0, fail: 1, inconclusive: 0 }, verdict: "fail" });

describe("availability, calls and exits in every output", async () => {
  const html = await renderHtmlReport(run);
  const md = renderSummaryMarkdown(run);
  const xml = renderJunit(run);

  it("report.html: load- and probe-based availability side by side, raw and corrected counts, kinds, the exits", () => {
    expect(html).toContain("<h3>Availability</h3>");
    expect(html).toMatch(/46\.72 %<\/td><td class="small">8\.03 s good of 17\.2 s observed, 7251 intended calls/);
    expect(html).toMatch(/55\.56 %<\/td><td class="small">5 of 9 ok \(work every 1 s, deadline 2 s\)/);
    expect(html).toContain("Calls: raw and corrected");
    expect(html).toMatch(/<td class="num">4410<\/td><td class="num">99\.37 %<\/td><td class="num">38\.93 %<\/td>/);
    expect(html).toContain("<td>protocol error</td>");
    expect(html).toContain("<td>transport failure or timeout</td>");
    expect(html).toContain("Server processes that exited");
    expect(html).toContain("<code>crashes#1</code>");
    expect(html).toContain("exit code 3");
    expect(html).toContain(CRASH_LINE);
    // On the first screen too: "Needs attention".
    expect(html).toMatch(/Needs attention[\s\S]*Exited<\/span> <strong>crashes<\/strong>[\s\S]*2 processes exited/);
    expect(html).toContain("allowed for in latency verdicts");
    for (const rule of Object.values(RULES)) expect(html).toContain(rule.replace(/'/g, "&#39;"));
  });

  it("summary.md: the same tables and rules", () => {
    expect(md).toContain(
      "| crashes | 46.72 % | 8.03 s good of 17.2 s observed, 7251 intended calls | 55.56 % | 5 of 9 ok (work every 1 s, deadline 2 s) | load |",
    );
    expect(md).toContain("| crashes | work | 2823 | 0 | 1 | 17 | 4410 | 99.37 % | 38.93 % |");
    expect(md).toContain(`| crashes#1 | 4.1 s | exit code 3 | ${CRASH_LINE} \\| fixture: giving up with exit code 3 |`);
    expect(md).toContain("| crashes | work | transport failure or timeout | error | 16 | Not connected |");
    expect(md).toContain("## How availability, success rate and latency verdicts are measured");
    for (const rule of Object.values(RULES)) expect(md).toContain(rule);
  });

  it("junit.xml: the failure message of the server's SLOs names the exit and its stderr", () => {
    const failure = /<failure message="([^"]*)"/.exec(xml)?.[1] ?? "";
    expect(failure).toContain(`server processes exited: crashes#1 exited (exit code 3) at 4.1 s; last stderr: ${CRASH_LINE}`);
    expect(failure).toContain("crashes#0 exited (exit code 3)");
  });
});
