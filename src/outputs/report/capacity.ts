/** The capacity search (src/capacity/search.ts) in report.html: the answer, a chart and one row per step. */
import type { CapacityStep, ScenarioResult } from "../../results/types.js";
import { formatDuration } from "../format.js";
import { int, kv, ms, pct } from "./parts.js";
import { html, joinHtml, type SafeHtml } from "./safe-html.js";

const STEP_BADGE: Record<CapacityStep["outcome"], [string, string]> = {
  sustained: ["pass", "held"],
  broken: ["fail", "broke"],
  "generator-limited": ["inconclusive", "generator limit"],
  interrupted: ["error", "interrupted"],
};

function rate(x: number | null): string {
  return x === null ? "none" : `${x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1)}/s`;
}

function stepRow(st: CapacityStep, verdictsFromStep: number | null): SafeHtml {
  const [cls, word] = STEP_BADGE[st.outcome];
  const g = st.generator;
  const late = g.offered > 0 ? g.lateSends / g.offered : 0;
  const dropped = g.offered > 0 ? g.dropped / g.offered : 0;
  const gen = `${pct(late)} late, ${pct(dropped)} dropped, CPU ${(g.cpu * 100).toFixed(0)} %, loop p99 ${ms(g.eventLoopDelayP99Ms)} ms`;
  const codes = (ids: string[]) =>
    joinHtml(
      ids.map((id) => html`<code>${id}</code>`),
      ", ",
    );
  const slos: SafeHtml[] = [];
  if (st.brokenBy.length) slos.push(html`failed: ${codes(st.brokenBy)}`);
  if (st.inconclusive.length) slos.push(html`<span class="muted">inconclusive (noted, not breaking): ${codes(st.inconclusive)}</span>`);
  const mark = st.index === verdictsFromStep ? html` <span class="small muted" title="the scenario's verdicts are this step's">(verdicts)</span>` : "";
  const cells = [
    html`<td class="num">${st.index + 1}${mark}</td><td class="num">${rate(st.offeredRate)}</td><td class="num">${rate(st.achievedThroughput)}</td>`,
    html`<td class="num">${ms(st.p50)}</td><td class="num">${ms(st.p99)}</td><td class="num">${int(st.okCalls)}</td><td class="num">${int(st.failedCalls)}</td>`,
    html`<td class="small"${st.generatorLimit ? html` title="${st.generatorLimit}"` : ""}>${gen}${st.generatorLimit ? html`<br><strong>generator was the limit</strong>` : ""}</td>`,
    html`<td><span class="badge ${cls}">${word}</span></td><td class="small">${slos.length > 0 ? joinHtml(slos, html`<br>`) : "all held"}</td>`,
  ];
  return html`<tr${st.generatorLimit ? html` class="warn"` : ""}>${cells}</tr>`;
}

export function capacitySection(s: ScenarioResult, si: number): SafeHtml | string {
  const c = s.capacity;
  if (!c) return "";
  const basis = c.steps[0]?.basis === "coordination" ? "coordination samples" : "ok calls";
  const summaryBox = c.limitedByGenerator
    ? html`<p class="warn-box">Limited by the load generator: ${c.stopReason}. The highest rate shown to hold is ${rate(c.sustainedRate)}; the server's real capacity may be higher.</p>`
    : "";
  const growth = c.plan.stepRate !== null ? `+${c.plan.stepRate}/s` : `x${c.plan.factor ?? 1.5}`;
  const breaking =
    c.breakingRate === null
      ? c.limitedByGenerator
        ? "not reached (generator limit)"
        : c.reachedMax
          ? "not reached (held up to the maximum)"
          : "none"
      : rate(c.breakingRate);
  return html`<div class="capacity" id="capacity-${si}">
  <h3>Capacity</h3>
  <p class="small muted">Rising arrival rates (open model) from ${rate(c.plan.startRate)} (${growth} per step) to ${rate(c.plan.maxRate)},
    each step ${formatDuration(c.plan.settleMs)} settling then a ${formatDuration(c.plan.stepDurationMs)} window. ${c.note}</p>
  ${summaryBox}
  ${kv([
    ["sustained rate", rate(c.sustainedRate), c.sustainedRate === null ? "warn" : undefined],
    ["breaking rate", breaking, c.breakingRate !== null ? "warn" : undefined],
    ["broken by", c.brokenBy.length ? c.brokenBy.join(", ") : "–"],
    ["stopped because", c.stopReason],
    ["verdicts from", c.verdictsFromStep === null ? "no step" : `step ${c.verdictsFromStep + 1} (${rate(c.steps[c.verdictsFromStep]?.offeredRate ?? null)})`],
  ])}
  <figure><figcaption>Achieved throughput (${basis}/s) and p99 (ms) vs offered rate${c.breakingRate !== null ? "; the red line marks where an SLO broke" : c.limitedByGenerator ? "; the amber line marks the generator limit" : ""}</figcaption>
    <div class="chart"><canvas data-scenario="${si}" data-chart="capacity" role="img" aria-label="Achieved throughput and p99 latency against offered arrival rate"></canvas></div></figure>
  <div class="table-wrap"><table>
    <thead><tr><th class="num">Step</th><th class="num">Offered</th><th class="num">Achieved (${basis})</th><th class="num">p50 ms</th><th class="num">p99 ms</th><th class="num">ok</th><th class="num">failed</th><th>Load generator</th><th>Result</th><th>SLOs</th></tr></thead>
    <tbody>${c.steps.map((st) => stepRow(st, c.verdictsFromStep))}</tbody>
  </table></div>
</div>`;
}
