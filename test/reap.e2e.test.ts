/**
 * After SIGKILL (issue 11, item 10), end to end with the real CLI and a real stack:
 *
 *  1. A run with Redis, PostgreSQL (an initdb cluster), Toxiproxy and two MCP servers is killed
 *     outright mid-window while another run goes on beside it. The next command (a short run)
 *     reaps what the killed run left: afterwards no process, temp dir, owner record or listening
 *     socket of it remains (checked in /proc, the temp dir, and against the sockets it had open
 *     before the kill), and the live run is untouched: its processes are the same ones, its temp
 *     dirs are there, and it finishes normally when interrupted.
 *  2. Every command that starts things reaps first (run above; monitor, bridge and evaluate here);
 *     validate starts nothing and reaps nothing, as the README says. The dead run here is a real
 *     owner (test/fixtures/run-owner.ts) killed with SIGKILL, so its leftovers are real processes.
 *
 * The --provider docker variant is in test/docker-provider.e2e.test.ts ("a harness killed outright").
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findProcessesOfRun, listeningSockets, listeningSocketsOf, type RunProcess } from "../src/stack/leftovers.js";
import { OwnerRecordSchema, ownerRecordPath, tempDirMarker } from "../src/stack/resource-registry.js";
import { ownerPid, processStartTime } from "../src/stack/owner.js";
import { newOutDir, readRecord, removeOutDirs, ROOT, runCli, startCli, transcript, type CliOptions, type CliRun } from "./support/cli.js";
import { waitUpTo } from "../src/util/wait-for.js";

/**
 * The runs of these tests keep their temp dirs and owner records in a TMPDIR of their own: any
 * command on this machine reaps the dead runs it finds in its temp dir, and the point here is to
 * see *the next command* do it, not a command of another test that happens to start first.
 */
let TMP = "";
beforeAll(async () => {
  TMP = await mkdtemp(path.join(os.tmpdir(), "reap-e2e-"));
  await chmod(TMP, 0o711); // PostgreSQL runs as its own user and must reach its data dir in here
});
afterAll(async () => {
  await removeOutDirs();
  if (TMP) await rm(TMP, { recursive: true, force: true });
});
const cli = (opts: CliOptions = {}): CliOptions => ({ ...opts, env: { TMPDIR: TMP, ...opts.env } });

/** No process, temp dir or owner record of the run remains (processes get a few seconds to go). */
async function expectNothingLeft(runId: string): Promise<void> {
  await waitUpTo(async () => (await findProcessesOfRun(runId)).length === 0, {
    what: `the processes of run ${runId} to be gone`,
    timeoutMs: 5000,
    intervalMs: 100,
  });
  expect(await findProcessesOfRun(runId), `processes of run ${runId}`).toEqual([]);
  expect(await tempDirsOf(runId), `temp dirs of run ${runId}`).toEqual([]);
  expect(existsSync(ownerRecordPath(runId, TMP)), `owner record of run ${runId}`).toBe(false);
}

const stackScenario = (name: string) => `
name: ${name}
description: Redis and PostgreSQL behind Toxiproxy, read through their MCP servers, for a long time.
servers: [redis, postgres]
agents: 1
load: { model: closed, thinkTime: 20ms }
warmup: 0s
duration: 180s
workload: { kind: cache-aside, cache: redis, database: postgres, keys: 200, zipfExponent: 1.1 }
slos:
  - { id: generous, metric: latency.p50, objective: "< 10s", scope: { server: redis } }
`;

async function scenarioFile(name: string, yaml: string): Promise<string> {
  const file = path.join(await newOutDir("reap-scenarios-"), `${name}.yaml`);
  await writeFile(file, yaml);
  return file;
}

/** The run id of the run a CLI child owns: from the owner record naming its pid. */
async function runIdOwnedBy(pid: number): Promise<string | undefined> {
  for (const name of await readdir(TMP)) {
    if (!name.startsWith("mcp-slo-") || !name.endsWith(".owner.json")) continue;
    const parsed = OwnerRecordSchema.safeParse(JSON.parse(await readFile(path.join(TMP, name), "utf8").catch(() => "null")));
    if (parsed.success && ownerPid(parsed.data.owner) === pid) return parsed.data.runId;
  }
  return undefined;
}

