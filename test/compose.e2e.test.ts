/**
 * docker-compose.yml, for real: `docker-compose config -q` accepts it (no engine needed), it holds
 * every server of the catalog (a client-> hop and a direct port each, the hops the harness would
 * make), and on a real engine (here a `podman system service` this file starts through
 * src/providers/docker/engine.ts, with the images scripts/setup-containers.sh builds; nothing is
 * pulled) the default + saas stack comes up under a project name of its own, on free 127.0.0.1 ports:
 *  - EVERY catalog server answers one successful tools/call (its catalog probe; filesystem reads
 *    docs/doc-1.txt of its seeded sandbox) through Toxiproxy's client-><server> hop, each reaching its
 *    backend or stand-in through its own hop (github through HTTP_PROXY);
 *  - the Redis MCP server does a `set` then a `get`; server-everything is also reached directly;
 *  - `mcp-slo run --target compose` judges that stack: servers-baseline (smoke) with every session on
 *    the stack's client-> hops, and a fixture whose latency toxic on redis->redis acts through the
 *    stack's own Toxiproxy (Redis calls slow by its 150 ms, echo not), no toxic left afterwards; a
 *    project that is not running is exit 3, a process fault against it exit 2;
 *  - `down -v` leaves no container, network or volume of the project.
 * The stack is brought down in afterAll too (and on SIGINT/SIGTERM), whatever failed.
 *
 * Without docker-compose, an engine or the images, the tests are skipped loudly: a console warning
 * and a skip whose name carries the exact reason.
 */
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, describe, expect, it } from "vitest";
import { findContainerEngine, podmanEnv, type ContainerEngine } from "../src/providers/docker/engine.js";
import { SERVER_CATALOG } from "../src/catalog/servers.js";
import type { ServerDefinition } from "../src/contracts/server-definition.js";
import { ADDRESS_IN_USE_LOG } from "../src/stack/ports.js";
import { ResourceRegistry } from "../src/stack/resource-registry.js";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, ROOT, runCli, transcript } from "./support/cli.js";
import { waitFor } from "../src/util/wait-for.js";
import { lackedImages } from "./support/container-engine.js";

