/**
 * One self-contained HTML report: it must open from disk, offline, years from
 * now, so everything (styles, Chart.js, the data) is inlined and nothing is
 * fetched. A manager reads the top (verdict, one sentence, what failed); an
 * SRE reads the rest (scorecard with sources, percentiles, timelines, errors,
 * generator health). Tables are rendered here, in the HTML string, so the
 * report reads fine with scripts off or when printed; charts are extra.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type {
  CapacityStep,
  FaultResult,
  LatencySummary,
  LoadSummary,
  RunRecord,
  ScenarioResult,
  SloResult,
  SteadyStateCheck,
  Verdict,
} from "../results/types.js";
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
  scenarioLabel,
  worstRpo,
  worstRto,
  worstVerdict,
} from "./format.js";
import { FAILURE_KIND_WORD, RULES, availabilityRows, callRows, exitHow, exitsSummary, harnessDelayText } from "./availability-format.js";

// ---------------------------------------------------------------------------
// Escaping

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * Inside <script>, the HTML parser ends the element at the first `</script`
 * whatever the JS means, and `<!--` can switch it into a state where it never
 * ends. In a JS string, regex or comment (the only places these sequences can
 * occur) `<\/` and `<\!` mean the same as `</` and `<!`.
 */
export function escapeInlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** JSON for a <script type="application/json">: escaping every `<` keeps it inert and still valid JSON. */
export function escapeJsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

// ---------------------------------------------------------------------------
// Chart.js, inlined

let chartJsSource: Promise<string> | undefined;

/**
 * chart.js's package.json "exports" does not list dist/chart.umd.min.js (nor
 * package.json), so resolving it by name fails; the package's main entry lives
 * in the same dist/ folder, so resolve that and look beside it.
 */
export function chartJsPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("chart.js")), "chart.umd.min.js");
}

async function loadChartJs(): Promise<string> {
  chartJsSource ??= readFile(chartJsPath(), "utf8").then(
    // The source map is not inlined; without this line devtools would try to fetch it.
    (js) => escapeInlineScript(js.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, "\n")),
    (error: unknown) => {
      // Do not cache a failure: a later call may find the file (e.g. after npm ci).
      chartJsSource = undefined;
      throw error;
    },
  );
  return chartJsSource;
}

// ---------------------------------------------------------------------------
// Formatting

