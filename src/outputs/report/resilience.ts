/**
 * The agents' resilience policies and version switch in report.html (ScenarioResult.resilience):
 * the policies as they ran, what the agents saw of each server, each fallback's cost against the
 * design module's "< 5 % degradation" (line 488), the switch step by step, the decisions as events;
 * and, at run level, a scenario run with and without its policies side by side. Server names and
 * event details come from the record: everything goes through the `html` tag.
 */
import type { ChangeJudgement, FallbackMeasurement, ResilienceResult, RunRecord, ScenarioResult, SwitchResult, SwitchStep } from "../../results/types.js";
import { formatAt, formatDuration } from "../format.js";
import {
  FALLBACK_KIND_WORD,
  RESILIENCE_RULES,
  SWITCH_OUTCOME_WORD,
  avoidedParts,
  bandText,
  fallbackLabel,
  policyText,
  relativeText,
  shareText,
  sideBySides,
  versionText,
  type SideCounts,
} from "../resilience-format.js";
import { badge, int, kv, ms, pct } from "./parts.js";
import { html, joinHtml, type SafeHtml } from "./safe-html.js";

/** Events shown per scenario: a flapping breaker can decide thousands of times, and the table is for reading. */
export const EVENT_ROWS_SHOWN = 200;
/** Above this many rows the table is folded: the fallbacks and the switch must not drown under a flapping breaker. */
const EVENT_ROWS_UNFOLDED = 20;

const COMPARISON_BADGE: Record<NonNullable<SwitchStep["comparison"]>["verdict"], string> = {
  regressed: "fail",
  improved: "pass",
  unchanged: "neutral",
  inconclusive: "inconclusive",
};

const DECISION_WORD: Record<SwitchStep["decision"], string> = {
  next: "next step",
  "rolled-back": "rolled back",
  promoted: "promoted",
  repeated: "step repeated",
  switched: "switched",
  interrupted: "interrupted",
};

const OUTCOME_BADGE: Record<SwitchResult["outcome"], string> = {
  promoted: "pass",
  switched: "pass",
  // A rollback is the policy doing its job, not a failure of the run.
  "rolled-back": "inconclusive",
  "not-started": "neutral",
  interrupted: "error",
};