/** Starts a long run and waits until it is in its measurement window; returns it with its run id. */
async function startMeasuringRun(name: string): Promise<{ cli: CliRun; runId: string; out: string }> {
  const out = await newOutDir();
  let measuring: () => void = () => undefined;
  const inWindow = new Promise<void>((r) => (measuring = r));
  const run = startCli(
    ["run", await scenarioFile(name, stackScenario(name)), "--out", out, "--trace-sample", "0"],
    cli({
      timeoutMs: 400_000,
      onStderr: (text) => /\] measuring /.test(text) && measuring(),
    }),
  );
  const ended = run.done.then((r) => {
    throw new Error(`${name} ended before its window:\n${transcript(r)}`);
  });
  await Promise.race([inWindow, ended]);
  ended.catch(() => undefined);
  const runId = await runIdOwnedBy(run.child.pid!);
  expect(runId, `owner record of ${name} (pid ${run.child.pid})`).toBeDefined();
  return { cli: run, runId: runId!, out };
}

const tempDirsOf = async (runId: string) => (await readdir(TMP)).filter((n) => n.startsWith(tempDirMarker(runId))).sort();
const alive = (p: { pid: number; start: string | undefined }) => p.start !== undefined && processStartTime(p.pid) === p.start;
const withStart = (ps: RunProcess[]) => ps.map((p) => ({ ...p, start: processStartTime(p.pid) }));

describe("after a harness is killed outright, the next command reaps what it left", () => {
  it("SIGKILL mid-run (Redis, PostgreSQL, Toxiproxy, MCP servers): the next run leaves no process, temp dir or listening socket of it, and a live run beside it is untouched", async () => {
    const live = await startMeasuringRun("reap-live");
    const victim = await startMeasuringRun("reap-victim");
    try {
      // What the killed run holds, taken just before the kill.
      const victimProcs = await findProcessesOfRun(victim.runId);
      const victimSockets = await listeningSocketsOf(victimProcs.map((p) => p.pid));
      const victimDirs = await tempDirsOf(victim.runId);
      const cmds = victimProcs.map((p) => p.cmd).join("\n");
      expect(cmds, "the killed run's stack").toMatch(/toxiproxy-server/);
      expect(cmds).toMatch(/redis-server/);
      expect(cmds).toMatch(/bin\/postgres -D /);
      expect(cmds).toMatch(/server-redis/);
      expect(cmds).toMatch(/server-postgres/);
      expect(
        victimDirs.some((d) => d.includes("-postgres-")),
        victimDirs.join(", "),
      ).toBe(true);
      expect(victimSockets.length, "listening sockets of the killed run").toBeGreaterThanOrEqual(3); // toxiproxy API + hops, redis, postgres
      const liveProcs = withStart(await findProcessesOfRun(live.runId)).filter((p) => !p.cmd.startsWith("postgres: ")); // backends come and go with the pool
      const liveDirs = await tempDirsOf(live.runId);
      expect(liveProcs.length).toBeGreaterThanOrEqual(5);

      victim.cli.child.kill("SIGKILL");
      const killed = await victim.cli.done;
      expect(killed.signal).toBe("SIGKILL");
      // What the kernel's parent-death signal does and does not take care of (for the log).
      await new Promise((r) => setTimeout(r, 2000));
      const survivors = await findProcessesOfRun(victim.runId);
      console.log(
        `after SIGKILL, before the next command: ${survivors.length} process(es) of the killed run (${survivors.map((p) => p.cmd.split(" ")[0]).join(", ") || "none"}), ` +
          `temp dirs ${(await tempDirsOf(victim.runId)).join(", ") || "none"}, owner record ${existsSync(ownerRecordPath(victim.runId, TMP)) ? "present" : "gone"}`,
      );
      expect(existsSync(ownerRecordPath(victim.runId, TMP)), "the killed run's owner record").toBe(true);

      // The next command.
      const nextOut = await newOutDir();
      const next = await runCli(["run", "test/fixtures/e2e-generous.yaml", "--out", nextOut, "--trace-sample", "0"], cli({ timeoutMs: 200_000 }));
      expect(next.code, transcript(next)).toBe(0);
      const reapLines = next.stderr.split("\n").filter((l) => l.startsWith("mcp-slo: reaped"));
      expect(reapLines.length, next.stderr).toBe(1);
      expect(reapLines[0]).toContain(`run ${victim.runId} (its harness, pid ${victim.cli.child.pid}, is gone): ${victimDirs.length} temp dir(s)`);
      expect(reapLines[0]).not.toContain(live.runId);
      console.log(reapLines[0]);

      // Nothing of the killed run remains ...
      expect(await findProcessesOfRun(victim.runId), "processes of the killed run").toEqual([]);
      expect(await tempDirsOf(victim.runId), "temp dirs of the killed run").toEqual([]);
      expect(existsSync(ownerRecordPath(victim.runId, TMP))).toBe(false);
      const listening = await listeningSockets();
      expect(
        victimSockets.filter((s) => listening.has(s.inode)),
        "sockets the killed run had listening",
      ).toEqual([]);
      const ports = victimSockets.map((s) => s.address);
      const reused = [...listening.values()].filter((a) => ports.includes(a));
      if (reused.length) console.log(`ports of the killed run listened on again by other processes (new sockets): ${reused.join(", ")}`);
      await expectNothingLeft((await readRecord(nextOut)).runId);

      // ... and the live run beside it was not touched.
      expect(
        liveProcs.filter((p) => !alive(p)),
        "processes of the live run that are gone",
      ).toEqual([]);
      expect(await tempDirsOf(live.runId)).toEqual(liveDirs);
      expect(existsSync(ownerRecordPath(live.runId, TMP))).toBe(true);
      expect(live.cli.child.exitCode).toBeNull();
    } finally {
      victim.cli.child.kill("SIGKILL");
      live.cli.child.kill("SIGINT");
    }
    const liveEnd = await live.cli.done;
    expect(liveEnd.code, transcript(liveEnd)).toBe(130);
    expect((await readRecord(live.out)).status).toBe("interrupted");
    await expectNothingLeft(live.runId);
  }, 600_000);
});

