/**
 * Fault injection in report.html: the recovery matrix across scenarios (matrix
 * cells), and per scenario the steady state, RTO per fault, RPO per store and
 * the probe chart.
 */
import type { FaultResult, RunRecord, ScenarioResult, SteadyStateCheck } from "../../results/types.js";
import {
  FAULT_TIMING_RULES,
  formatAt,
  formatDuration,
  hasFaults,
  hasRecovery,
  notRecoveredText,
  RPO_RULES,
  rpoStores,
  rpoText,
  rpoValueText,
  worstRpo,
  worstRto,
  worstVerdict,
} from "../format.js";
import { badge, int } from "./parts.js";
import { html, joinHtml, type SafeHtml } from "./safe-html.js";

const PHASES: SteadyStateCheck["phase"][] = ["before", "during", "after"];

function sloVerdictCell(s: ScenarioResult, metric: string): SafeHtml {
  const worst = worstVerdict(s.slos, metric);
  if (!worst) return html`<span class="muted">no SLO</span>`;
  return html`${worst.slos.map((x) => {
    // With one SLO of the metric the column says what it is; with several, the server tells them apart.
    const scope = worst.slos.length > 1 && x.scope.server ? html` <span class="muted">${x.scope.server}</span>` : "";
    return html`<div class="slo-line" title="${`${x.title}: measured ${x.measuredText}. ${x.reason}`}">${badge(x.verdict)} <span class="small">${x.objective}${scope}</span></div>`;
  })}`;
}

/**
 * The table an SRE compares across durability settings: one row per scenario
 * (matrix cell) with its worst RTO, its RPO per store and its rto/rpo verdicts.
 */
export function recoveryMatrix(run: RunRecord): SafeHtml | string {
  if (!run.scenarios.some((s) => (s.faults?.length ?? 0) > 0)) return "";
  const stores = rpoStores(run.scenarios);
  const rows: SafeHtml[] = [];
  run.scenarios.forEach((s, si) => {
    if ((s.faults?.length ?? 0) === 0 && (s.rpo?.length ?? 0) === 0) return;
    const w = worstRto(s);
    const faultsText = w.injected === 0 ? html`<span class="muted">none injected</span>` : `${w.recoveredCount} of ${w.injected} recovered`;
    const skipped = w.notInjected > 0 ? html`<div class="small muted">${w.notInjected} not injected</div>` : "";
    const rto =
      w.injected === 0
        ? "–"
        : !w.recovered
          ? html`<span class="negative">${notRecoveredText(w.limitMs ?? 0)}</span><div class="small muted">${w.faultId ?? ""}</div>`
          : w.rtoMs === null
            ? "–"
            : html`<strong>${formatDuration(w.rtoMs)}</strong><div class="small muted">${w.faultId ?? ""}</div>`;
    const rpoCells = stores.map((store) => {
      const r = worstRpo(s, store);
      if (!r) return html`<td class="muted">–</td>`;
      const lostClass = r.lost > 0 || r.readBackError !== undefined ? "negative" : "ok-text";
      return html`<td class="rpo-cell" data-store="${store}" title="${`${r.durability}. ${r.text ?? rpoText(r)}`}"><span class="${lostClass}">${rpoValueText(r)}</span>
  <div class="small muted">${int(r.lost)} of ${int(r.acknowledged)} writes lost</div></td>`;
    });
    const state = (s.steadyState ?? [])
      .slice()
      .sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase))
      .map((c) => html`<span class="dot ${c.met ? "met" : "not-met"}" title="${`${c.phase}: ${c.met ? "met" : "not met"}. ${c.detail}`}">${c.phase}</span>`);
    rows.push(html`<tr class="matrix-row" data-scenario="${si}">
  <td><a href="#scenario-${si}"><strong>${s.name}</strong></a>${s.variant ? html`<div><code class="variant-code">${s.variant}</code></div>` : ""}</td>
  <td>${faultsText}${skipped}</td>
  <td class="rto-cell">${rto}</td>
  ${joinHtml(rpoCells, "\n  ")}
  <td class="steady-cell">${state.length > 0 ? joinHtml(state, " ") : html`<span class="muted">–</span>`}</td>
  <td>${sloVerdictCell(s, "rto")}</td>
  <td>${sloVerdictCell(s, "rpo")}</td>
</tr>`);
  });
  return html`<section class="card" id="recovery-matrix">
  <h2>Recovery matrix</h2>
  <p class="muted small">How each scenario, in each matrix cell, came back from the faults injected into it.
  Worst RTO: the slowest recovery, or the first fault it never recovered from. RPO per store: how far back acknowledged writes were lost (worst fault).
  Details per fault are in each scenario below.</p>
  <div class="table-wrap"><table class="matrix">
    <thead><tr><th>Scenario and variant</th><th>Faults</th><th>Worst RTO</th>${stores.map((x) => html`<th>RPO ${x}</th>`)}<th>Steady state</th><th>RTO SLO</th><th>RPO SLO</th></tr></thead>
    <tbody>${joinHtml(rows, "\n")}</tbody>
  </table></div>
</section>`;
}

