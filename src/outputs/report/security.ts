/**
 * A security scan in report.html: the servers side by side (score, measured share, cap, where each
 * stands against > 9/10), then each server: its score as an interval with the measured share and
 * the cap with why, its findings worst first (evidence, how to reproduce, the rule's source, "by
 * design" where the server does it on purpose), its score by group, and the table of every check
 * with its published weight, status and points, where "not measured" is said as such and never
 * counted as a pass. Findings come from servers and their text is attacker-shaped: all of it goes
 * through the `html` tag.
 */
import type { ScenarioResult, SecurityCheck, SecurityFinding, SecurityScanResult, ServerSecurity } from "../../results/types.js";
import { bySeverity, packageText, points, SEVERITIES, STATUS_WORD, scoreRule, scoreText, share, targetWord } from "../security-format.js";
import { VERDICT_WORD, breakable, kv } from "./parts.js";
import { html, type SafeHtml } from "./safe-html.js";

const STATUS_CLASS: Record<SecurityCheck["status"], string> = { pass: "pass", fail: "fail", not_measured: "inconclusive", not_applicable: "neutral" };

function severityBadge(severity: string): SafeHtml {
  return html`<span class="sev sev-${SEVERITIES.includes(severity as never) ? severity : "info"}">${severity}</span>`;
}

function findingCounts(server: ServerSecurity): SafeHtml | string {
  const counts = SEVERITIES.map((sev) => [sev, server.findings.filter((f) => f.severity === sev).length] as const).filter(([, n]) => n > 0);
  if (counts.length === 0) return html`<span class="muted">none</span>`;
  return html`${counts.map(([sev, n]) => html`<span class="nowrap">${n} ${severityBadge(sev)}</span> `)}`;
}

function targetBadge(server: ServerSecurity): SafeHtml {
  if (server.error) return html`<span class="badge error">scan did not finish</span>`;
  const verdict = targetWord(server);
  return html`<span class="badge ${verdict}">${VERDICT_WORD[verdict]}</span>`;
}

