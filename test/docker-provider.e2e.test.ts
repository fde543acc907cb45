/**
 * `mcp-slo run --provider docker`, end to end through the real CLI: the MCP servers, Redis,
 * PostgreSQL and Toxiproxy in containers of a real engine (here a Podman service the run starts itself, with the
 * images scripts/setup-containers.sh builds locally; nothing is pulled).
 *
 * What they show:
 *  1. the same scenario gives the same kinds of verdicts on both providers: the same SLO ids, each
 *     pass/fail/inconclusive with a measured value, and the report says which engine ran it;
 *  2. process faults act on the containers: kill -9 of Redis loses its unpersisted writes (RPO)
 *     and it comes back; a pause stalls it until resumed;
 *  3. an interrupted run (SIGINT mid-measurement) leaves no container, network, podman service or
 *     any other process or temp dir of the run; a harness killed outright (SIGKILL) takes its podman
 *     service with it, and the next command (even a local run) removes its containers, network and
 *     temp dirs (src/stack/leftovers.ts, src/run/reap-leftovers.ts);
 *  4. a SaaS API stand-in runs as a container of the harness image behind the hop `github->github`
 *     of the container Toxiproxy: a latency toxic on it slows the calls, its counts reach the report.
 *
 * Without a usable engine every test is skipped, loudly: a console warning and a skip whose name
 * carries the exact reason.
 */
import { execFileSync } from "node:child_process";
import { chmod, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dockerClient } from "../src/providers/docker/engine.js";
import { IMAGES } from "../src/providers/docker/images.js";
import { HOLDER_ROLE_SUFFIX, LABEL_ROLE, LABEL_RUN } from "../src/providers/docker/reaper.js";
import pg from "pg";
import { findServer } from "../src/catalog/servers.js";
import { dockerProvider } from "../src/providers/docker/provider.js";
import { respCommand } from "../src/stack/local/redis.js";
import type { RunRecord, ScenarioResult } from "../src/results/types.js";
import { findProcessesOfRun } from "../src/stack/leftovers.js";
import { OwnerRecordSchema, ResourceRegistry, tempDirMarker } from "../src/stack/resource-registry.js";
import { ownerPid } from "../src/stack/owner.js";
import { newOutDir, readRecord, removeOutDirs, runCli, startCli, transcript, type CliOptions, type CliResult } from "./support/cli.js";
import { containerLeftovers, ENGINE_ENV, engineProblems, expectNoContainersLeft, sharedDnsDaemon } from "./support/container-engine.js";

afterAll(removeOutDirs);

const GUARD: CliOptions = { timeoutMs: 240_000 };

const problems = await engineProblems();
const problem = problems.problem;
if (problem) console.warn(`\n*** docker provider tests SKIPPED: ${problem} ***\n`);
else if (problems.standIns) console.warn(`\n*** docker provider stand-in test SKIPPED: ${problems.standIns} ***\n`);
const test = problem ? it.skip : it;
const named = (name: string) => (problem ? `${name} [SKIPPED: no container engine: ${problem}]` : name);
const standInTest = problems.standIns ? it.skip : it;
const standInNamed = (name: string) => (problems.standIns ? `${name} [SKIPPED: ${problems.standIns}]` : name);

async function scenarioFile(name: string, yaml: string): Promise<string> {
  const dir = await newOutDir("docker-provider-scenarios-");
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, yaml);
  return file;
}

/** Runs a scenario written here with --provider docker; it must complete (an SLO may fail: exit 1). */
async function runOnDocker(name: string, yaml: string): Promise<{ r: CliResult; rec: RunRecord; s: ScenarioResult }> {
  const file = await scenarioFile(name, yaml);
  const out = await newOutDir();
  const r = await runCli(["run", file, "--provider", "docker", "--out", out], GUARD);
  expect([0, 1], transcript(r)).toContain(r.code);
  const rec = await readRecord(out);
  const s = rec.scenarios[0]!;
  expect(s.status, s.error).toBe("completed");
  return { r, rec, s };
}

