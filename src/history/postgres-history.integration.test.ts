/**
 * The PostgreSQL history against the throwaway PostgreSQL the harness starts: migrations applied once,
 * the same runs listed, loaded and resolved as by the directory history, a run's rows all or none, and
 * an unreachable database an environment failure that never shows the password.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { historyRun } from "../../test/support/history-records.js";
import { HarnessError } from "../errors.js";
import type { RunRecord } from "../results/types.js";
import { startPostgres, type LocalPostgres } from "../stack/local/postgres.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { findProcessesOfRun } from "../stack/leftovers.js";
import { DirectoryHistory } from "./directory-history.js";
import { earlierComparable, noiseRuns, openHistory, resolveRef } from "./index.js";
import { compareRuns, NOISE_RUNS } from "../compare/compare.js";
import { PostgresHistory } from "./postgres-history.js";
import type { HistoryEntry } from "./types.js";
import { freeLoopbackPort } from "../stack/ports.js";

const day = (d: number) => `2026-02-${String(d).padStart(2, "0")}T03:00:00.000Z`;
const RUNS: RunRecord[] = [
  historyRun({ runId: "20260201T030000Z-000001", startedAt: day(1), branch: "main", tags: { build: "101", channel: "nightly" }, full: true }),
  historyRun({ runId: "20260202T030000Z-000002", startedAt: day(2), branch: "main", verdict: "fail", full: true }),
  historyRun({ runId: "20260203T030000Z-000003", startedAt: day(3), branch: "feature/x", full: true }),
  historyRun({ runId: "20260204T030000Z-000004", startedAt: day(4), branch: null, profile: "smoke" }),
  historyRun({ runId: "20260205T030000Z-000005", startedAt: day(5), noIdentity: true, scenarios: { redis: undefined } }),
  historyRun({ runId: "20260206T030000Z-000006", startedAt: day(6), branch: "main", machine: "m-other-mach", tags: { build: "106" }, full: true }),
];
const candidate = historyRun({ runId: "20260207T030000Z-000007", startedAt: day(7), branch: "main", full: true });

const registry = new ResourceRegistry({ runId: `t${process.pid}-pghistory-${Date.now().toString(36)}` });
let pg: LocalPostgres;
let dir: string;
beforeAll(async () => {
  pg = await startPostgres({ registry, synchronousCommit: "off" });
  dir = await mkdtemp(path.join(os.tmpdir(), "pg-history-test-"));
});
afterAll(async () => {
  await registry.disposeAll();
  expect(await findProcessesOfRun(registry.runId)).toEqual([]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const withoutLocation = (entries: HistoryEntry[]) => entries.map(({ location: _l, ...rest }) => rest);

describe("PostgresHistory", () => {
  it("creates its tables on first open; a second open applies nothing", async () => {
    const first = await PostgresHistory.open(pg.url);
    expect(await first.schemaVersions()).toEqual([1]);
    const second = await PostgresHistory.open(pg.url);
    expect(await second.schemaVersions()).toEqual([1]);
    const tables = await pg.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'mcp_slo_%' ORDER BY tablename");
    expect(tables.rows.map((r: { tablename: string }) => r.tablename)).toEqual(["mcp_slo_run_tags", "mcp_slo_runs", "mcp_slo_schema_version"]);
    expect(first.description).toBe(`postgres://postgres@127.0.0.1:${pg.port}/mcp_slo`);
    await first.close();
    await second.close();
  });

  it("the same runs in PostgreSQL and in a directory list, load and resolve identically", async () => {
    const inPg = (await openHistory(pg.url, dir)) as PostgresHistory;
    const inDir = new DirectoryHistory(path.join(dir, "reports"), { warn: () => {} });
    for (const r of [...RUNS].reverse()) {
      await inPg.add(r);
      await inDir.add(r);
    }
    await inPg.add(RUNS[1]!); // again: replaced, not doubled
    const pgEntries = await inPg.list();
    expect(pgEntries.map((e) => e.location)).toEqual(RUNS.map((r) => `postgres:${r.runId}`));
    expect(withoutLocation(pgEntries)).toEqual(withoutLocation(await inDir.list()));
    expect(pgEntries[0]!.tags).toEqual({ build: "101", channel: "nightly" });
    for (const r of RUNS) {
      const fromPg = await inPg.load(r.runId);
      expect(fromPg).toEqual(await inDir.load(r.runId));
      expect(fromPg).toEqual(r);
    }
    // Histograms are kept as they were encoded, so old runs can be re-compared.
    expect((await inPg.load(RUNS[0]!.runId)).scenarios[0]!.latency.map((l) => l.histogram)).toEqual(RUNS[0]!.scenarios[0]!.latency.map((l) => l.histogram));

    for (const ref of ["latest", "latest-pass", "latest~1", "main", "main~1", "feature/x", "tag:build=101", RUNS[2]!.runId]) {
      const a = await resolveRef(inPg, ref, candidate);
      const b = await resolveRef(inDir, ref, candidate);
      expect(a.record, ref).toEqual(b.record);
      expect(a.ref.location).toBe(`postgres:${a.record.runId}`);
    }
    const ids = async (h: PostgresHistory | DirectoryHistory) => (await earlierComparable(h, candidate, 10)).map((r) => r.runId);
    expect(await ids(inPg)).toEqual(await ids(inDir));
    expect(await ids(inPg)).toEqual([RUNS[2]!.runId, RUNS[1]!.runId, RUNS[0]!.runId]);
    // The same comparison from either store: the baseline and the noise runs are read back from each.
    const compareFrom = async (h: PostgresHistory | DirectoryHistory) => {
      const baseline = await resolveRef(h, "latest", candidate);
      return compareRuns(baseline.record, candidate, { history: await noiseRuns(h, baseline.record, candidate, NOISE_RUNS) });
    };
    const fromPg = await compareFrom(inPg);
    expect(fromPg.metrics.length).toBeGreaterThan(10);
    expect(fromPg).toEqual(await compareFrom(inDir));
    const unknown = await resolveRef(inPg, "nope", candidate).catch((e: HarnessError) => e);
    expect(unknown).toBeInstanceOf(HarnessError);
    expect((unknown as HarnessError).details[0]).toBe(
      `runs: 6, newest ${[...RUNS]
        .reverse()
        .slice(0, 5)
        .map((r) => r.runId)
        .join(", ")}`,
    );
    await inPg.close();
  });

  it("a run's rows are written all or none", async () => {
    const history = await PostgresHistory.open(pg.url);
    await pg.query("ALTER TABLE mcp_slo_run_tags ADD CONSTRAINT test_no_boom CHECK (value <> 'boom')");
    try {
      const run = historyRun({ runId: "20260210T030000Z-00000b", startedAt: day(10), tags: { a: "fine", z: "boom" } });
      const err = await history.add(run).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HarnessError);
      expect((err as HarnessError).code).toBe("environment");
      expect((err as HarnessError).message).toMatch(/did not take run 20260210T030000Z-00000b \(nothing of it was written\): .*test_no_boom/);
      expect((await pg.query("SELECT count(*)::int AS n FROM mcp_slo_runs WHERE run_id = $1", [run.runId])).rows[0]).toEqual({ n: 0 });
      expect((await pg.query("SELECT count(*)::int AS n FROM mcp_slo_run_tags WHERE run_id = $1", [run.runId])).rows[0]).toEqual({ n: 0 });
    } finally {
      await pg.query("ALTER TABLE mcp_slo_run_tags DROP CONSTRAINT test_no_boom");
      await history.close();
    }
  });

  it("an unreachable database, or one that does not exist, is an environment failure naming it, never the password", async () => {
    const password = "pw-Zq8x3LmN0pTr";
    const port = await freeLoopbackPort();
    const t0 = Date.now();
    const down = await openHistory(`postgres://slo:${password}@127.0.0.1:${port}/history`, dir).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(HarnessError);
    expect((down as HarnessError).code).toBe("environment");
    expect((down as HarnessError).message).toBe(
      `history database postgres://slo@127.0.0.1:${port}/history unreachable or unusable: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(Date.now() - t0).toBeLessThan(15_000);
    const missing = await openHistory(`postgresql://postgres:${password}@127.0.0.1:${pg.port}/no_such_db`, dir).catch((e: unknown) => e);
    expect((missing as HarnessError).code).toBe("environment");
    expect((missing as HarnessError).message).toMatch(
      new RegExp(`^history database postgres://postgres@127.0.0.1:${pg.port}/no_such_db unreachable or unusable: .*no_such_db`),
    );
    for (const e of [down, missing])
      expect(JSON.stringify({ m: (e as Error).message, d: (e as HarnessError).details, h: (e as HarnessError).hint })).not.toContain(password);
    await expect(openHistory("postgres://[::1", dir)).rejects.toThrow(/not a PostgreSQL URL/);
  });
});
