// Writes scenarios/scenario.schema.json from the zod schema (npm run schema).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { scenarioJsonSchema } from "../src/config/json-schema.js";
import { PROJECT_ROOT } from "../src/project-root.js";

const target = path.join(PROJECT_ROOT, "scenarios", "scenario.schema.json");
writeFileSync(target, scenarioJsonSchema());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
