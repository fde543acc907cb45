/**
 * security.score (> 9, every server; design module line 487) judged from scan results the way a
 * security scenario does (securityMeasurements): pass only fully measured and above 9, fail when
 * even the upper bound misses, otherwise inconclusive with the range and the measured share.
 */
import { describe, expect, it } from "vitest";
import type { ResolvedSlo } from "../contracts/plan.js";
import type { SecurityScanResult, ServerSecurity } from "../results/types.js";
import { findCatalogSlo, resolvedCatalogSlo } from "../slo/catalog.js";
import { evaluateSlos } from "../slo/evaluate.js";
import { securityMeasurements } from "./run-security-scenario.js";

/** A catalog SLO as a scenario resolves it. */
function catalogSlo(id: string): ResolvedSlo {
  const slo = resolvedCatalogSlo(id);
  if (!slo) throw new Error(`no catalog SLO ${id}`);
  return slo;
}

function server(name: string, lower: number, upper: number, measuredShare: number, over: Partial<ServerSecurity> = {}): ServerSecurity {
  return {
    server: name,
    package: "p",
    version: "1",
    registry: "npm",
    checks: [{ id: "conformance", category: "compliance", title: "t", weight: 1, status: "pass", earned: 1, detail: "" }],
    findings: [],
    score: { lower, upper, measuredShare, applicableWeight: 10, byCategory: [] },
    tools: [],
    ...over,
  };
}

function judge(servers: ServerSecurity[]) {
  const scan: SecurityScanResult = {
    weights: [],
    caps: [],
    servers,
    pins: { file: null, state: "none", note: "" },
    policy: { file: null, registries: [], publishers: [] },
    conformance: { tool: "c", node: null, note: "" },
  };
  return evaluateSlos(
    [catalogSlo("security.score")],
    securityMeasurements(
      servers.map((s) => s.server),
      scan,
    ),
  );
}

describe("security.score (> 9, every server)", () => {
  it("cites line 487 of the design module", () => {
    expect(findCatalogSlo("security.score")!.source.lines).toBe("487");
  });

  it("fully measured: pass above 9, fail at or under it", () => {
    const [a, b, c] = judge([server("a", 9.5, 9.5, 1), server("b", 9, 9, 1), server("c", 3, 3, 1)]);
    expect([a!.verdict, a!.measured, a!.measuredText]).toEqual(["pass", 9.5, "9.5/10"]);
    expect(b!.verdict).toBe("fail");
    expect(c!.verdict).toBe("fail");
  });

  it("partly measured: inconclusive when the range straddles 9, with the share; never a pass even with a high lower bound", () => {
    const [a, b] = judge([server("a", 8, 10, 0.8), server("b", 9.6, 10, 0.96)]);
    expect(a!.verdict).toBe("inconclusive");
    expect(a!.measuredText).toBe("8.0 to 10.0/10 (80 % measured)");
    expect(a!.reason).toContain("80 % of the applicable weight measured");
    expect(b!.verdict).toBe("inconclusive");
  });

  it("partly measured but even the upper bound misses: fail", () => {
    const [a] = judge([
      server("a", 2, 3, 0.7, {
        score: {
          lower: 2,
          upper: 3,
          measuredShare: 0.7,
          applicableWeight: 10,
          byCategory: [],
          cap: { value: 3, severity: "critical", because: "probe.confinement.symlink: read outside" },
        },
      }),
    ]);
    expect(a!.verdict).toBe("fail");
    expect(a!.measured).toBe(3);
    expect(a!.reason).toContain("capped");
  });

  it("a server whose scan measured nothing is inconclusive with the scan's error", () => {
    const [a] = judge([server("a", 0, 10, 0, { error: "a could not be started", checks: [] })]);
    expect(a!.verdict).toBe("inconclusive");
    expect(a!.reason).toContain("could not be started");
  });
});