const COMPOSE_FILE = path.join(ROOT, "docker-compose.yml");
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
/** What the default and saas profiles run (the monitoring profile's public images are never pulled here). */
const IMAGES = [
  "docker.io/library/redis:7-bookworm",
  "docker.io/library/postgres:15-bookworm",
  "ghcr.io/shopify/toxiproxy:2.12.0",
  `localhost/mcp-slo-harness:${VERSION}`,
];
/** Every profile, so that `down` also removes what an `up --profile ...` may have made. */
const ALL_PROFILES = ["--profile", "saas", "--profile", "monitoring"];
const PROJECT = `mcpslo-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

function composeVersion(): string | undefined {
  try {
    return execFileSync("docker-compose", ["version", "--short"], { encoding: "utf8", timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

const composeAvailable = composeVersion();
const composeProblem = composeAvailable ? undefined : "docker-compose is not on PATH (run bash scripts/setup-containers.sh)";

const registry = new ResourceRegistry({ runId: `compose-e2e-${process.pid}` });
let engine: ContainerEngine | undefined;

/** Why the stack cannot run here, or undefined when it can: docker-compose, an engine, every image. */
async function stackProblem(): Promise<string | undefined> {
  if (composeProblem) return composeProblem;
  try {
    engine = await findContainerEngine({ registry });
  } catch (err) {
    const e = err as { message: string; details?: readonly string[] };
    return [e.message, ...(e.details ?? [])].join("; ");
  }
  const missing = await lackedImages(engine, IMAGES);
  return missing.length ? `the engine (${engine.source}) lacks image(s) ${missing.join(", ")} (run bash scripts/setup-containers.sh)` : undefined;
}

const problem = await stackProblem();
if (composeProblem) console.warn(`\n*** compose tests SKIPPED: ${composeProblem} ***\n`);
else if (problem) console.warn(`\n*** compose stack test SKIPPED: ${problem} ***\n`);

/** Free loopback ports for every MCP_SLO_PORT_* variable of the compose file: no clash with anything running. */
async function freePorts(): Promise<Record<string, string>> {
  const names = [...new Set([...readFileSync(COMPOSE_FILE, "utf8").matchAll(/\$\{(MCP_SLO_PORT_[A-Z_]+):-/g)].map((m) => m[1]!))];
  const servers = await Promise.all(
    names.map(
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = Object.fromEntries(names.map((n, i) => [n, String((servers[i]!.address() as { port: number }).port)]));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

let ports: Record<string, string> = {};

/** Bind races lost before `up` succeeds: each takes a `down` and fresh ports. */
const MAX_UP_ATTEMPTS = 3;

/**
 * `up -d` on free ports. The ports were free when picked, but the engine binds them only when it
 * starts each container, seconds later, and another process may take one in between (seen: the
 * toxiproxy service's "listen tcp4 127.0.0.1:33039: bind: address already in use"). The stack
 * then half exists; it is taken down and brought up on fresh ports, a bounded number of times.
 * Any other failure is reported at once.
 */
async function upOnFreePorts(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    ports = await freePorts();
    try {
      await compose(["--profile", "saas", "up", "-d"], 600_000);
      return;
    } catch (err) {
      if (attempt >= MAX_UP_ATTEMPTS || !ADDRESS_IN_USE_LOG.test((err as Error).message)) throw err;
      console.warn(`compose e2e: up -d lost a port to another process (attempt ${attempt}); down, then up on fresh ports`);
      await compose([...ALL_PROFILES, "down", "-v", "--remove-orphans", "--timeout", "5"]);
    }
  }
}
let upCalled = false;
let downDone = false;
/** The first stack test brought it up and every server answered: the tests after it judge it. */
let stackUp = false;

function composeEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...ports,
    ...(engine && { DOCKER_HOST: engine.dockerHost }),
    // Podman under load can take longer than docker-compose's default 60 s for one API call.
    COMPOSE_HTTP_TIMEOUT: "300",
  };
}

function compose(args: string[], timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "docker-compose",
      ["-f", COMPOSE_FILE, "-p", PROJECT, ...args],
      { env: composeEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`docker-compose ${args.join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(`${stdout}${stderr}`);
      },
    );
  });
}

/** Last resort on SIGINT/SIGTERM: the containers are not ours to leave (the podman service dies with us). */
function downSync(): void {
  if (!upCalled || downDone) return;
  downDone = true;
  try {
    execFileSync("docker-compose", ["-f", COMPOSE_FILE, "-p", PROJECT, ...ALL_PROFILES, "down", "-v", "--remove-orphans", "--timeout", "5"], {
      env: composeEnv(),
      timeout: 120_000,
      stdio: "ignore",
    });
  } catch {
    // nothing more to do here; the label com.docker.compose.project=<PROJECT> finds what is left
  }
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    downSync();
    registry.killAllSync();
    process.kill(process.pid, sig);
  });
}

afterAll(async () => {
  await removeOutDirs();
  try {
    if (upCalled && !downDone) {
      downDone = true;
      await compose([...ALL_PROFILES, "down", "-v", "--remove-orphans", "--timeout", "5"]).catch((err: unknown) =>
        console.warn(`compose e2e: down in afterAll failed: ${(err as Error).message}`),
      );
    }
  } finally {
    // Stops the podman service this file started (nothing for an engine that was already running).
    await registry.disposeAll();
  }
}, 300_000);

