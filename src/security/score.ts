/**
 * From what each part of a scan found to checks and a score out of 10 (../shared/measurement.md,
 * "Security score"; weights and caps in ./model.ts).
 *
 * - A check that passed earns its weight, one that failed none; conformance earns its pass rate.
 *   A tool-definition check with only low or info findings keeps half its weight (a loose schema
 *   is worth knowing about, not worth as much as a poisoned description).
 * - not_applicable (the server has nothing the check can look at) leaves the denominator: the score
 *   is rescaled over the weight that applies.
 * - not_measured (a service out of reach, a probe that could not run) stays in it: `lower` counts
 *   it as failed, `upper` as passed, `measuredShare` says how much was measured. Never a silent
 *   full mark.
 * - A finding of a capped severity caps both bounds (SCORE_CAPS).
 */
import type { SecurityCheck, SecurityFinding, SecurityScore, SecuritySeverity, SecurityStatus, ValidationType } from "../results/types.js";
import { printable } from "../util/control-chars.js";
import { type ConformanceOutcome, type ProbeOutcome, SCORE_CAPS, SECURITY_CHECKS, type SecurityCheckId } from "./model.js";
import type { SupplyCheck, SupplyReport } from "./supply-chain.js";
import { RULES, type RuleId, type ToolDefinitionFinding } from "./tool-definitions.js";
import type { PinComparison } from "./tool-pins.js";

const INFO = new Map(SECURITY_CHECKS.map((c) => [c.id as SecurityCheckId, c]));

function info(id: SecurityCheckId) {
  const c = INFO.get(id);
  if (!c) throw new Error(`unknown security check ${id}`);
  return c;
}

const EARNED: Record<SecurityStatus, number | null> = { pass: 1, fail: 0, not_measured: null, not_applicable: null };

export function check(id: SecurityCheckId, status: SecurityStatus, detail: string, earned: number | null = EARNED[status]): SecurityCheck {
  const c = info(id);
  return { id: c.id, category: c.category, title: c.title, weight: c.weight, status, earned, detail };
}

/** Every check of `ids` not measured, for a part of the scan that could not run (the server did not start, ...). */
export function unmeasured(ids: readonly SecurityCheckId[], why: string): SecurityCheck[] {
  return ids.map((id) => check(id, "not_measured", why));
}

export const SEVERITY_ORDER: readonly SecuritySeverity[] = ["critical", "high", "medium", "low", "info"];

