/**
 * The official OpenSLO v1 JSON Schema (test/fixtures/openslo/schema-v1: its source, commit and
 * licence are in the README there), compiled with ajv: what `mcp-slo slos --format openslo` writes
 * is checked against it.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";

const SCHEMA_DIR = fileURLToPath(new URL("../fixtures/openslo/schema-v1", import.meta.url));

export function openSloValidator(): ValidateFunction {
  // strict: false: the schema uses draft-07 forms that ajv's strict mode flags (additionalItems without items).
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const file of readdirSync(path.join(SCHEMA_DIR, "parts"))) ajv.addSchema(JSON.parse(readFileSync(path.join(SCHEMA_DIR, "parts", file), "utf8")));
  return ajv.compile(JSON.parse(readFileSync(path.join(SCHEMA_DIR, "openslo.schema.json"), "utf8")));
}

/** Each document the schema refuses, with ajv's errors ([] when all are valid). */
export function openSloSchemaErrors(documents: readonly unknown[]): { document: unknown; errors: unknown }[] {
  const validate = openSloValidator();
  return documents.flatMap((document) => (validate(document) ? [] : [{ document, errors: validate.errors }]));
}