function ms(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function pct(x: number | null): string {
  return x === null || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(2)} %`;
}

function int(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function duration(startIso: string, endIso: string): string {
  const totalS = Math.round((Date.parse(endIso) - Date.parse(startIso)) / 1000);
  if (!Number.isFinite(totalS) || totalS < 0) return "–";
  const m = Math.floor(totalS / 60);
  const s = totalS % 60;
  return m > 0 ? `${m} min ${s} s` : `${s} s`;
}

function lines(source: SloResult["source"]): string {
  return /[,-]/.test(source.lines) ? `lines ${source.lines}` : `line ${source.lines}`;
}

function intervalText(slo: SloResult): string {
  const iv = slo.interval;
  if (!iv || iv.kind === "none") return "";
  const fmt = (x: number) => (iv.kind === "wilson95" ? pct(x) : `${ms(x)} ${slo.unit}`);
  return `95 % interval [${fmt(iv.low)}, ${fmt(iv.high)}] of ${iv.of}`;
}

const VERDICT_WORD: Record<RunRecord["verdict"], string> = {
  pass: "Pass",
  fail: "Fail",
  inconclusive: "Inconclusive",
  error: "Error",
  interrupted: "Interrupted",
};

function badge(verdict: Verdict): string {
  return `<span class="badge ${verdict}">${VERDICT_WORD[verdict]}</span>`;
}

const e = escapeHtml;

// ---------------------------------------------------------------------------
// Sections

function banner(run: RunRecord): string {
  const { pass, fail, inconclusive } = run.counts;
  const total = pass + fail + inconclusive;
  const env = run.environment;
  const sentence = `${pass} of ${total} SLOs met, ${fail} failed, ${inconclusive} inconclusive.`;
  const statusLine =
    run.status === "interrupted"
      ? `<p class="status-line">The run was interrupted: only what finished is reported.</p>`
      : run.status === "error"
        ? `<p class="status-line">The harness or its environment failed: some results are missing.</p>`
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
  return `<header class="banner ${run.verdict}" id="verdict">
  <div class="verdict-label">Overall verdict</div>
  <div class="verdict-word">${VERDICT_WORD[run.verdict]}</div>
  <p class="headline">${e(sentence)}</p>
  ${statusLine}
  <dl class="meta">${meta.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`).join("")}</dl>
</header>`;
}

/** The short list a manager acts on: what missed, and what could not be decided. */
function attention(run: RunRecord): string {
  const items: string[] = [];
  for (const s of run.scenarios) {
    if (s.status === "error") {
      items.push(`<li><span class="badge error">Error</span> <strong>${e(scenarioLabel(s))}</strong> did not run to the end: ${e(s.error ?? "unknown error")}</li>`);
    }
    for (const server of new Set((s.serverExits ?? []).map((x) => x.server))) {
      const exits = (s.serverExits ?? []).filter((x) => x.server === server);
      items.push(`<li><span class="badge fail">Exited</span> <strong>${e(server)}</strong> <span class="muted">in ${e(scenarioLabel(s))}</span>: ${exits.length} process${exits.length === 1 ? "" : "es"} exited: ${e(exitsSummary(exits, 2))}</li>`);
    }
    for (const slo of s.slos) {
      if (slo.verdict === "pass") continue;
      const standIn = slo.standIn ? ` <span class="tag">stand-in</span>` : "";
      const what =
        slo.verdict === "fail"
          ? `measured ${e(slo.measuredText)} against ${e(slo.objective)} (${e(slo.marginText)})`
          : e(slo.reason);
      items.push(`<li>${badge(slo.verdict)} <strong>${e(slo.title)}</strong>${standIn} <span class="muted">in ${e(scenarioLabel(s))}</span>: ${what}</li>`);
    }
  }
  if (items.length === 0) return "";
  return `<section class="card attention"><h2>Needs attention</h2><ul>${items.join("")}</ul></section>`;
}

/** Ids like "server.latency.p95@github" may break at dots and before "@", never mid-word. */
function breakableId(id: string): string {
  return e(id).replace(/\./g, ".<wbr>").replace(/@/g, "<wbr>@");
}

function scorecard(run: RunRecord): string {
  const rows: string[] = [];
  run.scenarios.forEach((s, si) => {
    // Scenario as a group row rather than a column: the table stays narrow enough to read without scrolling.
    rows.push(`<tr class="group"><th colspan="8" scope="rowgroup"><a href="#scenario-${si}">${e(s.name)}</a>${variantTag(s)}${s.status !== "completed" ? ` <span class="badge error">${e(s.status)}</span>` : ""}</th></tr>`);
    if (s.status === "error" && s.slos.length === 0) {
      rows.push(`<tr class="scenario-error"><td colspan="8">Scenario error, nothing judged: ${e(s.error ?? "unknown error")}</td></tr>`);
    }
    for (const slo of s.slos) {
      const quote = slo.source.quote ? ` title="${e(slo.source.quote)}"` : "";
      const marginClass = slo.margin !== null && slo.margin < 0 ? "num negative" : "num";
      const interval = intervalText(slo);
      const standIn = slo.standIn
        ? ` <span class="tag" title="Measured against a local stand-in of a SaaS API, not the real API">stand-in</span>`
        : "";
      rows.push(`<tr class="slo-row ${slo.verdict}${slo.standIn ? " stand-in" : ""}" data-slo="${e(slo.id)}">
  <td>${badge(slo.verdict)}</td>
  <td><div class="slo-title">${e(slo.title)}${standIn}</div><code>${breakableId(slo.id)}</code></td>
  <td>${e(slo.objective)}</td>
  <td class="num"${interval ? ` title="${e(interval)}"` : ""}><strong>${e(slo.measuredText)}</strong></td>
  <td class="${marginClass}">${e(slo.marginText)}</td>
  <td class="num">${int(slo.samples)}</td>
  <td class="source"><span class="quote"${quote}>${e(slo.source.document)}</span>, ${e(lines(slo.source))}</td>
  <td class="reason">${e(slo.reason)}${interval ? `<div class="small muted">${e(interval)}</div>` : ""}</td>
</tr>`);
    }
  });
  const anyStandIn = run.scenarios.some((s) => s.slos.some((x) => x.standIn));
  return `<section class="card" id="scorecard">
  <h2>SLO scorecard</h2>
  <p class="muted small">Each target comes from the document and line shown; hover a source to read the words it quotes.
  A verdict needs the 95 % interval, not just the point estimate, to clear the target; otherwise it is inconclusive.</p>
  <div class="table-wrap"><table class="scorecard">
    <thead><tr><th>Verdict</th><th>SLO</th><th>Objective</th><th class="num">Measured</th><th class="num">Margin</th><th class="num">Samples</th><th>Source</th><th>Reason</th></tr></thead>
    <tbody>${rows.join("\n")}</tbody>
  </table></div>
  ${anyStandIn ? `<p class="small"><span class="tag">stand-in</span> measured against a local stand-in of a SaaS API, not the real API: it checks the MCP server and the harness, not the vendor's service.</p>` : ""}
</section>`;
}

/** The verdicts of SLOs scoped to one server: the per-server row a manager reads first. */
function serverVerdicts(s: ScenarioResult, server: string): string {
  const own = s.slos.filter((x) => x.scope.server === server);
  if (own.length === 0) return `<span class="muted small">none scoped to it</span>`;
  // Compact: the badge and the SLO id (without the "@server" it is scoped to); the rest on hover.
  return own.map((x) => `<div class="nowrap" title="${e(`${x.title}: ${x.objective}, measured ${x.measuredText}`)}">${badge(x.verdict)} <code class="small">${e(x.id.replace(/@[^@]+$/, ""))}</code></div>`).join("");
}

function serversTable(s: ScenarioResult): string {
  if (s.servers.length === 0) return "";
  const rows = s.servers.map((srv) => `<tr>
  <td><strong>${e(srv.name)}</strong>${srv.upstream === "stand-in" ? ` <span class="tag">stand-in</span>` : srv.upstream === "live" ? ` <span class="tag">live API</span>` : ""}</td>
  <td><code class="package">${e(srv.package).replace(/\//g, "/<wbr>")}<wbr>@${e(srv.version)}</code></td>
  <td>${e(srv.transport)}</td>
  <td class="num">${ms(srv.startToReadyMs.p50)} ms</td>
  <td class="num">${ms(srv.startToReadyMs.max)} ms</td>
  <td class="num">${int(srv.startToReadyMs.sessions)}</td>
  <td>${e(srv.upstream)}</td>
  <td>${serverVerdicts(s, srv.name)}</td>
  <td class="small">${srv.tools.length > 6 ? `<details><summary>${int(srv.tools.length)} tools</summary>${e(srv.tools.join(", "))}</details>` : e(srv.tools.join(", "))}</td>
</tr>`);
  return `<h3>Servers</h3>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Package</th><th>Transport</th><th class="num">Start to ready p50</th><th class="num">max</th><th class="num">Sessions</th><th>Upstream</th><th>Verdicts</th><th>Tools</th></tr></thead>
  <tbody>${rows.join("")}</tbody>
</table></div>${upstreamsTable(s)}`;
}

function upstreamsTable(s: ScenarioResult): string {
  if (!s.upstreams?.length) return "";
  const rows = s.upstreams.map((u) => {
    const b = u.behaviour;
    const behaviour = b && (b.latency || b.errorRate) ? [b.latency && `added latency median ${b.latency.medianMs} ms, p95 ${b.latency.p95Ms} ms`, b.errorRate && `${(b.errorRate * 100).toFixed(2)} % errors (${b.errorStatus ?? 503})`].filter(Boolean).join("; ") : u.mode === "stand-in" ? "no added latency or errors" : "";
    const answers = u.byStatus ? Object.entries(u.byStatus).map(([code, n]) => `${code}: ${int(n)}`).join(", ") : "";
    return `<tr>
  <td><strong>${e(u.api)}</strong> ${u.mode === "stand-in" ? `<span class="tag">stand-in</span>` : `<span class="tag">live API</span>`}</td>
  <td>${e(u.title)}${u.payloads ? `<div class="small muted">payloads: ${e(u.payloads)}</div>` : ""}</td>
  <td>${e(u.servers.join(", "))}</td>
  <td class="small">${e(behaviour)}</td>
  <td class="num">${u.requests === undefined ? "" : int(u.requests)}</td>
  <td class="small">${e(answers)}${u.unmatched?.length ? `<div class="small">no route for: ${e(u.unmatched.join("; "))}</div>` : ""}</td>
</tr>`;
  });
  return `<h3>Upstream APIs</h3>
<p class="small muted">Servers that call a SaaS API ran against ${s.upstreams.every((u) => u.mode === "stand-in") ? "local stand-ins (offline): their results check the MCP server and the stack, not the vendor's service" : "the APIs shown"}.</p>
<div class="table-wrap"><table>
  <thead><tr><th>API</th><th>What answered</th><th>Servers</th><th>Behaviour</th><th class="num">Requests</th><th>Answers</th></tr></thead>
  <tbody>${rows.join("")}</tbody>
</table></div>`;
}

/** Cold installs (workload kind install): one row per server, registry download included. */
function installTable(s: ScenarioResult): string {
  if (!s.install?.length) return "";
  const word = { installed: "installed", timeout: "stopped at the limit", failed: "failed" } as const;
  const rows = s.install.map((i) => `<tr>
  <td><strong>${e(i.server)}</strong></td>
  <td><code class="package">${e(i.package)}@${e(i.version)}</code> <span class="muted small">(${e(i.registry)})</span></td>
  <td>${e(word[i.outcome])}${i.error ? `<div class="small">${e(i.error.split("\n")[0] ?? "")}</div>` : ""}</td>
  <td class="num">${(i.installMs / 1000).toFixed(1)} s</td>
  <td class="num">${i.startToReadyMs === null ? `<span class="muted small">${e(i.note ?? "not started")}</span>` : `${ms(i.startToReadyMs)} ms`}</td>
  <td class="small"><code>${e(i.command)}</code></td>
</tr>`);
  return `<h3>Cold installs</h3>
<p class="small muted">Each server installed from its registry into empty directories and caches, one after another: the time includes the download.</p>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Package</th><th>Outcome</th><th class="num">Install time</th><th class="num">Fresh copy: start to ready</th><th>Command</th></tr></thead>
  <tbody>${rows.join("")}</tbody>
</table></div>`;
}

function backendsTable(s: ScenarioResult): string {
  if (s.backends.length === 0) return "";
  const rows = s.backends.map((b) => {
    const settings = Object.entries(b.settings).map(([k, v]) => `${k}=${v}`).join(", ");
    return `<tr><td>${e(b.kind)}</td><td>${e(b.version)}</td><td><code>${e(b.endpoint)}</code></td><td class="small">${e(settings)}</td></tr>`;
  });
  return `<h3>Backends</h3>
<div class="table-wrap"><table>
  <thead><tr><th>Kind</th><th>Version</th><th>Endpoint</th><th>Settings</th></tr></thead>
  <tbody>${rows.join("")}</tbody>
</table></div>`;
}

function latencyTable(latency: LatencySummary[]): string {
  if (latency.length === 0) return "";
  const order = { ok: 0, error: 1, timeout: 2 } as const;
  const sorted = [...latency].sort(
    (a, b) => a.server.localeCompare(b.server) || a.tool.localeCompare(b.tool) || order[a.outcome] - order[b.outcome],
  );
  const rows = sorted.map((l) => `<tr class="outcome-${l.outcome}">
  <td>${e(l.server)}</td><td>${e(l.tool)}</td><td>${l.outcome === "ok" ? "ok" : `<span class="badge fail">${e(l.outcome)}</span>`}</td>
  <td class="num">${ms(l.p50)}</td><td class="num">${ms(l.p95)}</td><td class="num">${ms(l.p99)}</td><td class="num">${ms(l.p99_9)}</td>
  <td class="num">${ms(l.max)}</td><td class="num">${ms(l.mean)}</td><td class="num">${int(l.count)}</td>
</tr>`);
  return `<h3>Latency (ms)</h3>
<p class="small muted">From the moment each call was meant to be sent, so a stalled server cannot hide its stall. Warm-up calls are excluded.</p>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Tool</th><th>Outcome</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th><th class="num">mean</th><th class="num">count</th></tr></thead>
  <tbody>${rows.join("")}</tbody>
</table></div>`;
}

function charts(s: ScenarioResult, si: number): string {
  if (s.timeline.points.length === 0) return "";
  const seconds = (s.timeline.intervalMs / 1000).toString();
  return `<div class="charts">
  <figure><figcaption>Latency p50 and p99 over time (ms)</figcaption>
    <div class="chart"><canvas data-scenario="${si}" data-chart="latency" role="img" aria-label="Latency p50 and p99 over time per server"></canvas></div></figure>
  <figure><figcaption>Throughput (ok/s) and errors per ${e(seconds)} s interval</figcaption>
    <div class="chart"><canvas data-scenario="${si}" data-chart="throughput" role="img" aria-label="Throughput and errors over time per server"></canvas></div></figure>
</div>
${faultLegend(s)}
<noscript><p class="small muted">Charts need JavaScript; every figure they show is also in the tables.</p></noscript>`;
}

function faultLegend(s: ScenarioResult): string {
  if (!(s.faults ?? []).some((f) => f.injected && f.injectedAtMs !== null)) return "";
  return `<p class="small muted fault-legend"><span class="swatch recovered"></span> fault active, recovered
  <span class="swatch not-recovered"></span> fault active, not recovered (shaded from injection to heal, or to the end when never healed)
  <span class="swatch recovery-line"></span> recovered: first of the consecutive successful probes</p>`;
}

function errorsTable(s: ScenarioResult): string {
  if (s.errors.length === 0) return `<h3>Errors</h3><p class="muted">No failed calls.</p>`;
  const rows = [...s.errors]
    .sort((a, b) => b.count - a.count)
    .map((x) => `<tr><td>${e(x.server)}</td><td>${e(x.tool)}</td><td>${x.kind ? e(FAILURE_KIND_WORD[x.kind]) : "-"}</td><td><span class="badge fail">${e(x.outcome)}</span></td><td class="num">${int(x.count)}</td><td class="message"><code>${e(x.message)}</code></td></tr>`);
  return `<h3>Errors</h3>
<p class="small muted">${e(RULES.failureKinds)}</p>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Tool</th><th>Kind</th><th>Outcome</th><th class="num">Count</th><th>Message</th></tr></thead>
  <tbody>${rows.join("")}</tbody>
</table></div>`;
}

function kv(items: [string, string, string?][]): string {
  return `<dl class="kv">${items.map(([k, v, cls]) => `<div${cls ? ` class="${cls}"` : ""}><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`).join("")}</dl>`;
}

function coordinationBlock(s: ScenarioResult): string {
  const c = s.coordination;
  if (!c) return "";
  return `<div class="block"><h3>Coordination latency</h3>
<p class="definition">${e(c.definition)}</p>
${kv([
  ["p50", `${ms(c.p50)} ms`],
  ["p95", `${ms(c.p95)} ms`],
  ["p99", `${ms(c.p99)} ms`],
  ["mean", `${ms(c.mean)} ms`],
  ["samples", int(c.samples)],
  ["timeouts", int(c.timeouts), c.timeouts > 0 ? "warn" : undefined],
  ["mean read latency (resolution)", `${ms(c.meanReadLatencyMs)} ms`],
])}</div>`;
}

function cacheBlock(s: ScenarioResult): string {
  const k = s.cache;
  if (!k) return "";
  return `<div class="block"><h3>Cache hit ratio</h3>
<p class="definition">${e(k.definition)}</p>
<div class="table-wrap"><table class="narrow">
  <thead><tr><th>Counted by</th><th class="num">Hits</th><th class="num">Misses</th><th class="num">Ratio</th></tr></thead>
  <tbody>
    <tr><td>client</td><td class="num">${int(k.client.hits)}</td><td class="num">${int(k.client.misses)}</td><td class="num">${pct(k.client.ratio)}</td></tr>
    <tr><td>Redis <code>INFO stats</code> (delta)</td><td class="num">${int(k.redisInfo.hits)}</td><td class="num">${int(k.redisInfo.misses)}</td><td class="num">${pct(k.redisInfo.ratio)}</td></tr>
  </tbody>
</table></div>
${kv([
  ["the two counts agree", k.agree ? "yes" : "no: something else touched this Redis, or the client miscounted", k.agree ? undefined : "warn"],
  ["keys", int(k.keys)],
  ["Zipf exponent", String(k.zipfExponent)],
])}</div>`;
}

function loadBlock(load: LoadSummary | null): string {
  if (!load) return "";
  const lateShare = load.offered > 0 ? load.lateSends / load.offered : 0;
  const droppedShare = load.offered > 0 ? load.dropped / load.offered : 0;
  // Above 1 % late or dropped, or a saturated core, the generator rather than the server may be the limit.
  const limited = lateShare + droppedShare > 0.01 || load.generatorCpu >= 0.9;
  const model = load.model === "open" ? `open, ${load.rate ?? "–"} calls/s target` : "closed";
  return `<div class="block"><h3>Load generator health</h3>
${limited ? `<p class="warn-box">The load generator may have been the limit in this scenario: throughput verdicts here cannot be trusted.</p>` : ""}
${kv([
  ["model", model],
  ["agents", int(load.agents)],
  ["window measured", `${(load.measuredMs / 1000).toFixed(1)} s (warm-up ${(load.warmupMs / 1000).toFixed(0)} s)`],
  ["offered", int(load.offered)],
  ["completed", int(load.completed)],
  ["throughput", `${load.throughput.toFixed(1)} ok/s`],
  ["late sends", `${int(load.lateSends)} (${pct(lateShare)}, > ${load.lateThresholdMs} ms late)`, lateShare > 0.01 ? "warn" : undefined],
  ["dropped", `${int(load.dropped)} (${pct(droppedShare)})`, droppedShare > 0.01 ? "warn" : undefined],
  ["generator CPU", `${(load.generatorCpu * 100).toFixed(0)} % of one core`, load.generatorCpu >= 0.9 ? "warn" : undefined],
  ["harness event-loop delay p99", harnessDelayText(load)],
])}</div>`;
}

// ---------------------------------------------------------------------------
// Fault injection: recovery matrix (across scenarios) and per-scenario details

/** The matrix cell of a scenario, e.g. "redis.persistence=none", as a tag after its name. */
function variantTag(s: ScenarioResult): string {
  return s.variant ? ` <span class="variant" title="matrix cell">${e(s.variant)}</span>` : "";
}

function sloVerdictCell(s: ScenarioResult, metric: string): string {
  const worst = worstVerdict(s.slos, metric);
  if (!worst) return `<span class="muted">no SLO</span>`;
  return worst.slos
    .map((x) => {
      // With one SLO of the metric the column says what it is; with several, the server tells them apart.
      const scope = worst.slos.length > 1 && x.scope.server ? ` <span class="muted">${e(x.scope.server)}</span>` : "";
      return `<div class="slo-line" title="${e(`${x.title}: measured ${x.measuredText}. ${x.reason}`)}">${badge(x.verdict)} <span class="small">${e(x.objective)}${scope}</span></div>`;
    })
    .join("");
}

/**
 * The table an SRE compares across durability settings: one row per scenario
 * (matrix cell) with its worst RTO, its RPO per store and its rto/rpo verdicts.
 */
function recoveryMatrix(run: RunRecord): string {
  if (!run.scenarios.some((s) => (s.faults?.length ?? 0) > 0)) return "";
  const stores = rpoStores(run.scenarios);
  const rows: string[] = [];
  run.scenarios.forEach((s, si) => {
    if ((s.faults?.length ?? 0) === 0 && (s.rpo?.length ?? 0) === 0) return;
    const w = worstRto(s);
    const faultsText =
      w.injected === 0
        ? `<span class="muted">none injected</span>`
        : `${w.recoveredCount} of ${w.injected} recovered`;
    const skipped = w.notInjected > 0 ? `<div class="small muted">${w.notInjected} not injected</div>` : "";
    const rto =
      w.injected === 0
        ? "–"
        : !w.recovered
          ? `<span class="negative">${e(notRecoveredText(w.limitMs ?? 0))}</span><div class="small muted">${e(w.faultId ?? "")}</div>`
          : w.rtoMs === null
            ? "–"
            : `<strong>${e(formatDuration(w.rtoMs))}</strong><div class="small muted">${e(w.faultId ?? "")}</div>`;
    const rpoCells = stores.map((store) => {
      const r = worstRpo(s, store);
      if (!r) return `<td class="muted">–</td>`;
      const lostClass = r.lost > 0 || r.readBackError !== undefined ? "negative" : "ok-text";
      return `<td class="rpo-cell" data-store="${e(store)}" title="${e(`${r.durability}. ${r.text ?? rpoText(r)}`)}"><span class="${lostClass}">${e(rpoValueText(r))}</span>
  <div class="small muted">${int(r.lost)} of ${int(r.acknowledged)} writes lost</div></td>`;
    });
    const state = (s.steadyState ?? [])
      .slice()
      .sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase))
      .map((c) => `<span class="dot ${c.met ? "met" : "not-met"}" title="${e(`${c.phase}: ${c.met ? "met" : "not met"}. ${c.detail}`)}">${e(c.phase)}</span>`)
      .join(" ");
    rows.push(`<tr class="matrix-row" data-scenario="${si}">
  <td><a href="#scenario-${si}"><strong>${e(s.name)}</strong></a>${s.variant ? `<div><code class="variant-code">${e(s.variant)}</code></div>` : ""}</td>
  <td>${faultsText}${skipped}</td>
  <td class="rto-cell">${rto}</td>
  ${rpoCells.join("\n  ")}
  <td class="steady-cell">${state || `<span class="muted">–</span>`}</td>
  <td>${sloVerdictCell(s, "rto")}</td>
  <td>${sloVerdictCell(s, "rpo")}</td>
</tr>`);
  });
  return `<section class="card" id="recovery-matrix">
  <h2>Recovery matrix</h2>
  <p class="muted small">How each scenario, in each matrix cell, came back from the faults injected into it.
  Worst RTO: the slowest recovery, or the first fault it never recovered from. RPO per store: how far back acknowledged writes were lost (worst fault).
  Details per fault are in each scenario below.</p>
  <div class="table-wrap"><table class="matrix">
    <thead><tr><th>Scenario and variant</th><th>Faults</th><th>Worst RTO</th>${stores.map((x) => `<th>RPO ${e(x)}</th>`).join("")}<th>Steady state</th><th>RTO SLO</th><th>RPO SLO</th></tr></thead>
    <tbody>${rows.join("\n")}</tbody>
  </table></div>
</section>`;
}

const PHASES: SteadyStateCheck["phase"][] = ["before", "during", "after"];

function steadyStateBadges(s: ScenarioResult): string {
  const checks = s.steadyState ?? [];
  // Steady states belong to runs that inject faults; RPO writers alone have none.
  if (checks.length === 0 || !hasFaults(s)) return "";
  const items = PHASES.map((phase) => {
    const c = checks.find((x) => x.phase === phase);
    if (!c) {
      return `<div class="steady-item" data-phase="${phase}"><span class="badge neutral">${phase}: not checked</span></div>`;
    }
    return `<div class="steady-item" data-phase="${phase}" data-met="${c.met}">
  <span class="badge ${c.met ? "pass" : "fail"}">${phase}: ${c.met ? "met" : "not met"}</span>
  <div class="small">${e(c.detail)}</div>
  <div class="small muted">${int(c.probes)} probes, ${int(c.failures)} failed</div>
</div>`;
  });
  return `<h4>Steady state</h4><div class="steady">${items.join("")}</div>`;
}

function faultRow(f: FaultResult): string {
  const what = `<td><strong>${e(f.id)}</strong><div class="small">${e(f.description)}</div><div class="small muted">${e(f.kind)} · ${e(f.target)}</div></td>`;
  if (!f.injected) {
    return `<tr class="fault-row not-injected" data-fault="${e(f.id)}">
  ${what}
  <td colspan="8" class="muted">Not injected${f.notInjectedReason ? `: ${e(f.notInjectedReason)}` : ""}</td>
</tr>`;
  }
  const rto = f.recovered
    ? `<strong>${e(formatDuration(f.rtoMs))}</strong>`
    : `<span class="negative not-recovered">${e(notRecoveredText(f.limitMs))}</span>`;
  const observations =
    f.observations.length > 0
      ? `<ul class="observations">${f.observations.map((o) => `<li>${e(o)}</li>`).join("")}</ul>`
      : `<span class="muted">–</span>`;
  return `<tr class="fault-row ${f.recovered ? "recovered" : "not-recovered"}" data-fault="${e(f.id)}">
  ${what}
  <td class="num">${e(formatAt(f.injectedAtMs))}</td>
  <td class="num">${f.healedAtMs === null ? `<span class="muted">never</span>` : e(formatAt(f.healedAtMs))}</td>
  <td class="num">${f.readyAtMs === undefined || f.readyAtMs === null ? `<span class="muted">–</span>` : e(formatAt(f.readyAtMs))}</td>
  <td class="num">${f.timeToDetectMs === null ? `<span class="muted">no probe failed</span>` : e(formatDuration(f.timeToDetectMs))}</td>
  <td class="num rto">${rto}</td>
  <td class="num">${e(formatDuration(f.afterHealMs))}</td>
  <td>${f.supervisor ? "on" : "off"}</td>
  <td class="obs-cell">${observations}</td>
</tr>`;
}

function rtoTable(s: ScenarioResult): string {
  const faults = s.faults ?? [];
  if (faults.length === 0) return "";
  const probe = s.probe;
  const k = probe ? `${probe.consecutive} consecutive successful probes` : "consecutive successful probes";
  return `<h4>RTO per fault</h4>
<p class="small muted">Detected: first failed probe after the fault. RTO: from the fault to the first of ${e(k)}.
${e(FAULT_TIMING_RULES.join(" "))}</p>
<div class="table-wrap"><table class="rto-table">
  <thead><tr><th>Fault</th><th class="num">Injected at</th><th class="num">Healed at</th><th class="num">Ready at</th><th class="num">Detected after</th><th class="num">RTO</th><th class="num">After heal</th><th>Supervisor</th><th>Observations</th></tr></thead>
  <tbody>${faults.map(faultRow).join("\n")}</tbody>
</table></div>`;
}

function rpoTable(s: ScenarioResult): string {
  const rows = s.rpo ?? [];
  if (rows.length === 0) return "";
  const body = rows.map((r) => `<tr class="rpo-row${r.lost > 0 ? " lost" : ""}" data-store="${e(r.store)}">
  <td><strong>${e(r.store)}</strong></td>
  <td class="small">${e(r.durability)}</td>
  <td class="num">${int(r.acknowledged)}</td>
  <td class="num">${int(r.present)}</td>
  <td class="num${r.lost > 0 ? " negative" : ""}">${int(r.lost)}</td>
  <td class="num">${int(r.unacknowledgedPresent)}</td>
  <td class="num">${r.lost === 0 && r.readBackError === undefined ? `<span class="ok-text">no loss</span>` : `<strong class="negative">${e(rpoValueText(r))}</strong>`}<div class="small">${e(r.text ?? rpoText(r))}</div></td>
  <td class="num">${e(formatAt(r.faultAtMs))}</td>
</tr>`);
  const intro = hasFaults(s) ? "" : "Consistency check: RPO writers with no fault injected, so every acknowledged write must be read back. ";
  return `<h4>RPO per store</h4>
<p class="small muted">${e(intro)}${e(RPO_RULES.join(" "))}
Unacknowledged but present: writes that landed without an acknowledgement; not loss.</p>
<div class="table-wrap"><table class="rpo-table">
  <thead><tr><th>Store</th><th>Durability</th><th class="num">Acknowledged</th><th class="num">Present</th><th class="num">Lost</th><th class="num">Unacknowledged but present</th><th class="num">RPO</th><th class="num">Fault at</th></tr></thead>
  <tbody>${body.join("")}</tbody>
</table></div>`;
}

function probeChart(s: ScenarioResult, si: number): string {
  const p = s.probe;
  if (!p || p.points.length === 0) return "";
  const failed = p.points.filter((x) => !x.ok).length;
  return `<figure class="probe-figure"><figcaption>Probe <code>${e(p.server)}/${e(p.tool)}</code> every ${e(formatDuration(p.intervalMs))}
  (timeout ${e(formatDuration(p.timeoutMs))}): ${int(p.points.length - failed)} ok, ${int(failed)} failed</figcaption>
  <div class="chart probe"><canvas data-scenario="${si}" data-chart="probe" role="img" aria-label="Probe results over time, ok or failed"></canvas></div></figure>`;
}

function warningsBlock(s: ScenarioResult): string {
  const w = s.warnings ?? [];
  return w.length === 0 ? "" : `<div class="warnings"><h4>Warnings</h4><ul>${w.map((x) => `<li>${e(x)}</li>`).join("")}</ul></div>`;
}

function recoverySection(s: ScenarioResult, si: number): string {
  if (!hasRecovery(s)) return "";
  return `<div class="recovery">
  <h3>${hasFaults(s) ? "Recovery under faults" : "Data loss (consistency check, no fault injected)"}</h3>
  ${warningsBlock(s)}
  ${steadyStateBadges(s)}
  ${rtoTable(s)}
  ${rpoTable(s)}
  ${probeChart(s, si)}
</div>`;
}

// ---------------------------------------------------------------------------
// Capacity search (src/capacity/search.ts)

const STEP_BADGE: Record<CapacityStep["outcome"], [string, string]> = {
  sustained: ["pass", "held"],
  broken: ["fail", "broke"],
  "generator-limited": ["inconclusive", "generator limit"],
  interrupted: ["error", "interrupted"],
};

function rate(x: number | null): string {
  return x === null ? "none" : `${x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1)}/s`;
}

function capacitySection(s: ScenarioResult, si: number): string {
  const c = s.capacity;
  if (!c) return "";
  const basis = c.steps[0]?.basis === "coordination" ? "coordination samples" : "ok calls";
  const rows = c.steps.map((st) => {
    const [cls, word] = STEP_BADGE[st.outcome];
    const g = st.generator;
    const late = g.offered > 0 ? g.lateSends / g.offered : 0;
    const dropped = g.offered > 0 ? g.dropped / g.offered : 0;
    const gen = `${pct(late)} late, ${pct(dropped)} dropped, CPU ${(g.cpu * 100).toFixed(0)} %, loop p99 ${ms(g.eventLoopDelayP99Ms)} ms`;
    const slos = [
      st.brokenBy.length ? `failed: ${st.brokenBy.map((id) => `<code>${e(id)}</code>`).join(", ")}` : "",
      st.inconclusive.length ? `<span class="muted">inconclusive (noted, not breaking): ${st.inconclusive.map((id) => `<code>${e(id)}</code>`).join(", ")}</span>` : "",
    ].filter(Boolean).join("<br>");
    const mark = st.index === c.verdictsFromStep ? ` <span class="small muted" title="the scenario's verdicts are this step's">(verdicts)</span>` : "";
    return `<tr${st.generatorLimit ? ` class="warn"` : ""}><td class="num">${st.index + 1}${mark}</td><td class="num">${e(rate(st.offeredRate))}</td><td class="num">${e(rate(st.achievedThroughput))}</td>` +
      `<td class="num">${ms(st.p50)}</td><td class="num">${ms(st.p99)}</td><td class="num">${int(st.okCalls)}</td><td class="num">${int(st.failedCalls)}</td>` +
      `<td class="small"${st.generatorLimit ? ` title="${e(st.generatorLimit)}"` : ""}>${e(gen)}${st.generatorLimit ? `<br><strong>generator was the limit</strong>` : ""}</td>` +
      `<td><span class="badge ${cls}">${e(word)}</span></td><td class="small">${slos || "all held"}</td></tr>`;
  });
  const summaryBox = c.limitedByGenerator
    ? `<p class="warn-box">Limited by the load generator: ${e(c.stopReason)}. The highest rate shown to hold is ${e(rate(c.sustainedRate))}; the server's real capacity may be higher.</p>`
    : "";
  const growth = c.plan.stepRate !== null ? `+${c.plan.stepRate}/s` : `x${c.plan.factor ?? 1.5}`;
  return `<div class="capacity" id="capacity-${si}">
  <h3>Capacity</h3>
  <p class="small muted">Rising arrival rates (open model) from ${e(rate(c.plan.startRate))} (${e(growth)} per step) to ${e(rate(c.plan.maxRate))},
    each step ${e(formatDuration(c.plan.settleMs))} settling then a ${e(formatDuration(c.plan.stepDurationMs))} window. ${e(c.note)}</p>
  ${summaryBox}
  ${kv([
    ["sustained rate", rate(c.sustainedRate), c.sustainedRate === null ? "warn" : undefined],
    ["breaking rate", c.breakingRate === null ? (c.limitedByGenerator ? "not reached (generator limit)" : c.reachedMax ? "not reached (held up to the maximum)" : "none") : rate(c.breakingRate), c.breakingRate !== null ? "warn" : undefined],
    ["broken by", c.brokenBy.length ? c.brokenBy.join(", ") : "–"],
    ["stopped because", c.stopReason],
    ["verdicts from", c.verdictsFromStep === null ? "no step" : `step ${c.verdictsFromStep + 1} (${rate(c.steps[c.verdictsFromStep]?.offeredRate ?? null)})`],
  ])}
  <figure><figcaption>Achieved throughput (${e(basis)}/s) and p99 (ms) vs offered rate${c.breakingRate !== null ? "; the red line marks where an SLO broke" : c.limitedByGenerator ? "; the amber line marks the generator limit" : ""}</figcaption>
    <div class="chart"><canvas data-scenario="${si}" data-chart="capacity" role="img" aria-label="Achieved throughput and p99 latency against offered arrival rate"></canvas></div></figure>
  <div class="table-wrap"><table>
    <thead><tr><th class="num">Step</th><th class="num">Offered</th><th class="num">Achieved (${e(basis)})</th><th class="num">p50 ms</th><th class="num">p99 ms</th><th class="num">ok</th><th class="num">failed</th><th>Load generator</th><th>Result</th><th>SLOs</th></tr></thead>
    <tbody>${rows.join("")}</tbody>
  </table></div>
</div>`;
}

/** Availability by load and by probe, raw and corrected call counts, and server processes that exited. */
function availabilityBlock(s: ScenarioResult): string {
  const parts: string[] = [];
  const a = s.availability;
  if (a && a.figures.length > 0) {
    const rows = availabilityRows(a.figures).map((r) => `<tr><td><strong>${e(r.server)}</strong></td><td class="num">${e(r.loadShare)}</td><td class="small">${e(r.loadTime)}</td><td class="num">${e(r.probeShare)}</td><td class="small">${e(r.probeCounts)}</td><td>${e(r.judgedBy)}</td></tr>`);
    parts.push(`<h3>Availability</h3>
<p class="definition">${e(a.definition)}</p>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th class="num">Load</th><th>Load basis</th><th class="num">Probe</th><th>Probe basis</th><th>Judged by</th></tr></thead>
  <tbody>${rows.join("")}</tbody>
</table></div>`);
  }
  if (s.calls?.length) {
    const rows = callRows(s.calls).map((r) => `<tr><td>${e(r.server)}</td><td>${e(r.tool)}</td><td class="num">${e(r.ok)}</td><td class="num">${e(r.tool_)}</td><td class="num">${e(r.protocol)}</td><td class="num">${e(r.transport)}</td><td class="num">${e(r.missed)}</td><td class="num">${e(r.raw)}</td><td class="num">${e(r.corrected)}</td></tr>`);
    parts.push(`<h3>Calls: raw and corrected</h3>
<p class="small muted">${e(RULES.correctedCounts)} Here: ${e(a?.correctionNote ?? "")}.</p>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Tool</th><th class="num">Ok</th><th class="num">Tool errors</th><th class="num">Protocol errors</th><th class="num">Transport failures</th><th class="num">Missed (not sent)</th><th class="num">Success raw</th><th class="num">Success corrected</th></tr></thead>
  <tbody>${rows.join("")}</tbody>
</table></div>`);
  }
  if (s.serverExits?.length) {
    const rows = s.serverExits.map((x) => `<tr><td><code>${e(x.session)}</code></td><td class="num">${e(formatAt(x.atMs))}</td><td>${e(exitHow(x))}</td><td class="message"><code>${e(x.stderr.join("\n") || "(nothing)")}</code></td></tr>`);
    parts.push(`<h3>Server processes that exited</h3>
<p class="small muted">Every server process that exited while the scenario ran, fault or not; times from the start of the measurement window. ${e(RULES.deadSessions)}</p>
<div class="table-wrap"><table>
  <thead><tr><th>Session</th><th class="num">At</th><th>How</th><th>Last stderr</th></tr></thead>
  <tbody>${rows.join("")}</tbody>
</table></div>`);
  }
  return parts.join("\n");
}

function scenarioSection(s: ScenarioResult, si: number): string {
  const counts = { pass: 0, fail: 0, inconclusive: 0 };
  for (const slo of s.slos) counts[slo.verdict]++;
  const statusBox =
    s.status === "error"
      ? `<p class="error-box"><strong>Scenario error.</strong> ${e(s.error ?? "unknown error")}</p>`
      : s.status === "interrupted"
        ? `<p class="error-box"><strong>Interrupted.</strong> This scenario did not finish; what follows rests on partial data.</p>`
        : "";
  const verdict: RunRecord["verdict"] =
    s.status !== "completed" ? s.status : counts.fail > 0 ? "fail" : counts.inconclusive > 0 ? "inconclusive" : "pass";
  return `<section class="card scenario" id="scenario-${si}">
  <h2>${e(s.name)}${variantTag(s)} <span class="badge ${verdict === "interrupted" ? "error" : verdict}">${VERDICT_WORD[verdict]}</span></h2>
  <p class="muted">${e(s.description)}</p>
  <p class="small muted"><code>${e(s.file)}</code> · profile ${e(s.profile)} · ${e(when(s.startedAt))} · ${e(duration(s.startedAt, s.endedAt))} ·
    ${counts.pass} pass, ${counts.fail} fail, ${counts.inconclusive} inconclusive</p>
  ${statusBox}
  ${recoverySection(s, si)}
  ${capacitySection(s, si)}
  ${installTable(s)}
  ${serversTable(s)}
  ${backendsTable(s)}
  ${availabilityBlock(s)}
  ${latencyTable(s.latency)}
  ${charts(s, si)}
  ${errorsTable(s)}
  <div class="blocks">${coordinationBlock(s)}${cacheBlock(s)}${loadBlock(s.load)}</div>
</section>`;
}

function notes(run: RunRecord): string {
  const h = run.harness;
  return `<section class="card" id="notes">
  <h2>Notes</h2>
  ${run.notes.length > 0 ? `<ul>${run.notes.map((n) => `<li>${e(n)}</li>`).join("")}</ul>` : `<p class="muted">None.</p>`}
  ${run.scenarios.some((x) => x.load) ? `<h3>How availability, success rate and latency verdicts are measured</h3><ul>${[run.scenarios.find((x) => x.availability)?.availability?.definition, RULES.correctedCounts, RULES.failureKinds, RULES.deadSessions, RULES.timing].filter((x): x is string => x !== undefined).map((n) => `<li>${e(n)}</li>`).join("")}</ul>` : ""}
  <p class="small muted">${e(h.name)} ${e(h.version)} · status ${e(run.status)} · <code>${e(run.command.join(" "))}</code> ·
    the complete record is embedded in this file (<code>#run-data</code>) and written beside it as <code>results.json</code>.</p>
</section>`;
}

// ---------------------------------------------------------------------------
// Styles and the chart script

const CSS = `
:root{--pass:#15803d;--pass-bg:#dcfce7;--fail:#b91c1c;--fail-bg:#fee2e2;--inc:#b45309;--inc-bg:#fef3c7;
--err:#7f3f3f;--err-bg:#f1e4e4;--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f3f4f6}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1280px;margin:0 auto;padding:24px}
h2{font-size:20px;margin:0 0 8px}
h2 .badge{vertical-align:3px;margin-left:6px}
h3{font-size:15px;margin:22px 0 8px}
code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-word}
a{color:inherit}
.muted{color:var(--muted)}
.small{font-size:12.5px}
.nowrap{white-space:nowrap}
.banner{border-radius:14px;padding:26px 30px;color:#fff;box-shadow:0 1px 3px rgba(0,0,0,.15)}
.banner.pass{background:var(--pass)}
.banner.fail{background:var(--fail)}
.banner.inconclusive{background:var(--inc)}
.banner.error,.banner.interrupted{background:var(--err)}
.verdict-label{font-size:13px;text-transform:uppercase;letter-spacing:.12em;opacity:.85}
.verdict-word{font-size:60px;font-weight:800;line-height:1.05;letter-spacing:.01em}
.headline{font-size:23px;font-weight:500;margin:6px 0 18px}
.status-line{margin:-10px 0 16px;font-weight:600}
.meta{display:flex;flex-wrap:wrap;gap:8px 40px;margin:0;font-size:14px}
.meta dt{font-size:11.5px;text-transform:uppercase;letter-spacing:.08em;opacity:.8}
.meta dd{margin:0;word-break:break-word}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:20px 24px;margin-top:20px}
.attention ul{margin:0;padding:0;list-style:none}
.attention li{padding:6px 0;border-bottom:1px solid var(--line)}
.attention li:last-child{border-bottom:0}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
table.narrow{width:auto;min-width:50%}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:11.5px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600;white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.negative{color:var(--fail);font-weight:600}
.badge{display:inline-block;padding:1px 10px;border-radius:999px;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.03em;white-space:nowrap}
.badge.pass{background:var(--pass-bg);color:var(--pass)}
.badge.fail{background:var(--fail-bg);color:var(--fail)}
.badge.inconclusive{background:var(--inc-bg);color:var(--inc)}
.badge.error{background:var(--err-bg);color:var(--err)}
.tag{display:inline-block;padding:0 6px;border-radius:4px;font-size:11px;font-weight:600;background:#e0e7ff;color:#3730a3;vertical-align:1px;white-space:nowrap}
.scorecard tr.fail td{background:#fff7f7}
.scorecard tr.inconclusive td{background:#fffcf2}
.scorecard .slo-title{font-weight:600}
.scorecard td:first-child{width:1%}
.scorecard td:nth-child(3){min-width:8.5em}
.scorecard code,code.package{word-break:normal;color:#4b5563}
.scorecard .source{font-size:13px;min-width:11em;max-width:16em}
.scorecard .reason{font-size:13px;min-width:16em;color:#374151}
.scorecard tr.group th{background:#f9fafb;color:var(--ink);font-size:13px;text-transform:none;letter-spacing:0;padding-top:12px;border-bottom:1px solid #d1d5db}
.scorecard tr.group a{text-decoration:none}
.quote[title]{text-decoration:underline dotted;cursor:help}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:18px;margin-top:18px}
figure{margin:0}
figcaption{font-size:13px;font-weight:600;color:#374151;margin-bottom:4px}
.chart{position:relative;height:260px}
.blocks{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:0 28px}
.definition{font-size:13px;color:#374151;background:#f9fafb;border-left:3px solid var(--line);padding:6px 10px;margin:0 0 8px}
.kv{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:6px 18px;margin:8px 0}
.kv dt{font-size:11.5px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.kv dd{margin:0;font-variant-numeric:tabular-nums}
.kv .warn dd{color:var(--fail);font-weight:600}
.warn-box,.error-box{background:var(--fail-bg);color:#7f1d1d;border-radius:8px;padding:8px 12px}
.capacity tr.warn td{background:var(--fail-bg)}
td.message code{color:#7f1d1d}
h4{font-size:13px;margin:16px 0 6px;text-transform:uppercase;letter-spacing:.05em;color:#374151}
.variant{display:inline-block;font:600 13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef2ff;color:#3730a3;border-radius:6px;padding:1px 8px;margin-left:8px;vertical-align:2px}
.scorecard tr.group .variant{font-size:11.5px;padding:0 6px}
.badge.neutral{background:#f3f4f6;color:var(--muted)}
.ok-text{color:var(--pass);font-weight:600}
.recovery{border:1px solid var(--line);border-radius:10px;padding:4px 16px 14px;margin:14px 0;background:#fcfcfd}
.recovery h3{margin-top:12px}
.steady{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:10px 18px}
.steady-item .badge{margin-bottom:3px}
.observations{margin:0;padding-left:16px;font-size:12.5px}
.observations li{margin:0 0 2px}
.rto-table td.obs-cell{min-width:18em}
.rto-table tr.not-recovered td{background:#fff7f7}
.rto-table tr.not-injected td{background:#fafafa}
.not-recovered{white-space:normal}
table.matrix td{vertical-align:middle}
table.matrix tr.matrix-row td:first-child{white-space:nowrap}
table.matrix tr.matrix-row td:first-child a{text-decoration:none}
table.matrix code{white-space:nowrap;word-break:normal;color:#3730a3}
table.matrix .rto-cell{min-width:9.5em}
table.matrix .rpo-cell{min-width:8em}
table.matrix .steady-cell{min-width:7em}
.rto-table td:first-child{min-width:15em}
.rto-table td.rto{min-width:9.5em}
.slo-line{margin:2px 0;white-space:nowrap}
.dot{display:inline-block;font-size:11px;font-weight:600;border-radius:4px;padding:0 5px;margin:1px 0}
.dot.met{background:var(--pass-bg);color:var(--pass)}
.dot.not-met{background:var(--fail-bg);color:var(--fail)}
.probe-figure{margin-top:14px}
.chart.probe{height:150px}
.fault-legend{margin:6px 0 0}
.swatch{display:inline-block;width:14px;height:10px;border-radius:2px;vertical-align:-1px;margin:0 3px 0 10px}
.swatch.recovered{background:rgba(217,119,6,.3)}
.swatch.not-recovered{background:rgba(220,38,38,.3)}
.swatch.recovery-line{width:0;height:12px;border-left:2px dashed #15803d;border-radius:0}
footer{color:var(--muted);font-size:12px;text-align:center;margin:24px 0}
@media (max-width:860px){.charts{grid-template-columns:1fr}.verdict-word{font-size:44px}.steady{grid-template-columns:1fr}}
@media print{
  body{background:#fff;font-size:12px}
  main{max-width:none;padding:0}
  .banner,.badge,.tag,.dot,.variant,.swatch,.scorecard tr td,.rto-table tr td,.warn-box,.error-box{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  .card{border:0;padding:8px 0;break-inside:auto}
  .scenario{break-before:page}
  tr,figure,.block{break-inside:avoid}
  .chart{height:200px}
  a{text-decoration:none}
  .table-wrap{overflow:visible}
  table{font-size:10.5px}
  th,td{padding:4px 5px}
  th{font-size:9.5px}
  .scorecard .source,.scorecard .reason,.scorecard td:nth-child(3){min-width:0;max-width:none;font-size:inherit}
  code,.small{font-size:9.5px}
  .badge{font-size:9.5px;padding:0 6px}
  .num{white-space:normal}
}
`;

/**
 * Plain ES2017 in a string, not a compiled TS function: the browser sees
 * exactly this text, whatever the build tool does to functions.
 */
const CHART_SCRIPT = `
(function () {
  "use strict";
  var dataEl = document.getElementById("run-data");
  if (!dataEl || typeof Chart === "undefined") return;
  var run = JSON.parse(dataEl.textContent);
  var palette = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#4b5563";

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }

  // Warm-up (t < 0) is shaded: it is shown for context and never judged.
  var warmupShade = {
    id: "warmupShade",
    beforeDatasetsDraw: function (chart) {
      var x = chart.scales.x, area = chart.chartArea;
      if (!x || x.min >= 0) return;
      var right = Math.min(x.getPixelForValue(0), area.right);
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = "rgba(107,114,128,0.10)";
      ctx.fillRect(area.left, area.top, right - area.left, area.bottom - area.top);
      ctx.fillStyle = "#6b7280";
      ctx.font = "11px " + Chart.defaults.font.family;
      ctx.fillText("warm-up", area.left + 6, area.top + 14);
      ctx.restore();
    }
  };

  // Fault windows: one shaded band per injected fault, from injection to heal
  // (to the right edge when never healed), labelled with the fault's id, and a
  // dashed line where the probes say it recovered. One plugin object per
  // chart, holding that scenario's bands; the rectangles it drew are kept on
  // chart.$faultBands (canvas pixels) so a test can look at them.
  function faultBandsOf(scenario) {
    return (scenario.faults || []).filter(function (f) {
      return f.injected && f.injectedAtMs !== null;
    }).map(function (f) {
      return {
        id: f.id,
        from: f.injectedAtMs / 1000,
        to: f.healedAtMs === null ? null : f.healedAtMs / 1000,
        recovered: f.recovered,
        recoveredAt: f.recovered && f.rtoMs !== null ? (f.injectedAtMs + f.rtoMs) / 1000 : null
      };
    });
  }

  function faultBandsPlugin(bands) {
    function spans(chart) {
      var x = chart.scales.x, area = chart.chartArea;
      if (!x || !area) return [];
      return bands.map(function (b, i) {
        var left = Math.max(area.left, x.getPixelForValue(b.from));
        var right = b.to === null ? area.right : Math.min(area.right, x.getPixelForValue(b.to));
        var line = b.recoveredAt === null ? null : x.getPixelForValue(b.recoveredAt);
        return { band: b, index: i, left: left, right: right, line: line, top: area.top, bottom: area.bottom };
      }).filter(function (s) { return s.right > s.left && s.left < area.right; });
    }
    return {
      id: "faultBands",
      beforeDatasetsDraw: function (chart) {
        var ctx = chart.ctx, drawn = [];
        ctx.save();
        spans(chart).forEach(function (s) {
          ctx.fillStyle = s.band.recovered ? "rgba(217,119,6,0.16)" : "rgba(220,38,38,0.14)";
          ctx.fillRect(s.left, s.top, s.right - s.left, s.bottom - s.top);
          ctx.strokeStyle = s.band.recovered ? "rgba(217,119,6,0.8)" : "rgba(220,38,38,0.8)";
          ctx.lineWidth = 1;
          ctx.beginPath();
          ctx.moveTo(Math.round(s.left) + 0.5, s.top);
          ctx.lineTo(Math.round(s.left) + 0.5, s.bottom);
          ctx.stroke();
          if (s.line !== null && s.line > chart.chartArea.left && s.line < chart.chartArea.right) {
            ctx.strokeStyle = "#15803d";
            ctx.lineWidth = 1.5;
            ctx.setLineDash([4, 3]);
            ctx.beginPath();
            ctx.moveTo(s.line, s.top);
            ctx.lineTo(s.line, s.bottom);
            ctx.stroke();
            ctx.setLineDash([]);
          }
          var r = chart.currentDevicePixelRatio || 1;
          drawn.push({ id: s.band.id, left: s.left * r, right: s.right * r, top: s.top * r, bottom: s.bottom * r });
        });
        ctx.restore();
        chart.$faultBands = drawn;
      },
      // Labels over the data, so a line through the top of the chart cannot hide them.
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx;
        ctx.save();
        ctx.font = "600 11px " + Chart.defaults.font.family;
        spans(chart).forEach(function (s) {
          var y = s.top + 4 + (s.index % 2) * 15;
          var w = ctx.measureText(s.band.id).width + 8;
          var x = Math.min(s.left + 3, chart.chartArea.right - w);
          ctx.fillStyle = "rgba(255,255,255,0.85)";
          ctx.fillRect(x, y, w, 14);
          ctx.fillStyle = s.band.recovered ? "#92400e" : "#991b1b";
          ctx.textBaseline = "top";
          ctx.fillText(s.band.id, x + 4, y + 2);
        });
        ctx.restore();
      }
    };
  }

  // In a scenario with faults every chart shares one time axis, so bands line up across them.
  function xAxisFor(scenario) {
    if (!scenario.probe && !(scenario.faults && scenario.faults.length)) return xAxis;
    var ts = scenario.timeline.points.map(function (p) { return p.t; });
    if (scenario.probe) scenario.probe.points.forEach(function (p) { ts.push(p.t); });
    if (!ts.length) return xAxis;
    var axis = {};
    for (var k in xAxis) axis[k] = xAxis[k];
    axis.min = Math.floor(Math.min.apply(null, ts) / 1000);
    axis.max = Math.ceil(Math.max.apply(null, ts) / 1000);
    axis.ticks = { maxTicksLimit: 10, includeBounds: false };
    return axis;
  }

  function probeChart(canvas, scenario) {
    var pts = scenario.probe.points.slice().sort(function (a, b) { return a.t - b.t; });
    return new Chart(canvas, {
      type: "line",
      data: { datasets: [{
        label: "probe", stepped: true, borderColor: "#9ca3af", borderWidth: 1.5,
        pointRadius: 2.5, pointBorderWidth: 0,
        pointBackgroundColor: pts.map(function (p) { return p.ok ? "#15803d" : "#dc2626"; }),
        data: pts.map(function (p) { return { x: p.t / 1000, y: p.ok ? 1 : 0 }; })
      }] },
      options: {
        maintainAspectRatio: false, parsing: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: xAxisFor(scenario),
          y: { min: -0.2, max: 1.2, grid: { color: "#f0f0f0" },
               ticks: { stepSize: 1, callback: function (v) { return v === 1 ? "ok" : v === 0 ? "failed" : ""; } } }
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (c) { return c.parsed.y === 1 ? "ok" : "failed"; } } }
        }
      },
      plugins: [warmupShade, faultBandsPlugin(faultBandsOf(scenario))]
    });
  }

  function serverNames(scenario) {
    var names = scenario.servers.map(function (s) { return s.name; });
    scenario.timeline.points.forEach(function (p) { if (names.indexOf(p.server) < 0) names.push(p.server); });
    return names;
  }

  function pointsOf(scenario, server) {
    return scenario.timeline.points.filter(function (p) { return p.server === server; })
      .sort(function (a, b) { return a.t - b.t; });
  }

  var xAxis = {
    type: "linear",
    title: { display: true, text: "seconds since the measurement window opened" },
    ticks: { maxTicksLimit: 10 },
    grid: { color: "#f0f0f0" }
  };

  function latencyChart(canvas, scenario) {
    var datasets = [];
    serverNames(scenario).forEach(function (name, i) {
      var colour = palette[i % palette.length];
      var pts = pointsOf(scenario, name);
      datasets.push({
        label: name + " p50", borderColor: colour, backgroundColor: colour, borderWidth: 2,
        data: pts.map(function (p) { return { x: p.t / 1000, y: p.p50 }; })
      });
      datasets.push({
        label: name + " p99", borderColor: alpha(colour, 0.75), backgroundColor: alpha(colour, 0.75),
        borderWidth: 1.5, borderDash: [5, 4],
        data: pts.map(function (p) { return { x: p.t / 1000, y: p.p99 }; })
      });
    });
    return new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        maintainAspectRatio: false, parsing: false, spanGaps: false,
        elements: { point: { radius: 0, hitRadius: 6 } },
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: { x: xAxisFor(scenario), y: { beginAtZero: true, title: { display: true, text: "ms" }, grid: { color: "#f0f0f0" } } },
        plugins: { legend: { labels: { boxWidth: 14, boxHeight: 2 } } }
      },
      plugins: [warmupShade, faultBandsPlugin(faultBandsOf(scenario))]
    });
  }

  function throughputChart(canvas, scenario) {
    var perSecond = 1000 / scenario.timeline.intervalMs;
    var datasets = [];
    serverNames(scenario).forEach(function (name, i) {
      var colour = palette[i % palette.length];
      var pts = pointsOf(scenario, name);
      datasets.push({
        type: "line", label: name + " ok/s", yAxisID: "y", borderColor: colour, backgroundColor: colour,
        borderWidth: 2, pointRadius: 0, order: 1,
        data: pts.map(function (p) { return { x: p.t / 1000, y: p.ok * perSecond }; })
      });
      datasets.push({
        type: "bar", label: name + " errors", yAxisID: "y1", backgroundColor: alpha(colour, 0.45),
        borderColor: colour, borderWidth: 0, order: 2, barPercentage: 1, categoryPercentage: 1,
        data: pts.map(function (p) { return { x: p.t / 1000, y: p.error + p.timeout }; })
      });
    });
    return new Chart(canvas, {
      data: { datasets: datasets },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: xAxisFor(scenario),
          y: { beginAtZero: true, position: "left", title: { display: true, text: "ok calls / s" }, grid: { color: "#f0f0f0" } },
          y1: { beginAtZero: true, position: "right", title: { display: true, text: "errors + timeouts / interval" },
                grid: { drawOnChartArea: false }, ticks: { precision: 0 } }
        },
        plugins: { legend: { labels: { boxWidth: 14 } } }
      },
      plugins: [warmupShade, faultBandsPlugin(faultBandsOf(scenario))]
    });
  }

  // Capacity: achieved throughput and p99 against the offered rate, one point per step.
  function capacityChart(canvas, scenario) {
    var c = scenario.capacity;
    var labels = c.steps.map(function (st) { return String(st.offeredRate); });
    var breakAt = -1, breakColour = "#dc2626";
    c.steps.forEach(function (st, i) {
      if (st.outcome === "broken") breakAt = i;
      else if (st.outcome === "generator-limited") { breakAt = i; breakColour = "#d97706"; }
    });
    var breakLine = {
      id: "capacityBreak",
      afterDatasetsDraw: function (chart) {
        if (breakAt < 0) return;
        var x = chart.scales.x.getPixelForValue(breakAt), area = chart.chartArea, ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = breakColour; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
        ctx.beginPath(); ctx.moveTo(x, area.top); ctx.lineTo(x, area.bottom); ctx.stroke();
        ctx.setLineDash([]); ctx.fillStyle = breakColour; ctx.textAlign = "right";
        ctx.fillText(breakColour === "#dc2626" ? "breaks" : "generator limit", x - 4, area.top + 12);
        ctx.restore();
      }
    };
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          { label: "offered /s", data: c.steps.map(function (st) { return st.offeredRate; }), borderColor: "#9ca3af", borderDash: [4, 4], pointRadius: 0, yAxisID: "y" },
          { label: "achieved /s", data: c.steps.map(function (st) { return st.achievedThroughput; }), borderColor: palette[0], backgroundColor: palette[0],
            pointBackgroundColor: c.steps.map(function (st) { return st.outcome === "sustained" ? "#15803d" : st.outcome === "broken" ? "#dc2626" : "#d97706"; }), pointRadius: 4, yAxisID: "y" },
          { label: "p99 ms", data: c.steps.map(function (st) { return st.p99; }), borderColor: palette[1], backgroundColor: palette[1], pointRadius: 3, yAxisID: "y1" }
        ]
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { title: { display: true, text: "offered rate (/s)" } },
          y: { beginAtZero: true, position: "left", title: { display: true, text: "per second" }, grid: { color: "#f0f0f0" } },
          y1: { beginAtZero: true, position: "right", title: { display: true, text: "p99 (ms)" }, grid: { drawOnChartArea: false } }
        },
        plugins: { legend: { labels: { boxWidth: 14 } } }
      },
      plugins: [breakLine]
    });
  }

  var canvases = document.querySelectorAll("canvas[data-chart]");
  for (var i = 0; i < canvases.length; i++) {
    var canvas = canvases[i];
    var scenario = run.scenarios[Number(canvas.getAttribute("data-scenario"))];
    if (!scenario) continue;
    try {
      var kind = canvas.getAttribute("data-chart");
      if (kind === "latency") latencyChart(canvas, scenario);
      else if (kind === "probe") { if (scenario.probe) probeChart(canvas, scenario); }
      else if (kind === "capacity") { if (scenario.capacity) capacityChart(canvas, scenario); }
      else throughputChart(canvas, scenario);
    } catch (err) {
      // One broken chart must not take the others down; the tables still hold every figure.
      console.error("chart failed", err);
    }
  }
})();
`;

// ---------------------------------------------------------------------------

/**
 * The CSP is a second guard on "no external request of any kind": if a future
 * change ever references a remote resource, the browser refuses to load it.
 */
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export async function renderHtmlReport(run: RunRecord): Promise<string> {
  const chartJs = await loadChartJs();
  const title = `${VERDICT_WORD[run.verdict]}: SLO report ${run.runId}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${banner(run)}
${attention(run)}
${recoveryMatrix(run)}
${scorecard(run)}
${run.scenarios.map(scenarioSection).join("\n")}
${notes(run)}
<footer>Generated from results.json by ${e(run.harness.name)} ${e(run.harness.version)}. Opens offline: nothing in this file is fetched from the network.</footer>
</main>
<script type="application/json" id="run-data">${escapeJsonForHtml(run)}</script>
<script>${chartJs}</script>
<script>${escapeInlineScript(CHART_SCRIPT)}</script>
</body>
</html>
`;
}
