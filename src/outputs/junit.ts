/**
 * JUnit XML, so CI systems that already show test results (GitLab, Jenkins,
 * GitHub test reporters) show SLO verdicts without a plugin. One <testsuite>
 * per scenario (named "scenario [matrix cell]" when it has a variant), one
 * <testcase> per SLO, whatever its metric (latency, rto, rpo, ...), named by
 * the SLO's id and scope (stable when a target changes, so the CI keeps its
 * history), timed by the measurement window, with what was measured in its
 * <system-out>. A security scan adds one <testcase> per server and check
 * ("security <check id> [server=<name>]", see securityCases). A version switch adds one passing
 * <testcase> "resilience switch <from> -> <to>" with its outcome and steps (see switchCase). Valid
 * against jenkins-junit.xsd (test/fixtures/junit-schema).
 */
import type { RunRecord, ScenarioResult, SloResult } from "../results/types.js";
import { differenceText, noiseText, valueText } from "../compare/render.js";
import { haltedLine, scenarioLabel } from "./format.js";
import { exitsFor, exitsSummary } from "./availability-format.js";
import { linesText, sloName, targetText } from "./slo-text.js";
import { bySeverity, packageText, scoreSentence, STATUS_WORD } from "./security-format.js";
import { comparisonText, decidingStep, fallbackLine, shareText, switchLine, SWITCH_OUTCOME_WORD } from "./resilience-format.js";
import type { SecurityCheck, SecurityFinding, ServerSecurity } from "../results/types.js";

/**
 * No XML library: escaping text and attribute values needs five replacements
 * (& < > " '). XML 1.0 also forbids most control characters even when escaped,
 * and server error messages do carry them (ANSI colour codes from stderr), so
 * those become U+FFFD instead of making the whole file unparseable.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

interface Case {
  name: string;
  classname: string;
  /** seconds */
  time: number;
  kind: "pass" | "failure" | "error" | "skipped";
  type?: string;
  message?: string;
  body?: string;
  /** <system-out>: what was measured, one "name: value" per line, on every SLO case whatever its verdict. */
  out?: string;
}

function seconds(startIso: string, endIso: string): number {
  const ms = Date.parse(endIso) - Date.parse(startIso);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}

/**
 * A test case's time is the window its SLO was judged on, not the time spent judging it: the load's
 * actual measurement window; with no load (judged from Prometheus over --from..--to, cold installs)
 * the scenario's own span.
 */
function measurementWindowSeconds(scenario: ScenarioResult): number {
  return scenario.load ? Math.max(0, scenario.load.measuredMs) / 1000 : seconds(scenario.startedAt, scenario.endedAt);
}

function sourceText(slo: SloResult): string {
  return `${slo.source.document}, ${linesText(slo.source)}`;
}

/**
 * What was measured, on every case (a pass too): jenkins-junit.xsd allows no <properties> inside a
 * <testcase>, so the values go to its <system-out> as "name: value" lines, which Jenkins and GitLab show.
 */
function measuredLines(slo: SloResult): string {
  return [
    `verdict: ${slo.verdict}${slo.standIn ? " (measured against a stand-in, not the real API)" : ""}`,
    `measured: ${slo.measuredText}`,
    `target: ${targetText(slo)}`,
    `objective: ${slo.objective}`,
    `margin: ${slo.marginText || "-"}`,
    `samples: ${slo.samples}`,
    ...(slo.interval ? [`95 % interval (${slo.interval.kind}) of ${slo.interval.of}: [${slo.interval.low}, ${slo.interval.high}]`] : []),
    `source: ${sourceText(slo)}`,
    `reason: ${slo.reason}`,
  ].join("\n");
}

function sloCase(slo: SloResult, classname: string, scenario: ScenarioResult, failOnInconclusive: boolean): Case {
  const name = sloName(slo);
  const time = measurementWindowSeconds(scenario);
  const out = measuredLines(slo);
  const standIn = slo.standIn ? " (measured against a stand-in, not the real API)" : "";
  // A server that crashed is what a CI reader must see first, in the failure message itself.
  const exits = exitsFor(scenario, slo);
  const exited = exits.length ? `; server process${exits.length === 1 ? "" : "es"} exited: ${exitsSummary(exits)}` : "";
  const body = [
    ...(exits.length ? [`server processes that exited: ${exitsSummary(exits, 10)}`] : []),
    `source: ${sourceText(slo)}`,
    ...(slo.source.quote ? [`quote: ${slo.source.quote}`] : []),
    `reason: ${slo.reason}${standIn}`,
    `samples: ${slo.samples}`,
    ...(slo.interval ? [`95 % interval (${slo.interval.kind}) of ${slo.interval.of}: [${slo.interval.low}, ${slo.interval.high}]`] : []),
  ].join("\n");
  if (slo.verdict === "fail") {
    const message = `measured ${slo.measuredText}, objective ${slo.objective}, margin ${slo.marginText}${exited}`;
    return { name, classname, time, kind: "failure", type: "slo-breach", message, body, out };
  }
  if (slo.verdict === "inconclusive") {
    const message = `inconclusive: ${slo.reason}${standIn}; measured ${slo.measuredText}, objective ${slo.objective}${exited}`;
    // --fail-on-inconclusive makes the run exit 1 for it: the test tab must show why, as a failure.
    if (failOnInconclusive) return { name, classname, time, kind: "failure", type: "inconclusive", message, body, out };
    return { name, classname, time, kind: "skipped", message, out };
  }
  return { name, classname, time, kind: "pass", out };
}

