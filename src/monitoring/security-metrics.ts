/**
 * The design module's two security metrics (lines 319-326) from a scan's record:
 *   mcp_security_validation_score{mcp_name,validation_type}: the score out of 10 of each group of
 *     checks (validation_type: signature, pinning, vulnerabilities, whitelist, tool_definitions,
 *     live_probes, compliance) and validation_type="overall", each its lower bound (a check that could
 *     not be measured counts as failed, as the record's `lower`); no sample for a group of which
 *     nothing was measured;
 *   mcp_vulnerability_count{mcp_name,severity}: the findings of the vulnerabilities checks (known
 *     advisories of the package and its dependencies) by severity. No sample when no advisory check
 *     could be measured (npm's advisory service is out of reach here: an absent series is honest, a 0
 *     would not be); zeros only when every advisory check that applies was measured; when only some
 *     were, only the severities that have findings (a found advisory is certain, a 0 is not).
 * Pure: the exporter of a run and the monitor both set their gauges from these samples.
 */
import type { SecurityScanResult, SecuritySeverity, ServerSecurity } from "../results/types.js";

export const OVERALL = "overall";
const SEVERITIES: readonly SecuritySeverity[] = ["critical", "high", "medium", "low", "info"];

export interface SecuritySamples {
  scores: { labels: { mcp_name: string; validation_type: string }; value: number }[];
  vulnerabilities: { labels: { mcp_name: string; severity: string }; value: number }[];
}

function serverSamples(s: ServerSecurity, out: SecuritySamples): void {
  const mcp_name = s.server;
  // Nothing measured at all (the scan failed before any check ran): no score to give, not a 0.
  if (s.score.measuredShare > 0) out.scores.push({ labels: { mcp_name, validation_type: OVERALL }, value: s.score.lower });
  for (const c of s.score.byCategory)
    if (c.applicableWeight > 0 && c.measuredShare > 0) out.scores.push({ labels: { mcp_name, validation_type: c.category }, value: c.lower });

  const advisoryChecks = s.checks.filter((c) => c.category === "vulnerabilities" && c.status !== "not_applicable");
  const measured = new Set(advisoryChecks.filter((c) => c.status === "pass" || c.status === "fail").map((c) => c.id));
  if (measured.size === 0) return;
  const all = measured.size === advisoryChecks.length;
  for (const severity of SEVERITIES) {
    const n = s.findings.filter((f) => measured.has(f.check) && f.severity === severity).length;
    if (all || n > 0) out.vulnerabilities.push({ labels: { mcp_name, severity }, value: n });
  }
}

/** The samples of every server of these scans; a server scanned twice keeps its last scan's. */
export function securitySamples(scans: readonly SecurityScanResult[]): SecuritySamples {
  const last = new Map<string, ServerSecurity>();
  for (const scan of scans) for (const s of scan.servers) last.set(s.server, s);
  const out: SecuritySamples = { scores: [], vulnerabilities: [] };
  for (const s of last.values()) serverSamples(s, out);
  return out;
}

export const SECURITY_SCORE_HELP =
  "Security score out of 10 of the last scan (mcp-slo scan, or a security scenario) per server: per group of checks (validation_type signature, pinning, vulnerabilities, whitelist, tool_definitions, live_probes, compliance) and overall, each its lower bound (a check that could not be measured counts as failed; the report gives the upper bound and the measured share); no sample for a group nothing of which was measured";
export const VULNERABILITY_COUNT_HELP =
  "Known vulnerabilities (advisories of the package and its dependencies) found by the last scan, by severity; no sample when no advisory source could be reached (not measured), zeros only when every advisory check that applies was measured";