/** What is left of the project: containers, networks and volumes carrying its compose label, or its names. */
async function leftovers(): Promise<string[]> {
  const e = engine!;
  const found: string[] = [];
  const containers = await e.docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${PROJECT}`] } });
  for (const c of containers) found.push(`container ${c.Names?.join(",") ?? c.Id}`);
  const networks = await e.docker.listNetworks();
  for (const n of networks) if (n.Name.startsWith(`${PROJECT}_`)) found.push(`network ${n.Name}`);
  const volumes = await e.docker.listVolumes();
  for (const v of volumes.Volumes ?? []) if (v.Name.startsWith(`${PROJECT}_`)) found.push(`volume ${v.Name}`);
  if (e.kind === "podman") {
    // The same question to the podman CLI (its own storage view, no service involved).
    const ps = execFileSync("podman", ["ps", "-a", "--filter", `label=com.docker.compose.project=${PROJECT}`, "--format", "{{.Names}}"], {
      encoding: "utf8",
      env: { ...process.env, ...podmanEnv() },
      timeout: 60_000,
    }).trim();
    if (ps) found.push(...ps.split("\n").map((n) => `container (podman ps) ${n}`));
  }
  return [...new Set(found)];
}

/** A connected MCP client, or undefined while the endpoint is not ready (Toxiproxy accepts before the server is up). */
async function mcpClient(url: string): Promise<Client | undefined> {
  const client = new Client({ name: "compose-e2e", version: VERSION });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)), { timeout: 10_000 });
    return client;
  } catch {
    await client.close().catch(() => undefined);
    return undefined;
  }
}

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? "").join("");
}

/** The compose variable of a server's port: MCP_SLO_PORT_HOP_REDIS_OFFICIAL (client-> hop) or MCP_SLO_PORT_MCP_... (direct). */
function portVar(kind: "HOP" | "MCP", server: string): string {
  return `MCP_SLO_PORT_${kind}_${server.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
}

/** Where the filesystem server's sandbox is in its container (docker-compose.yml, mcp-filesystem). */
const COMPOSE_SANDBOX = "/tmp/mcp-slo-sandbox";

/** The one call each server must answer: its catalog probe, except filesystem, which reads a seeded file. */
function probeOf(def: ServerDefinition): { tool: string; args: Record<string, unknown> } {
  if (def.name === "filesystem") return { tool: "read_text_file", args: { path: `${COMPOSE_SANDBOX}/docs/doc-1.txt` } };
  if (!def.probe) throw new Error(`catalog server ${def.name} has no probe`);
  return def.probe;
}

interface ToxiproxyHop {
  name: string;
  listen: string;
  upstream: string;
}

describe("docker-compose.yml", () => {
  (composeProblem ? it.skip : it)(
    composeProblem
      ? `is valid for docker-compose [SKIPPED: ${composeProblem}]`
      : `is valid for docker-compose ${composeAvailable} (config -q, default and every profile)`,
    async () => {
      await compose(["config", "-q"], 60_000);
      for (const profile of ["saas", "monitoring"]) await compose(["--profile", profile, "config", "-q"], 60_000);
      await compose([...ALL_PROFILES, "config", "-q"], 60_000);
    },
  );

  it("runs the harness image of this version (package.json), the one scripts/setup-containers.sh tags", () => {
    const tags = [...readFileSync(COMPOSE_FILE, "utf8").matchAll(/localhost\/mcp-slo-harness:([^\s"']+)/g)].map((m) => m[1]);
    expect(tags.length).toBeGreaterThan(0);
    expect(new Set(tags)).toEqual(new Set([VERSION]));
  });

  it("holds every catalog server: a client-><server> hop and a direct port each, and the hops to its backends and stand-in", () => {
    const file = readFileSync(COMPOSE_FILE, "utf8");
    const hops = JSON.parse(readFileSync(path.join(ROOT, "containers", "toxiproxy.json"), "utf8")) as ToxiproxyHop[];
    const byName = new Map(hops.map((h) => [h.name, h]));
    const missing: string[] = [];
    for (const def of SERVER_CATALOG) {
      for (const v of [portVar("HOP", def.name), portVar("MCP", def.name)]) if (!file.includes(`\${${v}:-`)) missing.push(`${def.name}: port variable ${v}`);
      const expected = [`client->${def.name}`, ...def.needs.map((n) => `${def.name}->${n}`), ...(def.upstream ? [`${def.name}->${def.upstream.api}`] : [])];
      for (const hop of expected) if (!byName.has(hop)) missing.push(`${def.name}: Toxiproxy hop ${hop}`);
      // The client-> hop's listen port is what the HOP variable publishes.
      const client = byName.get(`client->${def.name}`);
      if (client) {
        const port = client.listen.split(":").pop()!;
        if (!new RegExp(`\\$\\{${portVar("HOP", def.name)}:-\\d+\\}:${port}"`).test(file))
          missing.push(`${def.name}: ${portVar("HOP", def.name)} does not publish ${client.listen}`);
      }
    }
    expect(missing).toEqual([]);
    expect(new Set(hops.map((h) => h.listen)).size, "every hop listens on a port of its own").toBe(hops.length);
  });

  const stackIt = problem ? it.skip : it;
  const named = (name: string) => (problem ? `${name} [SKIPPED: ${problem}]` : name);

  stackIt(
    named(
      `the default + saas stack comes up on 127.0.0.1 and every catalog server (${SERVER_CATALOG.map((d) => d.name).join(", ")}) answers a tools/call through its client-> hop`,
    ),
    async () => {
      upCalled = true;
      const started = Date.now();
      await upOnFreePorts();
      console.log(`compose e2e: up -d (default + saas) took ${Date.now() - started} ms`);

      // Every published port is on loopback only.
      const published = await engine!.docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${PROJECT}`] } });
      const hostIps = published.flatMap((c) => (c.Ports ?? []).filter((p) => p.PublicPort).map((p) => p.IP));
      expect(hostIps.length).toBeGreaterThan(0);
      expect(new Set(hostIps)).toEqual(new Set(["127.0.0.1"]));

      // One successful call from every catalog server, through Toxiproxy's client-><server> hop (in
      // parallel: each waits for its own server).
      const results = await Promise.all(
        SERVER_CATALOG.map(async (def) => {
          const url = `http://127.0.0.1:${ports[portVar("HOP", def.name)]}/mcp`;
          const client = await waitFor(() => mcpClient(url), { what: `MCP initialize of ${def.name} at ${url}`, timeoutMs: 300_000, intervalMs: 1000 });
          const t0 = Date.now();
          try {
            const { tool, args } = probeOf(def);
            const result = await client.callTool({ name: tool, arguments: args }, undefined, { timeout: 60_000 });
            return { server: def.name, tool, isError: result.isError ?? false, text: text(result), ms: Date.now() - started, callMs: Date.now() - t0 };
          } finally {
            await client.close();
          }
        }),
      );
      for (const r of results)
        console.log(`compose e2e: ${r.server} ${r.tool}: ok after ${r.ms} ms (call ${r.callMs} ms): ${r.text.slice(0, 80).replace(/\s+/g, " ")}`);
      for (const r of results) {
        expect(r.isError, `${r.server} ${r.tool}: ${r.text}`).toBe(false);
        // Servers that report failures as ok results: redis-official ("Error ..."), notion ({"status":"error"}).
        expect(r.text, `${r.server} ${r.tool}`).not.toMatch(/^Error\b|"status"\s*:\s*"error"/);
      }
      expect(results.find((r) => r.server === "filesystem")!.text).toMatch(/^doc 1\n/);
      expect(results.find((r) => r.server === "github")!.text).toContain('"login"');

      // Through the client->redis hop to the bridge, whose redis->redis hop leads to Redis.
      const redisUrl = `http://127.0.0.1:${ports.MCP_SLO_PORT_HOP_REDIS}/mcp`;
      const redis = await waitFor(() => mcpClient(redisUrl), { what: `MCP initialize at ${redisUrl}`, timeoutMs: 60_000, intervalMs: 1000 });
      try {
        const { tools } = await redis.listTools();
        expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["set", "get"]));
        const key = `compose-e2e:${PROJECT}`;
        const set = await redis.callTool({ name: "set", arguments: { key, value: "through the bridge" } });
        expect(set.isError ?? false, text(set)).toBe(false);
        const got = await redis.callTool({ name: "get", arguments: { key } });
        expect(text(got)).toBe("through the bridge");
      } finally {
        await redis.close();
      }

      // The native Streamable HTTP server, published directly (no proxy).
      const everythingUrl = `http://127.0.0.1:${ports.MCP_SLO_PORT_MCP_EVERYTHING}/mcp`;
      const everything = await waitFor(() => mcpClient(everythingUrl), { what: `MCP initialize at ${everythingUrl}`, timeoutMs: 60_000, intervalMs: 1000 });
      try {
        const echo = await everything.callTool({ name: "echo", arguments: { message: "compose" } });
        expect(text(echo)).toContain("compose");
      } finally {
        await everything.close();
      }

      stackUp = true;
    },
    1_200_000,
  );

  /** The CLI against the stack above: through the test's engine, on the project of this file. */
  const againstStack = (args: string[], timeoutMs = 300_000) =>
    runCli(["run", ...args, "--target", "compose", "--compose-project", PROJECT], { timeoutMs, env: { DOCKER_HOST: engine!.dockerHost } });
  const needsStack = () => {
    if (!stackUp) throw new Error("the compose stack did not come up (see the test above); nothing to judge");
  };

  stackIt(
    named("servers-baseline judges the stack through --target compose: every session on a compose container's endpoint, nothing started, nothing left"),
    async () => {
      needsStack();
      const out = await newOutDir("e2e-compose-target-");
      const r = await againstStack(["scenarios/servers-baseline.yaml", "--profile", "smoke", "--out", out]);
      const said = transcript(r);
      // 0 or 1: every verdict decided by the stack (an SLO may fail on a busy machine); never bad input or a harness failure.
      expect([0, 1], said).toContain(r.code);
      const record = await readRecord(out);
      expect(record.environment.stack?.provider, said).toBe("compose");
      expect(record.environment.stack?.engine, said).toContain(`compose project ${PROJECT}`);
      const scenario = record.scenarios[0]!;
      expect(scenario.status, said).toBe("completed");
      expect(scenario.servers.map((x) => [x.name, x.transport])).toEqual(["memory", "filesystem", "redis", "postgres", "everything"].map((n) => [n, "http"]));
      for (const server of ["memory", "filesystem", "redis", "postgres", "everything"]) {
        const ok = scenario.latency.filter((l) => l.server === server && l.outcome === "ok").reduce((n, l) => n + l.count, 0);
        expect(ok, `${server}: ok calls\n${said}`).toBeGreaterThan(0);
      }
      // Each server ran in its compose service's container: results.json names it, as the engine lists it.
      const running = await engine!.docker.listContainers({ filters: { label: [`com.docker.compose.project=${PROJECT}`] } });
      for (const srv of scenario.servers) {
        const service = running.find((c) => c.Labels["com.docker.compose.service"] === `mcp-${srv.name}`);
        expect(srv.runsOn, `${srv.name}: runsOn\n${said}`).toMatchObject({ kind: "container", containers: [service?.Id], image: service?.Image });
      }
      // filesystem read the compose stack's own seeded sandbox: no call failed for a missing file.
      const failed = scenario.latency.filter((l) => l.server === "filesystem" && l.outcome !== "ok").reduce((n, l) => n + l.count, 0);
      expect(failed, said).toBe(0);
      // Redis and PostgreSQL of the stack, read on their published ports for the report.
      expect(scenario.backends.map((b) => b.kind).sort()).toEqual(["postgres", "redis"]);
      expect(scenario.backends.every((b) => b.endpoint.startsWith("compose service"))).toBe(true);
      expect(scenario.slos.length).toBeGreaterThan(0);
      expect(scenario.slos.every((x) => x.verdict === "pass" || x.verdict === "fail" || x.verdict === "inconclusive")).toBe(true);
      // The harness started no server, no backend and no Toxiproxy of its own.
      await expectNothingLeft(record.runId);
      expect(await composeToxics(), "toxics left on the compose stack's Toxiproxy").toEqual([]);
    },
    600_000,
  );

  stackIt(
    named("a hop fault acts through the compose stack's Toxiproxy (150 ms on redis->redis), and the stack is left without it"),
    async () => {
      needsStack();
      const out = await newOutDir("e2e-compose-fault-");
      const r = await againstStack(["test/fixtures/compose-target/redis-hop-latency.yaml", "--out", out]);
      const said = transcript(r);
      expect([0, 1], said).toContain(r.code);
      const scenario = (await readRecord(out)).scenarios[0]!;
      const fault = scenario.faults?.[0];
      if (!fault) throw new Error(`no fault in the results\n${said}`);
      expect(fault.injected, said).toBe(true);
      const { intervalMs, points } = scenario.timeline;
      const inFault = (server: string) =>
        points.filter((p) => p.server === server && p.p50 !== null && p.t >= fault.injectedAtMs! + intervalMs && p.t + intervalMs <= fault.healedAtMs!);
      const redis = inFault("redis").map((p) => p.p50!);
      const everything = inFault("everything").map((p) => p.p50!);
      console.log(`compose e2e: during the fault, redis p50 per ${intervalMs} ms: ${redis.join(", ")}; everything: ${everything.join(", ")}`);
      expect(redis.length, said).toBeGreaterThan(0);
      // Every answer from Redis waited 150 ms in the stack's Toxiproxy; echo does not go near it.
      expect(Math.min(...redis), said).toBeGreaterThanOrEqual(145);
      expect(median(everything), said).toBeLessThan(Math.min(...redis) - 100);
      expect(await composeToxics(), "toxics left on the compose stack's Toxiproxy").toEqual([]);
    },
    300_000,
  );

  stackIt(named("a compose project that is not running: exit 3 naming it, before any load"), async () => {
    needsStack();
    const missing = `${PROJECT}-absent`;
    const r = await runCli(
      [
        "run",
        "test/fixtures/compose-target/redis-hop-latency.yaml",
        "--target",
        "compose",
        "--compose-project",
        missing,
        "--out",
        await newOutDir("e2e-compose-none-"),
      ],
      {
        timeoutMs: 120_000,
        env: { DOCKER_HOST: engine!.dockerHost },
      },
    );
    expect(r.code, transcript(r)).toBe(3);
    expect(`${r.stdout}${r.stderr}`).toContain(`compose project "${missing}" has no running container`);
  });

  stackIt(
    named("down -v leaves no container, network or volume of the project"),
    async () => {
      expect(await leftovers()).not.toEqual([]);
      downDone = true;
      const downStarted = Date.now();
      await compose([...ALL_PROFILES, "down", "-v", "--remove-orphans", "--timeout", "5"]);
      console.log(`compose e2e: down -v took ${Date.now() - downStarted} ms`);
      expect(await leftovers(), `left of compose project ${PROJECT}`).toEqual([]);
    },
    300_000,
  );
});

