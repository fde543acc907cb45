/**
 * security.sarif: the findings of a run's security scans in SARIF 2.1.0, the format GitHub code
 * scanning and other security dashboards read. Written only when a scenario holds a scan.
 *
 * One run (every scanned server of every scan scenario), tool.driver "mcp-slo-harness" with one rule
 * per finding rule id (its title, the check it counts against from the published table, and its
 * source as help), one result per finding: level from the severity (critical and high: error,
 * medium: warning, low and info: note), the finding's message, a logical location
 * server/tool/field (and the scenario file as its file, which GitHub requires), and in its property bag the evidence, how to reproduce it and, when the server
 * does it on purpose, why. Scores and unscanned servers go to the run's property bag and its
 * invocation's notifications, since SARIF has no place for a score.
 *
 * By hand, not with a SARIF builder library: the whole of it is one plain object given to
 * JSON.stringify; its test validates it against the SARIF 2.1.0 schema (npm: @microsoft/jest-sarif).
 */
import { createHash } from "node:crypto";
import type { RunRecord, SecurityFinding, SecuritySeverity, ServerSecurity } from "../results/types.js";
import { SECURITY_CHECKS } from "../security/model.js";
import { defineOutput } from "./output-kind.js";
import { bySeverity, hasSecurityScan, packageText, scanLabel, scoreSentence, securityScans } from "./security-format.js";

export const SARIF_FILE = "security.sarif";
export const SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

type Level = "error" | "warning" | "note";

export const SARIF_LEVEL: Record<SecuritySeverity, Level> = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };

/**
 * GitHub code scanning ranks security alerts by `properties["security-severity"]`, a number 0-10 as a
 * string (over 9 critical, 7-8.9 high, 4-6.9 medium, 0.1-3.9 low); the figures are the middle of each band.
 */
export const SECURITY_SEVERITY: Record<SecuritySeverity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "2.0", info: "0.0" };

function levelOf(severity: string): Level {
  return SARIF_LEVEL[severity as SecuritySeverity] ?? "warning";
}

/** Dotted path to what was found: server, then tool, then field (the parts the finding names). */
function logicalLocation(server: string, f: SecurityFinding): { name: string; fullyQualifiedName: string; kind: string } {
  const parts = [server, f.tool, f.field].filter((p): p is string => p !== undefined && p !== "");
  const kind = f.field ? "parameter" : f.tool ? "function" : "module";
  return { name: parts.at(-1) ?? server, fullyQualifiedName: parts.join("/"), kind };
}

/**
 * What identifies a finding across runs, for a reader that tracks alerts (GitHub's partialFingerprints):
 * the server, the rule and where, never the evidence (it holds a fresh canary each run).
 */
function fingerprint(server: string, f: SecurityFinding): string {
  return createHash("sha256")
    .update(JSON.stringify([server, f.ruleId, f.check, f.tool ?? "", f.field ?? "", f.title]))
    .digest("hex");
}

interface Rule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help?: { text: string };
  defaultConfiguration: { level: Level };
  properties: Record<string, unknown>;
}

function ruleOf(f: SecurityFinding): Rule {
  const check = SECURITY_CHECKS.find((c) => c.id === f.check);
  const counts = check ? `Counts against "${check.title}" (${check.id}, ${check.category}, weight ${check.weight} of 10).` : `Counts against ${f.check}.`;
  return {
    id: f.ruleId,
    name: f.title,
    shortDescription: { text: f.title },
    fullDescription: { text: counts },
    ...(f.source ? { help: { text: `Source: ${f.source}` } } : {}),
    defaultConfiguration: { level: levelOf(f.severity) },
    properties: {
      tags: ["security", ...(check ? [check.category] : [])],
      "security-severity": SECURITY_SEVERITY[f.severity as SecuritySeverity] ?? "5.5",
      check: f.check,
    },
  };
}

/**
 * The file a result points at: the scenario file that configured the scan, as the record has it
 * (relative to the working directory, percent-encoded as a URI reference). A finding is about a
 * running server, not a line of code, but GitHub code scanning refuses a result without a file
 * ("locationFromSarifResult: expected at least one location"); the logical location says where.
 */
function artifactUri(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}

function resultOf(server: ServerSecurity, scenario: string, file: string, f: SecurityFinding, ruleIndex: number): Record<string, unknown> {
  const message = f.message.trim() === "" ? f.title : f.message;
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: levelOf(f.severity),
    message: { text: `${server.server}: ${message}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(file) } }, logicalLocations: [logicalLocation(server.server, f)] }],
    partialFingerprints: { "mcpSloFinding/v1": fingerprint(server.server, f) },
    properties: {
      server: server.server,
      package: server.package,
      version: server.version,
      registry: server.registry,
      scenario,
      check: f.check,
      severity: f.severity,
      evidence: f.evidence,
      ...(f.reproduce ? { reproduce: f.reproduce } : {}),
      ...(f.byDesign ? { byDesign: f.byDesign } : {}),
      ...(f.source ? { source: f.source } : {}),
    },
  };
}

export function renderSecuritySarif(run: RunRecord): string {
  const rules: Rule[] = [];
  const ruleIndex = new Map<string, number>();
  const results: Record<string, unknown>[] = [];
  const scores: Record<string, unknown>[] = [];
  const notifications: Record<string, unknown>[] = [];
  for (const { scenario, scan } of securityScans(run)) {
    const label = scanLabel(scenario);
    for (const server of scan.servers) {
      for (const f of bySeverity(server.findings)) {
        let index = ruleIndex.get(f.ruleId);
        if (index === undefined) {
          index = rules.push(ruleOf(f)) - 1;
          ruleIndex.set(f.ruleId, index);
        }
        results.push(resultOf(server, label, scenario.file, f, index));
      }
      scores.push({
        scenario: label,
        server: server.server,
        package: `${packageText(server)}`,
        lower: server.score.lower,
        upper: server.score.upper,
        measuredShare: server.score.measuredShare,
        ...(server.score.cap ? { cap: server.score.cap } : {}),
        text: scoreSentence(server),
      });
      if (server.error)
        notifications.push({
          level: "error",
          message: { text: `${server.server}: the scan could not finish: ${server.error}` },
          descriptor: { id: "scan-error" },
        });
    }
  }
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: run.harness.name,
            version: run.harness.version,
            semanticVersion: /^\d+\.\d+\.\d+/.test(run.harness.version) ? run.harness.version : undefined,
            rules,
          },
        },
        automationDetails: { id: `mcp-slo-security/${run.runId}` },
        invocations: [
          {
            executionSuccessful: notifications.length === 0 && run.status === "completed",
            startTimeUtc: run.startedAt,
            endTimeUtc: run.endedAt,
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
        properties: { runId: run.runId, scores },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

export const securitySarifOutput = defineOutput({ file: SARIF_FILE, render: renderSecuritySarif, applies: hasSecurityScan });
