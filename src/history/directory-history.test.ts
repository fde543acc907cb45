/** The directory history: runs under runs/<id>/ and an index rebuilt from them whenever it does not match. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { historyRun } from "../../test/support/history-records.js";
import { readRunRecord } from "../results/read-record.js";
import { DirectoryHistory, INDEX_FILE } from "./directory-history.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dir-history-test-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const r1 = historyRun({ runId: "20260101T000000Z-aaaaaa", startedAt: "2026-01-01T00:00:00.000Z", branch: "main", tags: { build: "1" } });
const r2 = historyRun({ runId: "20260102T000000Z-bbbbbb", startedAt: "2026-01-02T00:00:00.000Z", branch: "main", verdict: "fail" });
const r3 = historyRun({ runId: "20260103T000000Z-cccccc", startedAt: "2026-01-03T00:00:00.000Z", branch: "feature/x" });

async function writeRun(root: string, record: { runId: string }): Promise<string> {
  const dir = path.join(root, "runs", record.runId);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "results.json"), JSON.stringify(record));
  return dir;
}

describe("DirectoryHistory", () => {
  it("an empty history lists nothing and creates nothing", async () => {
    const root = path.join(await tempDir(), "reports");
    expect(await new DirectoryHistory(root).list()).toEqual([]);
    await expect(readFile(path.join(root, INDEX_FILE))).rejects.toThrow(/ENOENT/);
  });

  it("add() keeps each run, oldest first, with its branch, tags and scenario hashes; load() gives the record back", async () => {
    const root = await tempDir();
    const warnings: string[] = [];
    const history = new DirectoryHistory(root, { warn: (l) => warnings.push(l) });
    // A run already in its place (the default output dir) and one written elsewhere (--out), added out of order.
    const r2dir = await writeRun(root, r2);
    await history.add(r2, r2dir);
    const out = await tempDir();
    await writeFile(path.join(out, "results.json"), JSON.stringify(r1));
    await writeFile(path.join(out, "report.html"), "<html>r1</html>");
    await writeFile(path.join(out, "security.sarif"), '{"version":"2.1.0"}');
    const e1 = await history.add(r1, out);
    expect(e1).toEqual({
      runId: r1.runId,
      startedAt: r1.startedAt,
      endedAt: r1.endedAt,
      verdict: "pass",
      profile: "ci",
      provider: "local",
      git: { commit: "2".repeat(40), branch: "main", dirty: false },
      tags: { build: "1" },
      scenarios: [{ name: "redis", hash: "aaaaaaaaaaaaaaaa" }],
      machine: "m00000000001",
      location: `runs/${r1.runId}`,
    });
    // Copied in: the history stands on its own.
    expect(await readFile(path.join(root, "runs", r1.runId, "report.html"), "utf8")).toBe("<html>r1</html>");
    expect(await readFile(path.join(root, "runs", r1.runId, "security.sarif"), "utf8")).toBe('{"version":"2.1.0"}');
    expect((await history.list()).map((e) => e.runId)).toEqual([r1.runId, r2.runId]);
    expect(await history.load(r2.runId)).toEqual(r2);
    await expect(history.load("nope")).rejects.toThrow(/no run nope in the history/);
    // Adding the same run again replaces it.
    await history.add({ ...r1, verdict: "fail" }, out);
    expect((await history.list()).map((e) => [e.runId, e.verdict])).toEqual([
      [r1.runId, "fail"],
      [r2.runId, "fail"],
    ]);
    expect(warnings).toEqual([]);
    // One line per run.
    const text = await readFile(path.join(root, INDEX_FILE), "utf8");
    expect(text.split("\n").filter((l) => l.includes('"runId"'))).toHaveLength(2);
  });

  it("a missing index is rebuilt from the run records alone; a corrupt record is skipped with a warning, not a crash", async () => {
    const root = await tempDir();
    for (const r of [r3, r1, r2]) await writeRun(root, r);
    await mkdir(path.join(root, "runs", "corrupt"), { recursive: true });
    await writeFile(path.join(root, "runs", "corrupt", "results.json"), '{"schemaVersion": 1, "runId": 7');
    await mkdir(path.join(root, "runs", "still-running"), { recursive: true }); // no results.json yet
    const warnings: string[] = [];
    const history = new DirectoryHistory(root, { warn: (l) => warnings.push(l) });
    expect((await history.list()).map((e) => e.runId)).toEqual([r1.runId, r2.runId, r3.runId]);
    expect(warnings).toEqual([
      expect.stringMatching(/skipped .*runs\/corrupt\/results\.json .*not JSON/),
      expect.stringMatching(/history\.json: missing or unreadable; rebuilt from 3 run record\(s\)/),
    ]);
    // Rebuilt once: the skipped directory does not make it stale again.
    await history.list();
    expect(warnings).toHaveLength(2);
    expect((await history.list()).find((e) => e.runId === r3.runId)?.git?.branch).toBe("feature/x");
  });

  it("a stale index (a run it does not know, a run directory gone) and a corrupt index are rebuilt", async () => {
    const root = await tempDir();
    const warnings: string[] = [];
    const history = new DirectoryHistory(root, { warn: (l) => warnings.push(l) });
    await history.add(r1, await writeRun(root, r1));
    await history.add(r2, await writeRun(root, r2));
    // Restored from a CI cache with a newer run the index has not seen.
    await writeRun(root, r3);
    expect((await history.list()).map((e) => e.runId)).toEqual([r1.runId, r2.runId, r3.runId]);
    await rm(path.join(root, "runs", r2.runId), { recursive: true });
    expect((await history.list()).map((e) => e.runId)).toEqual([r1.runId, r3.runId]);
    await writeFile(path.join(root, INDEX_FILE), "{ not json");
    expect((await history.list()).map((e) => e.runId)).toEqual([r1.runId, r3.runId]);
    expect(warnings).toEqual([
      expect.stringMatching(/out of date; rebuilt from 3/),
      expect.stringMatching(/out of date; rebuilt from 2/),
      expect.stringMatching(/missing or unreadable; rebuilt from 2/),
    ]);
  });

  it("a record written before identity and hashes is listed with nulls", async () => {
    const root = await tempDir();
    const old = historyRun({ runId: "old", startedAt: "2025-01-01T00:00:00.000Z", noIdentity: true, scenarios: { redis: undefined } });
    await writeRun(root, old);
    const [entry] = await new DirectoryHistory(root, { warn: () => {} }).list();
    expect(entry).toMatchObject({ runId: "old", provider: null, machine: null, tags: {}, scenarios: [{ name: "redis", hash: null }] });
    expect(entry).not.toHaveProperty("git");
    expect(await readRunRecord(path.join(root, "runs", "old"))).toEqual(old);
  });
});