export function worstSeverity(findings: readonly Pick<SecurityFinding, "severity">[]): SecuritySeverity | undefined {
  for (const s of SEVERITY_ORDER) if (findings.some((f) => f.severity === s)) return s;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Supply chain

/** What a failed supply check means for whoever runs the server. */
const SUPPLY_SEVERITY: Record<SupplyCheck, SecuritySeverity> = {
  // What runs is not what was published, or a signature does not verify: a tampered package.
  "registry-integrity": "critical",
  "installed-files": "critical",
  "registry-signature": "critical",
  provenance: "high",
  "version-pinned": "medium",
  "dependencies-locked": "medium",
  "install-scripts": "medium",
  // A known vulnerability without a published severity (PyPI, Go) counts as high: a gate should not guess low.
  advisories: "high",
  "dependency-advisories": "high",
};

const SUPPLY_SOURCE = "design module 000_02bc345255a0a23a.txt lines 133-186 (signature, vulnerability scan, compliance, allow-list)";

function evidenceText(evidence: Record<string, string | number | boolean>): string {
  return Object.entries(evidence)
    .filter(([k]) => k !== "list")
    .map(([k, v]) => `${k}=${typeof v === "string" ? printable(v) : v}`)
    .join("; ");
}

/** A known advisory's severity, when the line names one ("pkg: high title"); else the check's default. */
function advisorySeverity(line: string, fallback: SecuritySeverity): SecuritySeverity {
  const m = /^[^:]+: (critical|high|moderate|medium|low|info)\b/i.exec(line);
  if (!m) return fallback;
  const word = m[1]!.toLowerCase();
  return (word === "moderate" ? "medium" : word) as SecuritySeverity;
}

export function supplyChecks(report: SupplyReport): { checks: SecurityCheck[]; findings: SecurityFinding[] } {
  const checks: SecurityCheck[] = [];
  const findings: SecurityFinding[] = [];
  for (const f of report.findings) {
    const id = `supply.${f.check}` as SecurityCheckId;
    checks.push(check(id, f.status, f.detail));
    if (f.status !== "fail") continue;
    const base = {
      check: id,
      title: info(id).title,
      source: SUPPLY_SOURCE,
      reproduce: `mcp-slo scan ${report.server}`,
    };
    const list = typeof f.evidence.list === "string" ? f.evidence.list.split("\n").filter(Boolean) : [];
    if ((f.check === "advisories" || f.check === "dependency-advisories") && list.length > 0) {
      // One finding per known vulnerability, so mcp_vulnerability_count counts vulnerabilities, not checks.
      for (const line of list)
        findings.push({
          ...base,
          ruleId: id,
          severity: advisorySeverity(line, SUPPLY_SEVERITY[f.check]),
          message: `known vulnerability: ${printable(line)}`,
          evidence: evidenceText(f.evidence),
        });
    } else {
      findings.push({ ...base, ruleId: id, severity: SUPPLY_SEVERITY[f.check], message: printable(f.detail), evidence: evidenceText(f.evidence) });
    }
  }
  // A check the supply scan did not report (an older scanner, a registry kind without it) is not measured, never skipped.
  for (const c of SECURITY_CHECKS)
    if (c.id.startsWith("supply.") && !checks.some((x) => x.id === c.id))
      checks.push(check(c.id, "not_measured", "the supply-chain scan did not report this check"));
  return { checks, findings };
}

// ---------------------------------------------------------------------------------------------
// Tool definitions

const RULE_CHECK: Record<RuleId, SecurityCheckId> = {
  TD1: "definitions.poisoning",
  TD2: "definitions.poisoning",
  TD3: "definitions.poisoning",
  TD4: "definitions.poisoning",
  TD5: "definitions.poisoning",
  TD10: "definitions.poisoning",
  TD6: "definitions.shadowing",
  TD7: "definitions.schemas",
  TD8: "definitions.schemas",
  TD9: "definitions.pinned",
};

const MINOR: ReadonlySet<SecuritySeverity> = new Set(["low", "info"]);

function definitionFinding(f: ToolDefinitionFinding & { changes?: unknown }): SecurityFinding {
  const rule = RULES[f.rule];
  return {
    ruleId: f.rule,
    check: RULE_CHECK[f.rule],
    severity: f.severity,
    title: rule.title,
    message: `${f.kind} ${f.tool}: ${f.detail}`,
    evidence: f.evidence,
    reproduce:
      f.kind === "server" ? "initialize: read the server's instructions" : `${f.kind === "tool" ? "tools" : `${f.kind}s`}/list: read ${f.tool} ${f.field}`,
    tool: f.tool,
    field: f.field,
    source: f.source,
  };
}

/** A definition check from its findings: none = pass; only low/info = fail keeping half the weight; any worse = fail. */
function definitionCheck(id: SecurityCheckId, found: readonly SecurityFinding[], clean: string): SecurityCheck {
  if (found.length === 0) return check(id, "pass", clean);
  const minorOnly = found.every((f) => MINOR.has(f.severity));
  const rules = [...new Set(found.map((f) => f.ruleId))].join(", ");
  return minorOnly
    ? check(id, "fail", `${found.length} low-severity finding(s) (${rules}): half the weight kept`, 0.5)
    : check(id, "fail", `${found.length} finding(s) (${rules}), worst ${worstSeverity(found)}`);
}

/**
 * The four definition checks of one server. `pins`: the comparison with the pin file, or why there
 * was none (a first scan pins and cannot compare: not measured, said).
 */
export function definitionChecks(
  server: string,
  all: readonly ToolDefinitionFinding[],
  pins: PinComparison | { notCompared: string },
): { checks: SecurityCheck[]; findings: SecurityFinding[] } {
  const own = all.filter((f) => f.server === server && f.rule !== "TD9").map(definitionFinding);
  const pinFindings = "notCompared" in pins ? [] : pins.findings.map(definitionFinding);
  const findings = [...own, ...pinFindings];
  const of = (id: SecurityCheckId) => findings.filter((f) => f.check === id);
  const checks = [
    definitionCheck(
      "definitions.poisoning",
      of("definitions.poisoning"),
      "no hidden tag, override phrase, secret reference, invisible character, encoded blob or oversized text",
    ),
    definitionCheck("definitions.shadowing", of("definitions.shadowing"), "no tool name or reference shared with another scanned server"),
    definitionCheck("definitions.schemas", of("definitions.schemas"), "every risky string argument is constrained; annotations consistent"),
    "notCompared" in pins
      ? check("definitions.pinned", "not_measured", pins.notCompared)
      : !pins.pinned
        ? check("definitions.pinned", "not_measured", "the pin file has no entry for this server: nothing to compare (pin it with --update-pins)")
        : definitionCheck(
            "definitions.pinned",
            of("definitions.pinned"),
            `all ${pins.unchanged} pinned definitions unchanged${pins.pinnedAt ? ` since ${pins.pinnedAt}` : ""}`,
          ),
  ];
  return { checks, findings };
}

// ---------------------------------------------------------------------------------------------
// Live probes and conformance

const PROBE_CHECKS = SECURITY_CHECKS.filter((c) => c.id.startsWith("probe.")).map((c) => c.id as SecurityCheckId);

/**
 * A probe check from its probes: any failed probe fails it; else one that could not run leaves it
 * not measured (a check half done is not passed); else any pass passes it; else not applicable.
 */
export function probeChecks(
  outcomes: readonly ProbeOutcome[],
  only: readonly SecurityCheckId[] = PROBE_CHECKS,
): { checks: SecurityCheck[]; findings: SecurityFinding[] } {
  const checks: SecurityCheck[] = [];
  const findings: SecurityFinding[] = [];
  for (const id of only) {
    const mine = outcomes.filter((o) => o.check === id);
    const failed = mine.filter((o) => o.status === "fail");
    const unrun = mine.filter((o) => o.status === "not_measured");
    const passed = mine.filter((o) => o.status === "pass");
    const names = (xs: readonly ProbeOutcome[]) => xs.map((o) => o.probe).join(", ");
    if (failed.length > 0) checks.push(check(id, "fail", `failed: ${names(failed)}${passed.length ? `; passed: ${names(passed)}` : ""}`));
    else if (unrun.length > 0) checks.push(check(id, "not_measured", `could not run: ${unrun.map((o) => `${o.probe} (${o.detail})`).join("; ")}`));
    else if (passed.length > 0) checks.push(check(id, "pass", `passed: ${names(passed)}`));
    else
      checks.push(
        check(id, "not_applicable", mine.length ? mine.map((o) => `${o.probe}: ${o.detail}`).join("; ") : "no probe of this check applies to this server"),
      );
    for (const o of failed) if (o.finding) findings.push({ ...o.finding, check: id });
  }
  return { checks, findings };
}

export function conformanceCheck(outcome: ConformanceOutcome): { checks: SecurityCheck[]; findings: SecurityFinding[] } {
  const findings = outcome.findings.map((f): SecurityFinding => ({ ...f, check: "conformance" }));
  const ran = outcome.scenarios.filter((s) => s.status !== "not_applicable");
  if (outcome.status === "not_measured" || outcome.status === "not_applicable" || ran.length === 0)
    return {
      checks: [check("conformance", outcome.status === "pass" || outcome.status === "fail" ? "not_applicable" : outcome.status, outcome.detail)],
      findings,
    };
  const passed = ran.filter((s) => s.status === "pass").length;
  const rate = passed / ran.length;
  return {
    checks: [
      check("conformance", passed === ran.length ? "pass" : "fail", `${passed} of ${ran.length} applicable scenarios passed. ${outcome.detail}`.trim(), rate),
    ],
    findings,
  };
}

// ---------------------------------------------------------------------------------------------
// The score

const round2 = (x: number) => Math.round(x * 100) / 100;

function bounds(checks: readonly SecurityCheck[]): { lower: number; upper: number; measuredShare: number; applicableWeight: number } {
  const applicable = checks.filter((c) => c.status !== "not_applicable");
  const weight = applicable.reduce((a, c) => a + c.weight, 0);
  if (weight === 0) return { lower: 0, upper: 10, measuredShare: 0, applicableWeight: 0 };
  const earned = applicable.reduce((a, c) => a + c.weight * (c.earned ?? 0), 0);
  const unmeasuredWeight = applicable.filter((c) => c.status === "not_measured").reduce((a, c) => a + c.weight, 0);
  return {
    lower: (earned / weight) * 10,
    upper: ((earned + unmeasuredWeight) / weight) * 10,
    measuredShare: (weight - unmeasuredWeight) / weight,
    applicableWeight: weight,
  };
}

export function scoreServer(checks: readonly SecurityCheck[], findings: readonly SecurityFinding[]): SecurityScore {
  const b = bounds(checks);
  let cap: SecurityScore["cap"];
  for (const { severity, cap: value } of SCORE_CAPS) {
    const worst = findings.find((f) => f.severity === severity);
    if (worst && (cap === undefined || value < cap.value) && value < b.upper)
      cap = { value, severity, because: `${worst.ruleId}: ${worst.message}`.slice(0, 300) };
  }
  const capped = (x: number) => round2(cap ? Math.min(cap.value, x) : x);
  const categories = [...new Set(SECURITY_CHECKS.map((c) => c.category))] as ValidationType[];
  return {
    lower: capped(b.lower),
    upper: capped(b.upper),
    measuredShare: round2(b.measuredShare),
    applicableWeight: round2(b.applicableWeight),
    ...(cap && { cap }),
    byCategory: categories.map((category) => {
      const c = bounds(checks.filter((x) => x.category === category));
      return { category, lower: round2(c.lower), upper: round2(c.upper), measuredShare: round2(c.measuredShare), applicableWeight: round2(c.applicableWeight) };
    }),
  };
}

/** Checks in the published order, whatever order the parts reported them in. */
export function inTableOrder(checks: readonly SecurityCheck[]): SecurityCheck[] {
  const order = new Map(SECURITY_CHECKS.map((c, i) => [c.id as string, i]));
  return [...checks].sort((a, b) => (order.get(a.id) ?? 99) - (order.get(b.id) ?? 99));
}

/** Findings worst first, then by check order. */
export function inSeverityOrder(findings: readonly SecurityFinding[]): SecurityFinding[] {
  const order = new Map(SECURITY_CHECKS.map((c, i) => [c.id as string, i]));
  return [...findings].sort(
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || (order.get(a.check) ?? 99) - (order.get(b.check) ?? 99),
  );
}
