/**
 * assembleStack with real Redis, PostgreSQL and Toxiproxy processes, through providers defined here
 * in a few lines each: what a third provider would write. What any provider gets from the assembly:
 * hops in front of every server->backend pair, seeded data, the report's backend infos, the
 * agents' hops on a second Toxiproxy when the first cannot reach the harness's loopback, and a stop
 * (also after a failed start) that leaves no process of the run.
 */
import { afterEach, describe, expect, it } from "vitest";
import { findServer } from "../catalog/servers.js";
import { findProcessesOfRun } from "../stack/leftovers.js";
import { startPostgres } from "../stack/local/postgres.js";
import { respCommand, startRedis, type LocalRedis } from "../stack/local/redis.js";
import { startToxiproxy, type LocalToxiproxy } from "../stack/local/toxiproxy.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { startStandIn } from "../standins/start.js";
import { defineProvider } from "./assemble-stack.js";
import type { StackBackends, StackPlan, StackStartOptions } from "./provider.js";
import type { ServerHost } from "../stack/server-host.js";

const registries: ResourceRegistry[] = [];
afterEach(async () => {
  for (const r of registries.splice(0)) {
    await r.disposeAll();
    expect(await findProcessesOfRun(r.runId)).toEqual([]);
  }
});
function newRegistry(): ResourceRegistry {
  const r = new ResourceRegistry({ runId: `assemble-${process.pid}-${Math.random().toString(36).slice(2, 8)}` });
  registries.push(r);
  return r;
}

/** The local processes, as a provider would list them. */
function localBackends(registry: ResourceRegistry, plans: StackPlan[]): StackBackends {
  return {
    prepare: async (plan) => void plans.push(plan),
    redis: ({ persistence }) => startRedis({ registry, persistence }),
    postgres: ({ synchronousCommit }) => startPostgres({ registry, synchronousCommit }),
    toxiproxy: () => startToxiproxy({ registry }),
    standIn: startStandIn,
  };
}

/** The toxics of a proxy, as its Toxiproxy's API lists them. */
async function toxicNames(toxiproxy: LocalToxiproxy, proxy: string): Promise<string[]> {
  const r = await fetch(`${toxiproxy.apiUrl}/proxies/${encodeURIComponent(proxy)}/toxics`);
  return ((await r.json()) as { name: string }[]).map((t) => t.name);
}

const redisDef = findServer("redis")!;
const postgresDef = findServer("postgres")!;
const options = (registry: ResourceRegistry, more: Partial<StackStartOptions> = {}): StackStartOptions => ({
  servers: [redisDef, postgresDef],
  extraNeeds: [],
  registry,
  seedRows: 30,
  proxied: true,
  redis: { persistence: "aof-always" },
  postgres: { synchronousCommit: "off" },
  ...more,
});

