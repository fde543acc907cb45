/**
 * readInputText and a FIFO, made with mkfifo (a child process, so not among the unit tests of
 * read-input.test.ts): named at once, never opened for a read that would wait for a writer forever.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readInputText } from "./read-input.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-read-input-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function problemsOf(p: string): Promise<string[]> {
  const r = await readInputText(p, "scenario file");
  return "problems" in r ? r.problems : [];
}

describe("readInputText refuses what is not a readable regular file, without blocking", () => {
  it("a FIFO is named, not opened for a read that would wait for a writer forever", async () => {
    const fifo = path.join(dir, "fifo.yaml");
    execFileSync("mkfifo", [fifo]);
    const started = performance.now();
    expect(await problemsOf(fifo)).toEqual([
      `${fifo}: cannot read the scenario file: it is a FIFO (named pipe), which could block the read forever; expected a regular file`,
    ]);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
