// Writes scenarios/scenario.schema.json and scenarios/results.schema.json from the zod schemas (npm run schema).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { scenarioJsonSchema } from "../src/config/json-schema.js";
import { PROJECT_ROOT } from "../src/project-root.js";
import { resultsJsonSchema } from "../src/results/json-schema.js";

for (const [file, render] of [
  ["scenario.schema.json", scenarioJsonSchema],
  ["results.schema.json", resultsJsonSchema],
] as const) {
  const target = path.join(PROJECT_ROOT, "scenarios", file);
  writeFileSync(target, render());
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
