/**
 * The run-wide sections of report.html: the verdict banner and "Needs
 * attention" a manager reads first, the SLO scorecard, and the closing notes.
 */
import type { RunRecord, SloResult } from "../../results/types.js";
import { RULES, exitsSummary } from "../availability-format.js";
import { clientCostText, haltedLine, priorityText, scenarioLabel } from "../format.js";
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
    ...(env.priority ? [["Priority", priorityText(env.priority)] as [string, string]] : []),
    // Each latency sample of the harness's own driver holds about this much of its client (measured against a null endpoint).
    ...(env.clientCost
      ? [["Client's own cost per call", `${clientCostText(env.clientCost)} (on a null endpoint: part of every sample)`] as [string, string]]
      : []),
  ];
  return html`<header class="banner ${run.verdict}" id="verdict">
  <div class="verdict-label">Overall verdict</div>
  <div class="verdict-word">${VERDICT_WORD[run.verdict]}</div>
  <p class="headline">${sentence}</p>
  ${statusLine}
  <dl class="meta">${meta.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
</header>`;
}

/** Beyond this many lines the rest of "Needs attention" is folded, so the scenarios' headlines and charts stay in the first two screens. */
const ATTENTION_SHOWN = 10;
/** On a phone (report.css, max-width 720px) a line takes three or four rows: fewer stay open. */
const ATTENTION_SHOWN_NARROW = 4;

/** The short list a manager acts on: what broke or missed first, then what could not be decided. */
export function attention(run: RunRecord): SafeHtml | string {
  const first: SafeHtml[] = [];
  const undecided: SafeHtml[] = [];
  for (const s of run.scenarios) {
    if (s.status === "error") {
      first.push(html`<span class="badge error">Error</span> <strong>${scenarioLabel(s)}</strong> did not run to the end: ${s.error ?? "unknown error"}`);
    }
    if (s.halted) first.push(html`<span class="badge fail">Halted</span> <strong>${scenarioLabel(s)}</strong>: ${haltedLine(s.halted)}`);
    for (const server of new Set((s.serverExits ?? []).map((x) => x.server))) {
      const exits = (s.serverExits ?? []).filter((x) => x.server === server);
      first.push(
        html`<span class="badge fail">Exited</span> <strong>${server}</strong> <span class="muted">in ${scenarioLabel(s)}</span>: ${exits.length} process${exits.length === 1 ? "" : "es"} exited: ${exitsSummary(exits, 2)}`,
      );
    }
    for (const slo of s.slos) {
      if (slo.verdict === "pass") continue;
      const standIn = slo.standIn ? html` <span class="tag">stand-in</span>` : "";
      const what = slo.verdict === "fail" ? html`measured ${slo.measuredText} against ${slo.objective} (${slo.marginText})` : slo.reason;
      (slo.verdict === "fail" ? first : undecided).push(
        html`${badge(slo.verdict)} <strong>${slo.title}</strong>${standIn} <span class="muted">in ${scenarioLabel(s)}</span>: ${what}`,
      );
    }
  }
  const items = [...first, ...undecided];
  if (items.length === 0) return "";
  // Lines between the phone's fold and the desktop's are in the list on a wide screen and in the fold
  // on a narrow one (both copies are in the page; CSS shows one), so each count is right where it shows.
  const li = (inner: SafeHtml, cls = "") => (cls ? html`<li class="${cls}">${inner}</li>` : html`<li>${inner}</li>`);
  const open = items.slice(0, ATTENTION_SHOWN_NARROW);
  const between = items.slice(ATTENTION_SHOWN_NARROW, ATTENTION_SHOWN);
  const folded = items.slice(ATTENTION_SHOWN);
  const more = (n: number, cls: string) => (n > 0 ? html`<span class="${cls}">${int(n)} more (the scorecard lists them all)</span>` : "");
  const details =
    between.length + folded.length === 0
      ? ""
      : html`<details${folded.length === 0 ? html` class="narrow-only"` : ""}><summary>${more(folded.length, "wide-only")}${more(
          between.length + folded.length,
          "narrow-only",
        )}</summary><ul>${between.map((x) => li(x, "narrow-only"))}${folded.map((x) => li(x))}</ul></details>`;
  return html`<section class="card attention" id="attention"><h2>Needs attention</h2><ul>${open.map((x) => li(x))}${between.map((x) =>
    li(x, "wide-only"),
  )}</ul>${details}</section>`;
}