describe("assembleStack", () => {
  it("hops, seeding, endpoints and backend infos from a provider that only says how to start each piece", async () => {
    const registry = newRegistry();
    const plans: StackPlan[] = [];
    const provider = defineProvider({ name: "processes", backends: (r) => localBackends(r, plans) });
    expect(provider.name).toBe("processes");
    const stack = await provider.start(options(registry, { extraNeeds: ["postgres"] }));
    expect(plans).toEqual([{ redis: true, postgres: true, toxiproxy: true, standIns: [], servers: false }]);

    // A hop per server->backend pair, and one for the harness's own PostgreSQL writer.
    expect([...stack.toxiproxy!.hops.keys()].sort()).toEqual(["harness->postgres", "postgres->postgres", "redis->redis"]);
    const redisHop = stack.toxiproxy!.hops.get("redis->redis")!;
    expect(stack.endpoints.hopUrl!("redis", "redis")).toBe(`redis://${redisHop.listen}`);
    expect(await respCommand(Number(redisHop.listen.split(":")[1]), ["PING"])).toBe("PONG");
    expect(new URL(stack.endpoints.hopUrl!("harness", "postgres")!).host).toBe(stack.toxiproxy!.hops.get("harness->postgres")!.listen);

    // Seeded; read straight from the backends (not through a hop).
    expect((await stack.postgresQuery!("SELECT count(*)::int AS n FROM items")).rows).toEqual([{ n: 30 }]);
    expect((await stack.postgresQuery!("SELECT count(*)::int AS n FROM coordination_log")).rows).toEqual([{ n: 0 }]);
    expect(await stack.redisCommand!(["SET", "k", "v"])).toBe("OK");
    expect((await stack.redisInfo!("persistence")).aof_enabled).toBe("1");

    // What the report says of each backend.
    expect(stack.backends).toEqual([
      {
        kind: "redis",
        version: expect.stringMatching(/^\d+\.\d+/),
        endpoint: new URL(stack.endpoints.redis!.url).host,
        settings: { persistence: "appendonly yes, appendfsync always" },
      },
      {
        kind: "postgres",
        version: expect.stringMatching(/^\d+/),
        endpoint: new URL(stack.endpoints.postgres!.url).host,
        settings: { synchronous_commit: "off", fsync: "on" },
      },
    ]);
    expect(Object.keys(stack.handles).sort()).toEqual(["postgres", "redis"]);
    expect(stack.handles.redis!.isRunning()).toBe(true);

    await stack.stop();
    expect(stack.handles.redis!.isRunning()).toBe(false);
    expect(stack.handles.postgres!.isRunning()).toBe(false);
    expect(await findProcessesOfRun(registry.runId)).toEqual([]);
  });

  it("a Toxiproxy that cannot reach the harness's loopback gets a second one for the agents' hops (transport http), seen as one", async () => {
    const registry = newRegistry();
    const plans: StackPlan[] = [];
    const started: { network?: LocalToxiproxy; loopback?: LocalToxiproxy } = {};
    const provider = defineProvider({
      name: "two-proxies",
      backends: (r) => ({
        ...localBackends(r, plans),
        toxiproxy: async () => (started.network = await startToxiproxy({ registry: r })),
        loopbackToxiproxy: async () => (started.loopback = await startToxiproxy({ registry: r })),
      }),
    });
    const stack = await provider.start(options(registry, { servers: [redisDef], transport: "http" }));
    expect(plans).toEqual([{ redis: true, postgres: false, toxiproxy: true, standIns: [], servers: false }]);
    const toxiproxy = stack.toxiproxy!;
    const { network, loopback } = started as Required<typeof started>;
    // What src/stack/http-bridge.ts does for each server (a hop to the harness's own endpoint), and
    // what a hop to a container by its alias looks like: each on its own Toxiproxy, both in `hops`.
    const clientHop = await toxiproxy.createHop("client->redis", "127.0.0.1:9");
    const aliasHop = await toxiproxy.createHop("github->github", "standin-github:8080");
    expect([...loopback.hops.keys()]).toContain("client->redis");
    expect([...network.hops.keys()]).toEqual(["github->github"]);
    expect(toxiproxy.hops.get("client->redis")).toBe(clientHop);
    expect(toxiproxy.hops.get("github->github")).toBe(aliasHop);
    // One reset clears both.
    await aliasHop.proxy.addToxic({ name: "slow", type: "latency", stream: "downstream", toxicity: 1, attributes: { latency: 100, jitter: 0 } });
    await clientHop.proxy.update({ enabled: false, listen: clientHop.listen, upstream: clientHop.upstream });
    expect(await toxicNames(network, "github->github")).toEqual(["slow"]);
    expect((await loopback.client.get("client->redis")).enabled).toBe(false);
    await toxiproxy.reset();
    expect(await toxicNames(network, "github->github")).toEqual([]);
    expect((await loopback.client.get("client->redis")).enabled).toBe(true);
    // Stopping the stack stops both.
    await stack.stop();
    expect([network.process.isRunning(), loopback.process.isRunning()]).toEqual([false, false]);
    expect(await findProcessesOfRun(registry.runId)).toEqual([]);
  });

  it("each server is announced as soon as what it uses is up: no waiting for a backend of another server", async () => {
    const registry = newRegistry();
    let releasePostgres!: () => void;
    const postgresHeld = new Promise<void>((resolve) => {
      releasePostgres = resolve;
    });
    const provider = defineProvider({
      name: "slow-postgres",
      backends: (r) => ({
        ...localBackends(r, []),
        // PostgreSQL answers only when the test lets it: until then its server must not be announced, the others must.
        postgres: async ({ synchronousCommit }) => {
          await postgresHeld;
          return startPostgres({ registry: r, synchronousCommit });
        },
      }),
    });
    const announced: { server: string; hopUrl: string | undefined; toxiproxy: boolean }[] = [];
    let othersAnnounced!: () => void;
    const othersReady = new Promise<void>((resolve) => {
      othersAnnounced = resolve;
    });
    const starting = provider.start(
      options(registry, {
        servers: [findServer("memory")!, redisDef, postgresDef],
        onServerReady: (server, ready) => {
          const service = server === "redis" || server === "postgres" ? server : undefined;
          announced.push({ server, hopUrl: service && ready.endpoints.hopUrl?.(server, service), toxiproxy: ready.toxiproxy !== undefined });
          if (announced.length === 2) othersAnnounced();
        },
      }),
    );
    await othersReady;
    // Memory uses nothing (no Toxiproxy awaited for it); Redis's hop is made and answers: both while PostgreSQL is still held.
    expect(announced.map((a) => a.server).sort()).toEqual(["memory", "redis"]);
    expect(announced.find((a) => a.server === "memory")).toEqual({ server: "memory", hopUrl: undefined, toxiproxy: false });
    const redisReady = announced.find((a) => a.server === "redis")!;
    expect(redisReady.toxiproxy).toBe(true);
    expect(await respCommand(Number(new URL(redisReady.hopUrl!).port), ["PING"])).toBe("PONG");
    releasePostgres();
    const stack = await starting;
    // Each server once; PostgreSQL's announced with its hop, once the stack had seeded it.
    expect(announced).toHaveLength(3);
    expect(announced[2]).toEqual({ server: "postgres", hopUrl: stack.endpoints.hopUrl!("postgres", "postgres"), toxiproxy: true });
    expect((await stack.postgresQuery!("SELECT count(*)::int AS n FROM items")).rows).toEqual([{ n: 30 }]);
    await stack.stop();
    expect(await findProcessesOfRun(registry.runId)).toEqual([]);
  });

  it("a piece that cannot start: its error, and what did start is stopped again", async () => {
    const registry = newRegistry();
    const started: { redis?: LocalRedis } = {};
    const provider = defineProvider({
      name: "broken-postgres",
      backends: (r) => ({
        ...localBackends(r, []),
        redis: async ({ persistence }) => (started.redis = await startRedis({ registry: r, persistence })),
        postgres: async () => Promise.reject(new Error("PostgreSQL could not start: no initdb here")),
      }),
    });
    await expect(provider.start(options(registry))).rejects.toThrow("PostgreSQL could not start: no initdb here");
    // Redis had started (the failure waited for it), and is stopped again; so is Toxiproxy.
    expect(started.redis?.process.exitInfo).toEqual({ code: 0, signal: null });
    expect(await findProcessesOfRun(registry.runId)).toEqual([]);
  });

  it("a provider that runs the servers itself (serverHost): they get the hops' addresses on its network, the harness keeps its own; limits and runsOn are its", async () => {
    const registry = newRegistry();
    const plans: StackPlan[] = [];
    const given: { writable: readonly string[]; limits: Readonly<Record<string, unknown>> }[] = [];
    const host: ServerHost = {
      projectRoot: "/app",
      toolsDir: "/app/.tools",
      node: "node",
      spawn: () => Promise.reject(new Error("not started in this test")),
      runsOn: (server) => ({ kind: "container", engine: "test", image: `image-of-${server}`, imageDigest: "sha256:0", containers: [] }),
    };
    const provider = defineProvider({
      name: "hosting",
      backends: (r) => {
        const b = localBackends(r, plans);
        return {
          ...b,
          // A Toxiproxy on a network: each hop also has an address there.
          toxiproxy: async () => {
            const t = await startToxiproxy({ registry: r });
            const createHop = t.createHop.bind(t);
            t.createHop = async (name, upstream) => ({ ...(await createHop(name, upstream)), networkListen: `toxiproxy:${name.length}` });
            return t;
          },
          serverHost: (setup) => {
            given.push(setup);
            return host;
          },
        };
      },
    });
    const stack = await provider.start(options(registry, { extraNeeds: ["postgres"], serverLimits: { redis: { cpus: 1 } } }));
    expect(plans).toEqual([{ redis: true, postgres: true, toxiproxy: true, standIns: [], servers: true }]);
    expect(stack.endpoints.serverHost).toBe(host);
    expect(given).toEqual([{ writable: [stack.endpoints.sandbox, stack.endpoints.workdir], limits: { redis: { cpus: 1 } } }]);
    expect(stack.endpoints.hopUrl!("redis", "redis")).toBe(`redis://toxiproxy:${"redis->redis".length}`);
    // The harness's own RPO writer is no server in a container: the hop as published here.
    expect(new URL(stack.endpoints.hopUrl!("harness", "postgres")!).host).toBe(stack.toxiproxy!.hops.get("harness->postgres")!.listen);
    expect(stack.runsOn?.("redis")).toMatchObject({ kind: "container", image: "image-of-redis" });
    await stack.stop();
  });

  it("no backends, stdio: nothing is started at all", async () => {
    const registry = newRegistry();
    const plans: StackPlan[] = [];
    const stack = await defineProvider({ name: "processes", backends: (r) => localBackends(r, plans) }).start(
      options(registry, { servers: [findServer("memory")!] }),
    );
    expect(plans).toEqual([{ redis: false, postgres: false, toxiproxy: false, standIns: [], servers: false }]);
    expect(stack.toxiproxy).toBeUndefined();
    expect(stack.backends).toEqual([]);
    expect(stack.handles).toEqual({});
    expect(Object.keys(stack.endpoints).sort()).toEqual(["sandbox", "upstream", "workdir"]);
    await stack.stop();
  });
});