function policiesTable(r: ResilienceResult): SafeHtml | string {
  if (r.policies.length === 0) return "";
  const rows = r.policies.map((p) => {
    const t = policyText(p);
    return html`<tr data-policy="${p.server}"><td><strong>${p.server}</strong></td><td class="small">${t.retries}</td><td class="small">${t.deadline}</td><td class="small">${t.breaker}</td><td class="small">${t.fallback}</td></tr>`;
  });
  return html`<h4>Policies</h4>
<div class="table-wrap"><table class="resilience-policies">
  <thead><tr><th>Server</th><th>Retries</th><th>Deadline</th><th>Circuit breaker</th><th>Fallback</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

function callsTable(r: ResilienceResult): SafeHtml | string {
  if (r.calls.length === 0) return "";
  const rows = r.calls.map(
    (c) => html`<tr data-server="${c.server}">
  <td><strong>${c.server}</strong></td><td class="num">${int(c.calls)}</td><td class="num">${int(c.ok)}</td><td class="num${c.failed > 0 ? " negative" : ""}">${int(c.failed)}</td>
  <td class="num">${int(c.primary)}</td><td class="num">${int(c.fallback)}</td><td class="num">${int(c.degraded)}</td><td class="num">${int(c.retried)}</td><td class="num">${int(c.shortCircuited)}</td>
</tr>`,
  );
  return html`<h4>Calls as the agents saw them</h4>
<p class="small muted">${RESILIENCE_RULES.agentView} Degraded answers came from the cache of last good results and count as ok, marked.</p>
<div class="table-wrap"><table class="resilience-calls">
  <thead><tr><th>Server</th><th class="num">Calls</th><th class="num">Ok</th><th class="num">Failed</th><th class="num">Via primary</th><th class="num">Via fallback</th><th class="num">Degraded</th><th class="num">Retried</th><th class="num">Short-circuited</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

function judgementCells(j: ChangeJudgement): SafeHtml {
  return html`<td class="num">${relativeText(j.relative)}</td><td class="num">${bandText(j.band)}</td><td>${badge(j.verdict)}</td><td class="small">${j.method}. ${j.reason}</td>`;
}

function segmentText(seg: { p50Ms: number | null; throughput: number; calls: number; fromMs: number; toMs: number }): string {
  return `p50 ${ms(seg.p50Ms)} ms, ${seg.throughput.toFixed(1)} ok/s, ${int(seg.calls)} calls (${formatAt(seg.fromMs)} to ${formatAt(seg.toMs)})`;
}

function fallbackBlock(f: FallbackMeasurement): SafeHtml {
  const d = f.during;
  return html`<div class="fallback" data-fallback="${f.server}" data-fault="${f.faultId}">
<h4>Fallback ${fallbackLabel(f)} <span class="small muted">(${FALLBACK_KIND_WORD[f.kind]}), fault <code>${f.faultId}</code> at ${formatAt(f.faultAtMs)}</span></h4>
${kv([
  ["healed (a kill: the stack recovered) at", f.healedAtMs === null ? "never" : formatAt(f.healedAtMs)],
  [
    "time to fail over",
    f.timeToFailOverMs === null ? "never: no call was answered ok by the fallback" : formatDuration(f.timeToFailOverMs),
    f.timeToFailOverMs === null ? "warn" : undefined,
  ],
  [
    "time to fail back",
    f.timeToFailBackMs === null ? (f.healedAtMs === null ? "no heal" : "never: the primary answered ok no more") : formatDuration(f.timeToFailBackMs),
  ],
  ["baseline (before the fault)", segmentText(f.baseline)],
  ["during the fallback", d === null ? "no call was routed to the fallback" : segmentText(d)],
  ["success rate during the fallback", d === null ? "–" : pct(d.successRate)],
  ["answered degraded", d === null ? "–" : int(d.degraded)],
  ["failed during the fault", `${int(f.failedDuringFault)} of ${int(f.callsDuringFault)} calls`, f.failedDuringFault > 0 ? "warn" : undefined],
])}
<div class="table-wrap"><table class="fallback-degradation">
  <thead><tr><th>Degradation</th><th class="num">Relative</th><th class="num">Noise band (95 %)</th><th>Verdict (&lt; 5 %)</th><th>Method and reason</th></tr></thead>
  <tbody>
    <tr data-figure="latency"><td>latency (p50)</td>${judgementCells(f.latency)}</tr>
    <tr data-figure="throughput"><td>throughput (ok/s)</td>${judgementCells(f.throughput)}</tr>
  </tbody>
</table></div>
</div>`;
}

/** One version's calls in a step, in one cell: calls, failures, p50 (three columns per version made the table too wide). */
function sideCells(side: { calls: number; failed: number; p50Ms: number | null }): SafeHtml {
  return html`<td class="num">${int(side.calls)} calls<div class="small${side.failed > 0 ? " negative" : " muted"}">${int(side.failed)} failed</div><div class="small muted">p50 ${ms(side.p50Ms)} ms</div></td>`;
}

/**
 * One step: its figures on one row, the comparison's verdict beside them, and the comparison's method and
 * reason on a row of their own under it (beside the figures they made the table too wide to read).
 */
function stepRow(st: SwitchStep, withBaseline: boolean): SafeHtml {
  const c = st.comparison;
  const verdict = c
    ? html`<td class="step-comparison"><span class="badge ${COMPARISON_BADGE[c.verdict]}">${c.verdict}</span> <span class="nowrap">${relativeText(c.relative)} ${bandText(c.band)}</span></td>`
    : html`<td class="muted small">no analysis</td>`;
  const columns = withBaseline ? 8 : 7;
  const detail = c
    ? html`<tr class="step-detail" data-step-detail="${st.index}"><td></td><td colspan="${columns - 1}" class="small muted">${c.method}. ${c.reason}</td></tr>`
    : html``;
  return html`<tr data-step="${st.index}" data-decision="${st.decision}">
  <td class="num">${st.index + 1}</td><td class="num">${shareText(st.shareTo)}</td><td class="num">${formatAt(st.startedMs)} to ${formatAt(st.endedMs)}</td>
  ${sideCells(st.from)}${st.baseline ? sideCells(st.baseline) : html``}${sideCells(st.to)}
  ${verdict}
  <td><strong>${DECISION_WORD[st.decision]}</strong></td>
</tr>${detail}`;
}

/** The baseline's header cell, when the canary was compared with a fresh instance of A. */
function withBaseline(sw: SwitchResult): SafeHtml {
  return sw.baseline ? html`<th class="num">Baseline (fresh A)</th>` : html``;
}

function switchBlock(sw: SwitchResult): SafeHtml {
  return html`<div class="version-switch">
<h4>Version switch <span class="badge ${OUTCOME_BADGE[sw.outcome]}">${SWITCH_OUTCOME_WORD[sw.outcome]}</span></h4>
${kv([
  ["from (version A)", versionText(sw.from)],
  ["to (version B)", versionText(sw.to)],
  ...(sw.baseline ? [["compared with", `${versionText(sw.baseline)}: a fresh instance of version A with as many agents as B`] as [string, string]] : []),
  ["mode", sw.mode === "canary" ? "canary: traffic shares over steps" : "blue-green: all at once"],
  ["started at", formatAt(sw.atMs)],
  ["failed calls from the switch on", `${int(sw.failedCalls)} of ${int(sw.calls)}`, sw.failedCalls > 0 ? "warn" : undefined],
])}
<p class="small muted">${RESILIENCE_RULES.switchSteps} B against A: the verdict, then the relative change of p50 ± its noise band (95 %). A rollback is the policy doing its job: it does not fail the run by itself.</p>
${
  sw.steps.length === 0
    ? html`<p class="muted">No step ran.</p>`
    : html`<div class="table-wrap"><table class="switch-steps">
  <thead><tr><th class="num">Step</th><th class="num">Share to B</th><th class="num">Time</th><th class="num">Version A</th>${withBaseline(sw)}<th class="num">Version B</th><th>B against ${sw.baseline ? "the baseline" : "A"} (p50)</th><th>Decision</th></tr></thead>
  <tbody>${joinHtml(
    sw.steps.map((st) => stepRow(st, sw.baseline !== null)),
    "\n",
  )}</tbody>
</table></div>`
}
</div>`;
}

function eventsTable(r: ResilienceResult): SafeHtml | string {
  if (r.events.length === 0 && r.eventsNotKept === 0) return html`<h4>Decisions</h4><p class="muted">No policy or switch decided anything in the window.</p>`;
  const shown = r.events.slice(0, EVENT_ROWS_SHOWN);
  const more = r.events.length - shown.length;
  const rows = shown.map(
    (e) =>
      html`<tr data-kind="${e.kind}"><td class="num">${formatAt(e.atMs)}</td><td><code>${e.kind}</code></td><td>${e.server}</td><td class="small">${e.detail}</td></tr>`,
  );
  const notes: string[] = [];
  if (more > 0) notes.push(`${int(more)} more not shown here (results.json has them)`);
  if (r.eventsNotKept > 0) notes.push(`${int(r.eventsNotKept)} more were decided but not kept (a flapping breaker can decide thousands of times)`);
  const table = html`<div class="table-wrap"><table class="resilience-events">
  <thead><tr><th class="num">At</th><th>Kind</th><th>Server</th><th>Detail</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
  const total = r.events.length + r.eventsNotKept;
  return html`<h4>Decisions</h4>
<p class="small muted">Each decision of a policy or the switch, from the start of the measurement window.</p>
${shown.length > EVENT_ROWS_UNFOLDED ? html`<details class="resilience-events-fold"><summary>${int(total)} decisions (${int(shown.length)} listed)</summary>${table}</details>` : table}
${notes.length ? html`<p class="small muted events-more">${notes.join("; ")}.</p>` : ""}`;
}

/** The decisions charts.js marks on the time charts (its MARK_LABEL): breaker transitions are left to the table. */
const MARKED_KINDS = new Set(["fallback-started", "failed-back", "switch-step", "rolled-back", "promoted", "switched"]);

/** Under the charts: what the dotted violet lines are, when the scenario has any to draw. */
export function resilienceLegend(s: ScenarioResult): SafeHtml | string {
  if (!(s.resilience?.events ?? []).some((e) => MARKED_KINDS.has(e.kind))) return "";
  return html`<p class="small muted resilience-legend"><span class="swatch resilience-mark"></span> a decision of the resilience policies or the switch
  (fallback taken, failed back, switch step, rolled back, promoted, switched; at most 40 per chart). Breaker transitions are only in the Decisions table.</p>`;
}

/** A scenario's resilience section: nothing when the scenario had no policy and no switch. */
export function resilienceSection(s: ScenarioResult, si: number): SafeHtml | string {
  const r = s.resilience;
  if (!r) return "";
  return html`<div class="resilience" id="resilience-${si}">
  <h3>Resilience</h3>
  ${r.fallbacks.length ? html`<p class="small muted">${RESILIENCE_RULES.fallback}</p>` : ""}
  ${policiesTable(r)}
  ${callsTable(r)}
  ${joinHtml(r.fallbacks.map(fallbackBlock), "\n")}
  ${r.fallbacks.length === 0 && r.policies.some((p) => p.fallback !== null) ? html`<p class="muted no-fallback">No fallback was measured in this scenario.</p>` : ""}
  ${r.switch ? switchBlock(r.switch) : ""}
  ${eventsTable(r)}
</div>`;
}

function basisText(side: SideCounts): string {
  return side.basis === "server's corrected counts" && side.missed > 0 ? `${side.basis} (${int(side.missed)} of the failed are missed calls)` : side.basis;
}

function sideTd(side: SideCounts): SafeHtml {
  const share = side.failedShare === null ? null : 1 - side.failedShare;
  return html`<td class="num">${int(side.calls)}</td><td class="num${side.failed > 0 ? " negative" : ""}">${int(side.failed)}</td><td class="num">${pct(share)}</td>`;
}

/**
 * Run level: each scenario run with and without its policies (matrix `resilience: [true, false]`), one
 * table per pair, so the failures the policies avoided are read on one line per server.
 */
export function resilienceSideBySide(run: RunRecord): SafeHtml | string {
  const pairs = sideBySides(run.scenarios);
  if (pairs.length === 0) return "";
  const tables = pairs.map((p) => {
    const rows = p.rows.map((r) => {
      const avoided = avoidedParts(r);
      return html`<tr data-server="${r.server}">
  <td><strong>${r.server}</strong></td>
  ${sideTd(r.on)}
  ${sideTd(r.off)}
  <td class="num avoided"><strong>${avoided.count}</strong><div class="small muted">${avoided.shares}</div></td>
</tr>`;
    });
    return html`<div class="side-by-side" data-scenario-on="${p.onIndex}" data-scenario-off="${p.offIndex}">
<h3>${p.name}: <a href="#scenario-${p.onIndex}"><code>${p.onVariant}</code></a> against <a href="#scenario-${p.offIndex}"><code>${p.offVariant}</code></a></h3>
<div class="table-wrap"><table class="resilience-side-by-side">
  <thead>
    <tr><th rowspan="2">Server</th><th colspan="3">With the policies</th><th colspan="3">Without them</th><th rowspan="2" class="num">Failures the policy avoided</th></tr>
    <tr><th class="num">Calls</th><th class="num">Failed</th><th class="num">Success rate</th><th class="num">Calls</th><th class="num">Failed</th><th class="num">Success rate</th></tr>
  </thead>
  <tbody>${rows}</tbody>
</table></div>
<p class="small muted counted-by">Counted by: ${p.rows.map((r) => `${r.server}: with the policies, the ${basisText(r.on)}; without, the ${basisText(r.off)}`).join(". ")}.</p>
</div>`;
  });
  return html`<section class="card" id="resilience-side-by-side">
  <h2>With and without the resilience policies</h2>
  <p class="muted small">The same scenario, same load and faults, run once with the agents' resilience policies and once without. ${RESILIENCE_RULES.avoided}
  Each server's own availability (its section) is not compared here: with a policy the agents stop calling a failing server, so its figure says how the server did, not what the agents got.</p>
  ${joinHtml(tables, "\n")}
</section>`;
}