describe("--target compose, refused before anything runs", () => {
  it("--compose-project without --target compose, and --target with --provider: exit 2", async () => {
    const a = await runCli(["run", "scenarios/servers-baseline.yaml", "--compose-project", "x"], { timeoutMs: 60_000 });
    expect(a.code, transcript(a)).toBe(2);
    expect(a.stderr).toContain("--compose-project: only with --target compose");
    const b = await runCli(["run", "scenarios/servers-baseline.yaml", "--target", "compose", "--provider", "docker"], { timeoutMs: 60_000 });
    expect(b.code, transcript(b)).toBe(2);
    expect(b.stderr).toContain("give one of them");
  });

  it("a process fault, an RPO writer or a custom server: exit 2 naming each, no engine needed", async () => {
    const r = await runCli(["run", "scenarios/failover-postgres-crash.yaml", "--target", "compose", "--compose-project", "x"], { timeoutMs: 60_000 });
    expect(r.code, transcript(r)).toBe(2);
    expect(r.stderr).toMatch(/acts on a process; against --target compose only hop faults act/);
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Toxics on any proxy of the compose stack's Toxiproxy (its API as published on 127.0.0.1). */
async function composeToxics(): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${ports.MCP_SLO_PORT_TOXIPROXY}/proxies`);
  const proxies = (await res.json()) as Record<string, { toxics: { name: string }[]; enabled: boolean }>;
  return Object.entries(proxies).flatMap(([name, p]) => [...p.toxics.map((t) => `${name}: ${t.name}`), ...(p.enabled ? [] : [`${name}: disabled`])]);
}
