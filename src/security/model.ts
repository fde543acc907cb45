/**
 * The published scoring table of a security scan (issue 14; ../shared/measurement.md, "Security
 * score"): every check a server is scored on, its group (`validation_type`), its weight out of 10,
 * and the caps a serious finding puts on the whole score. The report and results.json print this
 * table as the scan used it, so a score can always be recomputed by hand.
 *
 * Why these weights: what an attacker can make a running server do (live probes) weighs most, 3 of
 * 10; what it is and where it comes from (integrity, pinning, advisories, sources) 4.5; what it tells
 * the model (tool definitions) 1.5; speaking the protocol correctly 1. Why caps: without them a
 * server that lets an agent read outside its sandbox would lose 0.75 and still score 9.25; a critical
 * finding (a sandbox escape, a write through a read-only tool, a secret in an error, code execution)
 * caps the score at 3, a high one (a poisoned description, a crash on bad input, a rug pull) at 6.
 * Same idea as SSL Labs' grade caps.
 *
 * Each part of the scan (supply chain, sources policy, tool definitions, probes, conformance)
 * produces outcomes in the shapes below; ./score.ts turns them into checks and the score.
 */
import type { SecurityFinding, SecuritySeverity, SecurityStatus, ValidationType } from "../results/types.js";

export interface CheckInfo {
  id: string;
  category: ValidationType;
  title: string;
  weight: number;
}

export const SECURITY_CHECKS = [
  // signature (1.5): what runs is what the registry published
  { id: "supply.registry-integrity", category: "signature", title: "Locked hash equals the registry's", weight: 0.5 },
  { id: "supply.installed-files", category: "signature", title: "Installed files equal the published package", weight: 0.5 },
  { id: "supply.registry-signature", category: "signature", title: "Registry signature verifies", weight: 0.25 },
  { id: "supply.provenance", category: "signature", title: "Provenance attestation verifies", weight: 0.25 },
  // pinning (0.75)
  { id: "supply.version-pinned", category: "pinning", title: "Exact version pinned", weight: 0.25 },
  { id: "supply.dependencies-locked", category: "pinning", title: "Dependencies locked by hash", weight: 0.25 },
  { id: "supply.install-scripts", category: "pinning", title: "Install scripts declared", weight: 0.25 },
  // vulnerabilities (1.5)
  { id: "supply.advisories", category: "vulnerabilities", title: "No known vulnerability in the package", weight: 0.75 },
  { id: "supply.dependency-advisories", category: "vulnerabilities", title: "No known vulnerability in its dependencies", weight: 0.75 },
  // whitelist (0.75): the design module's "sources approuvées"
  { id: "policy.registry", category: "whitelist", title: "Registry on the allow-list", weight: 0.25 },
  { id: "policy.publisher", category: "whitelist", title: "Publisher on the allow-list", weight: 0.5 },
  // tool_definitions (1.5)
  { id: "definitions.poisoning", category: "tool_definitions", title: "No hidden instructions in what the model reads", weight: 0.75 },
  { id: "definitions.shadowing", category: "tool_definitions", title: "No tool shadowing another server's", weight: 0.25 },
  { id: "definitions.schemas", category: "tool_definitions", title: "Input schemas constrain risky strings", weight: 0.25 },
  { id: "definitions.pinned", category: "tool_definitions", title: "Definitions unchanged since pinned", weight: 0.25 },
  // live_probes (3.0)
  { id: "probe.confinement", category: "live_probes", title: "Cannot read or write outside its root", weight: 0.75 },
  { id: "probe.read-only", category: "live_probes", title: "Read-only claims hold", weight: 0.5 },
  { id: "probe.injection", category: "live_probes", title: "Injected arguments take no effect", weight: 0.5 },
  { id: "probe.robustness", category: "live_probes", title: "Survives malformed and oversized input", weight: 0.5 },
  { id: "probe.secrets", category: "live_probes", title: "No secret or file content in errors", weight: 0.5 },
  { id: "probe.http", category: "live_probes", title: "HTTP endpoint: Origin/Host checked, loopback, unguessable sessions", weight: 0.25 },
  // compliance (1.0)
  { id: "conformance", category: "compliance", title: "MCP conformance suite (generic scenarios)", weight: 1 },
] as const satisfies readonly CheckInfo[];

export type SecurityCheckId = (typeof SECURITY_CHECKS)[number]["id"];

/** A finding of this severity caps the whole score at this value. */
export const SCORE_CAPS: readonly { severity: SecuritySeverity; cap: number }[] = [
  { severity: "critical", cap: 3 },
  { severity: "high", cap: 6 },
];

/** The design module's threshold (line 487): "Sécurité score > 9/10". */
export const SCORE_TARGET = 9;

/**
 * One live probe's result (src/security/probes): `status` pass / fail / not_applicable (the server
 * lacks what the probe needs: never a pass) / not_measured (the probe could not run, with why).
 * A fail carries its finding (without `check`, which is the probe's `check`).
 */
export interface ProbeOutcome {
  /** e.g. "confinement.symlink", "read-only.commit-escape", "robustness.malformed-json". */
  probe: string;
  check: Extract<SecurityCheckId, `probe.${string}`>;
  status: SecurityStatus;
  detail: string;
  finding?: Omit<SecurityFinding, "check">;
}

/** The conformance suite's generic scenarios against one server (src/security/conformance.ts). */
export interface ConformanceOutcome {
  /** not_measured when the suite could not run (with why); not_applicable when no scenario applies. */
  status: SecurityStatus;
  /**
   * Every generic scenario, run or not: not_applicable when the server lacks what it checks (a
   * capability it does not declare, a transport that is the harness's bridge), not_measured when it
   * was meant to run but gave no verdict (the suite failed to start, timed out, wrote no checks).
   */
  scenarios: { name: string; status: "pass" | "fail" | "not_applicable" | "not_measured"; detail: string }[];
  detail: string;
  /** Failed scenarios as findings (severity by what the scenario checks). */
  findings: Omit<SecurityFinding, "check">[];
}
