/**
 * One self-contained HTML report: it must open from disk, offline, years from
 * now, so everything (styles, Chart.js, the data) is inlined and nothing is
 * fetched. Three readers, in this order: the manager (verdict, what needs
 * attention, one headline per scenario with its key chart), the SRE (each
 * scenario: charts with targets and fault windows, latency distributions,
 * tables of percentiles, errors, generator health), the auditor (the full
 * scorecard with sources, filterable). Tables are rendered here, in the HTML,
 * so the report reads fine with scripts off or when printed; charts are extra.
 *
 * The page is put together from src/outputs/report/: the sections (overview,
 * scenario, recovery, resilience, capacity), built as SafeHtml by the `html` tag so no
 * text from the record reaches the page unescaped; the styles (report.css)
 * and the chart script (charts.js, type-checked) as files inlined at render
 * time like Chart.js; the record itself as JSON for the charts.
 */
import type { RunRecord } from "../results/types.js";
import { loadChartJs, loadChartScript, loadReportCss, loadScorecardScript } from "./report/assets.js";
import { reportData } from "./report/derived.js";
import { glance } from "./report/glance.js";
import { attention, banner, notes, scorecard } from "./report/overview.js";
import { VERDICT_WORD } from "./report/parts.js";
import { comparisonSection } from "./report/comparison.js";
import { recoveryMatrix } from "./report/recovery.js";
import { resilienceSideBySide } from "./report/resilience.js";
import { html, joinHtml, scriptJson } from "./report/safe-html.js";
import { scenarioSection } from "./report/scenario.js";

export async function renderHtmlReport(run: RunRecord): Promise<string> {
  const [css, chartJs, chartScript, scorecardScript] = await Promise.all([loadReportCss(), loadChartJs(), loadChartScript(), loadScorecardScript()]);
  const derived = reportData(run);
  const title = `${VERDICT_WORD[run.verdict]}: SLO report ${run.runId}`;
  // The CSP is a second guard on "no external request of any kind": if a future
  // change ever references a remote resource, the browser refuses to load it.
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>
${css}</style>
</head>
<body>
<main>
${banner(run)}
${attention(run)}
${glance(run)}
${comparisonSection(run)}
${recoveryMatrix(run)}
${resilienceSideBySide(run)}
${joinHtml(
  run.scenarios.map((s, si) => scenarioSection(s, si, derived.scenarios[si]!)),
  "\n",
)}
${scorecard(run)}
${notes(run)}
<footer>Generated from results.json by ${run.harness.name} ${run.harness.version}. Opens offline: nothing in this file is fetched from the network.</footer>
</main>
<script type="application/json" id="run-data">${scriptJson(run)}</script>
<script type="application/json" id="report-data">${scriptJson(derived)}</script>
<script>${chartJs}</script>
<script>
${scorecardScript}</script>
<script>
${chartScript}</script>
</body>
</html>
`;
  return page.toString();
}