/** Ids like "server.latency.p95@github" may break at dots and before "@", never mid-word. */
function breakableId(id: string): SafeHtml {
  return breakable(id, { after: ".", before: "@" });
}

/** The source of an SLO, and the words it quotes: in a <details> so a tap opens it as well as a click (no hover needed). */
function sourceCell(slo: SloResult): SafeHtml {
  const quote = slo.source.quote ? html`<details class="quote"><summary>quote</summary><q>${slo.source.quote}</q></details>` : "";
  return html`<td class="source" data-label="Source">${slo.source.document}, ${lines(slo.source)}${quote}</td>`;
}

function scorecardRow(slo: SloResult): SafeHtml {
  const marginClass = slo.margin !== null && slo.margin < 0 ? "num negative" : "num";
  const interval = intervalText(slo);
  const standIn = slo.standIn ? html` <span class="tag" title="Measured against a local stand-in of a SaaS API, not the real API">stand-in</span>` : "";
  return html`<tr class="slo-row ${slo.verdict}${slo.standIn ? " stand-in" : ""}" data-slo="${slo.id}" data-verdict="${slo.verdict}">
  <td class="verdict" data-label="Verdict">${badge(slo.verdict)}</td>
  <td class="slo" data-label="SLO"><div class="slo-title">${slo.title}${standIn}</div><code>${breakableId(slo.id)}</code><div class="reason">${slo.reason}</div>${interval ? html`<div class="small muted">${interval}</div>` : ""}</td>
  <td class="objective" data-label="Objective">${slo.objective}</td>
  <td class="num measured" data-label="Measured"><strong>${slo.measuredText}</strong></td>
  <td class="${marginClass} margin" data-label="Margin">${slo.marginText}</td>
  <td class="num samples" data-label="Samples">${int(slo.samples)}</td>
  ${sourceCell(slo)}
</tr>`;
}

const COLUMNS = 7;

/**
 * The auditor's table: every SLO, grouped by scenario. Readable rows (the reason under the SLO, not
 * a column of its own; fixed column widths, so it never scrolls sideways), a header that stays in
 * view, and a filter. Folding and filtering are done by the page's script: with scripts off every
 * row shows.
 */
