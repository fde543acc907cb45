/**
 * `--provider docker` runs every MCP server in a container (src/providers/docker/server-containers.ts),
 * end to end through the real CLI on a real engine (a Podman service the run starts itself):
 *
 *  1. servers-baseline and failover-postgres-crash: every MCP session the harness started is a
 *     container of the run that the engine listed while it ran (labelled with the run and the
 *     server, of the harness image), results.json and the report say so (engine, image digest,
 *     container ids), and nothing is left: no container, network, podman service or process;
 *  2. process faults on `server:redis` act on the server's containers: a pause freezes them until
 *     the heal, a kill -9 kills them and the supervisor starts new session containers; the probe
 *     sees both; the scenario's `resources` limits are the ones the engine gave the containers
 *     (cgroup quota and memory), and in results.json.
 *
 * Without a usable engine every test is skipped, loudly.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HARNESS_IMAGE } from "../src/providers/docker/images.js";
import { LABEL_ROLE, LABEL_RUN } from "../src/providers/docker/reaper.js";
import type { RunRecord, ScenarioResult } from "../src/results/types.js";
import { newOutDir, readRecord, removeOutDirs, startCli, transcript } from "./support/cli.js";
import { engineCli, engineProblems, expectNoContainersLeft } from "./support/container-engine.js";

afterAll(removeOutDirs);

const { problem } = await engineProblems();
if (problem) console.warn(`\n*** server container tests SKIPPED: ${problem} ***\n`);
const test = problem ? it.skip : it;
const named = (name: string) => (problem ? `${name} [SKIPPED: no container engine: ${problem}]` : name);

/** A server container as the engine listed it while the run went on. */
interface Seen {
  id: string;
  run: string;
  role: string;
  image: string;
  /** HostConfig of the first container of each server, inspected while it ran. */
  nanoCpus?: number;
  memory?: number;
}

/**
 * Runs the CLI with --provider docker and lists the engine's MCP server containers every 400 ms
 * while it runs (the role label says which server): what the engine had, to hold the sessions
 * against. One of each server's containers is inspected for its limits.
 */
async function runWatched(args: string[]): Promise<{ code: number | null; log: string; rec: RunRecord; out: string; seen: Map<string, Seen> }> {
  const out = await newOutDir();
  const cli = startCli(["run", ...args, "--provider", "docker", "--out", out], { timeoutMs: 280_000 });
  const seen = new Map<string, Seen>();
  const inspected = new Set<string>();
  let running = true;
  const watcher = (async () => {
    for (let i = 0; running && i < 1000; i++) {
      try {
        const lines = engineCli([
          "ps",
          "--no-trunc",
          "--filter",
          `label=${LABEL_ROLE}`,
          "--format",
          `{{.ID}} {{index .Labels "${LABEL_RUN}"}} {{index .Labels "${LABEL_ROLE}"}} {{.Image}}`,
        ]);
        for (const line of lines.split("\n").filter(Boolean)) {
          const [id, run, role, image] = line.split(" ") as [string, string, string, string];
          if (!role.startsWith("server:") || seen.has(id)) continue;
          const entry: Seen = { id, run, role, image };
          seen.set(id, entry);
          if (!inspected.has(`${run} ${role}`)) {
            inspected.add(`${run} ${role}`);
            const [cpus, memory] = engineCli(["inspect", "--format", "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}", id]).split(" ");
            entry.nanoCpus = Number(cpus);
            entry.memory = Number(memory);
          }
        }
      } catch {
        // A container that went between ps and inspect: the next round lists the rest.
      }
      await new Promise((r) => setTimeout(r, 400));
    }
  })();
  const r = await cli.done;
  running = false;
  await watcher;
  const log = transcript(r);
  return { code: r.code, log, rec: await readRecord(out), out, seen };
}

