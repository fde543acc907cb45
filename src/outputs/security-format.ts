/**
 * What every output of a security scan (security.sarif, report.html, summary.md, junit.xml) says
 * the same way: the scans of a run, the score as an interval with its measured share, the worst
 * finding, the order of severities and the words for a check's status. Pure functions of the record.
 */
import type { RunRecord, ScenarioResult, SecurityCheck, SecurityFinding, SecurityScanResult, SecuritySeverity, ServerSecurity } from "../results/types.js";
import { SCORE_TARGET } from "../security/model.js";
import { scenarioLabel } from "./format.js";

/** Worst first. */
export const SEVERITIES: readonly SecuritySeverity[] = ["critical", "high", "medium", "low", "info"];

export const STATUS_WORD: Record<SecurityCheck["status"], string> = {
  pass: "pass",
  fail: "fail",
  not_measured: "not measured",
  not_applicable: "not applicable",
};

/** The scenarios of a run that hold a security scan, with it. */
export function securityScans(run: RunRecord): { scenario: ScenarioResult; scan: SecurityScanResult }[] {
  return run.scenarios.flatMap((scenario) => (scenario.security ? [{ scenario, scan: scenario.security }] : []));
}

export function hasSecurityScan(run: RunRecord): boolean {
  return run.scenarios.some((s) => s.security !== undefined);
}

/** Rank of a severity, 0 the worst; a value outside the vocabulary ranks last. */
export function severityRank(severity: string): number {
  const i = SEVERITIES.indexOf(severity as SecuritySeverity);
  return i < 0 ? SEVERITIES.length : i;
}

/** Findings worst first; equal severities keep the scan's order. */
export function bySeverity(findings: readonly SecurityFinding[]): SecurityFinding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => severityRank(a.f.severity) - severityRank(b.f.severity) || a.i - b.i)
    .map((x) => x.f);
}

export function worstFinding(server: ServerSecurity): SecurityFinding | undefined {
  return bySeverity(server.findings)[0];
}

/** One decimal, as the report prints scores ("7.6"). */
export function points(x: number): string {
  return Number.isFinite(x) ? x.toFixed(1) : "–";
}

export function share(x: number): string {
  return Number.isFinite(x) ? `${Math.round(x * 100)} %` : "–";
}

/**
 * The score as it may be read: a single figure only when everything that applies was measured,
 * otherwise the interval between every unmeasured check failed and every one passed.
 */
/** "npm @scope/pkg@1.2.3", or "custom" for a scenario's own command (it has no version). */
export function packageText(server: Pick<ServerSecurity, "package" | "version">): string {
  return server.version === "" ? server.package : `${server.package}@${server.version}`;
}

export function scoreText(server: ServerSecurity): string {
  const s = server.score;
  if (s.measuredShare >= 1 || s.lower === s.upper) return `${points(s.lower)}/10`;
  return `${points(s.lower)}-${points(s.upper)}/10`;
}

/** "7.6-10.0/10, 76 % measured, capped at 3 (critical finding)". */
export function scoreSentence(server: ServerSecurity): string {
  const s = server.score;
  const cap = s.cap ? `, capped at ${s.cap.value} by a ${s.cap.severity} finding` : "";
  return `${scoreText(server)}, ${share(s.measuredShare)} measured${cap}`;
}

/** Where the server stands against the design module's target (> 9/10, line 487), by the same rule as the security.score SLO. */
export function targetWord(server: ServerSecurity): "pass" | "fail" | "inconclusive" {
  const s = server.score;
  if (s.measuredShare >= 1 && s.lower > SCORE_TARGET) return "pass";
  if (s.upper <= SCORE_TARGET) return "fail";
  return "inconclusive";
}

export function scanLabel(scenario: ScenarioResult): string {
  return scenarioLabel(scenario);
}

/** The published rule a score follows, with the caps the scan used, said once wherever scores are shown. */
export function scoreRule(scan: SecurityScanResult): string {
  const caps = scan.caps.map((c) => `a ${c.severity} finding caps the score at ${c.cap}`).join(", ");
  return (
    "Score out of 10: the weight earned over the weight of the checks that apply, x 10. A check that could not be measured counts as failed for the lower bound and as passed for the upper one; " +
    `the measured share is the measured weight over the applicable weight.${caps ? ` Caps: ${caps}.` : ""} ` +
    `The design module's target is > ${SCORE_TARGET}/10 (line 487): met only when everything that applies was measured and the score is above ${SCORE_TARGET}.`
  );
}
