/**
 * The agents' resilience policies and version switch in every output: report.html, summary.md,
 * junit.xml, from hand-built records (test/support/resilience-records.ts) that validate as a RunRecord.
 */
import { describe, it, expect } from "vitest";
import { RunRecord } from "../results/schema.js";
import { HOSTILE, sampleRunRecord, withHostileText } from "../../test/support/records.js";
import { resilienceRunRecord } from "../../test/support/resilience-records.js";
import { renderHtmlReport } from "./html-report.js";
import { renderJunit } from "./junit.js";
import { EVENT_ROWS_SHOWN } from "./report/resilience.js";
import { escapeHtml } from "./report/safe-html.js";
import { sideBySides } from "./resilience-format.js";
import { renderSummaryMarkdown } from "./summary-md.js";

function has(text: string, snippet: string): void {
  expect(text.includes(snippet), `expected the output to contain: ${snippet}`).toBe(true);
}
function lacks(text: string, snippet: string): void {
  expect(text.includes(snippet), `expected the output not to contain: ${snippet}`).toBe(false);
}

/** The part of `text` from `start` to the first `end` after it. */
function between(text: string, start: string, end: string): string {
  const i = text.indexOf(start);
  expect(i, `expected the output to contain: ${start}`).toBeGreaterThanOrEqual(0);
  const j = text.indexOf(end, i + start.length);
  return text.slice(i, j < 0 ? undefined : j);
}

describe("resilience records", () => {
  it("validate against the RunRecord schema", () => {
    const parsed = RunRecord.safeParse(JSON.parse(JSON.stringify(resilienceRunRecord())));
    expect(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true);
  });

  it("pair the cells run with and without the policies, and count what the policies avoided", () => {
    const [pair, ...rest] = sideBySides(resilienceRunRecord().scenarios);
    expect(rest).toEqual([]);
    expect(pair).toMatchObject({ name: "redis-fallback", onVariant: "resilience=true", offVariant: "resilience=false", onIndex: 0, offIndex: 1 });
    const row = pair!.rows[0]!;
    // With: the agents' view, 12 of 6,000 failed. Without: the server's corrected counts, 600 failed of 6,000 sent
    // and 50 missed (intended, not sent: failed too), so 650 of 6,050.
    expect(row.on).toMatchObject({ calls: 6_000, failed: 12, basis: "agents' view" });
    expect(row.off).toMatchObject({ calls: 6_050, failed: 650, basis: "server's corrected counts", missed: 50 });
    expect(row.avoided).toBeCloseTo((650 / 6_050 - 12 / 6_000) * 6_000, 6);
  });

  it("find no pair without both cells", () => {
    const run = resilienceRunRecord();
    expect(sideBySides([run.scenarios[0]!, run.scenarios[2]!])).toEqual([]);
  });
});

