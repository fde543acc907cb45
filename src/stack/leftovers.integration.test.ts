/**
 * The reaper of runs whose owner is gone (reapDeadRuns), against real processes: a real owner
 * (test/fixtures/run-owner.ts) is SIGKILLed and what it left is reaped; runs whose owner lives, and
 * dirs or records the reaper cannot judge, are left alone.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { registriesPerTest } from "../testing/registry.js";
import { waitUpTo } from "../util/wait-for.js";
import { describeReap, findProcessesOfRun, listeningSockets, listeningSocketsOf, reapDeadRuns } from "./leftovers.js";
import { spawnManaged } from "./managed-process.js";
import { ownerAlive, ownerKeyOfThisProcess, processStartTime } from "./owner.js";
import { OwnerRecordSchema, ownerRecordPath, tempDirMarker } from "./resource-registry.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OWNER_SCRIPT = path.join(ROOT, "test", "fixtures", "run-owner.ts");
const newRegistry = registriesPerTest();
const uniqueId = (what: string) => `${what}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** Private dirs for the tests that plant records by hand, so no other run on the machine is involved. */
const planted: string[] = [];
afterAll(async () => {
  await Promise.all(planted.map((d) => rm(d, { recursive: true, force: true })));
});
async function plantDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "reaper-test-"));
  planted.push(d);
  return d;
}

/** Starts the fixture owner and waits until its run exists; returns it with a kill switch. */
async function startOwner(runId: string): Promise<{ pid: number; dir: string; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", OWNER_SCRIPT, runId], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run-owner did not start: ${err}`)), 60_000);
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      if (out.includes("\n")) {
        clearTimeout(timer);
        resolve(out.split("\n")[0]!);
      }
    });
    child.on("exit", (code) => reject(new Error(`run-owner exited (${code}): ${err}`)));
  });
  const { dir } = JSON.parse(line) as { dir: string };
  return {
    pid: child.pid!,
    dir,
    kill: async () => {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await gone;
    },
  };
}

