/**
 * A Markdown summary for places that render Markdown and nothing else: a CI
 * job summary ($GITHUB_STEP_SUMMARY), a pull-request comment, a terminal.
 */
import type { LatencySummary, RunRecord, ScenarioResult, SloResult } from "../results/types.js";

const VERDICT_WORD: Record<RunRecord["verdict"], string> = {
  pass: "PASS",
  fail: "FAIL",
  inconclusive: "INCONCLUSIVE",
  error: "ERROR",
  interrupted: "INTERRUPTED",
};

/**
 * Table cells must not break the table (| and newlines), and text from servers
 * must not turn into HTML where Markdown renderers allow inline HTML. `<` and
 * `&` are escaped only where they could start a tag or an entity, so
 * "p99 < 25 ms" stays readable in the raw file.
 */
export function escapeMarkdownCell(text: string): string {
  return text
    .replace(/&(?=[A-Za-z#])/g, "&amp;")
    .replace(/<(?=[A-Za-z/!?])/g, "&lt;")
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, " ");
}

/** `markupColumns`: indices of cells built by this module from fixed words, which may carry Markdown emphasis. */
function table(header: string[], rows: string[][], markupColumns: readonly number[] = []): string[] {
  const cell = (text: string, i: number) => (markupColumns.includes(i) ? text : escapeMarkdownCell(text));
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}

function ms(x: number): string {
  if (!Number.isFinite(x)) return "-";
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function pct(x: number | null): string {
  return x === null ? "-" : `${(x * 100).toFixed(2)} %`;
}

function sourceText(slo: SloResult): string {
  const plural = /[,-]/.test(slo.source.lines) ? "lines" : "line";
  return `${slo.source.document} ${plural} ${slo.source.lines}`;
}

function sloVerdict(slo: SloResult): string {
  const word = slo.verdict === "pass" ? "pass" : slo.verdict === "fail" ? "**FAIL**" : "inconclusive";
  return slo.standIn ? `${word} (stand-in)` : word;
}

function sloSection(scenario: ScenarioResult): string[] {
  if (scenario.slos.length === 0) return ["No SLOs were judged in this scenario."];
  return table(
    ["SLO", "objective", "measured", "margin", "samples", "verdict", "source"],
    scenario.slos.map((s) => [s.id, s.objective, s.measuredText, s.marginText, String(s.samples), sloVerdict(s), sourceText(s)]),
    [5],
  );
}

function latencySection(latency: LatencySummary[]): string[] {
  const ok = latency.filter((l) => l.outcome === "ok");
  if (ok.length === 0) return [];
  return [
    "",
    "Latency of successful calls (ms):",
    "",
    ...table(
      ["server", "tool", "p50", "p95", "p99", "max", "count"],
      ok.map((l) => [l.server, l.tool, ms(l.p50), ms(l.p95), ms(l.p99), ms(l.max), String(l.count)]),
    ),
  ];
}

function scenarioSection(scenario: ScenarioResult): string[] {
  const out: string[] = [`## ${escapeMarkdownCell(scenario.name)}`, ""];
  if (scenario.description) out.push(escapeMarkdownCell(scenario.description), "");
  if (scenario.status === "error") {
    out.push(`**Scenario error:** ${escapeMarkdownCell(scenario.error ?? "unknown error")}`, "");
  } else if (scenario.status === "interrupted") {
    out.push("**Interrupted:** this scenario did not finish; its results rest on partial data.", "");
  }
  out.push(...sloSection(scenario));
  out.push(...latencySection(scenario.latency));
  if (scenario.errors.length > 0) {
    out.push(
      "",
      "Errors:",
      "",
      ...table(
        ["server", "tool", "outcome", "count", "message"],
        scenario.errors.map((e) => [e.server, e.tool, e.outcome, String(e.count), e.message]),
      ),
    );
  }
  const c = scenario.coordination;
  if (c) {
    out.push(
      "",
      `Coordination latency: p50 ${ms(c.p50)} ms, p95 ${ms(c.p95)} ms, p99 ${ms(c.p99)} ms, mean ${ms(c.mean)} ms ` +
        `over ${c.samples} samples (${c.timeouts} timeouts); resolution: one read, mean ${ms(c.meanReadLatencyMs)} ms.`,
      `Definition: ${escapeMarkdownCell(c.definition)}`,
    );
  }
  const k = scenario.cache;
  if (k) {
    out.push(
      "",
      `Cache hit ratio: client ${pct(k.client.ratio)} (${k.client.hits} hits, ${k.client.misses} misses), ` +
        `Redis INFO ${pct(k.redisInfo.ratio)} (${k.redisInfo.hits} hits, ${k.redisInfo.misses} misses); ` +
        `the two counts ${k.agree ? "agree" : "DISAGREE"}. ${k.keys} keys, Zipf exponent ${k.zipfExponent}.`,
      `Definition: ${escapeMarkdownCell(k.definition)}`,
    );
  }
  const standIns = scenario.servers.filter((s) => s.upstream === "stand-in").map((s) => s.name);
  if (standIns.length > 0) {
    out.push("", `(stand-in): ${escapeMarkdownCell(standIns.join(", "))} talked to a local stand-in of a SaaS API, not the real one.`);
  }
  return out;
}

export function renderSummaryMarkdown(run: RunRecord): string {
  const { pass, fail, inconclusive } = run.counts;
  const total = pass + fail + inconclusive;
  const lines: string[] = [
    `# ${VERDICT_WORD[run.verdict]}: ${pass} of ${total} SLOs met, ${fail} failed, ${inconclusive} inconclusive`,
    "",
    `Run \`${run.runId}\`, ${run.startedAt}, profile \`${run.profile}\`, ` +
      `${escapeMarkdownCell(`${run.environment.platform}, ${run.environment.cpus} x ${run.environment.cpuModel}, node ${run.environment.node}`)}.`,
    "",
  ];
  for (const scenario of run.scenarios) lines.push(...scenarioSection(scenario), "");
  if (run.notes.length > 0) {
    lines.push("## Notes", "", ...run.notes.map((n) => `- ${escapeMarkdownCell(n)}`), "");
  }
  return lines.join("\n");
}
