/**
 * A Markdown summary for places that render Markdown and nothing else: a CI
 * job summary ($GITHUB_STEP_SUMMARY), a pull-request comment, a terminal.
 */
import { renderMarkdown } from "../compare/render.js";
import { clientCostText, priorityText } from "./format.js";
import type { LatencySummary, RunRecord, ScenarioResult, SloResult, SteadyStateCheck } from "../results/types.js";
import { secondsText } from "../slo/burn-rate.js";
import { linesText, sloName, targetText } from "./slo-text.js";
import {
  FAULT_TIMING_RULES,
  formatAt,
  formatDuration,
  haltedLine,
  hasFaults,
  notRecoveredText,
  RPO_RULES,
  rpoStores,
  rpoText,
  rpoValueText,
  scenarioLabel,
  shapeText,
  worstRpo,
  worstRto,
  worstVerdict,
} from "./format.js";
import { FAILURE_KIND_WORD, RULES, availabilityRows, callRows, exitHow, harnessDelayText } from "./availability-format.js";
import { escapeControlChars } from "../util/control-chars.js";
import { METHODS_NOTE, PAYLOAD_NOTE, byteFiguresText, methodSlos } from "./methods-format.js";
import { avoidedText, fallbackLine, RESILIENCE_RULES, sideBySides, switchLine, type SideBySide } from "./resilience-format.js";
import { packageText, scoreRule, scoreText, securityScans, SEVERITIES, share, targetWord, worstFinding } from "./security-format.js";

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
 * "p99 < 25 ms" stays readable in the raw file. Control characters (an escape
 * sequence in a server's error message) become visible escapes such as `\x1b`
 * (src/util/control-chars.ts): summary.md is also read with `cat` on a terminal.
 */
export function escapeMarkdownCell(text: string): string {
  return escapeControlChars(
    text
      .replace(/&(?=[A-Za-z#])/g, "&amp;")
      .replace(/<(?=[A-Za-z/!?])/g, "&lt;")
      .replace(/\\/g, "\\\\")
      .replace(/\|/g, "\\|")
      .replace(/\r?\n/g, " "),
    { newlines: "escape" },
  );
}

/** `markupColumns`: indices of cells built by this module from fixed words, which may carry Markdown emphasis. */
function table(header: string[], rows: string[][], markupColumns: readonly number[] = []): string[] {
  const cell = (text: string, i: number) => (markupColumns.includes(i) ? text : escapeMarkdownCell(text));
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)];
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

/**
 * The documents SLO targets come from, each named once in a legend and cited by a short mark in the
 * rows ("[1] line 1789"): a seed's file name repeated on 60 rows buries the figures.
 */
class SourceLegend {
  private readonly marks = new Map<string, string>();

  constructor(slos: readonly SloResult[]) {
    for (const slo of slos) if (!this.marks.has(slo.source.document)) this.marks.set(slo.source.document, `[${this.marks.size + 1}]`);
  }

  cite(slo: SloResult): string {
    return `${this.marks.get(slo.source.document) ?? slo.source.document} ${linesText(slo.source)}`;
  }

  lines(): string[] {
    if (this.marks.size === 0) return [];
    return [`Sources: ${[...this.marks].map(([document, mark]) => `${mark} ${escapeMarkdownCell(document)}`).join("; ")}.`, ""];
  }
}

function sloVerdict(slo: SloResult): string {
  const word = slo.verdict === "pass" ? "pass" : slo.verdict === "fail" ? "**FAIL**" : "inconclusive";
  return slo.standIn ? `${word} (stand-in)` : word;
}

function sloSection(scenario: ScenarioResult, legend: SourceLegend): string[] {
  if (scenario.slos.length === 0) return ["No SLOs were judged in this scenario."];
  return table(
    ["SLO", "objective", "measured", "margin", "samples", "verdict", "source"],
    scenario.slos.map((s) => [sloName(s), s.objective, s.measuredText, s.marginText, String(s.samples), sloVerdict(s), legend.cite(s)]),
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

/** Per MCP method (when the workload sent others than tools/call), notifications, and message sizes. */
function methodsSection(scenario: ScenarioResult): string[] {
  const out: string[] = [];
  if (scenario.methods?.length) {
    out.push(
      "",
      `Methods (${METHODS_NOTE}):`,
      "",
      ...table(
        ["server", "method", "requests", "ok", "failed", "timeouts", "p50", "p95", "p99", "SLOs"],
        scenario.methods.map((m) => [
          m.server,
          m.method,
          String(m.calls),
          String(m.ok),
          String(m.failed),
          String(m.timeouts),
          ms(m.p50),
          ms(m.p95),
          ms(m.p99),
          methodSlos(scenario, m.server, m.method)
            .map((x) => `${x.id} ${x.verdict}`)
            .join(", ") || "-",
        ]),
      ),
    );
  }
  if (scenario.notifications) {
    const n = scenario.notifications;
    out.push("", `Notifications received during the window: ${n.length ? n.map((x) => `${x.server} ${x.method} ${x.count}`).join(", ") : "none"}.`);
  }
  if (scenario.payload?.length) {
    out.push(
      "",
      `Message sizes (${PAYLOAD_NOTE}):`,
      "",
      ...table(
        ["server", "method", "tool", "requests", "request mean", "request p50", "request p95", "responses", "response mean", "response p50", "response p95"],
        scenario.payload.map((p) => {
          const req = byteFiguresText(p.request);
          const res = byteFiguresText(p.response);
          return [p.server, p.method, p.tool ?? "-", String(p.request.count), req.mean, req.p50, req.p95, String(p.response.count), res.mean, res.p50, res.p95];
        }),
      ),
    );
  }
  return out;
}

/** Session churn: the setups (method initialize) beside the calls' latency above. */
function sessionsSection(scenario: ScenarioResult): string[] {
  const x = scenario.sessions;
  if (!x) return [];
  const nullable = (v: number | null) => (v === null ? "-" : ms(v));
  return [
    "",
    `Session setup (initialize), ${escapeMarkdownCell(x.churn)} (ms):`,
    "",
    ...table(
      ["server", "p50", "p95", "p99", "max", "ok", "failed", "timed out"],
      x.initialize.map((i) => [
        i.server,
        nullable(i.p50),
        nullable(i.p95),
        nullable(i.p99),
        nullable(i.max),
        String(i.ok),
        String(i.failed),
        String(i.timeouts),
      ]),
    ),
    "",
    `${x.opened} sessions opened by churn (${x.failed} setups failed), ${x.closed} closed` +
      `${x.close ? ` (close p50 ${ms(x.close.p50)} ms, max ${ms(x.close.max)} ms)` : ""}; ` +
      `${x.callsPerSession !== null ? `${x.callsPerSession.toFixed(2)} calls per session in the window` : x.initialize.some((i) => i.ok > 0) ? "no calls per session (agents that stay keep their sessions)" : "no setup in the window"}; at most ${x.peakOpen} agent sessions open at once.`,
  ];
}

const PHASES: SteadyStateCheck["phase"][] = ["before", "during", "after"];

function steadyStateSection(scenario: ScenarioResult): string[] {
  const checks = scenario.steadyState ?? [];
  // Steady states belong to runs that inject faults; RPO writers alone have none.
  if (checks.length === 0 || !hasFaults(scenario)) return [];
  const ordered = [...checks].sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase));
  return [
    "",
    "Steady state:",
    "",
    ...table(
      ["phase", "met", "probes", "failed", "detail"],
      ordered.map((c) => [c.phase, c.met ? "met" : "**NOT MET**", String(c.probes), String(c.failures), c.detail]),
      [1],
    ),
  ];
}

function rtoSection(scenario: ScenarioResult): string[] {
  const faults = scenario.faults ?? [];
  if (faults.length === 0) return [];
  const k = scenario.probe ? `${scenario.probe.consecutive} consecutive successful probes` : "consecutive successful probes";
  return [
    "",
    `Faults and recovery (RTO: from the fault to the first of ${k}). ${FAULT_TIMING_RULES.join(" ")}`,
    "",
    ...table(
      ["fault", "what", "injected at", "healed at", "ready at", "detected after", "RTO", "after heal", "supervisor", "observations"],
      faults.map((f) => {
        if (!f.injected) {
          const reason = `not injected${f.notInjectedReason ? `: ${f.notInjectedReason}` : ""}`;
          return [f.id, f.description, reason, "-", "-", "-", "-", "-", f.supervisor ? "on" : "off", "-"];
        }
        const rto = f.recovered ? formatDuration(f.rtoMs, "-") : `**${notRecoveredText(f.limitMs)}**`;
        return [
          f.id,
          `${f.description} (${f.kind}, ${f.target})`,
          formatAt(f.injectedAtMs, "-"),
          f.healedAtMs === null ? "never" : formatAt(f.healedAtMs),
          f.readyAtMs === undefined || f.readyAtMs === null ? "-" : formatAt(f.readyAtMs),
          f.timeToDetectMs === null ? "no probe failed" : formatDuration(f.timeToDetectMs),
          rto,
          formatDuration(f.afterHealMs, "-"),
          f.supervisor ? "on" : "off",
          f.observations.length > 0 ? f.observations.join("; ") : "-",
        ];
      }),
      [6],
    ),
  ];
}

function rpoSection(scenario: ScenarioResult): string[] {
  const rows = scenario.rpo ?? [];
  if (rows.length === 0) return [];
  const intro = hasFaults(scenario)
    ? "Data loss."
    : "Data loss, consistency check: RPO writers with no fault injected, so every acknowledged write must be read back.";
  return [
    "",
    `${intro} ${RPO_RULES.join(" ")}`,
    "",
    ...table(
      ["store", "durability", "acknowledged", "present", "lost", "unacknowledged but present", "RPO", "detail"],
      rows.map((r) => [
        r.store,
        r.durability,
        String(r.acknowledged),
        r.readBackError !== undefined ? "unknown" : String(r.present),
        r.lost > 0 ? `**${r.lost}**` : "0",
        String(r.unacknowledgedPresent),
        rpoValueText(r),
        r.text ?? rpoText(r),
      ]),
      [4],
    ),
  ];
}

function warningsSection(scenario: ScenarioResult): string[] {
  const w = scenario.warnings ?? [];
  return w.length === 0 ? [] : ["", "Warnings:", "", ...w.map((x) => `- ${escapeMarkdownCell(x)}`)];
}

function recoverySection(scenario: ScenarioResult): string[] {
  return [...warningsSection(scenario), ...steadyStateSection(scenario), ...rtoSection(scenario), ...rpoSection(scenario)];
}

/**
 * The agents' resilience policies and switch, short: one line per fallback (time to fail over, both
 * degradations with their verdicts), the switch's outcome with the step that decided it, and, in the cell
 * run with the policies, what they avoided against the cell run without them. The rules are said once, in
 * the folded notes; the details are in report.html.
 */
function resilienceSection(scenario: ScenarioResult, pairs: readonly SideBySide[]): string[] {
  const r = scenario.resilience;
  if (!r) return [];
  const out = ["", "Resilience:", ""];
  for (const f of r.fallbacks) out.push(`- Fallback ${escapeMarkdownCell(fallbackLine(f))}`);
  if (r.fallbacks.length === 0 && r.policies.some((p) => p.fallback !== null)) out.push("- No fallback was measured in this scenario.");
  if (r.switch) out.push(`- Switch ${escapeMarkdownCell(switchLine(r.switch))}`);
  const pair = pairs.find((p) => p.name === scenario.name && p.onVariant === scenario.variant);
  for (const row of pair?.rows ?? [])
    out.push(
      `- Against \`${escapeMarkdownCell(pair!.offVariant)}\`: ${escapeMarkdownCell(row.server)} failed ${row.on.failed} of ${row.on.calls} calls with the policies, ` +
        `${row.off.failed} of ${row.off.calls} without; failures the policy avoided: ${escapeMarkdownCell(avoidedText(row))}`,
    );
  return out;
}

/** One row per scenario (matrix cell) with faults: worst RTO, RPO per store, rto/rpo verdicts. */
function recoveryMatrix(run: RunRecord): string[] {
  const scenarios = run.scenarios.filter((s) => (s.faults?.length ?? 0) > 0 || (s.rpo?.length ?? 0) > 0);
  if (!run.scenarios.some((s) => (s.faults?.length ?? 0) > 0)) return [];
  const stores = rpoStores(scenarios);
  const verdictText = (s: ScenarioResult, metric: string) => {
    const w = worstVerdict(s.slos, metric);
    if (!w) return "-";
    return w.slos.map((x) => `${sloVerdict(x)} (${escapeMarkdownCell(x.objective)})`).join(", ");
  };
  return [
    ...table(
      ["scenario", "variant", "faults recovered", "worst RTO", ...stores.map((x) => `RPO ${x}`), "RTO SLO", "RPO SLO"],
      scenarios.map((s) => {
        const w = worstRto(s);
        const rto =
          w.injected === 0
            ? "-"
            : !w.recovered
              ? `**${notRecoveredText(w.limitMs ?? 0)}** (${escapeMarkdownCell(w.faultId ?? "")})`
              : `${formatDuration(w.rtoMs, "-")} (${escapeMarkdownCell(w.faultId ?? "")})`;
        return [
          s.name,
          s.variant ?? "-",
          `${w.recoveredCount} of ${w.injected}${w.notInjected > 0 ? ` (${w.notInjected} not injected)` : ""}`,
          rto,
          ...stores.map((store) => {
            const r = worstRpo(s, store);
            return r ? rpoText(r) : "-";
          }),
          verdictText(s, "rto"),
          verdictText(s, "rpo"),
        ];
      }),
      [3, 4 + stores.length, 5 + stores.length],
    ),
    "",
  ];
}

function rateText(x: number | null): string {
  return x === null ? "none" : `${x >= 100 ? Math.round(x) : x.toFixed(1)}/s`;
}

/** Capacity search: the answer first, then one row per step with the generator's health. */
function capacitySection(scenario: ScenarioResult): string[] {
  const c = scenario.capacity;
  if (!c) return [];
  const answer = c.limitedByGenerator
    ? `limited by the load generator: the highest rate shown to hold is ${rateText(c.sustainedRate)}; the server was not shown to break`
    : c.breakingRate !== null
      ? `sustained ${rateText(c.sustainedRate)}; broke at ${rateText(c.breakingRate)} (${c.brokenBy.join(", ")} failed)`
      : `sustained ${rateText(c.sustainedRate)}${c.reachedMax ? ", every step up to the planned maximum held" : ""}`;
  const verdicts =
    c.verdictsFromStep === null
      ? "no step ran"
      : `the verdicts above are those of step ${c.verdictsFromStep + 1} (${rateText(c.steps[c.verdictsFromStep]?.offeredRate ?? null)})`;
  const word: Record<string, string> = { sustained: "held", broken: "**broke**", "generator-limited": "generator limit", interrupted: "interrupted" };
  return [
    "",
    `Capacity: ${escapeMarkdownCell(answer)}; ${escapeMarkdownCell(verdicts)}. Stopped because: ${escapeMarkdownCell(c.stopReason)}.`,
    "",
    ...table(
      [
        "step",
        "offered",
        "achieved",
        "p50 ms",
        "p99 ms",
        "ok",
        "failed",
        "late sends",
        "dropped",
        "generator CPU",
        "loop p99 ms",
        "result",
        "SLOs failed",
        "inconclusive (noted)",
      ],
      c.steps.map((st) => {
        const g = st.generator;
        const share = (n: number) => (g.offered > 0 ? pct(n / g.offered) : "-");
        return [
          String(st.index + 1),
          rateText(st.offeredRate),
          `${rateText(st.achievedThroughput)}${st.basis === "coordination" ? " (coordination)" : ""}`,
          st.p50 === null ? "-" : ms(st.p50),
          st.p99 === null ? "-" : ms(st.p99),
          String(st.okCalls),
          String(st.failedCalls),
          `${g.lateSends} (${share(g.lateSends)})`,
          `${g.dropped} (${share(g.dropped)})`,
          `${(g.cpu * 100).toFixed(0)} %`,
          ms(g.eventLoopDelayP99Ms),
          word[st.outcome] ?? st.outcome,
          st.brokenBy.join(", ") || "-",
          st.inconclusive.join(", ") || "-",
        ];
      }),
      [11],
    ),
    "",
    escapeMarkdownCell(c.note),
  ];
}

/** Cold installs of an install scenario, registry download included. */
function installSection(scenario: ScenarioResult): string[] {
  if (!scenario.install?.length) return [];
  return [
    "",
    "Cold installs (registry download included):",
    "",
    ...table(
      ["server", "package", "registry", "outcome", "install s", "fresh start to ready ms"],
      scenario.install.map((i) => [
        i.server,
        `${i.package}@${i.version}`,
        i.registry,
        i.outcome,
        (i.installMs / 1000).toFixed(1),
        i.startToReadyMs === null ? "-" : ms(i.startToReadyMs),
      ]),
    ),
  ];
}

/** A row per server with the verdicts of the SLOs scoped to it, when the scenario has several servers. */
function serversSection(scenario: ScenarioResult): string[] {
  if (scenario.servers.length < 2) return [];
  return [
    "",
    "Servers:",
    "",
    ...table(
      ["server", "version", "upstream", "start to ready max ms", "pass", "fail", "inconclusive"],
      scenario.servers.map((srv) => {
        const own = scenario.slos.filter((x) => x.scope.server === srv.name);
        const n = (v: string) => String(own.filter((x) => x.verdict === v).length);
        return [srv.name, `${srv.package}@${srv.version}`, srv.upstream, ms(srv.startToReadyMs.max), n("pass"), n("fail"), n("inconclusive")];
      }),
    ),
  ];
}

/** Time-based availability (load and probe), raw and corrected counts by failure kind, server processes that exited. */
function availabilitySection(scenario: ScenarioResult): string[] {
  const out: string[] = [];
  const a = scenario.availability;
  if (a && a.figures.length > 0) {
    out.push(
      "",
      "Availability (time-based: good time / observed time; the probe measures the same independently of the load):",
      "",
      ...table(
        ["server", "load", "load basis", "probe", "probe basis", "judged by"],
        availabilityRows(a.figures).map((r) => [r.server, r.loadShare, r.loadTime, r.probeShare, r.probeCounts, r.judgedBy]),
      ),
    );
  }
  if (scenario.calls?.length) {
    out.push(
      "",
      `Calls (failures by kind; success rate raw and corrected: ${escapeMarkdownCell(a?.correctionNote ?? "")}):`,
      "",
      ...table(
        ["server", "tool", "ok", "tool errors", "protocol errors", "transport failures", "missed (not sent)", "success raw", "success corrected"],
        callRows(scenario.calls).map((r) => [r.server, r.tool, r.ok, r.tool_, r.protocol, r.transport, r.missed, r.raw, r.corrected]),
      ),
    );
  }
  if (scenario.serverExits?.length) {
    out.push(
      "",
      "**Server processes that exited** (times from the start of the measurement window):",
      "",
      ...table(
        ["session", "at", "how", "last stderr"],
        scenario.serverExits.map((x) => [x.session, formatAt(x.atMs), exitHow(x), x.stderr.join(" | ") || "(nothing)"]),
      ),
    );
  }
  return out;
}

/** Inside <summary>, HTML: Markdown escapes do not apply there. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function countsText(scenario: ScenarioResult): string {
  const n = (v: SloResult["verdict"]) => scenario.slos.filter((x) => x.verdict === v).length;
  const status =
    scenario.status === "error"
      ? "scenario error; "
      : scenario.status === "interrupted"
        ? "interrupted; "
        : scenario.halted
          ? `halted at ${secondsText(scenario.halted.atMs)}; `
          : "";
  const more = [n("fail") ? `${n("fail")} failed` : "", n("inconclusive") ? `${n("inconclusive")} inconclusive` : ""].filter(Boolean);
  return `${status}${n("pass")} of ${scenario.slos.length} SLOs met${more.length ? `, ${more.join(", ")}` : ""}`;
}

function scenarioSection(scenario: ScenarioResult, legend: SourceLegend, pairs: readonly SideBySide[]): string[] {
  const variant = scenario.variant ? ` <code>${escapeHtml(scenario.variant)}</code>` : "";
  // Folded: the job page shows what needs attention first; each scenario opens on demand.
  const out: string[] = ["<details>", `<summary><b>${escapeHtml(scenario.name)}</b>${variant}: ${escapeHtml(countsText(scenario))}</summary>`, ""];
  if (scenario.description) out.push(escapeMarkdownCell(scenario.description), "");
  if (scenario.status === "error") {
    out.push(`**Scenario error:** ${escapeMarkdownCell(scenario.error ?? "unknown error")}`, "");
  } else if (scenario.status === "interrupted") {
    out.push("**Interrupted:** this scenario did not finish; its results rest on partial data.", "");
  }
  if (scenario.halted) out.push(`**Halted:** ${escapeMarkdownCell(haltedLine(scenario.halted))}`, "");
  if (scenario.offLoopback)
    out.push(`**Off loopback:** the load went to ${escapeMarkdownCell(scenario.offLoopback.hosts.join(", "))} (allowed by --allow-hosts).`, "");
  const urls = scenario.servers.flatMap((srv) => (srv.runsOn?.kind === "url" ? [`${srv.name} at ${srv.runsOn.url}`] : []));
  if (urls.length > 0) out.push(`**Url targets** (the harness started nothing for them): ${escapeMarkdownCell(urls.join(", "))}`, "");
  out.push(...sloSection(scenario, legend));
  out.push(...installSection(scenario));
  out.push(...serversSection(scenario));
  out.push(...capacitySection(scenario));
  out.push(...recoverySection(scenario));
  out.push(...resilienceSection(scenario, pairs));
  out.push(...availabilitySection(scenario));
  out.push(...latencySection(scenario.latency));
  out.push(...methodsSection(scenario));
  if (scenario.load?.shape) out.push("", `Load shape (${scenario.load.model} model): ${escapeMarkdownCell(shapeText(scenario.load.shape))}.`);
  out.push(...sessionsSection(scenario));
  if (scenario.load) out.push("", `Harness event-loop delay p99: ${escapeMarkdownCell(harnessDelayText(scenario.load))}.`);
  if (scenario.errors.length > 0) {
    out.push(
      "",
      "Errors:",
      "",
      ...table(
        ["server", "tool", "kind", "outcome", "count", "message"],
        scenario.errors.map((e) => [e.server, e.tool, e.kind ? FAILURE_KIND_WORD[e.kind] : "-", e.outcome, String(e.count), e.message]),
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
  const sc = scenario.script;
  if (sc) {
    out.push(
      "",
      `Agent tasks (script): ${sc.tasks.completed} of ${sc.tasks.started} completed.`,
      "",
      ...table(
        ["step", "server", "tool", "calls", "ok", "failed", "broken chain", "unexpected"],
        sc.steps.map((st) => [st.name, st.server, st.tool, String(st.calls), String(st.ok), String(st.failed), String(st.broken), String(st.unexpected)]),
      ),
    );
    for (const st of sc.steps) for (const e of st.examples) out.push(`- ${escapeMarkdownCell(st.name)}: ${escapeMarkdownCell(e)}`);
  }
  const standIns = scenario.servers.filter((s) => s.upstream === "stand-in").map((s) => s.name);
  if (standIns.length > 0) {
    out.push("", `(stand-in): ${escapeMarkdownCell(standIns.join(", "))} talked to a local stand-in of a SaaS API, not the real one.`);
  }
  for (const u of scenario.upstreams ?? []) {
    const answered = u.requests === undefined ? "" : `; ${u.requests} requests${u.unmatched?.length ? `, no route for ${u.unmatched.length} kind(s)` : ""}`;
    out.push(
      `- ${escapeMarkdownCell(u.api)} API: ${u.mode === "stand-in" ? `stand-in (${escapeMarkdownCell(u.payloads ?? u.title)})` : "the real API (live)"} for ${escapeMarkdownCell(u.servers.join(", "))}${answered}`,
    );
  }
  out.push("", "</details>");
  return out;
}

/**
 * What the job page must show before anything else: scenarios that broke, then every failed SLO,
 * then every inconclusive one, each with measured value, target, margin, source and why.
 */
function attentionSection(run: RunRecord, legend: SourceLegend): string[] {
  const out: string[] = [];
  const broken = run.scenarios.filter((s) => s.status !== "completed");
  for (const s of broken) {
    const label = escapeMarkdownCell(scenarioLabel(s));
    out.push(
      s.status === "error"
        ? `- **Scenario error** in ${label}: ${escapeMarkdownCell(s.error ?? "unknown error")}`
        : `- **Interrupted**: ${label} did not finish; its results rest on partial data.`,
    );
  }
  if (run.status === "interrupted" && !broken.some((s) => s.status === "interrupted"))
    out.push("- **Interrupted**: the run stopped early; scenarios that had not started are missing.");
  const halted = run.scenarios.filter((s) => s.halted);
  for (const s of halted) out.push(`- **Halted**: ${escapeMarkdownCell(scenarioLabel(s))} ${escapeMarkdownCell(haltedLine(s.halted!))}`);
  if (broken.length > 0 || halted.length > 0 || run.status === "interrupted") out.push("");
  const rows = run.scenarios.flatMap((scenario) => scenario.slos.map((slo) => ({ scenario, slo })));
  const failed = rows.filter((r) => r.slo.verdict === "fail");
  const inconclusive = rows.filter((r) => r.slo.verdict === "inconclusive");
  if (failed.length + inconclusive.length === 0) {
    if (out.length === 0) return rows.length > 0 ? [`Every one of the ${rows.length} SLOs was met.`, ""] : [];
    return out;
  }
  const failing = run.failOnInconclusive === true && inconclusive.length > 0;
  out.push(
    ...table(
      ["verdict", "SLO", "scenario", "measured", "target", "margin", "source", "why"],
      [...failed, ...inconclusive].map(({ scenario, slo }) => [
        sloVerdict(slo),
        sloName(slo),
        scenarioLabel(scenario),
        slo.measuredText,
        targetText(slo),
        slo.marginText || "-",
        legend.cite(slo),
        slo.reason,
      ]),
      [0],
    ),
    "",
  );
  if (failing) out.push("Inconclusive verdicts fail this run (`--fail-on-inconclusive`).", "");
  return [`## Needs attention: ${failed.length} failed, ${inconclusive.length} inconclusive`, "", ...out];
}

/**
 * The security scans of the run, unfolded: one row per server with its score (an interval while
 * something was not measured), the measured share, the cap, where it stands against the design
 * module's > 9/10, the findings by severity and the worst one. The details are in report.html and
 * security.sarif.
 */
function securitySection(run: RunRecord): string[] {
  const scans = securityScans(run);
  if (scans.length === 0) return [];
  const out: string[] = ["## Security", ""];
  for (const { scenario, scan } of scans) {
    if (scans.length > 1) out.push(`${escapeMarkdownCell(scenarioLabel(scenario))}:`, "");
    const word = { pass: "pass", fail: "**FAIL**", inconclusive: "inconclusive" } as const;
    out.push(
      ...table(
        ["server", "package", "score", "measured", "cap", "> 9/10", "findings", "worst finding"],
        scan.servers.map((srv) => {
          const worst = worstFinding(srv);
          const counts = SEVERITIES.map((sev) => [sev, srv.findings.filter((f) => f.severity === sev).length] as const)
            .filter(([, n]) => n > 0)
            .map(([sev, n]) => `${n} ${sev}`)
            .join(", ");
          return [
            srv.server,
            packageText(srv),
            scoreText(srv),
            share(srv.score.measuredShare),
            srv.score.cap ? `${srv.score.cap.value} (${srv.score.cap.severity})` : "-",
            srv.error ? "**scan did not finish**" : word[targetWord(srv)],
            counts || "none",
            worst ? `${worst.severity}: ${worst.title}${worst.tool ? ` (${worst.tool})` : ""}${worst.byDesign ? " (by design)" : ""}` : "-",
          ];
        }),
        [5],
      ),
      "",
    );
    const broken = scan.servers.filter((srv) => srv.error);
    if (broken.length > 0)
      out.push(...broken.map((srv) => `- **${escapeMarkdownCell(srv.server)}**: the scan did not finish: ${escapeMarkdownCell(srv.error ?? "")}`), "");
  }
  out.push(`${escapeMarkdownCell(scoreRule(scans[0]!.scan))} Every check, finding, its evidence and how to reproduce it: report.html and security.sarif.`, "");
  return out;
}

/** A fold of its own for the reference parts, as the job page and a pull-request comment show them. */
function folded(summary: string, body: string[]): string[] {
  if (body.length === 0) return [];
  return ["<details>", `<summary>${escapeHtml(summary)}</summary>`, "", ...body, "", "</details>", ""];
}

/**
 * summary.md, written for a CI job page ($GITHUB_STEP_SUMMARY) and usable as a pull-request comment:
 * the verdict line, then what needs attention (scenario errors, failures, inconclusives), the sources'
 * legend, the run, the comparison with a baseline when there is one; everything else (passes, the
 * measurements of each scenario, notes and rules) folded in <details>.
 */
export function renderSummaryMarkdown(run: RunRecord): string {
  const { pass, fail, inconclusive } = run.counts;
  const total = pass + fail + inconclusive;
  // Marks numbered in the order the reader meets them: the attention table's rows first.
  const slos = run.scenarios.flatMap((s) => s.slos);
  const legend = new SourceLegend([...slos.filter((x) => x.verdict === "fail"), ...slos.filter((x) => x.verdict === "inconclusive"), ...slos]);
  const lines: string[] = [
    `# ${VERDICT_WORD[run.verdict]}: ${pass} of ${total} SLOs met, ${fail} failed, ${inconclusive} inconclusive`,
    "",
    ...attentionSection(run, legend),
    ...securitySection(run),
    ...legend.lines(),
    `Run \`${run.runId}\`, ${run.startedAt}, profile \`${run.profile}\`, ` +
      `${escapeMarkdownCell(`${run.environment.platform}, ${run.environment.cpus} x ${run.environment.cpuModel}, node ${run.environment.node}`)}` +
      (run.environment.stack
        ? `, stack: ${escapeMarkdownCell(`${run.environment.stack.provider}${run.environment.stack.engine ? ` on ${run.environment.stack.engine}` : ""}`)}`
        : "") +
      (run.environment.priority ? `, priority: ${escapeMarkdownCell(priorityText(run.environment.priority))}` : "") +
      (run.environment.clientCost
        ? `, the harness's own cost per call (null endpoint): ${escapeMarkdownCell(clientCostText(run.environment.clientCost))}`
        : "") +
      ".",
    "",
    // run --baseline: the comparison stays unfolded, changes first (what a pull-request comment is for).
    ...(run.comparison ? [renderMarkdown(run.comparison, 2)] : []),
    ...folded("Recovery matrix", recoveryMatrix(run)),
  ];
  const pairs = sideBySides(run.scenarios);
  for (const scenario of run.scenarios) lines.push(...scenarioSection(scenario, legend, pairs), "");
  const reference: string[] = [];
  if (run.notes.length > 0) reference.push("### Notes", "", ...run.notes.map((n) => `- ${escapeMarkdownCell(n)}`), "");
  // The measurement rules behind availability, success rate, failure kinds and latency verdicts.
  const definition = run.scenarios.find((x) => x.availability)?.availability?.definition;
  if (run.scenarios.some((x) => x.load))
    reference.push(
      "### How availability, success rate and latency verdicts are measured",
      "",
      ...[...(definition ? [definition] : []), RULES.correctedCounts, RULES.failureKinds, RULES.deadSessions, RULES.timing].map(
        (n) => `- ${escapeMarkdownCell(n)}`,
      ),
    );
  const rules = [
    ...(run.scenarios.some((x) => (x.resilience?.fallbacks.length ?? 0) > 0) ? [RESILIENCE_RULES.fallback] : []),
    ...(run.scenarios.some((x) => x.resilience?.switch) ? [RESILIENCE_RULES.switchSteps] : []),
    ...(pairs.length > 0 ? [RESILIENCE_RULES.avoided] : []),
  ];
  if (rules.length > 0)
    reference.push("", "### How fallbacks, switches and avoided failures are measured", "", ...rules.map((n) => `- ${escapeMarkdownCell(n)}`));
  lines.push(...folded("Notes and how the figures are measured", reference));
  // Whatever text reached the summary without passing a cell escape (a server's name or version in a
  // heading, say) still cannot act on a terminal: every control character but the newlines is escaped.
  return escapeControlChars(lines.join("\n"));
}