/** A real owner (test/fixtures/run-owner.ts), SIGKILLed: its run's grandchildren, temp dir and record remain. */
async function deadRun(): Promise<{ runId: string; dir: string }> {
  const runId = `dead-${process.pid}-${Date.now().toString(36)}`;
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "test", "fixtures", "run-owner.ts"), runId], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: TMP },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    child.on("exit", (code) => reject(new Error(`run-owner exited early (${code})`)));
  });
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
  expect((await findProcessesOfRun(runId)).length).toBeGreaterThan(0);
  return { runId, dir: (JSON.parse(line) as { dir: string }).dir };
}

async function expectReaped(dead: { runId: string; dir: string }, stderr: string): Promise<void> {
  expect(stderr).toMatch(new RegExp(`mcp-slo: reaped what earlier runs left behind: .*run ${dead.runId} `));
  expect(await findProcessesOfRun(dead.runId)).toEqual([]);
  expect(existsSync(dead.dir)).toBe(false);
  expect(existsSync(ownerRecordPath(dead.runId, TMP))).toBe(false);
}

describe("every command that starts things reaps first", () => {
  it("monitor, bridge and evaluate reap a dead run; validate does not", async () => {
    // validate: starts nothing, reaps nothing (documented).
    let dead = await deadRun();
    const v = await runCli(["validate", "test/fixtures/e2e-generous.yaml"], cli());
    expect(v.code, transcript(v)).toBe(0);
    expect(v.stderr).not.toContain("reaped");
    expect(existsSync(dead.dir)).toBe(true);

    // evaluate: reaps, then fails to reach Prometheus (exit 3), as it would without the reap.
    const e = await runCli(
      [
        "evaluate",
        "test/fixtures/e2e-generous.yaml",
        "--prometheus",
        "http://127.0.0.1:9",
        "--from",
        "1700000000",
        "--to",
        "1700000060",
        "--out",
        await newOutDir(),
      ],
      cli(),
    );
    expect(e.code, transcript(e)).toBe(3);
    await expectReaped(dead, e.stderr);

    // monitor: a probe file with one server, for one round.
    dead = await deadRun();
    const probes = path.join(await newOutDir("reap-probes-"), "probes.yaml");
    await writeFile(
      probes,
      `interval: 2s\nprobes:\n  - { server: memory, tool: search_nodes, args: { query: x }, expect: { contains: "entities" }, timeout: 2s }\n`,
    );
    const m = await runCli(["monitor", probes, "--port", "0", "--duration", "3s"], cli({ timeoutMs: 120_000 }));
    expect(m.code, transcript(m)).toBe(0);
    await expectReaped(dead, m.stderr);

    // bridge: reaps before it listens; stopped with SIGINT once it serves.
    dead = await deadRun();
    let stopped = false;
    const b = await runCli(
      ["bridge", "--server", "memory", "--port", "0"],
      cli({
        timeoutMs: 120_000,
        onStdout: (text, child) => {
          // Once: a second SIGINT would be "stop at once" (exit 130).
          if (!stopped && /serving MCP Streamable HTTP/.test(text)) stopped = child.kill("SIGINT");
        },
      }),
    );
    expect(b.code, transcript(b)).toBe(0);
    await expectReaped(dead, b.stderr);
  }, 400_000);
});