const BASELINE = (duration: string) => `
name: docker-baseline
description: The Redis and PostgreSQL MCP servers under a small load, on either provider.
servers: [redis, postgres]
agents: 2
load: { model: closed, thinkTime: 0ms }
warmup: 1s
duration: ${duration}
callTimeout: 5s
workload:
  kind: mix
  calls:
    - { server: redis, tool: set, weight: 2, args: { key: "base:{{agent}}:{{rand 1 500}}", value: "{{uuid}}" } }
    - { server: redis, tool: get, weight: 3, args: { key: "base:{{agent}}:{{rand 1 500}}" } }
    - { server: postgres, tool: query, weight: 2, args: { sql: "SELECT id, name, payload FROM items WHERE id = {{rand 1 1000}}" } }
slos:
  - ref: server.response_time
  - ref: server.alert.error_rate
  - ref: availability
  - ref: redis.latency.p50
  - ref: redis.coordination_op
  - ref: postgres.coordination_query
`;

function verdictKinds(record: RunRecord): Map<string, string> {
  return new Map(record.scenarios.flatMap((s) => s.slos.map((x) => [`${s.name} ${x.id}`, x.verdict] as const)));
}

describe(named("--provider docker: the same scenario, the same kinds of verdicts"), () => {
  test(named("redis + postgres baseline: same SLO ids as local, each judged on measured values, the engine named in the report"), async () => {
    const file = await scenarioFile("docker-baseline", BASELINE("5s"));
    const localOut = await newOutDir();
    const dockerOut = await newOutDir();
    const local = await runCli(["run", file, "--out", localOut], GUARD);
    expect([0, 1], transcript(local)).toContain(local.code);
    const docker = await runCli(["run", file, "--provider", "docker", "--out", dockerOut], GUARD);
    expect([0, 1], transcript(docker)).toContain(docker.code);

    const [l, d] = [await readRecord(localOut), await readRecord(dockerOut)];
    expect(d.status).toBe("completed");
    expect(d.scenarios[0]!.status, d.scenarios[0]!.error).toBe("completed");
    expect([...verdictKinds(d).keys()].sort()).toEqual([...verdictKinds(l).keys()].sort());
    for (const slo of d.scenarios[0]!.slos) {
      expect(["pass", "fail", "inconclusive"], slo.id).toContain(slo.verdict);
      expect(typeof slo.measured, `${slo.id} measured`).toBe("number");
      expect(slo.samples, `${slo.id} samples`).toBeGreaterThan(0);
    }
    // Real backends answered: every call of the window succeeded on both.
    const errors = d.scenarios[0]!.slos.filter((s) => s.id.startsWith("server.alert.error_rate"));
    expect(
      errors.every((s) => s.measured === 0),
      JSON.stringify(errors),
    ).toBe(true);

    // Which provider and engine ran it: results.json, summary.md, report.html.
    expect(l.environment.stack).toEqual({ provider: "local" });
    expect(d.environment.stack?.provider).toBe("docker");
    expect(d.environment.stack?.engine).toMatch(/^(podman|docker) \S+ \(/);
    expect(await readFile(path.join(dockerOut, "summary.md"), "utf8")).toContain(`stack: docker on ${d.environment.stack!.engine!.split(" (")[0]}`);
    expect(await readFile(path.join(dockerOut, "report.html"), "utf8")).toContain("docker on ");
    expect(d.scenarios[0]!.backends.map((b) => `${b.kind} ${b.settings.container}`)).toEqual([
      `redis ${IMAGES.redis} on ${d.environment.stack!.engine!.split(" (")[0]}`,
      `postgres ${IMAGES.postgres} on ${d.environment.stack!.engine!.split(" (")[0]}`,
    ]);
    // Ports published on 127.0.0.1 only.
    for (const b of d.scenarios[0]!.backends) expect(b.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    console.log(`local: ${[...verdictKinds(l).values()].join(" ")}; docker (${d.environment.stack!.engine}): ${[...verdictKinds(d).values()].join(" ")}`);

    await expectNoContainersLeft(d.runId);
  }, 300_000);
});

describe(named("--provider docker: process faults act on the containers"), () => {
  test(named("Redis paused then killed -9: the pause stalls it, the kill loses unpersisted writes, both recover"), async () => {
    const { rec, s } = await runOnDocker(
      "docker-faults",
      `
name: docker-faults
description: Redis in a container, paused and then killed while one agent calls it.
servers: [redis]
agents: 1
warmup: 1s
duration: 12s
callTimeout: 2s
workload:
  kind: mix
  calls:
    - { server: redis, tool: set, args: { key: "f:{{rand 1 100}}", value: "{{uuid}}" } }
    - { server: redis, tool: get, weight: 2, args: { key: "f:{{rand 1 100}}" } }
faults:
  - { kind: process, target: redis, action: pause, at: 2s, duration: 2s }
  - { kind: process, target: redis, action: kill, at: 7s, duration: 1s }
recovery: { interval: 100ms, timeout: 500ms, consecutive: 3, limit: 30s, probe: { server: redis, tool: get, args: { key: "probe" } } }
rpo: { stores: [redis], interval: 20ms }
backends: { redis: { persistence: none } }
slos:
  - ref: recovery.infrastructure.rto
  - ref: recovery.infrastructure.rpo
    scope: { server: redis }
  - ref: availability
`,
    );
    const [pause, kill] = s.faults!;
    for (const f of [pause!, kill!]) {
      expect(f.injected, JSON.stringify(f)).toBe(true);
      expect(f.recovered, JSON.stringify(f)).toBe(true);
    }
    // Frozen for 2 s: the probe (500 ms deadline) saw it.
    expect(pause!.timeToDetectMs, JSON.stringify(pause)).not.toBeNull();
    expect(pause!.timeToDetectMs!).toBeLessThan(2000);
    // Killed without persistence: what was acknowledged before is gone from the restarted Redis.
    expect(kill!.observations.join("\n")).toContain("redis started again");
    // Healed when the container was started again; ready (PING) beside it; time after heal from the former.
    expect(kill!.healedAtMs, JSON.stringify(kill)).not.toBeNull();
    expect(kill!.readyAtMs!).toBeGreaterThanOrEqual(kill!.healedAtMs!);
    expect(kill!.afterHealMs!).toBeGreaterThanOrEqual(0);
    const rpo = s.rpo!.find((x) => x.store === "redis")!;
    expect(rpo.acknowledged).toBeGreaterThan(0);
    expect(rpo.lost, JSON.stringify(rpo)).toBeGreaterThan(0);
    // Everything the writer wrote was lost: a lower bound, which the 1 min target can never be shown under.
    expect(rpo.censored).toBe(true);
    expect(s.slos.find((x) => x.id === "recovery.infrastructure.rpo")!.verdict).toBe("inconclusive");
    console.log(
      `pause: detected after ${pause!.timeToDetectMs?.toFixed(0)} ms, rto ${pause!.rtoMs?.toFixed(0)} ms; kill: detected after ${kill!.timeToDetectMs?.toFixed(0)} ms, rto ${kill!.rtoMs?.toFixed(0)} ms, lost ${rpo.lost}/${rpo.acknowledged}`,
    );
    await expectNoContainersLeft(rec.runId);
  }, 300_000);
});

describe(named("--provider docker: a fallback to an alternative server (issue 15)"), () => {
  test(named("the npm Redis server's processes killed with Redis in a container: the agents' calls go to Redis's official server"), async () => {
    const out = await newOutDir();
    // The cell with the policy alone (run --variant): the one without it has nothing docker-specific to show.
    const r = await runCli(
      ["run", "scenarios/fallback-alternative-server.yaml", "--profile", "smoke", "--provider", "docker", "--variant", "resilience=true", "--out", out],
      GUARD,
    );
    expect([0, 1], transcript(r)).toContain(r.code);
    const rec = await readRecord(out);
    expect(rec.scenarios.map((x) => x.variant)).toEqual(["resilience=true"]);
    const s = rec.scenarios[0]!;
    expect(s.status, s.error).toBe("completed");
    expect(rec.environment.stack?.provider).toBe("docker");
    const fb = s.resilience!.fallbacks[0]!;
    const agents = s.resilience!.calls.find((c) => c.server === "redis")!;
    expect(agents.fallback, transcript(r)).toBeGreaterThan(0);
    // Counted on the fallback server itself.
    expect((s.calls ?? []).filter((c) => c.server === "redis-official").reduce((a, c) => a + c.ok, 0)).toBeGreaterThan(0);
    expect(fb.timeToFailOverMs).not.toBeNull();
    expect(fb.latency.relative).not.toBeNull();
    expect(s.slos.find((x) => x.id === "fallback.degradation")!.measured).not.toBeNull();
    console.log(
      `docker fallback: ${agents.fallback} of ${agents.calls} calls on redis-official, failed ${agents.failed}, fail over ${fb.timeToFailOverMs?.toFixed(0)} ms, latency ${((fb.latency.relative ?? 0) * 100).toFixed(0)} % (${fb.latency.verdict})`,
    );
    await expectNoContainersLeft(rec.runId);
  }, 300_000);
});

describe(standInNamed("--provider docker: SaaS API stand-ins are containers behind the container Toxiproxy"), () => {
  standInTest(
    standInNamed("GitHub's server and its stand-in container: +100 ms on hop github slows the calls of the fault window only; its counts reach results.json"),
    async () => {
      const { rec, s } = await runOnDocker(
        "docker-github-hop",
        `
name: docker-github-hop
description: GitHub's server (a local process) against its stand-in container, a latency toxic on its hop.
servers: [github]
agents: 2
load: { model: closed, thinkTime: 50ms }
warmup: 1s
duration: 8s
callTimeout: 5s
workload:
  kind: mix
  calls:
    - { server: github, tool: get_me, args: {} }
    - { server: github, tool: list_issues, args: { owner: mcp-slo, repo: stand-in-repo } }
faults:
  - { kind: toxic, hop: github, toxic: latency, attributes: { latency: 100, jitter: 0 }, stream: downstream, at: 2s, duration: 4s }
slos:
  - ref: server.response_time
`,
      );
      expect(rec.environment.stack?.provider).toBe("docker");
      expect(s.faults![0]!.injected, JSON.stringify(s.faults)).toBe(true);

      // The stand-in answered (through the hop), and the report has its counts. (The container
      // Toxiproxy refuses an upstream on the harness's loopback: a hop that slows, below, is one to
      // a container of the run's network.)
      const [github] = s.upstreams ?? [];
      expect(github, JSON.stringify(s.upstreams)).toMatchObject({ api: "github", mode: "stand-in", servers: ["github"] });
      expect(github!.requests, JSON.stringify(github)).toBeGreaterThan(0);
      expect(github!.byStatus?.["200"] ?? 0, JSON.stringify(github)).toBeGreaterThan(0);

      // Per second of the window: the median of the seconds inside the fault (2 s .. 6 s) is 100 ms
      // slower than the seconds before and after it (6 s .. 7 s is left out: the heal lands in it).
      const points = s.timeline.points.filter((p) => p.server === "github" && p.p50 !== null);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const inside = points.filter((p) => p.t >= 2000 && p.t < 6000).map((p) => p.p50!);
      const outside = points.filter((p) => (p.t >= 0 && p.t < 2000) || p.t >= 7000).map((p) => p.p50!);
      expect(inside.length, JSON.stringify(s.timeline)).toBeGreaterThanOrEqual(3);
      expect(outside.length, JSON.stringify(s.timeline)).toBeGreaterThanOrEqual(2);
      expect(median(inside) - median(outside), JSON.stringify(points)).toBeGreaterThanOrEqual(80);
      expect(Math.max(...outside), JSON.stringify(points)).toBeLessThan(median(inside));
      console.log(
        `github p50 outside the fault ${median(outside).toFixed(1)} ms, inside ${median(inside).toFixed(1)} ms; stand-in answered ${github!.requests} requests`,
      );

      await expectNoContainersLeft(rec.runId);
    },
    300_000,
  );
});

describe(named("--provider docker: an interrupted run leaves nothing"), () => {
  test(named("SIGINT mid-measurement: exit 130, partial results, no container, network or podman service of the run"), async () => {
    const file = await scenarioFile("docker-long", BASELINE("60s"));
    const out = await newOutDir();
    let sent = false;
    let sentAt = 0;
    const cli = startCli(["run", file, "--provider", "docker", "--out", out], {
      ...GUARD,
      onStderr: (text, child) => {
        if (!sent && /measure 1\/60 s/.test(text)) {
          sent = true;
          sentAt = performance.now();
          child.kill("SIGINT");
        }
      },
    });
    const r = await cli.done;
    expect(sent, transcript(r)).toBe(true);
    expect(r.code, transcript(r)).toBe(130);
    expect(r.exitedAt - sentAt, "exit within 15 s of the signal").toBeLessThan(15_000);
    const rec = await readRecord(out);
    expect(rec.status).toBe("interrupted");
    expect(rec.environment.stack?.provider).toBe("docker");
    await expectNoContainersLeft(rec.runId);
  }, 300_000);
});

describe(named("--provider docker: a harness killed outright"), () => {
  test(named(
    "SIGKILL: its podman service dies with it; the next command (a local run) reaps its containers, network, temp dirs and owner record",
  ), async () => {
    // Its own TMPDIR: the killed run is reaped by the next command of this test, not by a command
    // of another test that happens to start first (any command reaps the dead runs it finds).
    const tmp = await newOutDir("docker-reap-tmp-");
    await chmod(tmp, 0o711);
    const env = { TMPDIR: tmp, DOCKER_HOST: ENGINE_ENV.DOCKER_HOST ?? "" };
    const file = await scenarioFile("docker-long", BASELINE("60s"));
    const out = await newOutDir();
    let killed = false;
    const cli = startCli(["run", file, "--provider", "docker", "--out", out], {
      ...GUARD,
      env,
      onStderr: (text, child) => {
        if (!killed && /measure 1\/60 s/.test(text)) {
          killed = true;
          child.kill("SIGKILL"); // no cleanup of ours can run
        }
      },
    });
    const r = await cli.done;
    expect(killed, transcript(r)).toBe(true);
    // No results.json after SIGKILL: the run is the one whose owner record names the killed pid.
    let runId: string | undefined;
    for (const n of (await readdir(tmp)).filter((x) => x.endsWith(".owner.json"))) {
      const rec = OwnerRecordSchema.parse(JSON.parse(await readFile(path.join(tmp, n), "utf8")));
      if (ownerPid(rec.owner) === cli.child.pid) {
        runId = rec.runId;
        expect(rec.containers, "the record says the run made containers").toMatch(/^unix:\/\//);
      }
    }
    expect(runId, "the killed run's owner record").toBeDefined();
    const dirsOf = async () => (await readdir(tmp)).filter((n) => n.startsWith(tempDirMarker(runId!)));
    const before = await containerLeftovers(runId!);
    // The containers outlive the harness (the engine runs them, not us) ...
    expect(before.filter((x) => x.startsWith("container ")).length, before.join("\n")).toBeGreaterThan(0);
    // ... the podman service it started does not (its parent-death signal).
    expect(
      before.filter((x) => x.startsWith("podman service")),
      before.join("\n"),
    ).toEqual([]);
    expect((await dirsOf()).length, "the killed run's temp dirs").toBeGreaterThan(0);

    const nextOut = await newOutDir();
    const next = await runCli(["run", "test/fixtures/e2e-generous.yaml", "--out", nextOut, "--trace-sample", "0"], { ...GUARD, env });
    expect(next.code, transcript(next)).toBe(0);
    const line = next.stderr.split("\n").find((l) => l.startsWith("mcp-slo: reaped"));
    console.log(line);
    expect(line, next.stderr).toMatch(new RegExp(`run ${runId} \\(its harness, pid ${cli.child.pid}, is gone\\): .*containers and networks: .*${runId}`));
    expect(await containerLeftovers(runId!)).toEqual([]);
    expect(await dirsOf(), "temp dirs of the killed run").toEqual([]);
    expect(
      (await readdir(tmp)).filter((n) => n.endsWith(".owner.json")),
      "owner records left in the run's TMPDIR",
    ).toEqual([]);
    expect((await findProcessesOfRun(runId!)).filter((p) => !sharedDnsDaemon(p))).toEqual([]);
  }, 300_000);
});

describe(named("--provider docker: the stack itself"), () => {
  test(named("published on 127.0.0.1 only; Toxiproxy hops in the container take toxics and go down and up as the fault injector drives them"), async () => {
    const runId = `docker-lib-${process.pid}`;
    const registry = new ResourceRegistry({ runId });
    const savedEnv = Object.fromEntries(["DOCKER_HOST", "TESTCONTAINERS_HOST_OVERRIDE", "TESTCONTAINERS_RYUK_DISABLED"].map((k) => [k, process.env[k]]));
    const redisDef = findServer("redis")!;
    const postgresDef = findServer("postgres")!;
    try {
      const stack = await dockerProvider.start({
        servers: [redisDef, postgresDef],
        extraNeeds: [],
        registry,
        seedRows: 50,
        proxied: true,
        redis: { persistence: "none" },
        postgres: { synchronousCommit: "on" },
      });
      // Every published port, as the engine has it and as the kernel shows it.
      // (the provider pointed DOCKER_HOST at the engine it found)
      const listed = await dockerClient(process.env.DOCKER_HOST!).listContainers({ filters: { label: [`${LABEL_RUN}=${runId}`] } });
      const ports = listed.flatMap((c) => (c.Ports ?? []).map((p) => ({ name: c.Names[0], ip: p.IP ?? "", port: p.PublicPort ?? 0 })));
      expect(ports.length).toBeGreaterThanOrEqual(2 + 1 + 32); // redis, postgres, toxiproxy API + its pool
      expect(ports.filter((p) => p.ip !== "127.0.0.1")).toEqual([]);
      const listening = execFileSync("ss", ["-Hltn"], { encoding: "utf8" })
        .split("\n")
        .map((l) => l.trim().split(/\s+/)[3] ?? "");
      for (const { port } of ports) {
        const local = listening.filter((a) => a.endsWith(`:${port}`));
        expect(
          local.every((a) => a === `127.0.0.1:${port}`),
          `port ${port}: ${local.join(", ")}`,
        ).toBe(true);
      }

      // The hops: each server, in a container, reaches its backend through a pool port of the
      // container Toxiproxy; the harness (this test) through the port it is published on.
      const redisHop = stack.toxiproxy!.hops.get("redis->redis")!;
      expect(redisHop.networkListen).toMatch(/^toxiproxy:86\d\d$/);
      expect(stack.endpoints.hopUrl!("redis", "redis")).toBe(`redis://${redisHop.networkListen}`);
      expect(stack.endpoints.serverHost?.projectRoot).toBe("/app");
      expect(redisHop.listen).toMatch(/^127\.0\.0\.1:\d+$/);
      const hopPort = Number(redisHop.listen.split(":")[1]);
      // Which step failed, in the error: a socket error carries no stack through this test.
      const viaHop = (step: string) =>
        respCommand(hopPort, ["PING"], 1500).catch((err: unknown) => {
          throw new Error(`PING through the hop (${step}): ${err instanceof Error ? err.message : String(err)}`);
        });
      expect(await viaHop("first")).toBe("PONG");
      const pgHop = new URL(stack.endpoints.hopUrl!("postgres", "postgres")!);
      pgHop.host = stack.toxiproxy!.hops.get("postgres->postgres")!.listen;
      const pgClient = new pg.Client({ connectionString: pgHop.toString(), connectionTimeoutMillis: 3000 });
      await pgClient.connect();
      expect((await pgClient.query("SELECT count(*)::int AS n FROM items")).rows[0].n).toBe(50);
      await pgClient.end();

      // hop-down exactly as src/faults/injector.ts does it (it sends the hop's listen back).
      await redisHop.proxy.update({ enabled: false, listen: redisHop.listen, upstream: redisHop.upstream });
      await expect(viaHop("hop disabled")).rejects.toThrow();
      await redisHop.proxy.update({ enabled: true, listen: redisHop.listen, upstream: redisHop.upstream });
      expect(await viaHop("hop enabled again")).toBe("PONG");
      // A 200 ms latency toxic on the answers.
      const toxic = await redisHop.proxy.addToxic({
        name: "slow",
        type: "latency",
        stream: "downstream",
        toxicity: 1,
        attributes: { latency: 200, jitter: 0 },
      } as never);
      let t = performance.now();
      await viaHop("200 ms toxic");
      expect(performance.now() - t).toBeGreaterThanOrEqual(190);
      await toxic.remove();
      await stack.toxiproxy!.reset();
      // The fastest of three: one call on a busy machine can wait that long for the CPU alone;
      // three in a row never all do, while the 200 ms toxic would hold each of them back.
      const fastest = [];
      for (let i = 0; i < 3; i++) {
        t = performance.now();
        await viaHop(`after reset, ${i + 1} of 3`);
        fastest.push(performance.now() - t);
      }
      expect(Math.min(...fastest), fastest.join(", ")).toBeLessThan(150);

      // kill -9 and a start again, as a process fault does them: Redis comes back at the same
      // address on the stack's network (its holder's, ContainerSpec.restartable), so Toxiproxy's
      // dial of "redis:6379" needs no new name lookup and the hop answers on the first try.
      const engineClient = dockerClient(process.env.DOCKER_HOST!);
      const redisAddress = async () => {
        const [holder] = await engineClient.listContainers({ filters: { label: [`${LABEL_RUN}=${runId}`, `${LABEL_ROLE}=redis${HOLDER_ROLE_SUFFIX}`] } });
        expect(holder, "Redis's holder container").toBeDefined();
        const info = await engineClient.getContainer(holder!.Id).inspect();
        return Object.values(info.NetworkSettings.Networks).map((n) => n.IPAddress);
      };
      const addressBefore = await redisAddress();
      expect(addressBefore.length).toBeGreaterThan(0);
      expect(await viaHop("before the kill")).toBe("PONG");
      expect(await stack.redisCommand!(["SET", "before-kill", "1"])).toBe("OK");
      const redis = stack.handles.redis!;
      redis.kill9();
      expect(redis.isRunning()).toBe(false);
      await redis.restart();
      // Without persistence the key is gone: it really was killed and started again.
      expect(await stack.redisCommand!(["GET", "before-kill"])).toBeNull();
      expect(await redisAddress()).toEqual(addressBefore);
      expect(await viaHop("after kill -9 and restart")).toBe("PONG");
      await stack.stop();
      // The stack's containers and network go with stop(); the engine (podman service) with the run.
      expect((await containerLeftovers(runId)).filter((x) => !x.startsWith("podman service"))).toEqual([]);
    } finally {
      await registry.disposeAll();
      // The provider set these for testcontainers; CLI runs started after this test inherit process.env.
      for (const [k, v] of Object.entries(savedEnv))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    await expectNoContainersLeft(runId);
  }, 300_000);
});

describe(named("--provider docker: transport http"), () => {
  test(named(
    "agents reach the servers over Streamable HTTP through a local Toxiproxy, the servers reach Redis through the container one; a fault on either hop acts",
  ), async () => {
    const { r, rec, s } = await runOnDocker(
      "docker-http",
      `
name: docker-http
description: Redis (bridged) and the reference server (native) over Streamable HTTP, each in containers; the agents' hop and the Redis hop each cut for a while.
servers: [redis, everything]
transport: http
agents: 2
warmup: 0s
duration: 10s
callTimeout: 1s
workload:
  kind: mix
  calls:
    - { server: redis, tool: set, args: { key: "h:{{rand 1 50}}", value: "{{uuid}}" } }
    - { server: redis, tool: get, args: { key: "h:{{rand 1 50}}" } }
    - { server: everything, tool: echo, args: { message: "{{uuid}}" } }
faults:
  - { kind: hop-down, hop: client->redis, at: 2s, duration: 2s }
  - { kind: hop-down, hop: redis, at: 6s, duration: 2s }
recovery: { interval: 100ms, timeout: 500ms, consecutive: 3, limit: 20s }
slos:
  - ref: availability
`,
    );
    expect(s.servers.map((x) => [x.name, x.transport])).toEqual([
      ["redis", "http"],
      ["everything", "http"],
    ]);
    // The bridge's sessions each have a container of their own; the native server is one container.
    const [redis, everything] = s.servers.map((x) => x.runsOn);
    expect(redis?.kind === "container" && redis.containers.length, JSON.stringify(redis)).toBeGreaterThanOrEqual(2);
    expect(everything?.kind === "container" && everything.containers.length, JSON.stringify(everything)).toBe(1);
    expect(s.latency.filter((l) => l.server === "everything" && l.outcome === "ok").length).toBeGreaterThan(0);
    const ok = s.latency.filter((l) => l.outcome === "ok").reduce((a, l) => a + l.count, 0);
    const failed = s.latency.filter((l) => l.outcome !== "ok").reduce((a, l) => a + l.count, 0);
    expect(ok, transcript(r)).toBeGreaterThan(0);
    expect(failed, "calls failed while a hop was down").toBeGreaterThan(0);
    for (const f of s.faults!) {
      expect(f.injected && f.recovered, JSON.stringify(f)).toBe(true);
      expect(f.timeToDetectMs, `${f.description}: seen by the probe`).not.toBeNull();
    }
    await expectNoContainersLeft(rec.runId);
  }, 300_000);
});
