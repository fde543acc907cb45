/**
 * `mcp-slo run --target compose`: the scenario judges the long-lived stack docker-compose.yml runs
 * (every catalog server in a container over Streamable HTTP, Redis, PostgreSQL, the stand-ins and a
 * Toxiproxy naming its hops as the harness does, containers/toxiproxy.json) instead of a stack of its
 * own. The harness starts nothing: it finds the project's containers through the engine
 * (discover.ts), sends the agents to each server's `client-><server>` hop as published on 127.0.0.1,
 * acts its hop faults through the stack's Toxiproxy API, and reads Redis and PostgreSQL on their
 * published ports for cache statistics and read-back. Process faults are not its to make (the
 * containers are not the run's), and the stack is left as found: every toxic removed at the end.
 */
import pg from "pg";
import { HarnessError } from "../../errors.js";
import type { BackendInfo, UpstreamSummary } from "../../results/types.js";
import type { HttpEndpoint } from "../../stack/http-endpoint.js";
import { parseInfo, respCommand } from "../../stack/local/redis.js";
import type { StackEndpoints } from "../../stack/mcp-session.js";
import type { ResourceRegistry } from "../../stack/resource-registry.js";
import type { Hop, StartedToxiproxy } from "../../stack/started.js";
import { isLoopbackAddress } from "../../util/loopback.js";
import { findContainerEngine } from "../docker/engine.js";
import type { Stack, StackProvider, StackStartOptions } from "../provider.js";
import { COMPOSE_MCP_PATH, COMPOSE_SANDBOX, type ComposeStack, discoverCompose, serviceOf } from "./discover.js";

export interface ComposeTargetOptions {
  /** The compose project whose running stack is judged. */
  project: string;
}

/** PostgreSQL's credentials as docker-compose.yml sets them (its password from the same variable). */
function postgresUrl(address: string): string {
  const password = process.env.MCP_SLO_POSTGRES_PASSWORD || "mcp-slo";
  return `postgresql://mcp:${encodeURIComponent(password)}@${address}/mcp`;
}

const described = new WeakMap<ResourceRegistry, string>();

export function composeProvider(options: ComposeTargetOptions): StackProvider {
  return {
    name: "compose",
    attaches: `finding the stack of compose project ${options.project} (nothing is started)`,
    describe: (registry) => described.get(registry),
    async start(opts: StackStartOptions): Promise<Stack> {
      const engine = await findContainerEngine({ registry: opts.registry });
      try {
        const stack = await discoverCompose(engine, options.project);
        described.set(opts.registry, `${engine.kind} ${engine.version} (${engine.source}), compose project ${options.project}: nothing started by the run`);
        return await composeStack(stack, opts);
      } catch (err) {
        await engine.stop();
        throw err;
      }
    },
  };
}

/** The published address of `service`'s `port`, or exit 3 saying the stack lacks it. */
function published(stack: ComposeStack, service: string, port: number, why: string): string {
  const c = stack.containers.get(service);
  const address = c?.published.get(port);
  if (address === undefined)
    throw new HarnessError(
      "environment",
      `--target compose: compose project "${stack.project}" has ${c ? `service ${service} without a published port ${port}` : `no running service ${service}`} (${why})`,
      { hint: `docker-compose -p ${stack.project} --profile saas up -d brings up every catalog server (the saas profile: github, notion, firecrawl, shadcn)` },
    );
  return address;
}

