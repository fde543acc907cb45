/**
 * The run record's schema: the committed JSON Schema is what `npm run schema` generates, and the
 * records the output tests use (test/support/records.ts) are run records by it. A real run's
 * results.json is checked against it in test/cli.e2e.test.ts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { baseRunRecord, capacityRunRecord, sampleRunRecord } from "../../test/support/records.js";
import { PROJECT_ROOT } from "../project-root.js";
import { resultsJsonSchema } from "./json-schema.js";
import { RunRecord } from "./schema.js";

describe("results.json schema", () => {
  it("scenarios/results.schema.json is what `npm run schema` generates from the zod schema", () => {
    expect(readFileSync(path.join(PROJECT_ROOT, "scenarios", "results.schema.json"), "utf8")).toBe(resultsJsonSchema());
  });

  // Not withHostileText: it puts markup even into harness.name, which the record's type fixes (a cast there says so).
  it("accepts the output tests' records, as JSON would carry them", () => {
    for (const run of [baseRunRecord(), sampleRunRecord(), capacityRunRecord(), capacityRunRecord(true)]) {
      const parsed = RunRecord.safeParse(JSON.parse(JSON.stringify(run)));
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
  });

  it("refuses a record with a field it does not know, or a verdict it does not have", () => {
    const run = JSON.parse(JSON.stringify(sampleRunRecord())) as Record<string, unknown>;
    expect(RunRecord.safeParse({ ...run, extra: 1 }).success).toBe(false);
    expect(RunRecord.safeParse({ ...run, verdict: "maybe" }).success).toBe(false);
  });
});
