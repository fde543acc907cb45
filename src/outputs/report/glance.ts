/**
 * "Scenarios at a glance", for the manager, right under the verdict and what
 * needs attention: one headline per scenario, in words that stay the same from
 * run to run so two reports can be read side by side, with the scenario's key
 * chart beside it. The SRE's detail follows further down.
 */
import type { RunRecord, ScenarioResult, SloResult } from "../../results/types.js";
import { VERDICT_WORD, int, ms, variantTag } from "./parts.js";
import { html, type SafeHtml } from "./safe-html.js";

/** The key chart beside a headline: a canvas kind of charts.js, and the server it shows when it shows one. */
export interface KeyChart {
  chart: "capacity" | "faults" | "latency" | "spectrum" | "coordination" | "cache" | "throughput";
  server?: string;
  caption: string;
}

const VERDICT_RANK = { fail: 0, inconclusive: 1, pass: 2 } as const;

/** The SLO that matters most: failed before inconclusive before passed, then the one that missed by most. */
export function worstSlo(s: ScenarioResult): SloResult | undefined {
  return [...s.slos].sort((a, b) => VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] || relativeMiss(a) - relativeMiss(b))[0];
}

/**
 * Which chart tells a scenario's story: the capacity curve; the fault windows over the calls that
 * kept flowing; the calls against a load shape; else the chart of its worst SLO (over time where the timeline has that statistic,
 * p50 and p99; by percentile where it has not, p95 and p99.9).
 */
export function keyChart(s: ScenarioResult): KeyChart | null {
  if (s.capacity) return { chart: "capacity", caption: "Achieved against offered rate" };
  const hasTimeline = s.timeline.points.length > 0;
  if (hasTimeline && (s.faults ?? []).some((f) => f.injected)) return { chart: "faults", caption: "Ok calls/s of all servers through the fault windows" };
  // A load shape (stages) is the scenario's story: the calls against the shape they were asked to follow.
  if (hasTimeline && s.timeline.planned?.length) return { chart: "throughput", caption: "Ok calls/s against the planned load shape" };
  const worst = worstSlo(s);
  const server = worst?.scope.server ?? s.servers[0]?.name;
  const about = worst ? `: ${worst.title}` : "";
  const metric = worst?.metric ?? "";
  if (/^latency\.(p50|p99)$/.test(metric) && hasTimeline && server !== undefined)
    return { chart: "latency", server, caption: `${server} latency over time against its targets${about}` };
  if (/^latency\./.test(metric) && s.latency.some((l) => l.server === server) && server !== undefined)
    return { chart: "spectrum", server, caption: `${server} latency by percentile against its targets${about}` };
  if (/^coordination_latency\./.test(metric) && s.coordination) return { chart: "coordination", caption: `Coordination latency by percentile${about}` };
  if (metric === "cache_hit_ratio" && s.cache) return { chart: "cache", caption: `Cache hit ratio against its target${about}` };
  if (hasTimeline) return { chart: "throughput", caption: "Ok calls/s and errors/s of all servers over time" };
  return null;
}

/** How far a missed SLO missed, relative to its target: to name the worst one first. */
function relativeMiss(slo: SloResult): number {
  if (slo.margin === null || slo.measured === null) return 0;
  const target = Math.abs(slo.measured + slo.margin) || 1;
  return slo.margin / target;
}

export function scenarioVerdict(s: ScenarioResult): RunRecord["verdict"] {
  if (s.status !== "completed") return s.status;
  if (s.slos.some((x) => x.verdict === "fail")) return "fail";
  if (s.slos.some((x) => x.verdict === "inconclusive")) return "inconclusive";
  return "pass";
}

/** The headline's figures, each a short phrase; the same phrases every run. */
export function headlineFigures(s: ScenarioResult): string[] {
  const pass = s.slos.filter((x) => x.verdict === "pass").length;
  const fail = s.slos.filter((x) => x.verdict === "fail").length;
  const inconclusive = s.slos.length - pass - fail;
  const figures = [`${pass} of ${s.slos.length} SLOs met${fail ? `, ${fail} failed` : ""}${inconclusive ? `, ${inconclusive} inconclusive` : ""}`];
  if (s.status === "error") figures.unshift(`did not run to the end: ${s.error ?? "unknown error"}`);
  else if (s.status === "interrupted") figures.unshift("interrupted: what follows rests on partial data");
  const worst = s.slos.filter((x) => x.verdict === "fail").sort((a, b) => relativeMiss(a) - relativeMiss(b))[0];
  if (worst) figures.push(`worst: ${worst.title} ${worst.measuredText} against ${worst.objective}`);
  if (s.capacity) {
    const c = s.capacity;
    figures.push(
      c.sustainedRate === null
        ? "no offered rate held"
        : `held ${int(c.sustainedRate)}/s offered${c.breakingRate !== null ? `, broke at ${int(c.breakingRate)}/s` : ""}`,
    );
  } else if (s.load) {
    figures.push(`${s.load.throughput.toFixed(1)} ok calls/s over ${(s.load.measuredMs / 1000).toFixed(0)} s`);
    const slowest = s.latency.filter((l) => l.outcome === "ok").sort((a, b) => b.p99 - a.p99)[0];
    if (slowest) figures.push(`slowest p99: ${slowest.server} ${slowest.tool} ${ms(slowest.p99)} ms`);
  }
  const faults = (s.faults ?? []).filter((f) => f.injected);
  if (faults.length > 0)
    figures.push(`${faults.length} fault${faults.length === 1 ? "" : "s"} injected, ${faults.filter((f) => f.recovered).length} recovered`);
  if (s.install?.length) figures.push(`${s.install.filter((i) => i.outcome === "installed").length} of ${s.install.length} servers installed`);
  return figures;
}

function glanceRow(s: ScenarioResult, si: number): SafeHtml {
  const verdict = scenarioVerdict(s);
  const [first, ...rest] = headlineFigures(s);
  const key = keyChart(s);
  const chart =
    key === null
      ? html`<div class="glance-chart none small muted">No time series in this scenario.</div>`
      : html`<figure class="glance-chart"><figcaption class="small">${key.caption}</figcaption><div class="chart key"><canvas data-scenario="${si}" data-chart="${key.chart}"${key.server === undefined ? "" : html` data-server="${key.server}"`} data-key="true" role="img" aria-label="${`${key.caption}: ${s.name}`}"></canvas></div></figure>`;
  return html`<article class="glance-row ${verdict}" data-scenario="${si}">
  <div class="glance-text">
    <h3><a href="#scenario-${si}">${s.name}</a>${variantTag(s)} <span class="badge ${verdict === "interrupted" ? "error" : verdict}">${VERDICT_WORD[verdict]}</span></h3>
    <p class="glance-headline">${first ?? ""}</p>
    ${rest.length > 0 ? html`<ul class="glance-figures">${rest.map((f) => html`<li>${f}</li>`)}</ul>` : ""}
  </div>
  ${chart}
</article>`;
}

export function glance(run: RunRecord): SafeHtml | string {
  if (run.scenarios.length === 0) return "";
  return html`<section class="card glance" id="glance">
  <h2>Scenarios at a glance</h2>
  ${run.scenarios.map(glanceRow)}
</section>`;
}