describe("report.html: resilience", async () => {
  const run = resilienceRunRecord();
  const page = await renderHtmlReport(run);
  const fallbackCell = between(page, '<div class="resilience" id="resilience-0">', '<div class="capacity"');
  const canary = between(page, '<div class="resilience" id="resilience-2">', "</section>");

  it("has a Resilience section only in the scenarios that carry one", async () => {
    has(page, '<div class="resilience" id="resilience-0">');
    lacks(page, 'id="resilience-1"');
    has(page, '<div class="resilience" id="resilience-2">');
    lacks(await renderHtmlReport(sampleRunRecord()), '<div class="resilience"');
  });

  it("shows each policy: retries, deadline, breaker and fallback", () => {
    const policies = between(fallbackCell, '<table class="resilience-policies">', "</table>");
    has(policies, "2 (backoff 50.0 ms, jitter 20 %)");
    has(policies, '<td class="small">2 s</td>');
    has(policies, "opens at 50 % failed of the last 20 calls (at least 10), open 5 s, 1 half-open probe");
    has(policies, "alternative server: redis-official (tools get, set)");
  });

  it("shows the agents' counts per server: via primary, fallback, degraded, retried, short-circuited", () => {
    const calls = between(fallbackCell, '<table class="resilience-calls">', "</table>");
    has(calls, '<td class="num">6,000</td><td class="num">5,988</td><td class="num negative">12</td>');
    has(calls, '<td class="num">2,980</td><td class="num">3,020</td><td class="num">0</td><td class="num">41</td><td class="num">2,870</td>');
  });

  it("shows each fallback: fault, fail-over and fail-back, baseline against during, both degradations judged", () => {
    const fb = between(fallbackCell, '<div class="fallback"', '<div class="table-wrap"><table class="resilience-events">');
    has(fb, "Fallback redis -&gt; redis-official");
    has(fb, "fault <code>redis-mcp-kill</code> at 20.0 s");
    has(fb, "<dt>time to fail over</dt><dd>180 ms</dd>");
    has(fb, "<dt>time to fail back</dt><dd>420 ms</dd>");
    has(fb, "<dt>baseline (before the fault)</dt><dd>p50 1.50 ms, 100.0 ok/s, 2,000 calls (0.0 s to 20.0 s)</dd>");
    has(fb, "<dt>during the fallback</dt><dd>p50 1.58 ms, 99.5 ok/s, 3,020 calls (20.2 s to 50.4 s)</dd>");
    has(fb, "<dt>success rate during the fallback</dt><dd>99.60 %</dd>");
    has(fb, '<div class="warn"><dt>failed during the fault</dt><dd>12 of 3,020 calls</dd></div>');
    const latency = between(fb, '<tr data-figure="latency">', "</tr>");
    has(latency, '<td class="num">+5.3 %</td><td class="num">± 4.1 %</td><td><span class="badge inconclusive">Inconclusive</span></td>');
    has(latency, "p50 interval from the HDR counts, widened for dependence. +5.3 % is above 5 % but within the noise band");
    const throughput = between(fb, '<tr data-figure="throughput">', "</tr>");
    has(throughput, '<td class="num">+0.5 %</td><td class="num">± 2.0 %</td><td><span class="badge pass">Pass</span></td>');
  });

  it("shows the switch: versions, stand-in, mode, outcome, and one row per step with its comparison and decision", () => {
    has(canary, "rolled back to version A");
    has(canary, "<dt>to (version B)</dt><dd>redis-slow@2025.4.26 (stand-in: adds 2 ms to every answer)</dd>");
    has(canary, "<dt>mode</dt><dd>canary: traffic shares over steps</dd>");
    const steps = between(canary, '<table class="switch-steps">', "</table>");
    expect(steps.match(/<tr data-step=/g)?.length).toBe(2);
    const first = between(steps, '<tr data-step="0"', "</tr>");
    has(first, '<td class="num">10 %</td><td class="num">10.0 s to 25.0 s</td>');
    has(first, '<span class="badge neutral">unchanged</span>');
    has(first, "<strong>next step</strong>");
    const second = between(steps, '<tr data-step="1" data-decision="rolled-back">', "</tr>");
    has(second, '<td class="num">1,125 calls<div class="small muted">0 failed</div><div class="small muted">p50 1.50 ms</div></td>');
    has(second, '<td class="num">375 calls<div class="small muted">0 failed</div><div class="small muted">p50 2.12 ms</div></td>');
    has(second, '<span class="badge fail">regressed</span> <span class="nowrap">+41.0 % ± 6.0 %</span>');
    has(second, "<strong>rolled back</strong>");
    // The comparison's method and reason on the row under the step's.
    has(
      between(steps, '<tr class="step-detail" data-step-detail="1">', "</tr>"),
      "p50 intervals from the HDR counts. +41.0 % is outside the noise band and above 5 %",
    );
  });

  it("lists the decisions, at most 200, and says how many more there were and how many were not kept", () => {
    const events = between(fallbackCell, '<table class="resilience-events">', "</table>");
    expect(events.match(/<tr data-kind=/g)?.length).toBe(EVENT_ROWS_SHOWN);
    has(
      events,
      '<tr data-kind="breaker-opened"><td class="num">20.1 s</td><td><code>breaker-opened</code></td><td>redis</td><td class="small">12 of 20 calls failed (60 %)</td></tr>',
    );
    const total = run.scenarios[0]!.resilience!.events.length;
    has(fallbackCell, `${total - EVENT_ROWS_SHOWN} more not shown here (results.json has them); 37 more were decided but not kept`);
    // That many rows are folded under a count of every decision, kept or not.
    has(fallbackCell, `<summary>${total + 37} decisions (200 listed)</summary>`);
    // The canary's 5 events are all shown, with no note.
    expect(canary.match(/<tr data-kind=/g)?.length).toBe(5);
    lacks(canary, "more not shown");
    lacks(canary, "resilience-events-fold");
  });

  it("puts the cells with and without the policies side by side, before the scenarios, with the failures avoided", () => {
    const section = between(page, '<section class="card" id="resilience-side-by-side">', "</section>");
    expect(page.indexOf('id="resilience-side-by-side"')).toBeLessThan(page.indexOf('id="scenario-0"'));
    has(section, "(failed / calls without the policies - failed / calls with them) x calls with them");
    has(section, '<a href="#scenario-0"><code>resilience=true</code></a> against <a href="#scenario-1"><code>resilience=false</code></a>');
    const row = between(section, '<tr data-server="redis">', "</tr>");
    // With: 12 of 6,000 failed; without: 650 of 6,050 (50 of them missed), 89.26 % ok.
    has(row, '<td class="num">6,000</td><td class="num negative">12</td><td class="num">99.80 %</td>');
    has(row, '<td class="num">6,050</td><td class="num negative">650</td><td class="num">89.26 %</td>');
    lacks(row, "(load)");
    has(section, "Counted by: redis: with the policies, the agents&#39; view; without, the server&#39;s corrected counts (50 of the failed are missed calls).");
    has(row, '<td class="num avoided"><strong>633</strong><div class="small muted">failure share 10.74 % without, 0.2 % with</div></td>');
  });

  it("has no side-by-side without a cell run without the policies", async () => {
    const run = resilienceRunRecord();
    lacks(await renderHtmlReport({ ...run, scenarios: [run.scenarios[0]!, run.scenarios[2]!] }), 'id="resilience-side-by-side"');
  });

  it("escapes every text of the record in the section", async () => {
    const hostile = await renderHtmlReport(withHostileText(resilienceRunRecord()));
    lacks(hostile, "<script>window.__pwned");
    lacks(hostile, '<img src=x onerror="window.__pwned');
    has(hostile, `12 of 20 calls failed (60 %)${escapeHtml(HOSTILE)}`);
    has(hostile, `adds 2 ms to every answer${escapeHtml(HOSTILE)}`);
    has(hostile, 'id="resilience-side-by-side"');
  });
});

