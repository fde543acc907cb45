import { describe, expect, it } from "vitest";
import type { SecurityFinding } from "../results/types.js";
import { SECURITY_CHECKS, type ProbeOutcome } from "./model.js";
import { check, conformanceCheck, definitionChecks, probeChecks, scoreServer, supplyChecks } from "./score.js";
import type { ToolDefinitionFinding } from "./tool-definitions.js";

const allPass = () => SECURITY_CHECKS.map((c) => check(c.id, "pass", "ok"));

function finding(severity: SecurityFinding["severity"], check = "probe.confinement"): SecurityFinding {
  return { ruleId: "x", check, severity, title: "t", message: "m", evidence: "e" };
}

describe("the published table", () => {
  it("weighs 10 in all, and every check id is unique", () => {
    expect(SECURITY_CHECKS.reduce((a, c) => a + c.weight, 0)).toBeCloseTo(10, 10);
    expect(new Set(SECURITY_CHECKS.map((c) => c.id)).size).toBe(SECURITY_CHECKS.length);
  });
});

describe("scoreServer", () => {
  it("every check passed: 10, fully measured", () => {
    const s = scoreServer(allPass(), []);
    expect(s).toMatchObject({ lower: 10, upper: 10, measuredShare: 1, applicableWeight: 10 });
    expect(s.cap).toBeUndefined();
  });

  it("an unmeasured check lowers the lower bound only, and the measured share says how much", () => {
    const checks = allPass().map((c) => (c.id === "supply.advisories" ? check(c.id as "supply.advisories", "not_measured", "405") : c));
    const s = scoreServer(checks, []);
    expect(s.lower).toBe(9.25);
    expect(s.upper).toBe(10);
    expect(s.measuredShare).toBe(0.93); // 9.25 of 10, rounded to 2 digits
  });

  it("a not applicable check leaves the denominator: the score is rescaled over what applies", () => {
    const checks = allPass().map((c) =>
      c.id === "probe.confinement"
        ? check("probe.confinement", "not_applicable", "no path tool")
        : c.id === "probe.read-only"
          ? check("probe.read-only", "fail", "wrote")
          : c,
    );
    const s = scoreServer(checks, []);
    expect(s.applicableWeight).toBe(9.25);
    expect(s.lower).toBeCloseTo(((9.25 - 0.5) / 9.25) * 10, 2);
    expect(s.upper).toBe(s.lower);
  });

  it("a critical finding caps both bounds at 3, a high one at 6; the lowest cap wins", () => {
    expect(scoreServer(allPass(), [finding("critical")])).toMatchObject({ lower: 3, upper: 3, cap: { value: 3, severity: "critical" } });
    expect(scoreServer(allPass(), [finding("high")])).toMatchObject({ lower: 6, upper: 6, cap: { value: 6, severity: "high" } });
    expect(scoreServer(allPass(), [finding("high"), finding("critical")]).cap?.value).toBe(3);
    expect(scoreServer(allPass(), [finding("medium"), finding("low")]).cap).toBeUndefined();
  });

  it("nothing applicable: 0 to 10, nothing measured (never a full mark)", () => {
    const s = scoreServer(
      SECURITY_CHECKS.map((c) => check(c.id, "not_applicable", "n/a")),
      [],
    );
    expect(s).toMatchObject({ lower: 0, upper: 10, measuredShare: 0 });
  });

  it("per category: each group's own bounds", () => {
    const checks = allPass().map((c) => (c.category === "compliance" ? check("conformance", "fail", "x", 0.5) : c));
    const s = scoreServer(checks, []);
    expect(s.byCategory.find((c) => c.category === "compliance")).toMatchObject({ lower: 5, upper: 5, measuredShare: 1 });
    expect(s.byCategory.find((c) => c.category === "signature")).toMatchObject({ lower: 10, upper: 10 });
  });
});

describe("supplyChecks", () => {
  it("maps each supply finding to its check; a failed integrity check is a critical finding; an advisory list gives one finding per vulnerability", () => {
    const r = supplyChecks({
      server: "s",
      registry: "npm",
      package: "p",
      version: "1",
      findings: [
        { check: "registry-integrity", status: "fail", detail: "lock != registry", evidence: { lock: "sha512-a", registry: "sha512-b" } },
        { check: "advisories", status: "fail", detail: "2 advisories", evidence: { advisories: 2, list: "p: high prototype pollution\np: moderate redos" } },
        { check: "provenance", status: "not_measured", detail: "404", evidence: {} },
      ],
    });
    expect(r.checks.find((c) => c.id === "supply.registry-integrity")).toMatchObject({ status: "fail", earned: 0 });
    expect(r.checks.find((c) => c.id === "supply.provenance")).toMatchObject({ status: "not_measured", earned: null });
    // Checks the scan did not report are not measured, never left out.
    expect(r.checks.find((c) => c.id === "supply.installed-files")?.status).toBe("not_measured");
    expect(r.checks).toHaveLength(9);
    expect(r.findings.map((f) => [f.check, f.severity])).toEqual([
      ["supply.registry-integrity", "critical"],
      ["supply.advisories", "high"],
      ["supply.advisories", "medium"],
    ]);
    expect(r.findings[0]!.evidence).toContain("lock=sha512-a");
  });
});

