/**
 * The history end to end, through the real CLI: runs recorded with their identity and tags in a
 * directory history and in PostgreSQL (the throwaway one the harness starts), found again by
 * reference and listed by `mcp-slo history`; bad tags and an unreachable history database refused
 * before anything starts.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveRef } from "../src/history/index.js";
import { DirectoryHistory } from "../src/history/directory-history.js";
import { PostgresHistory } from "../src/history/postgres-history.js";
import { readRunRecord } from "../src/results/read-record.js";
import { findProcessesOfRun } from "../src/stack/leftovers.js";
import { startPostgres } from "../src/stack/local/postgres.js";
import { ResourceRegistry } from "../src/stack/resource-registry.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, runCli, transcript } from "./support/cli.js";
import { freeLoopbackPort } from "../src/stack/ports.js";

const SCENARIO = "test/fixtures/e2e-generous.yaml";
const dirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await removeOutDirs();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("mcp-slo run --history --tag", () => {
  it("bad tags and a --history that is a file are exit 2 before anything starts", async () => {
    const out = path.join(await tempDir("e2e-hist-bad-"), "out");
    const r = await runCli(["run", SCENARIO, "--out", out, "--tag", "bad key=1", "--tag", "novalue"], { timeoutMs: 60_000 });
    expect(r.code, transcript(r)).toBe(2);
    expect(r.stderr).toContain("mcp-slo: 2 bad --tag value(s)");
    expect(r.stderr).toContain("--tag bad key=1: the key must be 1 to 64 of A-Z a-z 0-9 _ . -");
    expect(r.stderr).toContain("--tag novalue: expected key=value");
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const file = path.join(await tempDir("e2e-hist-file-"), "history.txt");
    await writeFile(file, "not a directory\n");
    const f = await runCli(["run", SCENARIO, "--out", out, "--history", file], { timeoutMs: 60_000 });
    expect(f.code, transcript(f)).toBe(2);
    expect(f.stderr).toContain(`--history ${file}: not a directory`);
    expect(existsSync(out)).toBe(false);
  });

  it("an unreachable history database is exit 3 naming it, never its password, with nothing written", async () => {
    const password = "pw-e2e-Hq7Lm2Xv9";
    const port = await freeLoopbackPort();
    const out = path.join(await tempDir("e2e-hist-down-"), "out");
    const r = await runCli(["run", SCENARIO, "--out", out, "--history", `postgres://slo:${password}@127.0.0.1:${port}/history`], { timeoutMs: 120_000 });
    expect(r.code, transcript(r)).toBe(3);
    expect(r.stderr).toContain(`mcp-slo: history database postgres://slo@127.0.0.1:${port}/history unreachable or unusable: connect ECONNREFUSED`);
    expect(r.stdout + r.stderr).not.toContain(password);
    expect(existsSync(out)).toBe(false);
  });

  it("runs are recorded with identity and tags, in a directory and in PostgreSQL, and found again by reference", async () => {
    const root = await tempDir("e2e-hist-dir-");
    const runs = [];
    for (const build of ["1", "2"]) {
      const out = await newOutDir();
      // The second run is compared as it runs with the newest earlier comparable run of the history.
      const baseline = build === "2" ? ["--baseline", "latest"] : [];
      const r = await runCli(["run", SCENARIO, "--out", out, "--history", root, "--tag", `build=${build}`, ...baseline], { timeoutMs: 240_000 });
      expect(r.code, transcript(r)).toBe(0);
      expect(r.stderr).toContain(`recorded in the history: ${root} (index ${path.join(root, "history.json")})`);
      const record = await readRecord(out);
      await expectNothingLeft(record.runId);
      runs.push(record);
    }
    const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(second.identity?.tags).toEqual({ build: "2" });
    expect(second.identity?.provider).toBe("local");
    expect(second.identity?.harness.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(second.identity?.machine.hash).toBe(first.identity?.machine.hash);
    expect(second.scenarios[0]!.scenarioHash).toMatch(/^[0-9a-f]{16}$/);
    expect(second.scenarios[0]!.scenarioHash).toBe(first.scenarios[0]!.scenarioHash);

    const history = new DirectoryHistory(root);
    expect((await history.list()).map((e) => [e.runId, e.tags.build])).toEqual([
      [first.runId, "1"],
      [second.runId, "2"],
    ]);
    expect((await resolveRef(history, "latest", second)).record).toEqual(await readRunRecord(path.join(root, "runs", first.runId)));
    expect((await resolveRef(history, "tag:build=1", second)).record.runId).toBe(first.runId);
    expect(second.comparison?.baseline).toMatchObject({ runId: first.runId, ref: "latest" });
    expect(second.comparison?.metrics.length).toBeGreaterThan(0);
    // compare by tags, through the same history.
    const compared = await runCli(["compare", "tag:build=1", "tag:build=2", "--history", root, "--format", "json"], { timeoutMs: 60_000 });
    expect(compared.code, transcript(compared)).toBe(0);
    const comparison = JSON.parse(compared.stdout) as {
      baseline: { runId: string };
      candidate: { runId: string };
      counts: Record<"regressed" | "unchanged" | "improved" | "inconclusive", number>;
    };
    expect([comparison.baseline.runId, comparison.candidate.runId]).toEqual([first.runId, second.runId]);
    expect(comparison.counts.regressed + comparison.counts.unchanged + comparison.counts.improved + comparison.counts.inconclusive).toBeGreaterThan(0);
    const listed = await runCli(["history", "--history", root, "--json"], { timeoutMs: 60_000 });
    expect(listed.code, transcript(listed)).toBe(0);
    expect((JSON.parse(listed.stdout) as { runId: string; location: string }[]).map((e) => [e.runId, e.location])).toEqual([
      [first.runId, `runs/${first.runId}`],
      [second.runId, `runs/${second.runId}`],
    ]);
    const last = await runCli(["history", "--history", root, "--last", "1"], { timeoutMs: 60_000 });
    expect(last.code, transcript(last)).toBe(0);
    expect(last.stdout).toMatch(
      new RegExp(`^RUN +STARTED +VERDICT +PROFILE +GIT +TAGS +LOCATION\n${second.runId} .* pass +ci .* build=2 +runs/${second.runId}\n1 of 2 run\\(s\\) in `),
    );

    // The same kind of run into PostgreSQL.
    const registry = new ResourceRegistry({ runId: `t${process.pid}-e2e-history-${Date.now().toString(36)}` });
    try {
      const pg = await startPostgres({ registry, synchronousCommit: "off" });
      const out = await newOutDir();
      const r = await runCli(["run", SCENARIO, "--out", out, "--history", pg.url, "--tag", "build=3"], { timeoutMs: 240_000 });
      expect(r.code, transcript(r)).toBe(0);
      expect(r.stderr).toContain(`recorded in the history: postgres://postgres@127.0.0.1:${pg.port}/mcp_slo`);
      const record = await readRunRecord(out);
      const inPg = await PostgresHistory.open(pg.url);
      try {
        expect((await inPg.list()).map((e) => [e.runId, e.tags])).toEqual([[record.runId, { build: "3" }]]);
        expect(await inPg.load(record.runId)).toEqual(record);
      } finally {
        await inPg.close();
      }
    } finally {
      await registry.disposeAll();
      expect(await findProcessesOfRun(registry.runId)).toEqual([]);
    }
  });
});
