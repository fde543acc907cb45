/**
 * The generated Prometheus rules: the checked-in files are what the generator writes from the SLO
 * catalog (so they never drift from it), and the alerts carry the SLO's id and source. What real
 * promtool says of them: prometheus-rules.integration.test.ts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SLO_CATALOG } from "../slo/catalog.js";
import { EVENT_SLOS } from "./slo-events.js";
import { BURN_RATE_WINDOWS, generateRules, rulesTestYaml, rulesYaml } from "./prometheus-rules.js";

const RULES_DIR = fileURLToPath(new URL("../../monitoring/prometheus/rules/", import.meta.url));

describe("generated burn-rate rules", () => {
  it("the checked-in files are exactly what scripts/generate-monitoring.ts writes", () => {
    expect(readFileSync(path.join(RULES_DIR, "mcp-slo.rules.yml"), "utf8")).toBe(rulesYaml());
    expect(readFileSync(path.join(RULES_DIR, "mcp-slo.rules.test.yml"), "utf8")).toBe(rulesTestYaml());
  });

  it("alerts carry the SLO id as a label and the catalog source as annotations", () => {
    const alerts = generateRules().groups[1]!.rules as { alert: string; labels: Record<string, string>; annotations: Record<string, string>; expr: string }[];
    const availability = alerts.filter((a) => a.labels.slo_id === "availability");
    expect(availability.map((a) => a.alert)).toEqual(BURN_RATE_WINDOWS.map((w) => w.alert));
    const fast = availability[0]!;
    expect(fast.expr).toBe('mcp_slo:error_ratio:rate1h{slo_id="availability"} > 0.0144\nand\nmcp_slo:error_ratio:rate5m{slo_id="availability"} > 0.0144');
    expect(fast.labels).toMatchObject({ severity: "page", long_window: "1h", short_window: "5m", burn_rate: "14.4" });
    const source = SLO_CATALOG.find((s) => s.id === "availability")!.source;
    expect(fast.annotations).toMatchObject({ slo_source_document: source.document, slo_source_lines: source.lines, slo_source_quote: source.quote });
    // Every event SLO gets at least the slow (1x) alert; only budgets >= 1/14.4 lose the pages.
    for (const slo of EVENT_SLOS) expect(alerts.some((a) => a.labels.slo_id === slo.id && a.alert === "MCPErrorBudgetBurnSlow")).toBe(true);
  });
});