function steadyStateBadges(s: ScenarioResult): SafeHtml | string {
  const checks = s.steadyState ?? [];
  // Steady states belong to runs that inject faults; RPO writers alone have none.
  if (checks.length === 0 || !hasFaults(s)) return "";
  const items = PHASES.map((phase) => {
    const c = checks.find((x) => x.phase === phase);
    if (!c) {
      return html`<div class="steady-item" data-phase="${phase}"><span class="badge neutral">${phase}: not checked</span></div>`;
    }
    return html`<div class="steady-item" data-phase="${phase}" data-met="${String(c.met)}">
  <span class="badge ${c.met ? "pass" : "fail"}">${phase}: ${c.met ? "met" : "not met"}</span>
  <div class="small">${c.detail}</div>
  <div class="small muted">${int(c.probes)} probes, ${int(c.failures)} failed</div>
</div>`;
  });
  return html`<h4>Steady state</h4><div class="steady">${items}</div>`;
}

function faultRow(f: FaultResult): SafeHtml {
  const what = html`<td><strong>${f.id}</strong><div class="small">${f.description}</div><div class="small muted">${f.kind} · ${f.target}</div></td>`;
  if (!f.injected) {
    return html`<tr class="fault-row not-injected" data-fault="${f.id}">
  ${what}
  <td colspan="8" class="muted">Not injected${f.notInjectedReason ? `: ${f.notInjectedReason}` : ""}</td>
</tr>`;
  }
  const rto = f.recovered
    ? html`<strong>${formatDuration(f.rtoMs)}</strong>`
    : html`<span class="negative not-recovered">${notRecoveredText(f.limitMs)}</span>`;
  const observations =
    f.observations.length > 0 ? html`<ul class="observations">${f.observations.map((o) => html`<li>${o}</li>`)}</ul>` : html`<span class="muted">–</span>`;
  return html`<tr class="fault-row ${f.recovered ? "recovered" : "not-recovered"}" data-fault="${f.id}">
  ${what}
  <td class="num">${formatAt(f.injectedAtMs)}</td>
  <td class="num">${f.healedAtMs === null ? html`<span class="muted">never</span>` : formatAt(f.healedAtMs)}</td>
  <td class="num">${f.readyAtMs === undefined || f.readyAtMs === null ? html`<span class="muted">–</span>` : formatAt(f.readyAtMs)}</td>
  <td class="num">${f.timeToDetectMs === null ? html`<span class="muted">no probe failed</span>` : formatDuration(f.timeToDetectMs)}</td>
  <td class="num rto">${rto}</td>
  <td class="num">${formatDuration(f.afterHealMs)}</td>
  <td>${f.supervisor ? "on" : "off"}</td>
  <td class="obs-cell">${observations}</td>
</tr>`;
}