async function composeStack(stack: ComposeStack, opts: StackStartOptions): Promise<Stack> {
  const { servers, registry } = opts;
  for (const def of servers) {
    if (def.package === "custom" || def.versionOf)
      throw new HarnessError(
        "invalid_input",
        `--target compose: server "${def.name}" is not one docker-compose.yml runs (it runs the catalog's servers at their installed versions, by name)`,
      );
  }
  // Each server's endpoint: its client-><server> hop as published on this host, so hop faults act on the agents' path.
  const endpoints = new Map<string, HttpEndpoint>();
  for (const def of servers) {
    const hopName = `client->${def.name}`;
    const hop = stack.hops.get(hopName);
    published(stack, serviceOf(def.name), def.name === "everything" ? 3001 : 8080, `the MCP server ${def.name}`);
    if (!hop?.hostAddress)
      throw new HarnessError(
        "environment",
        `--target compose: the Toxiproxy of compose project "${stack.project}" has ${hop ? `hop ${hopName} without a published port` : `no hop ${hopName}`} (containers/toxiproxy.json names one per catalog server)`,
      );
    if (!isLoopbackAddress(hop.hostAddress))
      throw new HarnessError(
        "environment",
        `--target compose: hop ${hopName} is published on ${hop.hostAddress}, not on loopback; the harness sends load to 127.0.0.0/8 only`,
      );
    const url = `http://${hop.hostAddress}${COMPOSE_MCP_PATH}`;
    endpoints.set(def.name, {
      server: def.name,
      kind: "remote",
      url,
      directUrl: url,
      processFor: () => undefined,
      ensureRunning: async () => undefined,
      stop: async () => undefined,
    });
  }

  const needs = new Set([...servers.flatMap((d) => d.needs), ...opts.extraNeeds]);
  const redisAddress = needs.has("redis") ? published(stack, "redis", 6379, "Redis, for its cache statistics") : undefined;
  const postgresAddress = needs.has("postgres") ? published(stack, "postgres", 5432, "PostgreSQL, for read-back") : undefined;
  const redisPort = redisAddress === undefined ? undefined : Number(redisAddress.slice(redisAddress.lastIndexOf(":") + 1));
  const pool = postgresAddress === undefined ? undefined : new pg.Pool({ connectionString: postgresUrl(postgresAddress), max: 2 });
  // A pool's idle client that loses its connection emits "error"; the next query reports it instead.
  pool?.on("error", () => undefined);

  const backends: BackendInfo[] = [];
  const hopSetting = (service: string) =>
    [...stack.hops.values()]
      .filter((h) => h.name.endsWith(`->${service}`))
      .map((h) => h.name)
      .join(", ");
  try {
    if (redisPort !== undefined) {
      const info = parseInfo(String(await respCommand(redisPort, ["INFO", "server"], 5000)));
      backends.push({
        kind: "redis",
        version: info.redis_version ?? "unknown",
        endpoint: `compose service redis (${redisAddress})`,
        settings: { container: stack.containers.get("redis")!.image, hops: hopSetting("redis") },
      });
    }
    if (pool) {
      const { rows } = await pool.query("SHOW server_version");
      backends.push({
        kind: "postgres",
        version: String(rows[0]?.server_version ?? "unknown"),
        endpoint: `compose service postgres (${postgresAddress})`,
        settings: { container: stack.containers.get("postgres")!.image, hops: hopSetting("postgres") },
      });
    }
  } catch (err) {
    await pool?.end().catch(() => undefined);
    throw new HarnessError(
      "environment",
      `--target compose: a backend of compose project "${stack.project}" does not answer on its published port: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }

  const hops = new Map<string, Hop>(
    [...stack.hops.values()].map((h) => [
      h.name,
      { name: h.name, listen: h.hostAddress ?? `${h.listen} (compose network)`, upstream: h.upstream, proxy: h.proxy },
    ]),
  );
  // Whatever a fault left (a run killed mid-fault included) goes: the stack is the user's, left as found.
  await stack.toxiproxy.reset();
  const toxiproxy: StartedToxiproxy = {
    apiUrl: stack.toxiproxyApi,
    version: stack.toxiproxyVersion,
    hops,
    createHop: async (name) => {
      throw new Error(`--target compose: the stack's hops are fixed by containers/toxiproxy.json; it has no ${name}`);
    },
    reset: () => stack.toxiproxy.reset(),
    // Not the run's: stop() only removes the toxics the run may have left.
    stop: () => stack.toxiproxy.reset(),
    [Symbol.asyncDispose]: () => stack.toxiproxy.reset(),
  };

  const workdir = await registry.makeTempDir("compose-work");
  const stackEndpoints: StackEndpoints = {
    sandbox: COMPOSE_SANDBOX,
    workdir,
    http: (server) => endpoints.get(server),
  };

  const upstreamServers = new Map<string, string[]>();
  for (const def of servers) if (def.upstream) upstreamServers.set(def.upstream.api, [...(upstreamServers.get(def.upstream.api) ?? []), def.name]);
  const upstreams: UpstreamSummary[] = [...upstreamServers].map(([api, names]) => ({
    api,
    mode: "stand-in",
    title: `${api} stand-in (compose service standin-${api})`,
    payloads: "the harness image's stand-in (src/standins), run by docker-compose.yml",
    servers: names,
  }));

  return {
    endpoints: stackEndpoints,
    backends,
    handles: {},
    toxiproxy,
    ...(upstreams.length > 0 && { upstreams: async () => upstreams }),
    ...(redisPort !== undefined && {
      redisInfo: async (section: string) => parseInfo(String(await respCommand(redisPort, ["INFO", section]))),
      redisCommand: (args: readonly (string | number)[]) => respCommand(redisPort, args),
    }),
    ...(pool && { postgresQuery: (sql: string, params?: unknown[]) => pool.query(sql, params) }),
    // The stack's containers' processes: the servers' CPU is the system under test's, not load from outside the run.
    processRoots: async () => {
      const pids = await Promise.all(
        [...stack.containers.values()].map((c) =>
          stack.engine.docker
            .getContainer(c.id)
            .inspect()
            .then((i) => i.State?.Pid ?? 0)
            .catch(() => 0),
        ),
      );
      return pids.filter((p) => p > 0);
    },
    runsOn: (server) => {
      const c = stack.containers.get(serviceOf(server));
      return c && { kind: "container", engine: `${stack.engine.kind} ${stack.engine.version}`, image: c.image, imageDigest: c.imageDigest, containers: [c.id] };
    },
    async stop() {
      await stack.toxiproxy.reset().catch(() => undefined);
      await pool?.end().catch(() => undefined);
      await stack.engine.stop();
    },
  };
}
