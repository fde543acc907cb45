/**
 * The generated Prometheus rules under the real promtool: `promtool check rules` accepts them, and
 * `promtool test rules` passes unit tests where the burn-rate alerts fire and where they do not.
 * A deliberately wrong expectation must make promtool fail, so a silent promtool cannot pass this.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { rulesTestYaml } from "./prometheus-rules.js";

const RULES_DIR = fileURLToPath(new URL("../../monitoring/prometheus/rules/", import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-promtool-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("generated burn-rate rules", () => {
  it("promtool check rules accepts the file", () => {
    const out = execFileSync("promtool", ["check", "rules", path.join(RULES_DIR, "mcp-slo.rules.yml")], { encoding: "utf8" });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("promtool test rules: alerts fire on a steady burn, not on a clean series, and pages stop after recovery", () => {
    const r = spawnSync("promtool", ["test", "rules", "mcp-slo.rules.test.yml"], { cwd: RULES_DIR, encoding: "utf8" });
    process.stdout.write(r.stdout + r.stderr);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("SUCCESS");
    const tests = (parse(rulesTestYaml()) as { tests: { name: string }[] }).tests.map((t) => t.name);
    expect(tests).toEqual(expect.arrayContaining([expect.stringContaining("every burn-rate alert fires"), expect.stringContaining("nothing fires")]));
  });

  it("promtool test rules fails when an expectation is wrong (the tests can fail)", () => {
    cpSync(path.join(RULES_DIR, "mcp-slo.rules.yml"), path.join(scratch, "mcp-slo.rules.yml"));
    const doc = parse(rulesTestYaml()) as { tests: { name: string; input_series: { values: string }[] }[] };
    const clean = doc.tests.find((t) => t.name.includes("nothing fires"))!;
    clean.input_series[1]!.values = "0+50x120"; // the "clean" series now fails 1 call in 6
    writeFileSync(path.join(scratch, "mcp-slo.rules.test.yml"), JSON.stringify(doc));
    const r = spawnSync("promtool", ["test", "rules", "mcp-slo.rules.test.yml"], { cwd: scratch, encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("MCPErrorBudgetBurnFast");
  });
});
