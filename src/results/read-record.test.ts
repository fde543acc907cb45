import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessError } from "../errors.js";
import { parseRunRecord, readRunRecord } from "./read-record.js";

const dir = mkdtempSync(path.join(tmpdir(), "read-record-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(promise: Promise<unknown>): Promise<HarnessError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HarnessError);
  return err as HarnessError;
}

describe("readRunRecord", () => {
  it("names the file and the field of a corrupt record", async () => {
    const file = path.join(dir, "results.json");
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, runId: 7, harness: { name: "mcp-slo-harness", version: "x" } }));
    const err = await refusal(readRunRecord(dir));
    expect(err.code).toBe("invalid_input");
    expect(err.message).toContain(file);
    expect(err.message).toContain("not a valid run record");
    expect(err.details.join("\n")).toMatch(/^runId: /m);
  });

  it("says a JSON file of another tool is foreign", () => {
    expect(() => parseRunRecord('{"metrics": {}}', "k6-summary.json")).toThrow(/k6-summary.json: not a run record of mcp-slo-harness/);
    expect(() => parseRunRecord("{", "x.json")).toThrow(/x.json: not JSON/);
  });

  it("names a path that does not exist", async () => {
    const err = await refusal(readRunRecord(path.join(dir, "nope")));
    expect(err.code).toBe("invalid_input");
    expect(err.message).toContain("nope");
  });
});