function findingText(f: SecurityFinding): string {
  const where = [f.tool, f.field].filter(Boolean).join(".");
  return [
    `[${f.severity}] ${f.ruleId}${where ? ` (${where})` : ""}: ${f.title}: ${f.message}`,
    `  evidence: ${f.evidence}`,
    ...(f.reproduce ? [`  reproduce: ${f.reproduce}`] : []),
    ...(f.byDesign ? [`  by design: ${f.byDesign}`] : []),
    ...(f.source ? [`  source: ${f.source}`] : []),
  ].join("\n");
}

/**
 * A security scan: one case per server and check, named "security <check id> [server=<name>]" (stable
 * across scans, so a CI's test history follows each check). fail: a failure with the check's findings,
 * worst first; not applicable: skipped with why (the server has nothing the check could test);
 * not measured: skipped with why, or a failure under --fail-on-inconclusive, since an unmeasured
 * check is what leaves a score inconclusive and that flag fails inconclusive verdicts. A server whose
 * scan did not finish gets a case of its own, as an error.
 */
function securityCases(server: ServerSecurity, classname: string, failOnInconclusive: boolean): Case[] {
  const cases: Case[] = [];
  if (server.error)
    cases.push({
      name: `security scan [server=${server.server}]`,
      classname,
      time: 0,
      kind: "error",
      type: "scan-error",
      message: `the scan of ${server.server} could not finish: ${server.error}`,
      body: `score: ${scoreSentence(server)}`,
    });
  for (const check of server.checks) cases.push(securityCase(server, check, classname, failOnInconclusive));
  return cases;
}

function securityCase(server: ServerSecurity, check: SecurityCheck, classname: string, failOnInconclusive: boolean): Case {
  const name = `security ${check.id} [server=${server.server}]`;
  const findings = bySeverity(server.findings.filter((f) => f.check === check.id));
  const out = [
    `status: ${STATUS_WORD[check.status] ?? check.status}`,
    `check: ${check.title} (${check.category}, weight ${check.weight} of 10)`,
    `earned: ${check.earned === null ? "-" : `${Math.round(check.earned * 100)} % of the weight`}`,
    `detail: ${check.detail}`,
    `server: ${server.server} ${packageText(server)} (${server.registry})`,
    `server score: ${scoreSentence(server)}`,
    ...(findings.length ? ["findings:", ...findings.map(findingText)] : []),
  ].join("\n");
  const base = { name, classname, time: 0, out };
  if (check.status === "fail") {
    const worst = findings[0];
    const message = `${check.title}: failed${worst ? `; worst finding [${worst.severity}] ${worst.ruleId}: ${worst.title}` : ""}${findings.length > 1 ? ` (+${findings.length - 1} more)` : ""}`;
    return { ...base, kind: "failure", type: "security-check", message, body: [`detail: ${check.detail}`, ...findings.map(findingText)].join("\n") };
  }
  if (check.status === "not_measured") {
    const message = `not measured: ${check.detail}`;
    if (failOnInconclusive) return { ...base, kind: "failure", type: "not-measured", message, body: message };
    return { ...base, kind: "skipped", message };
  }
  if (check.status === "not_applicable") return { ...base, kind: "skipped", message: `not applicable: ${check.detail}` };
  return { ...base, kind: "pass" };
}

/**
 * A version switch: one case named by the two versions (stable across runs, so a CI's history follows it),
 * passing whatever the outcome: a rollback is the canary analysis doing its job, and the SLO verdicts
 * (fallback.degradation and the rest) are cases of their own. What happened goes to <system-out>, one
 * step a line, since jenkins-junit.xsd allows no <properties> in a <testcase>.
 */
