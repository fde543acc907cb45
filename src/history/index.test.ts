/** References to runs (latest, latest-pass, a branch, branch~N, a tag, a run id, a path) and earlier comparable runs. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { historyRun } from "../../test/support/history-records.js";
import { HarnessError } from "../errors.js";
import type { RunRecord } from "../results/types.js";
import { DirectoryHistory } from "./directory-history.js";
import { earlierComparable, openHistory, resolveRef } from "./index.js";

const day = (d: number) => `2026-01-${String(d).padStart(2, "0")}T03:00:00.000Z`;
const RUNS: RunRecord[] = [
  historyRun({ runId: "A", startedAt: day(1), branch: "main", tags: { build: "1" } }),
  historyRun({ runId: "B", startedAt: day(2), branch: "main", verdict: "fail" }),
  historyRun({ runId: "C", startedAt: day(3), branch: "feature/x" }),
  historyRun({ runId: "D", startedAt: day(4), branch: "smokes", profile: "smoke" }),
  historyRun({ runId: "E", startedAt: day(5), branch: "main", verdict: "interrupted" }),
  historyRun({ runId: "F", startedAt: day(6), branch: "main", machine: "m-other-mach", tags: { build: "2" } }),
  historyRun({ runId: "G", startedAt: day(8), branch: "main" }),
];
const candidate = historyRun({ runId: "CAND", startedAt: day(7), branch: "main" });

let root: string;
let history: DirectoryHistory;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "refs-test-"));
  history = new DirectoryHistory(root, { warn: () => {} });
  for (const r of RUNS) await history.add(r);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function idOf(ref: string, cand: RunRecord | undefined = candidate): Promise<string> {
  return (await resolveRef(history, ref, cand)).record.runId;
}

async function refusal(ref: string, cand: RunRecord | undefined = candidate): Promise<HarnessError> {
  const err = await resolveRef(history, ref, cand).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HarnessError);
  expect((err as HarnessError).code).toBe("invalid_input");
  return err as HarnessError;
}

describe("resolveRef", () => {
  it("latest: the newest earlier comparable run that completed (another machine allowed); ~N goes back", async () => {
    expect(await idOf("latest")).toBe("F");
    expect(await idOf("latest~1")).toBe("C");
    expect(await idOf("latest~2")).toBe("B");
    // Without a candidate: every run, newest first.
    expect((await resolveRef(history, "latest")).record.runId).toBe("G");
  });

  it("latest-pass: the newest earlier comparable run whose verdict is pass", async () => {
    expect(await idOf("latest-pass")).toBe("F");
    expect(await idOf("latest-pass~1")).toBe("C");
    expect(await idOf("latest-pass~2")).toBe("A");
    expect((await refusal("latest-pass~3")).message).toMatch(/no 4th run whose verdict is pass earlier than CAND and comparable with it \(only 3\)/);
  });

  it("a branch and branch~N: the newest earlier comparable completed runs on it", async () => {
    expect(await idOf("main")).toBe("F");
    expect(await idOf("main~1")).toBe("B");
    expect(await idOf("main~2")).toBe("A");
    expect(await idOf("feature/x")).toBe("C");
    const none = await refusal("smokes");
    expect(none.message).toBe("smokes: 1 earlier run(s) on branch smokes, none comparable with CAND");
    expect(none.details).toEqual(["newest (D): profile: smoke in D, ci in CAND"]);
  });

  it("tag:k=v: the newest earlier run with that tag", async () => {
    expect(await idOf("tag:build=1")).toBe("A");
    expect(await idOf("tag:build=2")).toBe("F");
    expect((await refusal("tag:nokey")).message).toMatch(/tag:<key>=<value>/);
  });

  it("a run id and a path name that run; the ref says where it was read from", async () => {
    const byId = await resolveRef(history, "G", candidate);
    expect(byId.record).toEqual(RUNS[6]);
    expect(byId.ref).toEqual({ runId: "G", startedAt: day(8), location: path.join(root, "runs", "G"), ref: "G" });
    const dir = path.join(root, "runs", "B");
    expect((await resolveRef(history, dir)).ref).toEqual({ runId: "B", startedAt: day(2), location: dir, ref: dir });
    expect((await resolveRef(null, path.join(dir, "results.json"))).record.runId).toBe("B");
  });

  it("an unknown ref is invalid input listing run ids, branches and tags that exist", async () => {
    const err = await refusal("nightly");
    expect(err.message).toMatch(/^unknown reference nightly: no run on branch nightly earlier than CAND and comparable with it in the history/);
    expect(err.details).toEqual([
      "runs: 7, newest G, F, E, D, C",
      "branches: main, smokes, feature/x",
      "tags: tag:build=2, tag:build=1",
      "also: latest, latest-pass, <branch>~N, a run directory or a results.json",
    ]);
    expect((await refusal("main~99999")).message).toMatch(/more than 10000 runs/);
    expect(
      (
        await resolveRef(null, "latest").then(
          () => new Error("resolved"),
          (e: Error) => e,
        )
      ).message,
    ).toMatch(/no history to look it up in/);
  });

  it("a corrupt results.json named by path is invalid input naming the file", async () => {
    const bad = path.join(root, "elsewhere");
    await mkdir(bad, { recursive: true });
    await writeFile(path.join(bad, "results.json"), '{"harness": {"name": "other"}}');
    expect((await refusal(bad)).message).toMatch(/elsewhere\/results\.json: not a run record of mcp-slo-harness/);
  });
});

describe("earlierComparable", () => {
  it("earlier comparable completed runs on the same machine, newest first, at most limit", async () => {
    expect((await earlierComparable(history, candidate, 10)).map((r) => r.runId)).toEqual(["C", "B", "A"]);
    expect((await earlierComparable(history, candidate, 2)).map((r) => r.runId)).toEqual(["C", "B"]);
    expect((await earlierComparable(history, candidate, 10, { sameMachine: false })).map((r) => r.runId)).toEqual(["F", "C", "B", "A"]);
  });
});

describe("openHistory", () => {
  it("none is no history; a directory is a directory history; no option is the reports root", async () => {
    expect(await openHistory("none", root)).toBeNull();
    expect(((await openHistory(undefined, root)) as DirectoryHistory).root).toBe(root);
    expect(((await openHistory(path.join(root, "other"), root)) as DirectoryHistory).root).toBe(path.join(root, "other"));
  });
});