describe("definitionChecks", () => {
  const td = (rule: ToolDefinitionFinding["rule"], severity: ToolDefinitionFinding["severity"], server = "a"): ToolDefinitionFinding => ({
    rule,
    severity,
    server,
    kind: "tool",
    tool: "t",
    field: "description",
    detail: "d",
    evidence: "e",
    source: "s",
  });

  it("a high poisoning finding fails the check; only low findings keep half the weight; other servers' findings do not count", () => {
    const r = definitionChecks("a", [td("TD1", "high"), td("TD7", "low"), td("TD2", "high", "b")], { notCompared: "no pin file" });
    const by = new Map(r.checks.map((c) => [c.id, c]));
    expect(by.get("definitions.poisoning")).toMatchObject({ status: "fail", earned: 0 });
    expect(by.get("definitions.schemas")).toMatchObject({ status: "fail", earned: 0.5 });
    expect(by.get("definitions.shadowing")).toMatchObject({ status: "pass", earned: 1 });
    expect(by.get("definitions.pinned")).toMatchObject({ status: "not_measured" });
    expect(r.findings.map((f) => f.ruleId)).toEqual(["TD1", "TD7"]);
  });

  it("a pin comparison: changed definitions fail definitions.pinned; an unpinned server is not measured", () => {
    const changed = definitionChecks("a", [], { server: "a", pinned: true, unchanged: 3, changed: 1, added: 0, removed: 0, findings: [td("TD9", "high")] });
    expect(changed.checks.find((c) => c.id === "definitions.pinned")).toMatchObject({ status: "fail" });
    expect(changed.findings[0]).toMatchObject({ ruleId: "TD9", check: "definitions.pinned", severity: "high" });
    const unpinned = definitionChecks("a", [], { server: "a", pinned: false, unchanged: 0, changed: 0, added: 0, removed: 0, findings: [] });
    expect(unpinned.checks.find((c) => c.id === "definitions.pinned")?.status).toBe("not_measured");
    const same = definitionChecks("a", [], { server: "a", pinned: true, unchanged: 4, changed: 0, added: 0, removed: 0, findings: [] });
    expect(same.checks.find((c) => c.id === "definitions.pinned")?.status).toBe("pass");
  });
});

describe("probeChecks", () => {
  const o = (check: ProbeOutcome["check"], status: ProbeOutcome["status"], probe = "p"): ProbeOutcome => ({
    probe,
    check,
    status,
    detail: "d",
    ...(status === "fail" && { finding: { ruleId: probe, severity: "critical", title: "t", message: "m", evidence: "e" } }),
  });

  it("fail beats not measured beats pass beats not applicable; no probe at all is not applicable", () => {
    const r = probeChecks([
      o("probe.confinement", "pass"),
      o("probe.confinement", "fail", "confinement.symlink"),
      o("probe.read-only", "pass"),
      o("probe.read-only", "not_measured"),
      o("probe.injection", "pass"),
      o("probe.injection", "not_applicable"),
      o("probe.robustness", "not_applicable"),
    ]);
    const by = new Map(r.checks.map((c) => [c.id, c.status]));
    expect(Object.fromEntries(by)).toEqual({
      "probe.confinement": "fail",
      "probe.read-only": "not_measured",
      "probe.injection": "pass",
      "probe.robustness": "not_applicable",
      "probe.secrets": "not_applicable",
      "probe.http": "not_applicable",
    });
    expect(r.findings).toEqual([expect.objectContaining({ ruleId: "confinement.symlink", check: "probe.confinement" })]);
  });
});

describe("conformanceCheck", () => {
  it("earns its pass rate over the scenarios that apply", () => {
    const r = conformanceCheck({
      status: "fail",
      detail: "",
      findings: [],
      scenarios: [
        { name: "a", status: "pass", detail: "" },
        { name: "b", status: "pass", detail: "" },
        { name: "c", status: "fail", detail: "" },
        { name: "d", status: "not_applicable", detail: "" },
      ],
    });
    expect(r.checks[0]).toMatchObject({ status: "fail", earned: 2 / 3 });
  });

  it("a suite that could not run is not measured", () => {
    expect(conformanceCheck({ status: "not_measured", detail: "node 24 missing", findings: [], scenarios: [] }).checks[0]).toMatchObject({
      status: "not_measured",
      earned: null,
    });
  });
});