function rtoTable(s: ScenarioResult): SafeHtml | string {
  const faults = s.faults ?? [];
  if (faults.length === 0) return "";
  const probe = s.probe;
  const k = probe ? `${probe.consecutive} consecutive successful probes` : "consecutive successful probes";
  return html`<h4>RTO per fault</h4>
<p class="small muted">Detected: first failed probe after the fault. RTO: from the fault to the first of ${k}.
${FAULT_TIMING_RULES.join(" ")}</p>
<div class="table-wrap"><table class="rto-table">
  <thead><tr><th>Fault</th><th class="num">Injected at</th><th class="num">Healed at</th><th class="num">Ready at</th><th class="num">Detected after</th><th class="num">RTO</th><th class="num">After heal</th><th>Supervisor</th><th>Observations</th></tr></thead>
  <tbody>${joinHtml(faults.map(faultRow), "\n")}</tbody>
</table></div>`;
}

function rpoTable(s: ScenarioResult): SafeHtml | string {
  const rows = s.rpo ?? [];
  if (rows.length === 0) return "";
  const body = rows.map(
    (r) => html`<tr class="rpo-row${r.lost > 0 ? " lost" : ""}" data-store="${r.store}">
  <td><strong>${r.store}</strong></td>
  <td class="small">${r.durability}</td>
  <td class="num">${int(r.acknowledged)}</td>
  <td class="num">${int(r.present)}</td>
  <td class="num${r.lost > 0 ? " negative" : ""}">${int(r.lost)}</td>
  <td class="num">${int(r.unacknowledgedPresent)}</td>
  <td class="num">${r.lost === 0 && r.readBackError === undefined ? html`<span class="ok-text">no loss</span>` : html`<strong class="negative">${rpoValueText(r)}</strong>`}<div class="small">${r.text ?? rpoText(r)}</div></td>
  <td class="num">${formatAt(r.faultAtMs)}</td>
</tr>`,
  );
  const intro = hasFaults(s) ? "" : "Consistency check: RPO writers with no fault injected, so every acknowledged write must be read back. ";
  return html`<h4>RPO per store</h4>
<p class="small muted">${intro}${RPO_RULES.join(" ")}
Unacknowledged but present: writes that landed without an acknowledgement; not loss.</p>
<div class="table-wrap"><table class="rpo-table">
  <thead><tr><th>Store</th><th>Durability</th><th class="num">Acknowledged</th><th class="num">Present</th><th class="num">Lost</th><th class="num">Unacknowledged but present</th><th class="num">RPO</th><th class="num">Fault at</th></tr></thead>
  <tbody>${body}</tbody>
</table></div>`;
}

function probeChart(s: ScenarioResult, si: number): SafeHtml | string {
  const p = s.probe;
  if (!p || p.points.length === 0) return "";
  const failed = p.points.filter((x) => !x.ok).length;
  return html`<figure class="probe-figure"><figcaption>Probe <code>${p.server}/${p.tool}</code> every ${formatDuration(p.intervalMs)}
  (timeout ${formatDuration(p.timeoutMs)}): ${int(p.points.length - failed)} ok, ${int(failed)} failed</figcaption>
  <div class="chart probe"><canvas data-scenario="${si}" data-chart="probe" role="img" aria-label="Probe results over time, ok or failed"></canvas></div></figure>`;
}

function warningsBlock(s: ScenarioResult): SafeHtml | string {
  const w = s.warnings ?? [];
  return w.length === 0 ? "" : html`<div class="warnings"><h4>Warnings</h4><ul>${w.map((x) => html`<li>${x}</li>`)}</ul></div>`;
}

/** A scenario's fault injection and data-loss details (or a consistency check with no fault). */
export function recoverySection(s: ScenarioResult, si: number): SafeHtml | string {
  if (!hasRecovery(s)) return "";
  return html`<div class="recovery">
  <h3>${hasFaults(s) ? "Recovery under faults" : "Data loss (consistency check, no fault injected)"}</h3>
  ${warningsBlock(s)}
  ${steadyStateBadges(s)}
  ${rtoTable(s)}
  ${rpoTable(s)}
  ${probeChart(s, si)}
</div>`;
}