/** Every server of `s` ran in containers of this run, each of which the engine listed with the server's role and the harness image. */
function expectSessionsInListedContainers(s: ScenarioResult, runId: string, seen: Map<string, Seen>): void {
  expect(s.status, s.error).toBe("completed");
  expect(s.servers.length).toBeGreaterThan(0);
  for (const srv of s.servers) {
    const on = srv.runsOn!;
    expect(on.kind, `${srv.name} ran on ${JSON.stringify(on)}`).toBe("container");
    if (on.kind !== "container") continue;
    expect(on.image).toBe(HARNESS_IMAGE);
    expect(on.engine).toMatch(/^(podman|docker) \d/);
    expect(on.imageDigest).toMatch(/^(sha256:)?[0-9a-f]{64}$/);
    // At least one container per session of the agents (a probe's session and a revived one have their own).
    expect(on.containers.length, srv.name).toBeGreaterThanOrEqual(srv.startToReadyMs.sessions);
    for (const id of on.containers) {
      const listed = seen.get(id);
      expect(listed, `${srv.name}'s container ${id} was never in the engine's list while the run went on`).toBeDefined();
      expect(listed!.run).toBe(runId);
      expect(listed!.role).toBe(`server:${srv.name}`);
      expect(listed!.image).toContain("mcp-slo-harness");
    }
  }
}

/** And the other way round: every server container the engine had for the run is one that results.json names (a matrix's variants share the run). */
function expectEveryListedContainerRecorded(rec: RunRecord, seen: Map<string, Seen>): void {
  const recorded = rec.scenarios.flatMap((s) => s.servers.flatMap((x) => (x.runsOn?.kind === "container" ? x.runsOn.containers : [])));
  // runsOn keeps the first 64 per server: beyond that the record cannot name them all.
  if (rec.scenarios.some((s) => s.servers.some((x) => x.runsOn?.kind === "container" && x.runsOn.containers.length >= 64))) return;
  const ofRun = [...seen.values()].filter((x) => x.run === rec.runId);
  expect(ofRun.length).toBeGreaterThan(0);
  for (const x of ofRun) expect(recorded.includes(x.id), `engine container ${x.id} (${x.role}) is not in results.json`).toBe(true);
}

describe(named("--provider docker: every MCP session is a container"), () => {
  test(named(
    "servers-baseline: the engine's list of the run's server containers is the sessions' list in results.json and the report; nothing left",
  ), async () => {
    const { code, log, rec, out, seen } = await runWatched(["scenarios/servers-baseline.yaml", "--profile", "smoke"]);
    expect([0, 1], log).toContain(code);
    const s = rec.scenarios[0]!;
    expect(s.servers.map((x) => x.name)).toEqual(["memory", "filesystem", "redis", "postgres", "everything"]);
    expectSessionsInListedContainers(s, rec.runId, seen);
    expectEveryListedContainerRecorded(rec, seen);
    // Calls really went through them: every server answered.
    for (const srv of s.servers)
      expect(
        s.latency.filter((l) => l.server === srv.name && l.outcome === "ok").reduce((a, l) => a + l.count, 0),
        srv.name,
      ).toBeGreaterThan(0);
    const html = await readFile(path.join(out, "report.html"), "utf8");
    expect(html).toContain("<th>Ran on</th>");
    expect(html).toContain(`containers (${(s.servers[0]!.runsOn as { engine: string }).engine}): <code>${HARNESS_IMAGE}</code>`);
    await expectNoContainersLeft(rec.runId);
  }, 300_000);

  test(named(
    "failover-postgres-crash: PostgreSQL's container killed under the postgres server's session containers, both variants judged; nothing left",
  ), async () => {
    const { code, log, rec, seen } = await runWatched(["scenarios/failover-postgres-crash.yaml", "--profile", "smoke"]);
    expect([0, 1], log).toContain(code);
    expect(rec.scenarios.map((s) => `${s.name}[${s.variant}]`)).toEqual([
      "failover-postgres-crash[supervisor=false]",
      "failover-postgres-crash[supervisor=true]",
    ]);
    for (const s of rec.scenarios) {
      expectSessionsInListedContainers(s, rec.runId, seen);
      const [crash] = s.faults!;
      expect(crash!.injected, JSON.stringify(crash)).toBe(true);
      expect(crash!.timeToDetectMs, JSON.stringify(crash)).not.toBeNull();
    }
    expectEveryListedContainerRecorded(rec, seen);
    // With the supervisor the dead sessions' containers are replaced and the stack recovers.
    const supervised = rec.scenarios[1]!;
    expect(supervised.faults![0]!.recovered, JSON.stringify(supervised.faults![0])).toBe(true);
    await expectNoContainersLeft(rec.runId);
  }, 300_000);
});

