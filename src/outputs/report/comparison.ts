/**
 * "Compared with <baseline>": the run's comparison (run --baseline), when the record carries one.
 * Changes first, the rest folded, each with its two values, difference, noise band and method.
 */
import { differenceText, headline, noiseText, sortedMetrics, valueText, verdictText } from "../../compare/render.js";
import type { ChangeVerdict, MetricComparison } from "../../compare/types.js";
import type { RunRecord } from "../../results/types.js";
import { html, joinHtml, type SafeHtml } from "./safe-html.js";

const BADGE: Record<ChangeVerdict, string> = { regressed: "fail", improved: "pass", inconclusive: "inconclusive", unchanged: "neutral" };

function rows(metrics: readonly MetricComparison[]): SafeHtml {
  return joinHtml(
    metrics.map(
      (m) => html`<tr data-key="${m.key}" data-verdict="${m.verdict}">
  <td><span class="badge ${BADGE[m.verdict]}">${verdictText(m)}</span></td>
  <td>${m.scenario}: ${m.title}</td><td>${valueText(m.baseline, m.unit)}</td><td>${valueText(m.candidate, m.unit)}</td>
  <td>${differenceText(m)}</td><td>${noiseText(m)}</td><td class="small">${m.method}. ${m.reason}</td>
</tr>`,
    ),
    "\n",
  );
}

function table(metrics: readonly MetricComparison[]): SafeHtml {
  return html`<div class="table-wrap"><table class="comparison">
  <thead><tr><th>Verdict</th><th>Metric</th><th>Baseline</th><th>Candidate</th><th>Difference</th><th>Noise band</th><th>Method and reason</th></tr></thead>
  <tbody>${rows(metrics)}</tbody>
</table></div>`;
}

export function comparisonSection(run: RunRecord): SafeHtml | string {
  const c = run.comparison;
  if (!c) return "";
  const sorted = sortedMetrics(c);
  const changed = sorted.filter((m) => m.verdict === "regressed" || m.verdict === "improved");
  const rest = sorted.filter((m) => m.verdict !== "regressed" && m.verdict !== "improved");
  const caveats = [
    ...(c.comparable.forced ? [`Not comparable, compared anyway (--force): ${c.comparable.differences.join("; ")}`] : []),
    ...c.comparable.notes,
  ];
  const floors = Object.entries(c.rules.absoluteFloor)
    .map(([u, v]) => `${v} ${u}`)
    .join(", ");
  return html`<section class="card" id="comparison">
  <h2>Compared with ${c.baseline.ref ?? c.baseline.runId}</h2>
  <p>${headline(c)}</p>
  ${caveats.map((x) => html`<p class="muted small">${x}</p>`)}
  <p class="muted small">A change counts only when it is outside the noise band and larger than max(${(c.rules.relativeFloor * 100).toFixed(1)} % of the baseline, ${floors}); for a ratio, the percentage is of the smaller of the ratio and its complement. With fewer than 5 earlier runs the band comes from the two runs' own intervals (at least batch means over the timeline), widened x14 between runs.</p>
  ${changed.length ? table(changed) : html`<p>No metric regressed or improved.</p>`}
  ${rest.length ? html`<details><summary>${rest.length} more: ${c.counts.inconclusive} inconclusive, ${c.counts.unchanged} unchanged</summary>${table(rest)}</details>` : ""}
</section>`;
}