function switchCase(scenario: ScenarioResult, classname: string): Case | null {
  const sw = scenario.resilience?.switch;
  if (!sw) return null;
  const decided = decidingStep(sw);
  const out = [
    `outcome: ${sw.outcome} (${SWITCH_OUTCOME_WORD[sw.outcome]})`,
    `mode: ${sw.mode}`,
    `from: ${sw.from.server}@${sw.from.version}`,
    `to: ${sw.to.server}@${sw.to.version}${sw.to.standIn ? ` (stand-in: ${sw.to.standIn})` : ""}`,
    `decided at step: ${decided ? decided.index + 1 : "-"}`,
    `failed calls from the switch on: ${sw.failedCalls} of ${sw.calls}`,
    `summary: ${switchLine(sw)}`,
    ...sw.steps.map((st) => {
      const c = st.comparison;
      const comparison = c ? `B against A ${comparisonText(c)} (${c.method}; ${c.reason})` : "no analysis";
      return `step ${st.index + 1}: ${shareText(st.shareTo)} to B, A ${st.from.calls} calls ${st.from.failed} failed, B ${st.to.calls} calls ${st.to.failed} failed; ${comparison}; decision: ${st.decision}`;
    }),
    ...(scenario.resilience?.fallbacks ?? []).map((f) => `fallback: ${fallbackLine(f)}`),
  ].join("\n");
  const time = Math.max(0, (decided?.endedMs ?? sw.atMs) - sw.atMs) / 1000;
  return { name: `resilience switch ${sw.from.server}@${sw.from.version} -> ${sw.to.server}@${sw.to.version}`, classname, time, kind: "pass", out };
}

/** Two SLOs of one scenario with the same id and scope (the same metric judged twice) stay two tests, in their order. */
function uniqueNames(cases: Case[]): Case[] {
  const seen = new Map<string, number>();
  return cases.map((c) => {
    const n = (seen.get(c.name) ?? 0) + 1;
    seen.set(c.name, n);
    return n === 1 ? c : { ...c, name: `${c.name} (${n})` };
  });
}

function scenarioCases(scenario: ScenarioResult, failOnInconclusive: boolean): Case[] {
  // With a matrix, the same SLO runs once per cell: the cell keeps their names apart.
  const classname = scenarioLabel(scenario);
  const time = seconds(scenario.startedAt, scenario.endedAt);
  const cases: Case[] = [];
  if (scenario.status === "error") {
    const message = scenario.error ?? "the scenario failed before it could be judged";
    cases.push({ name: "scenario", classname, time, kind: "failure", type: "harness-error", message, body: message });
  } else if (scenario.status === "interrupted") {
    const message = "the run was interrupted before this scenario finished; its SLOs may rest on partial data";
    cases.push({ name: "scenario", classname, time, kind: "error", type: "interrupted", message });
  }
  // A halt is a failure of its own: the run stopped early on an SLO's burn rate (its SLO's case fails too).
  if (scenario.halted) {
    const message = haltedLine(scenario.halted);
    cases.push({ name: "halted", classname, time: scenario.halted.atMs / 1000, kind: "failure", type: "halted", message, body: message });
  }
  for (const slo of scenario.slos) cases.push(sloCase(slo, classname, scenario, failOnInconclusive));
  for (const server of scenario.security?.servers ?? []) cases.push(...securityCases(server, classname, failOnInconclusive));
  const switched = switchCase(scenario, classname);
  if (switched) cases.push(switched);
  return uniqueNames(cases);
}

/**
 * The elements follow jenkins-junit.xsd (test/fixtures/junit-schema), the schema Jenkins and GitLab
 * readers are written against: <skipped> holds its reason as text (the schema gives it no
 * attributes; Jenkins reads the text when there is no message attribute), then <system-out>.
 */
function renderCase(c: Case): string {
  const open = `    <testcase name="${escapeXml(c.name)}" classname="${escapeXml(c.classname)}" time="${c.time.toFixed(3)}"`;
  const children: string[] = [];
  if (c.kind === "skipped") children.push(`<skipped>${escapeXml(c.message ?? "")}</skipped>`);
  else if (c.kind !== "pass") {
    const type = c.type ? ` type="${escapeXml(c.type)}"` : "";
    children.push(`<${c.kind} message="${escapeXml(c.message ?? "")}"${type}>${escapeXml(c.body ?? c.message ?? "")}</${c.kind}>`);
  }
  if (c.out !== undefined) children.push(`<system-out>${escapeXml(c.out)}</system-out>`);
  if (children.length === 0) return `${open}/>`;
  return `${open}>\n${children.map((x) => `      ${x}`).join("\n")}\n    </testcase>`;
}

interface Suite {
  name: string;
  timestamp: string;
  time: number;
  /** <properties> of the suite: what the scenario was and how it was judged. */
  properties?: [string, string][];
  cases: Case[];
}

function count(cases: readonly Case[], kind: Case["kind"]): number {
  return cases.filter((c) => c.kind === kind).length;
}

/** The tests, failures and errors attributes of a testsuite or testsuites element; a testsuite also counts skipped (jenkins-junit.xsd has no skipped on testsuites). */
function tallies(cases: readonly Case[], withSkipped: boolean): string {
  const skipped = withSkipped ? ` skipped="${count(cases, "skipped")}"` : "";
  return `tests="${cases.length}" failures="${count(cases, "failure")}" errors="${count(cases, "error")}"${skipped}`;
}