export function scorecard(run: RunRecord): SafeHtml {
  const rows: SafeHtml[] = [];
  const all = run.scenarios.flatMap((s) => s.slos);
  const count = (v: SloResult["verdict"]) => all.filter((x) => x.verdict === v).length;
  run.scenarios.forEach((s, si) => {
    const pass = s.slos.filter((x) => x.verdict === "pass").length;
    const counts = `${s.slos.length} SLO${s.slos.length === 1 ? "" : "s"}: ${pass} pass, ${s.slos.length - pass} not`;
    // Scenario as a group row rather than a column: the table stays narrow enough to read without scrolling.
    rows.push(
      html`<tr class="group" data-scenario="${si}"><th colspan="${COLUMNS}" scope="rowgroup"><a href="#scenario-${si}">${s.name}</a>${variantTag(s)}${s.status !== "completed" ? html` <span class="badge error">${s.status}</span>` : ""} <span class="group-counts small muted">${counts}</span><span class="folded small muted" data-passes="${pass}"></span></th></tr>`,
    );
    if (s.status === "error" && s.slos.length === 0) {
      rows.push(html`<tr class="scenario-error"><td colspan="${COLUMNS}">Scenario error, nothing judged: ${s.error ?? "unknown error"}</td></tr>`);
    }
    for (const slo of s.slos) rows.push(scorecardRow(slo));
  });
  const anyStandIn = all.some((x) => x.standIn);
  const notPassed = count("fail") + count("inconclusive");
  const filter = (value: string, label: string, n: number, pressed: boolean) =>
    html`<button type="button" data-filter="${value}" aria-pressed="${pressed ? "true" : "false"}">${label} <span class="n">${int(n)}</span></button>`;
  return html`<section class="card" id="scorecard">
  <h2>SLO scorecard</h2>
  <p class="muted small">Each target comes from the document and line shown; open "quote" to read the words it quotes.
  A verdict needs the 95 % interval, not just the point estimate, to clear the target; otherwise it is inconclusive.</p>
  <div class="filter" role="group" aria-label="Show SLOs" hidden>
    ${filter("attention", "Failed and inconclusive", notPassed, true)}${filter("fail", "Failed", count("fail"), false)}${filter("inconclusive", "Inconclusive", count("inconclusive"), false)}${filter("all", "All", all.length, false)}
    <span class="filter-note small muted" aria-live="polite"></span>
  </div>
  <table class="scorecard">
    <colgroup><col class="c-verdict"><col class="c-slo"><col class="c-objective"><col class="c-measured"><col class="c-margin"><col class="c-samples"><col class="c-source"></colgroup>
    <thead><tr><th>Verdict</th><th>SLO and reason</th><th>Objective</th><th class="num">Measured</th><th class="num">Margin</th><th class="num">Samples</th><th>Source</th></tr></thead>
    <tbody>${joinHtml(rows, "\n")}</tbody>
  </table>
  ${anyStandIn ? html`<p class="small"><span class="tag">stand-in</span> measured against a local stand-in of a SaaS API, not the real API: it checks the MCP server and the harness, not the vendor's service.</p>` : ""}
</section>`;
}

/**
 * What this run is (results.json `identity`): what a reader comparing two reports, or asking "which
 * build was this", needs without opening the JSON. Absent in records written before it.
 */
function identityList(run: RunRecord): SafeHtml | string {
  const id = run.identity;
  if (id === undefined) return "";
  const short = (commit: string | null) => (commit === null ? "not a git checkout" : commit.slice(0, 12));
  const workdir = id.workdir
    ? `${short(id.workdir.commit)}${id.workdir.branch ? ` on ${id.workdir.branch}` : ""}${id.workdir.dirty === true ? ", with uncommitted changes" : id.workdir.dirty === null ? ", changes unknown" : ""}`
    : "not a git checkout";
  const m = id.machine;
  const tags = Object.entries(id.tags);
  return html`<h3>This run</h3>
  <ul id="run-identity">
    <li>Run <code>${run.runId}</code>, profile <code>${run.profile}</code>, provider <code>${id.provider}</code>, ${run.startedAt} to ${run.endedAt}</li>
    <li>Harness ${run.harness.version} at commit ${short(id.harness.commit)}; working directory at ${workdir}</li>
    ${id.ci ? html`<li>CI: ${id.ci.system}${id.ci.branch ? `, branch ${id.ci.branch}` : ""}${id.ci.commit ? `, commit ${id.ci.commit.slice(0, 12)}` : ""}${id.ci.url ? html` (job: <code>${id.ci.url}</code>, as text: the report links nowhere outside itself)` : ""}</li>` : ""}
    ${tags.length ? html`<li>Tags: ${tags.map(([k, v]) => `${k}=${v}`).join(", ")}</li>` : ""}
    <li>Machine: ${m.cpuModel}, ${m.cpus} CPUs, ${m.memoryGiB} GiB, kernel ${m.kernel}, Node ${m.node} (machine hash <code>${m.hash}</code>: equal for runs on the same kind of machine)</li>
  </ul>`;
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
  ${identityList(run)}
  ${run.scenarios.some((x) => x.load) ? html`<h3>How availability, success rate and latency verdicts are measured</h3><ul>${rules.map((n) => html`<li>${n}</li>`)}</ul>` : ""}
  <p class="small muted">${h.name} ${h.version} · status ${run.status} · <code>${run.command.join(" ")}</code> ·
    the complete record is embedded in this file (<code>#run-data</code>) and written beside it as <code>results.json</code>.</p>
</section>`;
}