function anchor(si: number, server: string): string {
  return `security-${si}-${server.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

function overviewTable(scan: SecurityScanResult, si: number): SafeHtml {
  const rows = scan.servers.map(
    (srv) => html`<tr>
  <td><a href="#${anchor(si, srv.server)}"><strong>${srv.server}</strong></a><div class="small muted"><code class="package">${breakable(srv.package, { after: "/" })}${srv.version === "" ? "" : html`<wbr>@${srv.version}`}</code></div></td>
  <td class="num"><strong>${scoreText(srv)}</strong></td>
  <td class="num">${share(srv.score.measuredShare)}</td>
  <td>${srv.score.cap ? html`<span class="nowrap">${String(srv.score.cap.value)} ${severityBadge(srv.score.cap.severity)}</span>` : "–"}</td>
  <td>${targetBadge(srv)}</td>
  <td>${findingCounts(srv)}</td>
</tr>`,
  );
  return html`<div class="table-wrap"><table class="security-overview">
  <thead><tr><th>Server</th><th class="num">Score</th><th class="num">Measured</th><th>Cap</th><th>&gt; 9/10</th><th>Findings</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

function findingBlock(f: SecurityFinding): SafeHtml {
  const where = [f.tool, f.field].filter((x): x is string => Boolean(x));
  return html`<li class="finding sev-row-${SEVERITIES.includes(f.severity) ? f.severity : "info"}">
  <div>${severityBadge(f.severity)} <strong>${f.title}</strong> <code class="small">${f.ruleId}</code>${where.length ? html` <span class="small muted">in <code>${where.join(".")}</code></span>` : ""}${f.byDesign ? html` <span class="tag">by design</span>` : ""}</div>
  <p>${f.message}</p>
  ${f.byDesign ? html`<p class="small muted">By design: ${f.byDesign}</p>` : ""}
  <div class="small muted">Evidence</div><pre class="evidence">${f.evidence}</pre>
  ${f.reproduce ? html`<div class="small muted">How to reproduce</div><pre class="evidence">${f.reproduce}</pre>` : ""}
  ${f.source ? html`<p class="small muted">Source: ${f.source}</p>` : ""}
  <p class="small muted">Counts against <code>${f.check}</code></p>
</li>`;
}

function checksTable(server: ServerSecurity): SafeHtml {
  const rows = server.checks.map(
    (c) => html`<tr class="check-${c.status}">
  <td><code class="small">${c.id}</code><div class="small">${c.title}</div></td>
  <td class="small">${c.category}</td>
  <td class="num">${String(c.weight)}</td>
  <td><span class="badge ${STATUS_CLASS[c.status] ?? "neutral"}">${STATUS_WORD[c.status] ?? c.status}</span></td>
  <td class="num">${c.earned === null ? (c.status === "not_measured" ? html`<span class="muted" title="counted as 0 in the lower bound, as the full weight in the upper">0 to ${String(c.weight)}</span>` : "–") : (c.weight * c.earned).toFixed(2)}</td>
  <td class="small">${c.detail}</td>
</tr>`,
  );
  return html`<div class="table-wrap"><table class="security-checks">
  <thead><tr><th>Check</th><th>Group</th><th class="num">Weight</th><th>Status</th><th class="num">Points</th><th>Why</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

function categoryTable(server: ServerSecurity): SafeHtml {
  const rows = server.score.byCategory.map(
    (c) => html`<tr>
  <td>${c.category}</td>
  <td class="num">${c.applicableWeight > 0 ? String(Math.round(c.applicableWeight * 100) / 100) : "–"}</td>
  <td class="num">${c.applicableWeight === 0 ? html`<span class="muted">not applicable</span>` : c.measuredShare === 0 ? html`<span class="muted">not measured</span>` : c.lower === c.upper ? points(c.lower) : `${points(c.lower)}-${points(c.upper)}`}</td>
  <td class="num">${c.applicableWeight > 0 ? share(c.measuredShare) : "–"}</td>
</tr>`,
  );
  return html`<div class="table-wrap"><table class="narrow">
  <thead><tr><th>Group (validation_type)</th><th class="num">Weight that applies</th><th class="num">Score /10</th><th class="num">Measured</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`;
}

function serverBlock(srv: ServerSecurity, si: number): SafeHtml {
  const s = srv.score;
  const notMeasured = srv.checks.filter((c) => c.status === "not_measured");
  const notApplicable = srv.checks.filter((c) => c.status === "not_applicable");
  const findings = bySeverity(srv.findings);
  return html`<div class="security-server" id="${anchor(si, srv.server)}">
  <h4>${srv.server} ${targetBadge(srv)}</h4>
  ${srv.error ? html`<p class="error-box"><strong>The scan did not finish.</strong> ${srv.error}</p>` : ""}
  ${kv([
    [
      "score",
      s.measuredShare >= 1 || s.lower === s.upper ? `${points(s.lower)}/10` : `between ${points(s.lower)} and ${points(s.upper)}/10`,
      targetWord(srv) === "fail" ? "warn" : undefined,
    ],
    ["measured", `${share(s.measuredShare)} of the weight that applies (${String(Math.round(s.applicableWeight * 100) / 100)} of 10)`],
    ["cap", s.cap ? `${s.cap.value}: ${s.cap.because}` : "none", s.cap ? "warn" : undefined],
    ["package", `${packageText(srv)} (${srv.registry})`],
  ])}
  ${notMeasured.length > 0 ? html`<p class="small inc-note">Not measured (${notMeasured.length}): ${notMeasured.map((c, i) => html`${i > 0 ? "; " : ""}<code>${c.id}</code>`)}. These count as failed in the lower bound and as passed in the upper one: the score is not known past that interval.</p>` : ""}
  ${notApplicable.length > 0 ? html`<p class="small muted">Not applicable (${notApplicable.length}, left out of the weight): ${notApplicable.map((c, i) => html`${i > 0 ? "; " : ""}<code>${c.id}</code>`)}.</p>` : ""}
  ${findings.length > 0 ? html`<ul class="findings">${findings.map(findingBlock)}</ul>` : html`<p class="muted">No finding.</p>`}
  <details><summary>Score by group, and every check with its weight (${srv.checks.length})</summary>
  ${categoryTable(srv)}
  ${checksTable(srv)}
  </details>
</div>`;
}

/** One scenario's scan, or nothing when it holds none. */
export function securitySection(s: ScenarioResult, si: number): SafeHtml | string {
  const scan = s.security;
  if (!scan) return "";
  const notes: [string, string][] = [
    ["pins", `${scan.pins.state}${scan.pins.file ? ` (${scan.pins.file})` : ""}: ${scan.pins.note}`],
    [
      "sources policy",
      `${scan.policy.file ?? "the catalog's defaults"}: registries ${scan.policy.registries.join(", ") || "none"}; publishers ${scan.policy.publishers.join(", ") || "none"}`,
    ],
    ["conformance suite", `${scan.conformance.tool}${scan.conformance.node ? ` on Node ${scan.conformance.node}` : ""}: ${scan.conformance.note}`],
  ];
  return html`<div class="security" id="security-${si}">
  <h3>Security</h3>
  <p class="small muted">${scoreRule(scan)}</p>
  ${overviewTable(scan, si)}
  ${kv(notes)}
  ${scan.servers.map((srv) => serverBlock(srv, si))}
</div>`;
}