describe(named("--provider docker: a server's containers under a process fault, with limits"), () => {
  test(named(
    "pause and kill -9 of server:redis act on its session containers: both detected; the paused ones resume, the killed ones are replaced by the supervisor; cpus and memory limits on every one",
  ), async () => {
    const dir = await newOutDir("server-containers-");
    const file = path.join(dir, "redis-server-kill.yaml");
    await writeFile(
      file,
      `
name: redis-server-kill
description: The Redis MCP server's session containers killed while two agents call it; limits on its containers.
servers: [redis]
agents: 2
warmup: 1s
duration: 12s
callTimeout: 2s
resources: { redis: { cpus: 0.5, memory: 256Mi } }
workload:
  kind: mix
  calls:
    - { server: redis, tool: set, args: { key: "k:{{rand 1 100}}", value: "{{uuid}}" } }
    - { server: redis, tool: get, weight: 2, args: { key: "k:{{rand 1 100}}" } }
faults:
  - { kind: process, target: "server:redis", action: pause, at: 2s, duration: 1500ms }
  - { kind: process, target: "server:redis", action: kill, at: 6s, duration: 1s }
recovery: { supervisor: true, interval: 100ms, timeout: 1s, consecutive: 3, limit: 30s, probe: { server: redis, tool: get, args: { key: "probe" } } }
slos:
  - ref: recovery.infrastructure.rto
  - ref: availability
`,
    );
    const { code, log, rec, seen } = await runWatched([file]);
    expect([0, 1], log).toContain(code);
    const s = rec.scenarios[0]!;
    expectSessionsInListedContainers(s, rec.runId, seen);
    expectEveryListedContainerRecorded(rec, seen);
    const [pause, kill] = s.faults as [NonNullable<ScenarioResult["faults"]>[number], NonNullable<ScenarioResult["faults"]>[number]];
    // Frozen by the engine (cgroup freezer) for 1.5 s: the probe (1 s deadline) saw it, and it came back by itself.
    expect(pause.injected, JSON.stringify(pause)).toBe(true);
    expect(pause.timeToDetectMs, JSON.stringify(pause)).not.toBeNull();
    expect(pause.recovered, JSON.stringify(pause)).toBe(true);
    expect(kill.injected, JSON.stringify(kill)).toBe(true);
    expect(kill.timeToDetectMs, JSON.stringify(kill)).not.toBeNull();
    expect(kill.recovered, JSON.stringify(kill)).toBe(true);
    const on = s.servers[0]!.runsOn!;
    if (on.kind !== "container") throw new Error(`redis ran on ${JSON.stringify(on)}`);
    // The agents' 2 sessions and the probe's were killed and started again: new containers beside the first ones.
    expect(on.containers.length, JSON.stringify(on)).toBeGreaterThan(s.servers[0]!.startToReadyMs.sessions + 1);
    expect(on.limits).toEqual({ cpus: 0.5, memoryBytes: 256 * 1024 ** 2 });
    // What the engine gave the container it was asked for.
    const inspected = [...seen.values()].find((x) => x.run === rec.runId && x.nanoCpus !== undefined)!;
    expect(inspected, "a redis container inspected while it ran").toBeDefined();
    expect(inspected.nanoCpus).toBe(0.5e9);
    expect(inspected.memory).toBe(256 * 1024 ** 2);
    await expectNoContainersLeft(rec.runId);
  }, 300_000);
});
