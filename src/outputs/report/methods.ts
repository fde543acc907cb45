/** The per-method table and the message sizes of a scenario (issue 19), when its results hold them. */
import type { ScenarioResult } from "../../results/types.js";
import { METHODS_NOTE, PAYLOAD_NOTE, byteFiguresText, methodSlos } from "../methods-format.js";
import { badge, int, ms } from "./parts.js";
import { html, type SafeHtml } from "./safe-html.js";

export function methodsBlock(s: ScenarioResult): SafeHtml | string {
  const parts: SafeHtml[] = [];
  if (s.methods?.length) {
    const rows = s.methods.map((m) => {
      const slos = methodSlos(s, m.server, m.method);
      const verdicts = slos.length
        ? html`${slos.map((x) => html`<div class="nowrap" title="${`${x.title}: ${x.objective}, measured ${x.measuredText}`}">${badge(x.verdict)} <code class="small">${x.id}</code></div>`)}`
        : html`<span class="muted small">none scoped to it</span>`;
      return html`<tr data-method="${m.method}"><td>${m.server}</td><td><code>${m.method}</code></td><td class="num">${int(m.calls)}</td><td class="num">${int(m.ok)}</td><td class="num">${int(m.failed)}</td><td class="num">${int(m.timeouts)}</td><td class="num">${ms(m.p50)}</td><td class="num">${ms(m.p95)}</td><td class="num">${ms(m.p99)}</td><td>${verdicts}</td></tr>`;
    });
    const notes = (s.notifications ?? []).map((n) => html`<li>${n.server}: <code>${n.method}</code> ${int(n.count)}</li>`);
    parts.push(html`<h3>Methods</h3>
<p class="small muted">${METHODS_NOTE}</p>
<div class="table-wrap"><table class="methods">
  <thead><tr><th>Server</th><th>Method</th><th class="num">Requests</th><th class="num">Ok</th><th class="num">Failed</th><th class="num">Timeouts</th><th class="num">p50 ms</th><th class="num">p95 ms</th><th class="num">p99 ms</th><th>SLOs</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>
${s.notifications ? html`<p class="small">Notifications received during the window: ${notes.length ? html`<ul>${notes}</ul>` : "none"}</p>` : ""}`);
  }
  if (s.payload?.length) {
    const rows = s.payload.map((p) => {
      const req = byteFiguresText(p.request);
      const res = byteFiguresText(p.response);
      return html`<tr><td>${p.server}</td><td><code>${p.method}</code>${p.tool === undefined ? "" : html` ${p.tool}`}</td><td class="num">${int(p.request.count)}</td><td class="num">${req.mean}</td><td class="num">${req.p50}</td><td class="num">${req.p95}</td><td class="num">${int(p.response.count)}</td><td class="num">${res.mean}</td><td class="num">${res.p50}</td><td class="num">${res.p95}</td></tr>`;
    });
    parts.push(html`<h3>Message sizes</h3>
<p class="small muted">${PAYLOAD_NOTE}</p>
<div class="table-wrap"><table class="payload">
  <thead><tr><th>Server</th><th>Method / tool</th><th class="num">Requests</th><th class="num">Request mean</th><th class="num">p50</th><th class="num">p95</th><th class="num">Responses</th><th class="num">Response mean</th><th class="num">p50</th><th class="num">p95</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`);
  }
  return parts.length ? html`${parts}` : "";
}
