/**
 * Writes the generated monitoring files from the SLO catalog:
 *   monitoring/prometheus/rules/mcp-slo.rules.yml       recording rules + burn-rate alerts
 *   monitoring/prometheus/rules/mcp-slo.rules.test.yml  their promtool unit tests
 * src/monitoring/prometheus-rules.test.ts fails when the checked-in files differ from what this writes.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../src/project-root.js";
import { rulesTestYaml, rulesYaml } from "../src/monitoring/prometheus-rules.js";

export const RULES_DIR = path.join(PROJECT_ROOT, "monitoring", "prometheus", "rules");

writeFileSync(path.join(RULES_DIR, "mcp-slo.rules.yml"), rulesYaml());
writeFileSync(path.join(RULES_DIR, "mcp-slo.rules.test.yml"), rulesTestYaml());
process.stdout.write(`wrote ${path.relative(process.cwd(), RULES_DIR)}/mcp-slo.rules.yml and mcp-slo.rules.test.yml\n`);
