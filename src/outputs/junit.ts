/**
 * JUnit XML, so CI systems that already show test results (GitLab, Jenkins,
 * GitHub test reporters) show SLO verdicts without a plugin. One <testsuite>
 * per scenario (named "scenario [matrix cell]" when it has a variant), one
 * <testcase> per SLO, whatever its metric (latency, rto, rpo, ...).
 */
import type { RunRecord, ScenarioResult, SloResult } from "../results/types.js";
import { differenceText, noiseText, valueText } from "../compare/render.js";
import { scenarioLabel } from "./format.js";
import { exitsFor, exitsSummary } from "./availability-format.js";

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
}

function seconds(startIso: string, endIso: string): number {
  const ms = Date.parse(endIso) - Date.parse(startIso);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}

function sourceText(slo: SloResult): string {
  const s = slo.source;
  const lines = /[,-]/.test(s.lines) ? `lines ${s.lines}` : `line ${s.lines}`;
  return `${s.document}, ${lines}`;
}

function sloCase(slo: SloResult, classname: string, scenario: ScenarioResult): Case {
  const name = `${slo.id}: ${slo.objective}`;
  const standIn = slo.standIn ? " (measured against a stand-in, not the real API)" : "";
  // A server that crashed is what a CI reader must see first, in the failure message itself.
  const exits = exitsFor(scenario, slo);
  const exited = exits.length ? `; server process${exits.length === 1 ? "" : "es"} exited: ${exitsSummary(exits)}` : "";
  if (slo.verdict === "fail") {
    const body = [
      ...(exits.length ? [`server processes that exited: ${exitsSummary(exits, 10)}`] : []),
      `source: ${sourceText(slo)}`,
      ...(slo.source.quote ? [`quote: ${slo.source.quote}`] : []),
      `reason: ${slo.reason}${standIn}`,
      `samples: ${slo.samples}`,
      ...(slo.interval ? [`95 % interval (${slo.interval.kind}) of ${slo.interval.of}: [${slo.interval.low}, ${slo.interval.high}]`] : []),
    ].join("\n");
    return {
      name,
      classname,
      time: 0,
      kind: "failure",
      type: "slo-breach",
      message: `measured ${slo.measuredText}, objective ${slo.objective}, margin ${slo.marginText}${exited}`,
      body,
    };
  }
  if (slo.verdict === "inconclusive") {
    return { name, classname, time: 0, kind: "skipped", message: `inconclusive: ${slo.reason}${standIn}${exited}` };
  }
  return { name, classname, time: 0, kind: "pass" };
}

function scenarioCases(scenario: ScenarioResult): Case[] {
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
  for (const slo of scenario.slos) cases.push(sloCase(slo, classname, scenario));
  return cases;
}

function renderCase(c: Case): string {
  const open = `    <testcase name="${escapeXml(c.name)}" classname="${escapeXml(c.classname)}" time="${c.time.toFixed(3)}"`;
  if (c.kind === "pass") return `${open}/>`;
  const msg = escapeXml(c.message ?? "");
  const type = c.type ? ` type="${escapeXml(c.type)}"` : "";
  const inner = c.kind === "skipped" ? `<skipped message="${msg}"/>` : `<${c.kind} message="${msg}"${type}>${escapeXml(c.body ?? c.message ?? "")}</${c.kind}>`;
  return `${open}>\n      ${inner}\n    </testcase>`;
}

interface Suite {
  name: string;
  timestamp: string;
  time: number;
  cases: Case[];
}

function count(cases: readonly Case[], kind: Case["kind"]): number {
  return cases.filter((c) => c.kind === kind).length;
}

/** The tests, failures, errors and skipped attributes of a testsuite or testsuites element. */
function tallies(cases: readonly Case[]): string {
  return `tests="${cases.length}" failures="${count(cases, "failure")}" errors="${count(cases, "error")}" skipped="${count(cases, "skipped")}"`;
}

function renderSuite(suite: Suite, id: number): string {
  const attrs = [
    `name="${escapeXml(suite.name)}"`,
    `id="${id}"`,
    tallies(suite.cases),
    `time="${suite.time.toFixed(3)}"`,
    `timestamp="${escapeXml(suite.timestamp)}"`,
  ].join(" ");
  if (suite.cases.length === 0) return `  <testsuite ${attrs}/>`;
  return `  <testsuite ${attrs}>\n${suite.cases.map(renderCase).join("\n")}\n  </testsuite>`;
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

export function renderJunit(run: RunRecord): string {
  const suites: Suite[] = run.scenarios.map((s) => ({
    name: scenarioLabel(s),
    timestamp: s.startedAt,
    time: seconds(s.startedAt, s.endedAt),
    cases: scenarioCases(s),
  }));
  const runSuite = runLevelSuite(run);
  if (runSuite) suites.push(runSuite);
  const compared = comparisonSuite(run);
  if (compared) suites.push(compared);
  const all = suites.flatMap((s) => s.cases);
  const rootAttrs = [
    `name="${escapeXml(`mcp-slo-harness ${run.runId}`)}"`,
    tallies(all),
    `time="${seconds(run.startedAt, run.endedAt).toFixed(3)}"`,
    `timestamp="${escapeXml(run.startedAt)}"`,
  ].join(" ");
  return [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites ${rootAttrs}>`, ...suites.map((s, i) => renderSuite(s, i)), `</testsuites>`, ""].join("\n");
}