describe("summary.md: resilience", () => {
  const md = renderSummaryMarkdown(resilienceRunRecord());

  it("has one line per fallback: server -> fallback, time to fail over, both degradations with their verdicts", () => {
    has(
      md,
      "- Fallback redis -> redis-official (fault redis-mcp-kill at 20.0 s): failed over in 180 ms; latency +5.3 % ± 4.1 %, inconclusive; throughput +0.5 % ± 2.0 %, pass; failed during the fault: 12 of 3,020 calls",
    );
  });

  it("has the switch's outcome with the step where it was decided", () => {
    has(
      md,
      "- Switch redis@2025.4.25 -> redis-slow@2025.4.26 (stand-in: adds 2 ms to every answer) (canary): rolled back to version A at step 2 (25 % to B): B against A regressed +41.0 % ± 6.0 %; 0 of 3,000 calls failed from the switch on",
    );
  });

  it("says the rules once, in the folded notes", () => {
    const notes = between(md, "<summary>Notes and how the figures are measured</summary>", "</details>");
    has(notes, "### How fallbacks, switches and avoided failures are measured");
    has(notes, "- Fallback window: from the first call routed to the fallback to the last one;");
    has(notes, "- At each step a share of the agents goes to version B with all their calls");
    has(notes, "- Failures the policy avoided: (failed / calls without the policies - failed / calls with them) x calls with them");
    expect(md.split("Fallback window: from the first call").length).toBe(2);
    lacks(renderSummaryMarkdown(sampleRunRecord()), "### How fallbacks, switches");
  });

  it("says what the policies avoided in the cell run with them, not in the other", () => {
    const line = "- Against `resilience=false`: redis failed 12 of 6000 calls with the policies, 650 of 6050 without; failures the policy avoided: 633";
    has(md, line);
    expect(md.split(line).length).toBe(2);
    const off = between(md, "<code>resilience=false</code>", "</details>");
    lacks(off, "Resilience:");
  });
});