function renderSuite(suite: Suite, id: number): string {
  const attrs = [
    `name="${escapeXml(suite.name)}"`,
    `id="${id}"`,
    tallies(suite.cases, true),
    `time="${suite.time.toFixed(3)}"`,
    `timestamp="${escapeXml(suite.timestamp)}"`,
  ].join(" ");
  const properties = suite.properties?.length
    ? [
        "    <properties>",
        ...suite.properties.map(([name, value]) => `      <property name="${escapeXml(name)}" value="${escapeXml(value)}"/>`),
        "    </properties>",
      ]
    : [];
  const body = [...properties, ...suite.cases.map(renderCase)];
  if (body.length === 0) return `  <testsuite ${attrs}/>`;
  return `  <testsuite ${attrs}>\n${body.join("\n")}\n  </testsuite>`;
}

/**
 * A run that ended early or broke without any scenario saying so still has to
 * turn CI red, so it gets a suite of its own.
 */
function runLevelSuite(run: RunRecord): Suite | null {
  const time = seconds(run.startedAt, run.endedAt);
  const said = (status: ScenarioResult["status"]) => run.scenarios.some((s) => s.status === status);
  if (run.status === "interrupted" && !said("interrupted")) {
    return {
      name: "run",
      timestamp: run.startedAt,
      time,
      cases: [
        {
          name: "run",
          classname: "run",
          time,
          kind: "error",
          type: "interrupted",
          message: "the run was interrupted; scenarios that had not finished are missing",
        },
      ],
    };
  }
  if (run.status === "error" && !said("error")) {
    const message = "the harness or its environment failed; see results.json and the log";
    return {
      name: "run",
      timestamp: run.startedAt,
      time,
      cases: [{ name: "run", classname: "run", time, kind: "failure", type: "harness-error", message, body: message }],
    };
  }
  return null;
}

/**
 * run --baseline: one failing case per regressed metric, named by the metric's key (stable across
 * runs, so a CI's test history follows it); one passing case when nothing regressed.
 */
function comparisonSuite(run: RunRecord): Suite | null {
  const c = run.comparison;
  if (!c) return null;
  const classname = `compared with ${c.baseline.ref ?? c.baseline.runId}`;
  const regressed = c.metrics.filter((m) => m.verdict === "regressed");
  const cases: Case[] = regressed.map((m) => {
    const message = `${m.title}: ${valueText(m.baseline, m.unit)} -> ${valueText(m.candidate, m.unit)} (${differenceText(m)}), noise band ${noiseText(m)}`;
    return { name: m.key, classname, time: 0, kind: "failure", type: "regression", message, body: `${message}\n${m.method}; ${m.reason}` };
  });
  if (cases.length === 0) cases.push({ name: "no regression", classname, time: 0, kind: "pass" });
  return { name: classname, timestamp: run.startedAt, time: 0, cases };
}

function scenarioProperties(s: ScenarioResult, run: RunRecord): [string, string][] {
  return [
    ["file", s.file],
    ["profile", s.profile],
    ...(s.variant ? [["variant", s.variant] as [string, string]] : []),
    ["measurement window s", measurementWindowSeconds(s).toFixed(3)],
    ["fail-on-inconclusive", String(run.failOnInconclusive === true)],
    ...(s.resilience?.switch ? [["resilience switch outcome", s.resilience.switch.outcome] as [string, string]] : []),
    ...(s.halted ? [["halted at s", (s.halted.atMs / 1000).toFixed(3)] as [string, string], ["halted by", s.halted.slo] as [string, string]] : []),
  ];
}

export function renderJunit(run: RunRecord): string {
  const failOnInconclusive = run.failOnInconclusive === true;
  const suites: Suite[] = run.scenarios.map((s) => ({
    name: scenarioLabel(s),
    timestamp: s.startedAt,
    time: seconds(s.startedAt, s.endedAt),
    properties: scenarioProperties(s, run),
    cases: scenarioCases(s, failOnInconclusive),
  }));
  const runSuite = runLevelSuite(run);
  if (runSuite) suites.push(runSuite);
  const compared = comparisonSuite(run);
  if (compared) suites.push(compared);
  const all = suites.flatMap((s) => s.cases);
  const rootAttrs = [
    `name="${escapeXml(`mcp-slo-harness ${run.runId}`)}"`,
    tallies(all, false),
    `time="${seconds(run.startedAt, run.endedAt).toFixed(3)}"`,
  ].join(" ");
  return [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites ${rootAttrs}>`, ...suites.map((s, i) => renderSuite(s, i)), `</testsuites>`, ""].join("\n");
}
