/** Which samples a scan gives the two design-module security metrics (pure; the Prometheus scrape is in the integration test). */
import { describe, expect, it } from "vitest";
import { securityScan } from "../../test/support/security-records.js";
import { OVERALL, securitySamples } from "./security-metrics.js";

const key = (labels: Record<string, string>) => Object.values(labels).join("/");

describe("security metric samples", () => {
  const scan = securityScan();
  const samples = securitySamples([scan]);
  const scores = new Map(samples.scores.map((x) => [key(x.labels), x.value]));
  const counts = new Map(samples.vulnerabilities.map((x) => [key(x.labels), x.value]));

  it("overall is the lower bound of each server's score; each group its own lower bound, only where something of it was measured", () => {
    for (const s of scan.servers) {
      expect(scores.get(`${s.server}/${OVERALL}`), s.server).toBe(s.score.lower);
      for (const c of s.score.byCategory) {
        const measured = c.applicableWeight > 0 && c.measuredShare > 0;
        expect(scores.get(`${s.server}/${c.category}`), `${s.server} ${c.category}`).toBe(measured ? c.lower : undefined);
      }
    }
    // memory: npm's signatures and advisories are out of reach: its signature group is a lower bound
    // (1 of 1.5 measured), its vulnerabilities group has no sample at all.
    expect(scores.get("memory/signature")).toBeCloseTo((1 / 1.5) * 10, 2);
    expect(scores.has("memory/vulnerabilities")).toBe(false);
    // the vulnerable fixture: capped at 3 by its critical findings; a custom server has no supply chain to score.
    expect(scores.get("vulnerable/overall")).toBe(3);
    expect(scores.has("vulnerable/signature")).toBe(false);
    // github did not start: its probes were not measured, so no live_probes sample.
    expect(scores.has("github/live_probes")).toBe(false);
    expect(scores.get("github/vulnerabilities")).toBe(5);
  });

  it("counts advisory findings by severity: zeros when every advisory check was measured, nothing when none was", () => {
    expect([...counts]).toEqual([
      ["github/critical", 0],
      ["github/high", 0],
      ["github/medium", 2],
      ["github/low", 1],
      ["github/info", 0],
    ]);
  });

  it("with only some advisory checks measured, only the severities found (a 0 would claim what was not checked)", () => {
    const partial = securityScan();
    const github = partial.servers.find((s) => s.server === "github")!;
    github.checks.find((c) => c.id === "supply.advisories")!.status = "not_measured";
    expect(securitySamples([partial]).vulnerabilities.map((x) => [key(x.labels), x.value])).toEqual([
      ["github/medium", 2],
      ["github/low", 1],
    ]);
  });

  it("a server scanned twice shows its last scan; a scan that measured nothing gives no score", () => {
    const later = securityScan();
    const memory = later.servers.find((s) => s.server === "memory")!;
    memory.score = { ...memory.score, lower: 1.5, measuredShare: 0.2 };
    const nothing = later.servers.find((s) => s.server === "github")!;
    nothing.score = { ...nothing.score, measuredShare: 0, byCategory: nothing.score.byCategory.map((c) => ({ ...c, measuredShare: 0 })) };
    nothing.checks = nothing.checks.map((c) => ({ ...c, status: c.status === "not_applicable" ? c.status : "not_measured", earned: null }));
    const s = securitySamples([scan, later]);
    expect(s.scores.find((x) => key(x.labels) === "memory/overall")?.value).toBe(1.5);
    expect(s.scores.filter((x) => x.labels.mcp_name === "github")).toEqual([]);
    expect(s.vulnerabilities.filter((x) => x.labels.mcp_name === "github")).toEqual([]);
  });
});
