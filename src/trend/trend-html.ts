/**
 * trend.html: one chart per SLO and key metric over runs, self-contained like report.html (styles,
 * Chart.js, the chart script and the data inlined; a CSP that forbids every fetch), so it opens
 * offline from a CI artifact. The tables under each chart carry the same facts for a reader with
 * scripts off; each run links to its report.html.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatValue } from "../contracts/units.js";
import { loadChartJs, loadReportCss } from "../outputs/report/assets.js";
import { escapeInlineScript, html, joinHtml, type SafeHtml, scriptJson, unsafeRawHtml } from "../outputs/report/safe-html.js";
import { changeText, type Trend, type TrendSeries } from "./trend.js";

export const TREND_CHART_SCRIPT_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), "trend-charts.js");

/** A few rules on top of report.css: the chart box and the change notes. */
const TREND_CSS = `
.trend-series { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 12px 0; }
.trend-series h3 { margin: 0 0 4px; font-size: 16px; }
.trend-series .chart-box { position: relative; height: 260px; }
.trend-series .changes li.worse { color: var(--fail); }
.trend-series .changes li.better { color: var(--pass); }
.trend-series details { margin-top: 6px; }
.trend-series table td, .trend-series table th { padding: 2px 8px; text-align: left; }
`;

/** The run id, linked to its report when there is one (a PostgreSQL history keeps no report.html: empty href). */
function runLink(runId: string, href: string): SafeHtml {
  return href === "" ? html`${runId}` : html`<a href="${href}">${runId}</a>`;
}

function valueText(value: number | null, unit: TrendSeries["unit"]): string {
  return value === null ? "not measured" : formatValue(value, unit);
}

function seriesSection(s: TrendSeries, index: number): SafeHtml {
  const changes =
    s.changes.length === 0
      ? html`<p class="muted">No change point.</p>`
      : html`<ul class="changes">${joinHtml(
          s.changes.map(
            (c) =>
              html`<li class="${c.direction}">change at run ${runLink(c.runId, s.points[c.pointIndex]!.href)}: ${changeText(c)} (mean ${valueText(c.meanBefore, s.unit)} before, ${valueText(c.meanAfter, s.unit)} after, p = ${c.pValue.toExponential(1)}, ${c.direction})</li>`,
          ),
          "",
        )}</ul>`;
  const rows = joinHtml(
    s.points.map(
      (p) =>
        html`<tr><td>${runLink(p.runId, p.href)}</td><td>${p.startedAt}</td><td>${valueText(p.value, s.unit)}</td><td>${p.verdict === undefined ? "" : html`<span class="badge ${p.verdict}">${p.verdict}</span>`}</td></tr>`,
    ),
    "\n",
  );
  const scope = [s.server, s.tool].filter((x) => x !== undefined).join(" / ");
  return html`<section class="trend-series" id="series-${index}" data-key="${s.key}">
<h3>${s.title}${scope ? html` <span class="muted">${scope}</span>` : ""}</h3>
<p>${s.source === "slo" ? html`SLO ${s.objective ?? ""}; ` : ""}last: ${s.last === null ? "not measured" : html`${valueText(s.last.value, s.unit)} (run ${s.last.runId})`}</p>
<div class="chart-box"><canvas data-series="${index}" role="img" aria-label="${s.title} over ${s.points.length} runs"></canvas></div>
${changes}
<details><summary>Values per run</summary><table><thead><tr><th>Run</th><th>Started</th><th>Value</th><th>Verdict</th></tr></thead><tbody>
${rows}
</tbody></table></details>
</section>`;
}

export async function renderTrendHtml(trend: Trend): Promise<string> {
  const [css, chartJs, chartScript] = await Promise.all([
    loadReportCss(),
    loadChartJs(),
    readFile(TREND_CHART_SCRIPT_PATH, "utf8").then((js) => unsafeRawHtml(escapeInlineScript(js))),
  ]);
  const first = trend.runs[0];
  const last = trend.runs[trend.runs.length - 1];
  const filters = [
    trend.filters.scenario === undefined ? "" : `scenario ${trend.filters.scenario}`,
    trend.filters.since === undefined ? "" : `since ${trend.filters.since}`,
    trend.filters.last === undefined ? "" : `last ${trend.filters.last} runs`,
  ].filter(Boolean);
  const scenarios = [...new Set(trend.series.map((s) => s.scenario))];
  const body = joinHtml(
    scenarios.map((scenario) => {
      const sections = trend.series.flatMap((s, i) => (s.scenario === scenario ? [seriesSection(s, i)] : []));
      return html`<h2>${scenario}</h2>\n${joinHtml(sections, "\n")}`;
    }),
    "\n",
  );
  const runRows = joinHtml(
    trend.runs.map(
      (r) => html`<tr><td>${runLink(r.runId, r.href)}</td><td>${r.startedAt}</td><td><span class="badge ${r.verdict}">${r.verdict}</span></td></tr>`,
    ),
    "\n",
  );
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>SLO trend over ${trend.runs.length} runs</title>
<style>
${css}${unsafeRawHtml(TREND_CSS)}</style>
</head>
<body>
<main>
<h1>SLO trend over ${trend.runs.length} runs</h1>
<p>${first === undefined || last === undefined ? "No run in the history matches." : html`From ${first.startedAt} (run ${first.runId}) to ${last.startedAt} (run ${last.runId}).`}
${filters.length ? html` Filters: ${filters.join(", ")}.` : ""}</p>
<p class="muted">${trend.method} Points are coloured by the SLO's verdict in that run (green pass, red fail, amber inconclusive); the dashed line is the SLO's target. Click a point to open that run's report.</p>
${body}
<h2>Runs</h2>
<table class="runs"><thead><tr><th>Run</th><th>Started</th><th>Verdict</th></tr></thead><tbody>
${runRows}
</tbody></table>
<footer>Generated by mcp-slo trend. Opens offline: nothing in this file is fetched from the network.</footer>
</main>
<script type="application/json" id="trend-data">${scriptJson(trend)}</script>
<script>${chartJs}</script>
<script>
${chartScript}</script>
</body>
</html>
`;
  return page.toString();
}
