/**
 * The run-wide sections of report.html: the verdict banner and "Needs
 * attention" a manager reads first, the SLO scorecard, and the closing notes.
 */
import type { RunRecord } from "../../results/types.js";
import { RULES, exitsSummary } from "../availability-format.js";
import { scenarioLabel } from "../format.js";
import { VERDICT_WORD, badge, breakable, duration, int, intervalText, lines, variantTag, when } from "./parts.js";
import { html, joinHtml, type SafeHtml } from "./safe-html.js";

export function banner(run: RunRecord): SafeHtml {
  const { pass, fail, inconclusive } = run.counts;
  const total = pass + fail + inconclusive;
  const env = run.environment;
  const sentence = `${pass} of ${total} SLOs met, ${fail} failed, ${inconclusive} inconclusive.`;
  const statusLine =
    run.status === "interrupted"
      ? html`<p class="status-line">The run was interrupted: only what finished is reported.</p>`
      : run.status === "error"
        ? html`<p class="status-line">The harness or its environment failed: some results are missing.</p>`
        : "";
  const meta: [string, string][] = [
    ["Run", run.runId],
    ["Date", when(run.startedAt)],
    ["Duration", duration(run.startedAt, run.endedAt)],
    ["Profile", run.profile],
    ["Environment", `${env.platform}, ${env.cpus} × ${env.cpuModel}, ${env.memoryGiB} GiB, Node ${env.node}`],
    ["Host", env.hostname],
    ...(env.stack ? [["Stack", `${env.stack.provider}${env.stack.engine ? ` on ${env.stack.engine}` : ""}`] as [string, string]] : []),
  ];
  return html`<header class="banner ${run.verdict}" id="verdict">
  <div class="verdict-label">Overall verdict</div>
  <div class="verdict-word">${VERDICT_WORD[run.verdict]}</div>
  <p class="headline">${sentence}</p>
  ${statusLine}
  <dl class="meta">${meta.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
</header>`;
}

/** The short list a manager acts on: what missed, and what could not be decided. */
export function attention(run: RunRecord): SafeHtml | string {
  const items: SafeHtml[] = [];
  for (const s of run.scenarios) {
    if (s.status === "error") {
      items.push(
        html`<li><span class="badge error">Error</span> <strong>${scenarioLabel(s)}</strong> did not run to the end: ${s.error ?? "unknown error"}</li>`,
      );
    }
    for (const server of new Set((s.serverExits ?? []).map((x) => x.server))) {
      const exits = (s.serverExits ?? []).filter((x) => x.server === server);
      items.push(
        html`<li><span class="badge fail">Exited</span> <strong>${server}</strong> <span class="muted">in ${scenarioLabel(s)}</span>: ${exits.length} process${exits.length === 1 ? "" : "es"} exited: ${exitsSummary(exits, 2)}</li>`,
      );
    }
    for (const slo of s.slos) {
      if (slo.verdict === "pass") continue;
      const standIn = slo.standIn ? html` <span class="tag">stand-in</span>` : "";
      const what = slo.verdict === "fail" ? html`measured ${slo.measuredText} against ${slo.objective} (${slo.marginText})` : slo.reason;
      items.push(html`<li>${badge(slo.verdict)} <strong>${slo.title}</strong>${standIn} <span class="muted">in ${scenarioLabel(s)}</span>: ${what}</li>`);
    }
  }
  if (items.length === 0) return "";
  return html`<section class="card attention"><h2>Needs attention</h2><ul>${items}</ul></section>`;
}

/** Ids like "server.latency.p95@github" may break at dots and before "@", never mid-word. */
function breakableId(id: string): SafeHtml {
  return breakable(id, { after: ".", before: "@" });
}

export function scorecard(run: RunRecord): SafeHtml {
  const rows: SafeHtml[] = [];
  run.scenarios.forEach((s, si) => {
    // Scenario as a group row rather than a column: the table stays narrow enough to read without scrolling.
    rows.push(
      html`<tr class="group"><th colspan="8" scope="rowgroup"><a href="#scenario-${si}">${s.name}</a>${variantTag(s)}${s.status !== "completed" ? html` <span class="badge error">${s.status}</span>` : ""}</th></tr>`,
    );
    if (s.status === "error" && s.slos.length === 0) {
      rows.push(html`<tr class="scenario-error"><td colspan="8">Scenario error, nothing judged: ${s.error ?? "unknown error"}</td></tr>`);
    }
    for (const slo of s.slos) {
      const quote = slo.source.quote ? html` title="${slo.source.quote}"` : "";
      const marginClass = slo.margin !== null && slo.margin < 0 ? "num negative" : "num";
      const interval = intervalText(slo);
      const standIn = slo.standIn ? html` <span class="tag" title="Measured against a local stand-in of a SaaS API, not the real API">stand-in</span>` : "";
      rows.push(html`<tr class="slo-row ${slo.verdict}${slo.standIn ? " stand-in" : ""}" data-slo="${slo.id}">
  <td>${badge(slo.verdict)}</td>
  <td><div class="slo-title">${slo.title}${standIn}</div><code>${breakableId(slo.id)}</code></td>
  <td>${slo.objective}</td>
  <td class="num"${interval ? html` title="${interval}"` : ""}><strong>${slo.measuredText}</strong></td>
  <td class="${marginClass}">${slo.marginText}</td>
  <td class="num">${int(slo.samples)}</td>
  <td class="source"><span class="quote"${quote}>${slo.source.document}</span>, ${lines(slo.source)}</td>
  <td class="reason">${slo.reason}${interval ? html`<div class="small muted">${interval}</div>` : ""}</td>
</tr>`);
    }
  });
  const anyStandIn = run.scenarios.some((s) => s.slos.some((x) => x.standIn));
  return html`<section class="card" id="scorecard">
  <h2>SLO scorecard</h2>
  <p class="muted small">Each target comes from the document and line shown; hover a source to read the words it quotes.
  A verdict needs the 95 % interval, not just the point estimate, to clear the target; otherwise it is inconclusive.</p>
  <div class="table-wrap"><table class="scorecard">
    <thead><tr><th>Verdict</th><th>SLO</th><th>Objective</th><th class="num">Measured</th><th class="num">Margin</th><th class="num">Samples</th><th>Source</th><th>Reason</th></tr></thead>
    <tbody>${joinHtml(rows, "\n")}</tbody>
  </table></div>
  ${anyStandIn ? html`<p class="small"><span class="tag">stand-in</span> measured against a local stand-in of a SaaS API, not the real API: it checks the MCP server and the harness, not the vendor's service.</p>` : ""}
</section>`;
}

export function notes(run: RunRecord): SafeHtml {
  const h = run.harness;
  const rules = [
    run.scenarios.find((x) => x.availability)?.availability?.definition,
    RULES.correctedCounts,
    RULES.failureKinds,
    RULES.deadSessions,
    RULES.timing,
  ].filter((x): x is string => x !== undefined);
  return html`<section class="card" id="notes">
  <h2>Notes</h2>
  ${run.notes.length > 0 ? html`<ul>${run.notes.map((n) => html`<li>${n}</li>`)}</ul>` : html`<p class="muted">None.</p>`}
  ${run.scenarios.some((x) => x.load) ? html`<h3>How availability, success rate and latency verdicts are measured</h3><ul>${rules.map((n) => html`<li>${n}</li>`)}</ul>` : ""}
  <p class="small muted">${h.name} ${h.version} · status ${run.status} · <code>${run.command.join(" ")}</code> ·
    the complete record is embedded in this file (<code>#run-data</code>) and written beside it as <code>results.json</code>.</p>
</section>`;
}
