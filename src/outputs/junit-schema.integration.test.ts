/**
 * junit.xml checked by a real validator (libxml2's xmllint) against jenkins-junit.xsd, the JUnit schema
 * Jenkins and GitLab readers follow (test/fixtures/junit-schema: where it comes from, its licence).
 */
import { describe, it, expect } from "vitest";
import type { RunRecord } from "../results/types.js";
import { capacityRunRecord, everySectionRunRecord, sampleRunRecord, withHostileText } from "../../test/support/records.js";
import { resilienceRunRecord } from "../../test/support/resilience-records.js";
import { securityRunRecord } from "../../test/support/security-records.js";
import { validateXml } from "../../test/support/xmllint.js";
import { renderJunit } from "./junit.js";

describe("junit.xml against jenkins-junit.xsd (xmllint, test/fixtures/junit-schema)", () => {
  const broken = (status: "error" | "interrupted"): RunRecord => {
    const r = sampleRunRecord();
    r.scenarios[1]!.status = status;
    if (status === "error") r.scenarios[1]!.error = "server <github> exited with code 1 \u001b[31mbefore initialize";
    return { ...r, status, verdict: status };
  };
  const records: [string, RunRecord][] = [
    ["a failing run with every kind of verdict", sampleRunRecord()],
    ["--fail-on-inconclusive", { ...sampleRunRecord(), failOnInconclusive: true }],
    ["every section, hostile text from servers", withHostileText(everySectionRunRecord())],
    ["a capacity search", capacityRunRecord()],
    ["a security scan", securityRunRecord()],
    ["a security scan, --fail-on-inconclusive, hostile text", withHostileText({ ...securityRunRecord(), failOnInconclusive: true })],
    ["fallbacks and a rolled-back canary, hostile text", withHostileText(resilienceRunRecord())],
    ["a scenario error", broken("error")],
    ["an interrupted scenario", broken("interrupted")],
    ["a run interrupted before any scenario", { ...sampleRunRecord({ scenarios: [] }), status: "interrupted", verdict: "interrupted" }],
  ];

  it.each(records)("validates: %s", (_, record) => {
    const result = validateXml(renderJunit(record));
    expect(result.errors).toBe("");
    expect(result.valid).toBe(true);
  });

  it("the validator refuses what the schema forbids (so a pass above means something)", () => {
    const xml = renderJunit(sampleRunRecord());
    const withMessage = xml.replace(/<skipped>([^<]*)<\/skipped>/, '<skipped message="x">$1</skipped>');
    expect(withMessage).not.toBe(xml);
    const r = validateXml(withMessage);
    expect(r.valid).toBe(false);
    expect(r.errors).toMatch(/Element 'skipped', attribute 'message': The attribute 'message' is not allowed/);
    expect(validateXml(xml.replace("<testsuites ", '<testsuites skipped="1" ')).valid).toBe(false);
    expect(validateXml(xml.replace(/<\/testsuites>/, "")).valid).toBe(false);
  });
});
