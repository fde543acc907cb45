import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it, expect } from "vitest";
import { sampleRunRecord } from "../../test/support/records.js";
import { writeResultsJsonOnly, writeResultsJsonSync, writeRunOutputs } from "./write-outputs.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-slo-outputs-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("writeRunOutputs", () => {
  it("writes the five files into a new nested directory and leaves no temp files", async () => {
    const dir = join(tempDir(), "reports", "latest");
    const run = sampleRunRecord();
    const { files } = await writeRunOutputs(run, dir);
    expect(files).toEqual(["results.json", "junit.xml", "summary.md", "report.html", "verdicts.csv"].map((f) => join(dir, f)));
    expect(readdirSync(dir).sort()).toEqual(["junit.xml", "report.html", "results.json", "summary.md", "verdicts.csv"]);
    expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8"))).toEqual(run);
    expect(readFileSync(join(dir, "results.json"), "utf8")).toMatch(/^\{\n {2}"schemaVersion": 1,/);
    expect(readFileSync(join(dir, "junit.xml"), "utf8")).toMatch(/^<\?xml version="1.0"/);
    expect(readFileSync(join(dir, "summary.md"), "utf8")).toMatch(/^# FAIL/);
    expect(readFileSync(join(dir, "report.html"), "utf8")).toMatch(/^<!doctype html>/);
    expect(readFileSync(join(dir, "verdicts.csv"), "utf8")).toMatch(/^scenario,variant,id,metric,/);
  });

  it("replaces existing outputs whole", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "results.json"), "stale and much longer than JSON would be ".repeat(10_000));
    await writeRunOutputs(sampleRunRecord({ runId: "second" }), dir);
    expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).runId).toBe("second");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("writing only results.json (interrupted runs)", () => {
  it("async: writes results.json alone", async () => {
    const dir = join(tempDir(), "a");
    const run = sampleRunRecord({ status: "interrupted", verdict: "interrupted" });
    const { files } = await writeResultsJsonOnly(run, dir);
    expect(files).toEqual([join(dir, "results.json")]);
    expect(readdirSync(dir)).toEqual(["results.json"]);
    expect(JSON.parse(readFileSync(files[0]!, "utf8"))).toEqual(run);
  });

  it("sync: writes results.json alone, for signal and exit handlers", () => {
    const dir = join(tempDir(), "b", "c");
    const run = sampleRunRecord({ status: "interrupted", verdict: "interrupted" });
    const { files } = writeResultsJsonSync(run, dir);
    expect(readdirSync(dir)).toEqual(["results.json"]);
    expect(JSON.parse(readFileSync(files[0]!, "utf8"))).toEqual(run);
  });

  it("leaves no temp file behind when the final rename fails", async () => {
    const dir = tempDir();
    // A non-empty directory where results.json should go makes the rename fail after the temp file was written.
    mkdirSync(join(dir, "results.json"));
    writeFileSync(join(dir, "results.json", "keep"), "");
    const run = sampleRunRecord();
    expect(() => writeResultsJsonSync(run, dir)).toThrow();
    await expect(writeResultsJsonOnly(run, dir)).rejects.toThrow();
    await expect(writeRunOutputs(run, dir)).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(["results.json"]);
  });
});