describe("owner keys", () => {
  it("this process is alive; the same pid with another start time, or a pid that is gone, is not", () => {
    const me = ownerKeyOfThisProcess();
    expect(me).toBe(`${os.hostname()}:${process.pid}:${processStartTime(process.pid)}`);
    expect(ownerAlive(me)).toBe(true);
    expect(ownerAlive(me.replace(/:\d+$/, ":1"))).toBe(false);
    expect(ownerAlive(`${os.hostname()}:4194303:1`)).toBe(false);
  });

  it("a zombie (killed, not yet waited for) is not alive", async () => {
    // `sleep 0` becomes a child of the exec'd `sleep 30`, which never waits for it: a zombie.
    const parent = spawn("sh", ["-c", "sleep 0 & exec sleep 30"], { stdio: "ignore" });
    try {
      const zombie = await waitUpTo(
        async () => {
          for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
            const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            if (fields[0] === "Z" && Number(fields[1]) === parent.pid) return Number(pid);
          }
          return undefined;
        },
        { what: "a zombie child of the sleep", timeoutMs: 5000, intervalMs: 50 },
      );
      expect(zombie, "a zombie child of the sleep").toBeDefined();
      const start = processStartTime(zombie!);
      expect(start).toBeDefined();
      expect(ownerAlive(`${os.hostname()}:${zombie}:${start}`)).toBe(false);
      expect(ownerAlive(`${os.hostname()}:${parent.pid}:${processStartTime(parent.pid!)}`)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("what cannot be judged is alive: another host, a malformed key; a key without start time is judged by its pid", () => {
    expect(ownerAlive(`elsewhere-${os.hostname()}:1:1`)).toBe(true);
    expect(ownerAlive("garbage")).toBe(true);
    expect(ownerAlive(undefined)).toBe(true);
    expect(ownerAlive(`${os.hostname()}:${process.pid}:0`)).toBe(true);
    expect(ownerAlive(`${os.hostname()}:4194303:0`)).toBe(false);
  });
});

describe("the owner record", () => {
  it("exists from the first temp dir or process until everything is undone, and names this process", async () => {
    const registry = newRegistry();
    expect(existsSync(registry.ownerRecordPath)).toBe(false);
    await registry.makeTempDir("x");
    const record = OwnerRecordSchema.parse(JSON.parse(await readFile(registry.ownerRecordPath, "utf8")));
    expect(record).toMatchObject({ runId: registry.runId, owner: ownerKeyOfThisProcess() });
    registry.usesContainerEngine("unix:///nowhere.sock");
    expect(JSON.parse(await readFile(registry.ownerRecordPath, "utf8"))).toMatchObject({ containers: "unix:///nowhere.sock", createdAt: record.createdAt });
    await registry.disposeAll();
    expect(existsSync(registry.ownerRecordPath)).toBe(false);

    // spawnManaged writes it before the child exists; killAllSync removes it.
    const sleeper = spawnManaged({ name: "sleep", command: "sleep", args: ["30"], registry });
    expect(existsSync(registry.ownerRecordPath)).toBe(true);
    registry.killAllSync();
    expect(existsSync(registry.ownerRecordPath)).toBe(false);
    await sleeper.exited;
  });
});

describe("reapDeadRuns", () => {
  it("a SIGKILLed owner: what escaped the parent-death signal (by environment, by cwd, a listening port), its temp dir and record are reaped; a live run is not touched", async () => {
    const live = newRegistry();
    const liveDir = await live.makeTempDir("live");
    const liveProc = spawnManaged({ name: "live", command: "sleep", args: ["60"], registry: live, cwd: liveDir });

    const runId = uniqueId("killed");
    const owner = await startOwner(runId);
    const procsBefore = await findProcessesOfRun(runId);
    const socketsBefore = await listeningSocketsOf(procsBefore.map((p) => p.pid));
    expect(socketsBefore.length, "the fixture's listener").toBe(1);
    await owner.kill();
    // The kernel killed the owner's direct children (the shells, resolved to a path such as /usr/bin/sh);
    // their children are still there. Give the shells a moment to be gone from /proc.
    const isShell = (p: { cmd: string }) => /^(\S*\/)?sh -c /.test(p.cmd);
    await waitUpTo(async () => !(await findProcessesOfRun(runId)).some(isShell), { what: "the owner's shells to be gone", timeoutMs: 5000, intervalMs: 100 });
    const survivors = await findProcessesOfRun(runId);
    expect(survivors.map((p) => p.cmd).sort(), "what survived the SIGKILL").toEqual([
      expect.stringMatching(/^\/bin\/sleep 600$/), // empty environ, found by its cwd
      expect.stringMatching(/node -e .*createServer/),
      expect.stringMatching(/^sleep 600$/),
    ]);
    expect(existsSync(owner.dir)).toBe(true);
    expect(existsSync(ownerRecordPath(runId))).toBe(true);

    const result = await reapDeadRuns();
    const mine = result.runs.find((r) => r.runId === runId);
    expect(mine, JSON.stringify(result)).toBeDefined();
    expect(mine!.tempDirs).toEqual([owner.dir]);
    expect(mine!.bytes).toBeGreaterThanOrEqual(256 * 1024);
    expect(mine!.processes.map((p) => p.pid).sort()).toEqual(survivors.map((p) => p.pid).sort());
    expect(mine!.ports).toEqual(socketsBefore.map((s) => s.address));
    expect(await findProcessesOfRun(runId)).toEqual([]);
    const listening = await listeningSockets();
    expect(
      socketsBefore.filter((s) => listening.has(s.inode)),
      "sockets of the killed run still listening",
    ).toEqual([]);
    expect(existsSync(owner.dir)).toBe(false);
    expect(existsSync(ownerRecordPath(runId))).toBe(false);
    const line = describeReap(result)!;
    expect(line).toMatch(
      new RegExp(
        `^mcp-slo: reaped what earlier runs left behind: .*run ${runId} \\(its harness, pid ${owner.pid}, is gone\\): 1 temp dir\\(s\\) \\(2\\d\\d kB\\), 3 process\\(es\\) \\(.*sleep.*\\), listening on 127\\.0\\.0\\.1:${socketsBefore[0]!.address.split(":")[1]}`,
      ),
    );
    expect(line).not.toContain("\n");

    // The live run (this process's) is intact.
    expect(liveProc.isRunning()).toBe(true);
    expect(existsSync(liveDir)).toBe(true);
    expect(existsSync(live.ownerRecordPath)).toBe(true);
    expect(result.runs.map((r) => r.runId)).not.toContain(live.runId);
  }, 90_000);

  it("a reused pid (same pid, another start time) is a dead owner; records it cannot judge and dirs no record claims are left alone", async () => {
    const dir = await plantDir();
    const write = (runId: string, owner: string) =>
      writeFile(path.join(dir, `mcp-slo-${runId}.owner.json`), JSON.stringify({ runId, owner, createdAt: new Date().toISOString() }));
    const mkdirs = async (...names: string[]) => {
      for (const n of names) await mkdir(path.join(dir, n));
    };
    await write("reused", `${os.hostname()}:${process.pid}:1`);
    await write("reused-2", `${os.hostname()}:${process.pid}:${processStartTime(process.pid)}`); // alive, and its id extends "reused"
    await write("remote", `other-host:${process.pid}:1`);
    await writeFile(path.join(dir, "mcp-slo-garbled.owner.json"), "{ not json");
    await mkdirs(
      `${tempDirMarker("reused")}a-1`,
      `${tempDirMarker("reused-2")}b-1`,
      `${tempDirMarker("remote")}c-1`,
      `${tempDirMarker("garbled")}d-1`,
      `${tempDirMarker("unclaimed")}e-1`,
    );

    const result = await reapDeadRuns({ dir });
    expect(result.runs.map((r) => [r.runId, r.tempDirs.map((d) => path.basename(d))])).toEqual([["reused", [`${tempDirMarker("reused")}a-1`]]]);
    expect((await readdir(dir)).sort()).toEqual(
      [
        `${tempDirMarker("reused-2")}b-1`,
        `${tempDirMarker("remote")}c-1`,
        `${tempDirMarker("garbled")}d-1`,
        `${tempDirMarker("unclaimed")}e-1`,
        "mcp-slo-reused-2.owner.json",
        "mcp-slo-remote.owner.json",
        "mcp-slo-garbled.owner.json",
      ].sort(),
    );
    expect(result.problems).toEqual([`${path.join(dir, "mcp-slo-garbled.owner.json")} is not an owner record this harness can read; left as it is`]);
    expect(describeReap(result)).toMatch(/reaped .*run reused .*; could not reap everything: .*garbled/);
  });

  it("is bounded: with no time left it does nothing, keeps the record for the next command and says so", async () => {
    const dir = await plantDir();
    await writeFile(
      path.join(dir, "mcp-slo-late.owner.json"),
      JSON.stringify({ runId: "late", owner: `${os.hostname()}:4194303:1`, createdAt: new Date().toISOString() }),
    );
    await mkdir(path.join(dir, `${tempDirMarker("late")}x-1`));
    const result = await reapDeadRuns({ dir, budgetMs: 0 });
    expect(result.unfinished).toBe(true);
    expect(await readdir(dir)).toContain("mcp-slo-late.owner.json");
    expect(describeReap(result)).toMatch(/ran out of time; the next command carries on/);
    const again = await reapDeadRuns({ dir });
    expect(again.runs.map((r) => r.tempDirs.length)).toEqual([1]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("asks for the containers only when a dead run made some, and a failure there is reported, not thrown", async () => {
    const dir = await plantDir();
    const asked: number[] = [];
    const reapContainers = async (budgetMs: number) => {
      asked.push(budgetMs);
      throw new Error("no engine here");
    };
    await writeFile(path.join(dir, "mcp-slo-plain.owner.json"), JSON.stringify({ runId: "plain", owner: `${os.hostname()}:4194303:1`, createdAt: "x" }));
    expect((await reapDeadRuns({ dir, reapContainers })).problems).toEqual([]);
    expect(asked).toEqual([]);
    await writeFile(
      path.join(dir, "mcp-slo-boxed.owner.json"),
      JSON.stringify({ runId: "boxed", owner: `${os.hostname()}:4194303:1`, createdAt: "x", containers: "unix:///gone.sock" }),
    );
    const result = await reapDeadRuns({ dir, reapContainers });
    expect(asked).toHaveLength(1);
    expect(result.problems).toEqual(["containers of boxed (unix:///gone.sock): no engine here"]);
    expect(describeReap(result)).toMatch(/could not reap everything: containers of boxed/);
  });
});
