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
  LatencySummary,
  LoadSummary,
  RunRecord,
  ScenarioResult,
  SloResult,
  Verdict,
} from "../results/types.js";

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
      items.push(`<li><span class="badge error">Error</span> <strong>${e(s.name)}</strong> did not run to the end: ${e(s.error ?? "unknown error")}</li>`);
    }
    for (const slo of s.slos) {
      if (slo.verdict === "pass") continue;
      const standIn = slo.standIn ? ` <span class="tag">stand-in</span>` : "";
      const what =
        slo.verdict === "fail"
          ? `measured ${e(slo.measuredText)} against ${e(slo.objective)} (${e(slo.marginText)})`
          : e(slo.reason);
      items.push(`<li>${badge(slo.verdict)} <strong>${e(slo.title)}</strong>${standIn} <span class="muted">in ${e(s.name)}</span>: ${what}</li>`);
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
    rows.push(`<tr class="group"><th colspan="8" scope="rowgroup"><a href="#scenario-${si}">${e(s.name)}</a>${s.status !== "completed" ? ` <span class="badge error">${e(s.status)}</span>` : ""}</th></tr>`);
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

function serversTable(s: ScenarioResult): string {
  if (s.servers.length === 0) return "";
  const rows = s.servers.map((srv) => `<tr>
  <td><strong>${e(srv.name)}</strong>${srv.upstream === "stand-in" ? ` <span class="tag">stand-in</span>` : ""}</td>
  <td><code class="package">${e(srv.package).replace(/\//g, "/<wbr>")}<wbr>@${e(srv.version)}</code></td>
  <td>${e(srv.transport)}</td>
  <td class="num">${ms(srv.startToReadyMs.p50)} ms</td>
  <td class="num">${ms(srv.startToReadyMs.max)} ms</td>
  <td class="num">${int(srv.startToReadyMs.sessions)}</td>
  <td>${e(srv.upstream)}</td>
  <td class="small">${e(srv.tools.join(", "))}</td>
</tr>`);
  return `<h3>Servers</h3>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Package</th><th>Transport</th><th class="num">Start to ready p50</th><th class="num">max</th><th class="num">Sessions</th><th>Upstream</th><th>Tools</th></tr></thead>
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
<noscript><p class="small muted">Charts need JavaScript; every figure they show is also in the tables.</p></noscript>`;
}

function errorsTable(s: ScenarioResult): string {
  if (s.errors.length === 0) return `<h3>Errors</h3><p class="muted">No failed calls.</p>`;
  const rows = [...s.errors]
    .sort((a, b) => b.count - a.count)
    .map((x) => `<tr><td>${e(x.server)}</td><td>${e(x.tool)}</td><td><span class="badge fail">${e(x.outcome)}</span></td><td class="num">${int(x.count)}</td><td class="message"><code>${e(x.message)}</code></td></tr>`);
  return `<h3>Errors</h3>
<div class="table-wrap"><table>
  <thead><tr><th>Server</th><th>Tool</th><th>Outcome</th><th class="num">Count</th><th>Message</th></tr></thead>
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
  ["event loop delay p99", `${ms(load.eventLoopDelayP99Ms)} ms`],
])}</div>`;
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
  <h2>${e(s.name)} <span class="badge ${verdict === "interrupted" ? "error" : verdict}">${VERDICT_WORD[verdict]}</span></h2>
  <p class="muted">${e(s.description)}</p>
  <p class="small muted"><code>${e(s.file)}</code> · profile ${e(s.profile)} · ${e(when(s.startedAt))} · ${e(duration(s.startedAt, s.endedAt))} ·
    ${counts.pass} pass, ${counts.fail} fail, ${counts.inconclusive} inconclusive</p>
  ${statusBox}
  ${serversTable(s)}
  ${backendsTable(s)}
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
td.message code{color:#7f1d1d}
footer{color:var(--muted);font-size:12px;text-align:center;margin:24px 0}
@media (max-width:860px){.charts{grid-template-columns:1fr}.verdict-word{font-size:44px}}
@media print{
  body{background:#fff;font-size:12px}
  main{max-width:none;padding:0}
  .banner,.badge,.tag,.scorecard tr td,.warn-box,.error-box{-webkit-print-color-adjust:exact;print-color-adjust:exact}
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
        scales: { x: xAxis, y: { beginAtZero: true, title: { display: true, text: "ms" }, grid: { color: "#f0f0f0" } } },
        plugins: { legend: { labels: { boxWidth: 14, boxHeight: 2 } } }
      },
      plugins: [warmupShade]
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
          x: xAxis,
          y: { beginAtZero: true, position: "left", title: { display: true, text: "ok calls / s" }, grid: { color: "#f0f0f0" } },
          y1: { beginAtZero: true, position: "right", title: { display: true, text: "errors + timeouts / interval" },
                grid: { drawOnChartArea: false }, ticks: { precision: 0 } }
        },
        plugins: { legend: { labels: { boxWidth: 14 } } }
      },
      plugins: [warmupShade]
    });
  }

  var canvases = document.querySelectorAll("canvas[data-chart]");
  for (var i = 0; i < canvases.length; i++) {
    var canvas = canvases[i];
    var scenario = run.scenarios[Number(canvas.getAttribute("data-scenario"))];
    if (!scenario) continue;
    try {
      if (canvas.getAttribute("data-chart") === "latency") latencyChart(canvas, scenario);
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