describe("junit.xml: resilience", () => {
  const xml = renderJunit(resilienceRunRecord());

  it("records a switch as one passing case with its outcome and steps, and as a property of the suite", () => {
    const c = between(xml, '<testcase name="resilience switch redis@2025.4.25 -&gt; redis-slow@2025.4.26"', "</testcase>");
    lacks(c, "<failure");
    lacks(c, "<skipped");
    has(c, 'time="30.000"');
    has(c, "outcome: rolled-back (rolled back to version A)");
    has(c, "decided at step: 2");
    has(c, "step 2: 25 % to B, A 1125 calls 0 failed, B 375 calls 0 failed; B against A regressed +41.0 % ± 6.0 %");
    has(xml, '<property name="resilience switch outcome" value="rolled-back"/>');
  });

  it("adds no case for a scenario without a switch: its SLOs are its cases", () => {
    expect(xml.match(/<testcase name="resilience switch /g)?.length).toBe(1);
    has(xml, 'name="fallback.degradation@redis [server=redis]"');
  });
});

describe("resilience outputs: what was not measured is said, not shown as a figure", async () => {
  const run = resilienceRunRecord();
  const [on, , canary] = run.scenarios;
  const f = on!.resilience!.fallbacks[0]!;
  // The fallback never answered ok: no call routed to it, no fail-over, no degradation figure.
  on!.resilience!.fallbacks = [
    {
      ...f,
      during: null,
      timeToFailOverMs: null,
      timeToFailBackMs: null,
      healedAtMs: null,
      latency: { ...f.latency, relative: null, band: null, verdict: "inconclusive", reason: "no call was routed to the fallback" },
      throughput: { ...f.throughput, relative: null, band: null, verdict: "inconclusive", reason: "no call was routed to the fallback" },
    },
  ];
  // A blue-green switch: one step, all traffic on B at once, no canary analysis.
  const sw = canary!.resilience!.switch!;
  const { comparison: _analysis, ...step } = sw.steps[0]!;
  canary!.resilience!.switch = { ...sw, mode: "blue-green", outcome: "switched", steps: [{ ...step, shareTo: 1, decision: "switched" }] };
  const page = await renderHtmlReport(run);
  const md = renderSummaryMarkdown(run);
  const xml = renderJunit(run);

  it("still validates", () => {
    expect(RunRecord.safeParse(JSON.parse(JSON.stringify(run))).success).toBe(true);
  });

  it("says the fallback never took a call, with dashes for the figures", () => {
    const fb = between(page, '<div class="fallback"', "<h4>Decisions</h4>");
    has(fb, "<dt>time to fail over</dt><dd>never: no call was answered ok by the fallback</dd>");
    has(fb, "<dt>time to fail back</dt><dd>no heal</dd>");
    has(fb, "<dt>healed (a kill: the stack recovered) at</dt><dd>never</dd>");
    has(fb, "<dt>during the fallback</dt><dd>no call was routed to the fallback</dd>");
    has(
      between(fb, '<tr data-figure="latency">', "</tr>"),
      '<td class="num">-</td><td class="num">-</td><td><span class="badge inconclusive">Inconclusive</span></td>',
    );
    has(
      md,
      "- Fallback redis -> redis-official (fault redis-mcp-kill at 20.0 s): never failed over; latency not measured, inconclusive; throughput not measured, inconclusive",
    );
  });

  it("shows a blue-green step with no analysis, and the switch as switched", () => {
    const sw = between(page, '<div class="version-switch">', "<h4>Decisions</h4>");
    has(sw, "switched (blue-green)");
    has(sw, "<dt>mode</dt><dd>blue-green: all at once</dd>");
    has(between(sw, '<tr data-step="0" data-decision="switched">', "</tr>"), '<td class="muted small">no analysis</td>');
    has(md, "(blue-green): switched (blue-green) at step 1 (100 % to B); 0 of 3,000 calls failed from the switch on");
    has(xml, "step 1: 100 % to B, A 1350 calls 0 failed, B 150 calls 0 failed; no analysis; decision: switched");
  });

  it("says when a scenario with a fallback policy measured no fallback", async () => {
    const r = resilienceRunRecord();
    r.scenarios[0]!.resilience!.fallbacks = [];
    has(between(await renderHtmlReport(r), 'id="resilience-0"', "<h4>Decisions</h4>"), "No fallback was measured in this scenario.");
    has(renderSummaryMarkdown(r), "- No fallback was measured in this scenario.");
  });
});
