/**
 * `--provider docker`: the same stack as the local provider (Redis, PostgreSQL, the SaaS API
 * stand-ins, a Toxiproxy in front of every server->backend and server->API hop, a seeded sandbox
 * and database), but Redis, PostgreSQL, Toxiproxy and the stand-ins run as containers of a
 * Docker-compatible engine (Docker, or a Podman service started for the run: container-engine.ts),
 * through testcontainers.
 *
 *  - One user-defined network per scenario; containers reach each other by alias (redis,
 *    postgres, toxiproxy, standin-<api>). Every container and network carries the run's labels
 *    (run id, and the session: the harness process that owns it), so leftovers can be found and
 *    reaped.
 *  - Ports are published on 127.0.0.1 only (testcontainers binds every interface unless told).
 *  - Nothing is ever pulled: the images must be in the engine's local store
 *    (scripts/setup-containers.sh builds them); a missing one is an environment error.
 *  - The MCP servers stay local child processes started by the runner; they reach Redis,
 *    PostgreSQL and the stand-ins through Toxiproxy's published ports. Toxiproxy runs in the
 *    network and creates hops at run time, so it publishes a fixed pool of listen ports
 *    (8666..8697, as @testcontainers/toxiproxy does); a hop takes the next one. The StartedToxiproxy it returns
 *    is the local one's interface, so faults work unchanged.
 *  - A stand-in (src/standins/main.ts) runs from the harness's own image (HARNESS_IMAGE, with the
 *    project in /app), one container per API, listening on 8080 in the network; startUpstreams
 *    (src/standins/upstreams.ts) still decides every URL and the report's summary, this only says
 *    how a stand-in is started. The hop `<server>-><api>` forwards to standin-<api>:8080; the
 *    harness reads its counts through its own published port. Live mode has no stand-ins.
 *  - Process faults act on the containers: kill -9 = kill SIGKILL, pause = the engine's pause
 *    (cgroup freezer), restart = restart, then readiness again (PING, SELECT 1).
 *  - stop() removes every container and the network; they are also registered in the run's
 *    ResourceRegistry (Ctrl-C, crash, a second Ctrl-C), and at start the reaper removes those of
 *    runs whose harness is gone: the explicit replacement for Ryuk, which cannot be pulled here.
 *
 * `transport: http`: the agents' hops `client-><server>` run from the harness to its own HTTP
 * endpoints on 127.0.0.1, which a Toxiproxy in a container network cannot reach. They go through a
 * second Toxiproxy, a local process of the run (as with the local provider); the stack's Toxiproxy
 * is both, seen as one (withLoopbackHops), so faults name any hop the same way.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Proxy, Toxiproxy, type ICreateProxyBody } from "toxiproxy-node-client";
import type { GenericContainer, StartedTestContainer, WaitStrategy } from "testcontainers";
import type { BackingService } from "../contracts/server-definition.js";
import { HarnessError } from "../errors.js";
import type { BackendInfo } from "../results/types.js";
import type { ExitInfo, ManagedProcess } from "../stack/managed-process.js";
import { parseInfo, respCommand, type RedisPersistence } from "../stack/local/redis.js";
import { startToxiproxy, type Hop, type StartedToxiproxy } from "../stack/local/toxiproxy.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { HARNESS_VERSION } from "../project-root.js";
import { CONTROL_PREFIX, READY_PREFIX, type StandInStats } from "../standins/serve.js";
import { standInArgs, type StandInStarter } from "../standins/start.js";
import { startUpstreams, upstreamServers, type StartedUpstreams } from "../standins/upstreams.js";
import {
  SETUP_HINT,
  engineMessage,
  exposeToTestcontainers,
  findContainerEngine,
  reapOrphans,
  removeContainer,
  removeNetwork,
  removeSync,
  runLabels,
  type ContainerEngine,
} from "./container-engine.js";
import { REDIS_DURABILITY, seedPostgres, seedSandbox } from "./local.js";
import { stackEndpoints, type BackendHandle, type Stack, type StackProvider } from "./provider.js";

/** Built locally by scripts/setup-containers.sh under the names the upstream projects publish. */
export const IMAGES = {
  redis: "docker.io/library/redis:7-bookworm",
  postgres: "docker.io/library/postgres:15-bookworm",
  toxiproxy: "ghcr.io/shopify/toxiproxy:2.12.0",
} as const;

/** The harness's own image (containers/harness.Dockerfile: the project in /app), for the stand-ins; needed only when a server calls one. */
export const HARNESS_IMAGE = `localhost/mcp-slo-harness:${HARNESS_VERSION}`;
/** Where a stand-in container listens, in the run's network. */
const STANDIN_PORT = 8080;

/** Toxiproxy's API port and its pool of proxy listen ports inside the container (as @testcontainers/toxiproxy). */
const TOXIPROXY_API_PORT = 8474;
export const TOXIPROXY_POOL = Array.from({ length: 32 }, (_, i) => 8666 + i);

const REDIS_START_TIMEOUT_MS = 30_000;
const POSTGRES_START_TIMEOUT_MS = 60_000;
const TOXIPROXY_START_TIMEOUT_MS = 20_000;
const STANDIN_START_TIMEOUT_MS = 60_000;
const POSTGRES_DB = "mcp_slo";
const POSTGRES_USER = "postgres";
/** Redis keeps its RDB/AOF here, in the container's own filesystem: it survives kill + restart like the local data dir. */
const REDIS_DATA_DIR = "/data";

type Testcontainers = typeof import("testcontainers");

// --- one engine per run --------------------------------------------------------------------------

interface RunEngine {
  engine: ContainerEngine;
  tc: Testcontainers;
  /** Containers of the run so far, for the names. */
  serial: number;
}

const engines = new WeakMap<ResourceRegistry, Promise<RunEngine>>();

/** What ran the last stack of each run, for the report's environment section. */
const described = new WeakMap<ResourceRegistry, string>();

function engineFor(registry: ResourceRegistry): Promise<RunEngine> {
  let p = engines.get(registry);
  if (!p) {
    p = (async () => {
      const engine = await findContainerEngine({ registry });
      // Before any container exists: if this process is killed, a later command knows to reap them.
      registry.usesContainerEngine(engine.dockerHost);
      const reaped = await reapOrphans(engine).catch(async (err: unknown) => {
        await engine.stop();
        throw new HarnessError("environment", `the container engine at ${engine.dockerHost} does not list containers: ${(err as Error).message}`, { hint: SETUP_HINT, cause: err });
      });
      exposeToTestcontainers(engine);
      // Only now: testcontainers reads the engine from the environment when first used.
      const tc = await import("testcontainers");
      if (reaped.containers.length + reaped.networks.length > 0) {
        process.stderr.write(`mcp-slo: removed what runs that are gone left behind: ${[...reaped.containers, ...reaped.networks].join(", ")}\n`);
      }
      described.set(registry, `${engine.kind} ${engine.version} (${engine.source}, ${engine.dockerHost})`);
      return { engine, tc, serial: 0 };
    })();
    // A failed start is not cached: the error is reported for this scenario, the next one tries again.
    p.catch(() => engines.delete(registry));
    engines.set(registry, p);
  }
  return p;
}

async function requireImages(engine: ContainerEngine, images: string[]): Promise<Map<string, ImageConfig>> {
  const configs = new Map<string, ImageConfig>();
  const missing: string[] = [];
  for (const image of images) {
    // Generous: Podman answers only once it gets its storage lock, which a `podman build` holds while it commits.
    const r = await engine.request<{ Config?: ImageConfig }>("GET", `/images/${encodeURIComponent(image)}/json`, { timeoutMs: 120_000 }).catch((err: unknown) => {
      throw new HarnessError("environment", `the ${engine.kind} engine at ${engine.dockerHost} did not say whether it has ${image}: ${(err as Error).message}`, {
        hint: "is another podman command (a build?) holding its storage? Try again when it is done",
        cause: err,
      });
    });
    if (r.status === 200) configs.set(image, r.body.Config ?? {});
    else missing.push(`${image}: ${r.status === 404 ? "not in the engine's local image store" : engineMessage(r)}`);
  }
  if (missing.length) {
    throw new HarnessError("environment", `--provider docker needs ${missing.length} image(s) the ${engine.kind} engine does not have (nothing is pulled)`, { details: missing, hint: SETUP_HINT });
  }
  return configs;
}

interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
}

/** The container's command: `args` after `binary`, unless the image's entrypoint already is that binary. */
function commandFor(config: ImageConfig, binary: string, args: string[]): string[] {
  const entry = config.Entrypoint ?? [];
  const last = entry[entry.length - 1] ?? "";
  return last.split("/").pop()!.startsWith(binary) ? args : [binary, ...args];
}

// --- containers ------------------------------------------------------------------------------------

/** A container of the run: its id, how to find its published ports, and how to remove it. */
interface RunContainer {
  id: string;
  name: string;
  started: StartedTestContainer;
  /** The 127.0.0.1 port a container port is published on (re-read after a restart: Docker may pick a new one). */
  port(containerPort: number): number;
  refreshPorts(): Promise<void>;
}

interface ContainerSpec {
  role: string;
  image: string;
  alias: string;
  network: string;
  command: string[];
  env?: Record<string, string>;
  ports: number[];
}

/** What a stack made so far; `track` removes at once what comes in after the stack was stopped. */
interface Tracker {
  track(id: string, name: string): void;
  /** Removes one container now and forgets it. */
  discard(id: string): Promise<void>;
}

/** "address already in use" from the engine when it binds a published port. */
const PORT_TAKEN = /address already in use/i;
const PORT_ATTEMPTS = 3;

/**
 * Starts one container through testcontainers. Its id is registered for removal the moment the
 * engine created it, before it even runs, so an interruption at any point leaves nothing behind.
 * The engine picks each published port when the container is created and binds it when it
 * starts: another program may take it in between (this machine runs many tests at once). Then
 * the container is removed and made again, like withPortRetry does for local servers.
 */
async function startContainer(run: RunEngine, runId: string, spec: ContainerSpec, tracker: Tracker): Promise<RunContainer> {
  for (let attempt = 1; ; attempt++) {
    let created: string | undefined;
    try {
      return await startContainerOnce(run, runId, spec, (id, name) => {
        created = id;
        tracker.track(id, name);
      });
    } catch (err) {
      if (attempt >= PORT_ATTEMPTS || !PORT_TAKEN.test(String((err as Error)?.message)) || created === undefined) throw err;
      await tracker.discard(created);
    }
  }
}

async function startContainerOnce(run: RunEngine, runId: string, spec: ContainerSpec, track: (id: string, name: string) => void): Promise<RunContainer> {
  const { tc } = run;
  const name = `mcp-slo-${runId}-${spec.role}-${++run.serial}`;
  class RunGenericContainer extends tc.GenericContainer {
    protected override async beforeContainerCreated(): Promise<void> {
      // testcontainers publishes on every interface (HostIp unset); the harness listens on
      // loopback only, and so do its containers.
      for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}) as { HostIp?: string; HostPort?: string }[][]) {
        for (const b of bindings) b.HostIp = "127.0.0.1";
      }
      // Only the run's network (withNetworkAliases would first attach the default network too).
      this.hostConfig.NetworkMode = spec.network;
      this.createOpts.NetworkingConfig = { EndpointsConfig: { [spec.network]: { Aliases: [spec.alias] } } };
    }
    protected override async containerCreated(containerId: string): Promise<void> {
      track(containerId, name);
    }
  }
  const container: GenericContainer = new RunGenericContainer(spec.image)
    .withName(name)
    .withLabels(runLabels(runId, spec.role))
    .withNetworkMode(spec.network)
    .withCommand(spec.command)
    .withEnvironment(spec.env ?? {})
    .withExposedPorts(...spec.ports)
    // The images are local (requireImages checked): this policy never asks for a pull, and
    // testcontainers only pulls an image it cannot find.
    .withPullPolicy({ shouldPull: () => false })
    // Readiness is ours (a real PING / SELECT 1 / API answer, below), not a healthcheck (they
    // never fire under Podman without systemd) and not testcontainers' port probe (it execs a
    // shell in the container).
    .withWaitStrategy(NO_WAIT);
  const started = await container.start();
  let ports = new Map<number, number>(spec.ports.map((p) => [p, started.getMappedPort(p)]));
  return {
    id: started.getId(),
    name,
    started,
    port: (p) => {
      const mapped = ports.get(p);
      if (mapped === undefined) throw new Error(`${name}: port ${p} is not published`);
      return mapped;
    },
    refreshPorts: async () => {
      const r = await run.engine.request<{ NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> } }>("GET", `/containers/${started.getId()}/json`);
      const next = new Map(ports);
      for (const p of spec.ports) {
        const b = r.body.NetworkSettings?.Ports?.[`${p}/tcp`]?.find((x) => x.HostIp === "127.0.0.1" || x.HostIp === "");
        if (b) next.set(p, Number(b.HostPort));
      }
      ports = next;
    },
  };
}

const NO_WAIT: WaitStrategy = {
  waitUntilReady: async () => undefined,
  withStartupTimeout() {
    return this;
  },
  isStartupTimeoutSet: () => false,
  getStartupTimeout: () => 0,
};

/** The last lines a container wrote (stdout and stderr), for error messages. */
async function logTail(engine: ContainerEngine, id: string, lines = 15): Promise<string[]> {
  try {
    const r = await engine.request<string>("GET", `/containers/${id}/logs?stdout=true&stderr=true&tail=${lines}`, { timeoutMs: 5000 });
    // Without a TTY the stream is multiplexed: 8-byte frame headers ([stream, 0, 0, 0, size32be]).
    // We asked for text, so strip them textually.
    return String(r.body)
      .replace(/[\u0000-\u0002]\u0000\u0000\u0000[\s\S]{4}/g, "")
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "")
      .slice(-lines);
  } catch {
    return [];
  }
}

async function inspectState(engine: ContainerEngine, id: string): Promise<{ Running: boolean; Paused: boolean; Status: string } | undefined> {
  const r = await engine.request<{ State?: { Running: boolean; Paused: boolean; Status: string } }>("GET", `/containers/${id}/json`, { timeoutMs: 5000 });
  return r.status === 200 ? r.body.State : undefined;
}

async function post(engine: ContainerEngine, path: string): Promise<void> {
  const r = await engine.request("POST", path, { timeoutMs: 60_000 });
  if (r.status >= 300) throw new Error(`POST ${path}: ${engineMessage(r)}`);
}

/** As post, where 304 (already stopped, already started) is what was wanted. */
async function postAllowing304(engine: ContainerEngine, path: string): Promise<void> {
  const r = await engine.request("POST", path, { timeoutMs: 60_000 });
  if (r.status >= 300 && r.status !== 304) throw new Error(`POST ${path}: ${engineMessage(r)}`);
}

/** Polls `check` until it resolves or `timeoutMs` passes; the error names the last problem and the container's log. */
async function waitReady<T>(engine: ContainerEngine, c: { id: string; name: string }, what: string, timeoutMs: number, check: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    const state = await inspectState(engine, c.id).catch(() => undefined);
    const gone = state !== undefined && !state.Running;
    if (gone || Date.now() >= deadline) {
      const log = await logTail(engine, c.id);
      throw new Error(
        `${what} in container ${c.name} ${gone ? `stopped (${state.Status}) before it was ready` : `was not ready within ${timeoutMs} ms`} (last: ${last})` +
          (log.length ? `; its last log lines:\n  ${log.join("\n  ")}` : ""),
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// --- backends --------------------------------------------------------------------------------------

function redisArgs(persistence: RedisPersistence): string[] {
  // The same settings as src/stack/local/redis.ts writes into its redis.conf, as flags. It binds
  // every interface *of the container*: the network and the 127.0.0.1-only published port.
  const args = ["--bind", "0.0.0.0", "--port", "6379", "--protected-mode", "no", "--dir", REDIS_DATA_DIR, "--dbfilename", "dump.rdb", "--loglevel", "notice"];
  switch (persistence) {
    case "none":
      return [...args, "--save", "", "--appendonly", "no"];
    case "rdb":
      return [...args, "--save", "1 1", "--appendonly", "no"];
    case "aof-everysec":
    case "aof-always":
      return [...args, "--save", "", "--appendonly", "yes", "--appendfsync", persistence === "aof-always" ? "always" : "everysec"];
  }
}

interface ContainerBackend {
  container: RunContainer;
  kind: BackingService;
  version: string;
  readonly url: string;
  /** Readiness (again): resolves once it answers. */
  ready(): Promise<string>;
  /** Called before the container goes away (kill, restart, stop): drop connections. */
  beforeDown?(): Promise<void>;
}

/**
 * A process fault's view of a container. BackendHandle's kill9/pause/resume are synchronous (a
 * local process is signalled at once); here each is an engine request, queued in order, so the
 * fault lands one API round trip after it is recorded: milliseconds normally, but Podman takes
 * its locks first, and while another podman command holds them (a `podman build`) it has been
 * seen to take seconds. restart() waits for the queue and reports any failure of it. isRunning() answers from what we did last and from an
 * inspect every second (a container can also die by itself).
 */
function containerHandle(engine: ContainerEngine, b: ContainerBackend): BackendHandle & { close(): void } {
  let queue: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  let state: "running" | "paused" | "exited" = "running";
  let generation = 0;
  const enqueue = (what: string, fn: () => Promise<void>) => {
    generation++;
    queue = queue.then(fn).catch((err: unknown) => {
      failure ??= new Error(`${what} of ${b.container.name} failed: ${(err as Error).message}`);
    });
  };
  const poll = setInterval(() => {
    const g = generation;
    void inspectState(engine, b.container.id)
      .then((s) => {
        if (s === undefined || g !== generation) return; // an action of ours came in between: it knows better
        state = s.Paused ? "paused" : s.Running ? "running" : "exited";
      })
      .catch(() => undefined);
  }, 1000);
  poll.unref();
  const id = b.container.id;
  return {
    kind: b.kind,
    get url() {
      return b.url;
    },
    kill9() {
      state = "exited";
      // At once, like SIGKILL to a local process; the observers' connections are renewed by restart().
      enqueue("kill -9", () => post(engine, `/containers/${id}/kill?signal=SIGKILL`));
    },
    pause() {
      if (state !== "running") return;
      state = "paused";
      enqueue("pause", () => post(engine, `/containers/${id}/pause`));
    },
    resume() {
      // Rollback calls resume() on every handle: only a container we paused is unpaused.
      if (state !== "paused") return;
      state = "running";
      enqueue("unpause", () => post(engine, `/containers/${id}/unpause`));
    },
    async restart() {
      generation++;
      await queue;
      const queued = failure;
      failure = undefined;
      await b.beforeDown?.();
      // A paused container cannot be restarted by every engine: thaw it first.
      const before = await inspectState(engine, id);
      if (before?.Paused) await post(engine, `/containers/${id}/unpause`);
      // Graceful like the local restart (SIGTERM, 10 s, SIGKILL); a killed container is already down.
      // Stop and start apart (not /restart), so the start, when the fault's cause goes, can be dated.
      if (before === undefined || before.Running || before.Paused) await postAllowing304(engine, `/containers/${id}/stop?t=10`);
      // Its process starts somewhere inside this request: dated when asked, so a probe can never seem to
      // recover before it; readiness is waited for apart.
      const spawnedAt = performance.now();
      await postAllowing304(engine, `/containers/${id}/start`);
      await b.container.refreshPorts();
      await b.ready();
      const readyAt = performance.now();
      state = "running";
      generation++;
      if (queued) throw queued;
      return { spawnedAt, readyAt };
    },
    isRunning: () => state !== "exited",
    close: () => clearInterval(poll),
  };
}

// --- Toxiproxy -------------------------------------------------------------------------------------

/**
 * A Toxiproxy proxy whose listen address, as the harness sees it, is the published host port
 * (127.0.0.1:P) while Toxiproxy itself listens on a pool port in the container. The fault
 * injector re-sends a hop's `listen` on update (hop-down): it is mapped back here, so Toxiproxy
 * is never asked to move the proxy.
 */
class PublishedProxy extends Proxy {
  constructor(
    toxiproxy: Toxiproxy,
    body: ConstructorParameters<typeof Proxy>[1],
    private readonly containerListen: string,
    private readonly hostListen: string,
  ) {
    super(toxiproxy, body);
  }
  override update(body: Parameters<Proxy["update"]>[0]): ReturnType<Proxy["update"]> {
    return super.update({ ...body, listen: body.listen === this.hostListen ? this.containerListen : body.listen });
  }
}

/** The container as the ManagedProcess StartedToxiproxy carries; signals go through the engine. */
function containerProcess(engine: ContainerEngine, c: RunContainer, image: string, remove: () => Promise<void>): ManagedProcess {
  let exitInfo: ExitInfo | undefined;
  let markExited: (info: ExitInfo) => void = () => undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    markExited = (info) => {
      exitInfo ??= info;
      resolve(info);
    };
  });
  return {
    name: c.name,
    command: image,
    resolvedCommand: image,
    args: [],
    pid: -1, // no process of ours: the engine's
    runAs: undefined,
    stdin: null,
    stdout: null,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    isRunning: () => exitInfo === undefined,
    signal(sig) {
      void post(engine, `/containers/${c.id}/kill?signal=${sig}`).catch(() => undefined);
    },
    async stop() {
      await remove();
      markExited({ code: null, signal: "SIGKILL" });
    },
    stderrTail: () => [],
    onLine: () => () => undefined,
  };
}

async function startContainerToxiproxy(run: RunEngine, c: RunContainer, image: string, remove: () => Promise<void>): Promise<StartedToxiproxy> {
  const apiUrl = `http://127.0.0.1:${c.port(TOXIPROXY_API_PORT)}`;
  const client = new Toxiproxy(apiUrl);
  const version = await waitReady(run.engine, c, "toxiproxy", TOXIPROXY_START_TIMEOUT_MS, () => client.getVersion());
  const hops = new Map<string, Hop>();
  const free = [...TOXIPROXY_POOL];
  const proc = containerProcess(run.engine, c, image, remove);
  return {
    apiUrl,
    version: String(version).trim(),
    client,
    process: proc,
    hops,
    async createHop(name, upstream) {
      const host = upstream.replace(/:\d+$/, "");
      if (/^(127\.|localhost$|\[?::1\]?$)/.test(host)) {
        throw new Error(`hop ${name}: Toxiproxy runs in a container and cannot reach ${upstream} on the harness's loopback (use --provider local)`);
      }
      const port = free.shift();
      if (port === undefined) throw new Error(`hop ${name}: the Toxiproxy container publishes ${TOXIPROXY_POOL.length} listen ports, all taken`);
      const body: ICreateProxyBody = { name, listen: `0.0.0.0:${port}`, upstream };
      const created = await client.createProxy(body);
      const listen = `127.0.0.1:${c.port(port)}`;
      // Toxiproxy reports the address it really listens on (e.g. "[::]:8666"): send that back on update.
      const proxy = new PublishedProxy(client, created.toJson(), created.listen, listen);
      const hop = { name, listen, upstream, proxy };
      hops.set(name, hop);
      return hop;
    },
    reset: () => client.reset(),
    stop: () => proc.stop(),
  };
}

/**
 * Two Toxiproxies seen as one: hops to 127.0.0.1 (the agents' hops to the harness's own HTTP
 * endpoints) on the local one, every other hop on the one in the container network. Faults find
 * a hop by name in `hops` and roll back with `reset`, whichever Toxiproxy holds it.
 */
function withLoopbackHops(inNetwork: StartedToxiproxy, local: StartedToxiproxy): StartedToxiproxy {
  const hops = new Map<string, Hop>([...inNetwork.hops, ...local.hops]);
  return {
    ...inNetwork,
    hops,
    async createHop(name, upstream) {
      const hop = await (/^(127\.|localhost:|\[::1\]:)/.test(upstream) ? local : inNetwork).createHop(name, upstream);
      hops.set(name, hop);
      return hop;
    },
    reset: async () => {
      await Promise.all([inNetwork.reset(), local.reset()]);
    },
    stop: async () => {
      await Promise.allSettled([inNetwork.stop(), local.stop()]);
    },
  };
}

// --- the provider ----------------------------------------------------------------------------------

function environmentError(what: string, err: unknown): HarnessError {
  if (err instanceof HarnessError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HarnessError("environment", `${what} could not start: ${message.split("\n")[0]}`, { details: message.split("\n").slice(1), hint: SETUP_HINT, cause: err });
}

export const dockerProvider: StackProvider = {
  name: "docker",
  describe: (registry) => described.get(registry),
  async start({ servers, extraNeeds, registry, seedRows, proxied, transport, redis: redisSettings, postgres: postgresSettings, upstream = { mode: "stand-in", behaviour: {} } }): Promise<Stack> {
    const needs = new Set<BackingService>([...servers.flatMap((d) => d.needs), ...extraNeeds]);
    // The agents' HTTP hops to the harness's own endpoints (127.0.0.1) need a Toxiproxy on this machine.
    const localHops = proxied && transport === "http";
    const startLocalToxiproxy = () => startToxiproxy({ registry }).catch((e: unknown) => Promise.reject(environmentError("Toxiproxy (for the agents' HTTP hops)", e)));
    const sandbox = await registry.makeTempDir("sandbox");
    const workdir = await registry.makeTempDir("work");
    await seedSandbox(sandbox);
    // Servers that call a SaaS API get its stand-in as a container of the run (none in live mode).
    const standInCallers = upstream.mode === "stand-in" ? upstreamServers(servers) : [];
    if (needs.size === 0 && standInCallers.length === 0) {
      // Nothing to run in a container (memory, filesystem, live APIs ... only): no engine is needed.
      const local = localHops ? await startLocalToxiproxy() : undefined;
      const ups = await startUpstreams({ servers, registry, options: upstream, toxiproxy: undefined });
      const stopAll = async () => {
        await Promise.allSettled([ups.stop(), local?.stop()]);
      };
      return { endpoints: { sandbox, workdir, upstream: ups.endpoint }, upstreams: ups.summaries, backends: [], handles: {}, ...(local && { toxiproxy: local }), stop: stopAll };
    }

    const run = await engineFor(registry).catch((e: unknown) => Promise.reject(environmentError("the container engine", e)));
    const { engine } = run;
    const runId = registry.runId;
    const wanted = [...(needs.has("redis") ? [IMAGES.redis] : []), ...(needs.has("postgres") ? [IMAGES.postgres] : []), ...(proxied ? [IMAGES.toxiproxy] : []), ...(standInCallers.length > 0 ? [HARNESS_IMAGE] : [])];
    const imageConfig = await requireImages(engine, wanted);

    // Everything this stack made, in creation order; removed in reverse by stop() or the registry.
    const containers: { id: string; name: string }[] = [];
    const networks: string[] = [];
    const handles: (BackendHandle & { close(): void })[] = [];
    let pool: pg.Pool | undefined;
    let upstreams: StartedUpstreams | undefined;
    let stopped: Promise<void> | undefined;
    const removeAll = async () => {
      handles.forEach((h) => h.close());
      await pool?.end().catch(() => undefined);
      await upstreams?.stop();
      // Each stays listed until the engine has removed it, so that a last-resort removeSync (a
      // second Ctrl-C meanwhile) asks again and waits for it instead of leaving it half removed.
      await Promise.allSettled(
        [...containers].reverse().map(async (c) => {
          await removeContainer(engine, c.id);
          const i = containers.indexOf(c);
          if (i >= 0) containers.splice(i, 1);
        }),
      );
      // A network still in use (a container made late, see track) stays listed for the next try.
      for (const n of [...networks].reverse()) {
        if (await removeNetwork(engine, n).then(() => true, () => false)) networks.splice(networks.indexOf(n), 1);
      }
    };
    const forget = registry.addResource({
      name: `containers of ${runId}`,
      dispose: () => (stopped ??= removeAll()),
      disposeSync: () => removeSync(engine.dockerHost, { containers: containers.map((c) => c.id), networks }),
    });
    let localToxiproxy: StartedToxiproxy | undefined;
    const stop = async () => {
      await Promise.allSettled([(stopped ??= removeAll()), localToxiproxy?.stop()]);
      forget();
    };
    const track: Tracker = {
      track: (id, name) => {
        containers.push({ id, name });
        // Made after the stack was stopped (a start still in flight when another failed, or
        // Ctrl-C): it goes at once.
        if (stopped !== undefined) void stopped.then(() => removeAll());
      },
      discard: async (id) => {
        const i = containers.findIndex((x) => x.id === id);
        if (i >= 0) containers.splice(i, 1);
        await removeContainer(engine, id);
      },
    };

    try {
      // One network per stack, labelled like the containers (testcontainers' Network takes no labels).
      const networkName = `mcp-slo-${runId}-net-${++run.serial}`;
      const created = await engine.request<{ Id?: string }>("POST", "/networks/create", {
        body: { Name: networkName, Driver: "bridge", CheckDuplicate: true, Internal: false, Labels: runLabels(runId, "network") },
      });
      if (created.status >= 300) throw environmentError(`the network ${networkName}`, new Error(engineMessage(created)));
      networks.push(networkName);

      // Redis has no password, like the local one: it answers only on the run's network and on
      // 127.0.0.1. PostgreSQL's image insists on one: a fresh one per stack.
      const pgPassword = randomBytes(12).toString("hex");
      const startRedis = async (): Promise<ContainerBackend> => {
        const c = await startContainer(run, runId, { role: "redis", image: IMAGES.redis, alias: "redis", network: networkName, command: commandFor(imageConfig.get(IMAGES.redis)!, "redis-server", redisArgs(redisSettings.persistence)), ports: [6379] }, track);
        const ready = () =>
          waitReady(engine, c, "redis-server", REDIS_START_TIMEOUT_MS, async () => {
            const pong = await respCommand(c.port(6379), ["PING"], 1000);
            if (pong !== "PONG") throw new Error(`PING answered ${JSON.stringify(pong)}`);
            return parseInfo(String(await respCommand(c.port(6379), ["INFO", "server"], 1000))).redis_version ?? "unknown";
          });
        const version = await ready();
        return {
          container: c,
          kind: "redis",
          version,
          get url() {
            return `redis://127.0.0.1:${c.port(6379)}`;
          },
          ready,
        };
      };
      const startPostgres = async (): Promise<ContainerBackend> => {
        const c = await startContainer(
          run,
          runId,
          {
            role: "postgres",
            image: IMAGES.postgres,
            alias: "postgres",
            network: networkName,
            // The same server settings as src/stack/local/postgres.ts.
            command: commandFor(imageConfig.get(IMAGES.postgres)!, "postgres", [
              "-c", "listen_addresses=*",
              "-c", "fsync=on",
              "-c", `synchronous_commit=${postgresSettings.synchronousCommit}`,
              "-c", "max_connections=200",
              "-c", "shared_buffers=128MB",
            ]),
            env: { POSTGRES_USER, POSTGRES_PASSWORD: pgPassword, POSTGRES_DB },
            ports: [5432],
          },
          track,
        );
        const conn = () => ({ host: "127.0.0.1", port: c.port(5432), user: POSTGRES_USER, password: pgPassword, database: POSTGRES_DB });
        const ready = () =>
          waitReady(engine, c, "postgres", POSTGRES_START_TIMEOUT_MS, async () => {
            // The image's first start initialises the cluster with a server on its Unix socket only,
            // then starts the real one: an answer over TCP comes from the real one.
            const client = new pg.Client({ ...conn(), connectionTimeoutMillis: 1000 });
            client.on("error", () => undefined);
            try {
              await client.connect();
              await client.query("SELECT 1");
              return (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version ?? "unknown";
            } finally {
              await client.end().catch(() => undefined);
            }
          });
        const version = await ready();
        const newPool = () => {
          const p = new pg.Pool({ ...conn(), max: 4, connectionTimeoutMillis: 5000 });
          // An idle client whose server went away (kill, restart) emits 'error' on the pool: the next query reports it instead.
          p.on("error", () => undefined);
          return p;
        };
        pool = newPool();
        return {
          container: c,
          kind: "postgres",
          version,
          get url() {
            return `postgresql://${POSTGRES_USER}:${pgPassword}@127.0.0.1:${c.port(5432)}/${POSTGRES_DB}`;
          },
          ready,
          beforeDown: async () => {
            const old = pool;
            pool = newPool();
            await old?.end().catch(() => undefined);
          },
        };
      };
      const startProxy = async (): Promise<StartedToxiproxy> => {
        const config = imageConfig.get(IMAGES.toxiproxy)!;
        const c = await startContainer(
          run,
          runId,
          {
            role: "toxiproxy",
            image: IMAGES.toxiproxy,
            alias: "toxiproxy",
            network: networkName,
            command: commandFor(config, "toxiproxy", ["-host=0.0.0.0", `-port=${TOXIPROXY_API_PORT}`]),
            ports: [TOXIPROXY_API_PORT, ...TOXIPROXY_POOL],
          },
          track,
        );
        return startContainerToxiproxy(run, c, IMAGES.toxiproxy, () => track.discard(c.id));
      };

      // allSettled, not all: when one fails, stop() must run only after the others have made
      // whatever they make, or a container created a moment later would be missed.
      const settled = await Promise.allSettled([
        needs.has("redis") ? startRedis().catch((e: unknown) => Promise.reject(environmentError("the Redis container", e))) : undefined,
        needs.has("postgres") ? startPostgres().catch((e: unknown) => Promise.reject(environmentError("the PostgreSQL container", e))) : undefined,
        proxied ? startProxy().catch((e: unknown) => Promise.reject(environmentError("the Toxiproxy container", e))) : undefined,
        localHops ? startLocalToxiproxy().then((t) => ((localToxiproxy = t), t)) : undefined,
      ] as const);
      for (const x of settled) if (x.status === "rejected") throw x.reason;
      const [redis, postgres, inNetwork, local] = settled.map((x) => (x.status === "fulfilled" ? x.value : undefined)) as [ContainerBackend | undefined, ContainerBackend | undefined, StartedToxiproxy | undefined, StartedToxiproxy | undefined];
      const toxiproxy = inNetwork && local ? withLoopbackHops(inNetwork, local) : inNetwork;
      const query = (sql: string, params?: unknown[]) => pool!.query(sql, params);
      if (postgres) await seedPostgres({ query }, seedRows);

      const hopUrls = new Map<string, string>();
      if (toxiproxy) {
        // Toxiproxy reaches the backends by alias on the run's network (names survive a restart).
        const inside: Partial<Record<BackingService, string>> = { ...(redis && { redis: "redis:6379" }), ...(postgres && { postgres: "postgres:5432" }) };
        const direct: Partial<Record<BackingService, string>> = { ...(redis && { redis: redis.url }), ...(postgres && { postgres: postgres.url }) };
        const hops = servers.flatMap((d) => d.needs.map((service) => ({ server: d.name, service })));
        // The harness's own PostgreSQL writer (RPO) is a client like any server: its hop can be faulted too.
        if (postgres && extraNeeds.includes("postgres")) hops.push({ server: "harness", service: "postgres" });
        for (const { server, service } of hops) {
          const hop = await toxiproxy.createHop(`${server}->${service}`, inside[service]!);
          const u = new URL(direct[service]!);
          u.host = hop.listen;
          hopUrls.set(`${server}->${service}`, u.toString().replace(/\/$/, ""));
        }
      }
      // Each stand-in a container of the harness image on the network; startUpstreams puts each
      // caller's hop `<server>-><api>` in front of it (upstream standin-<api>:8080) when proxied.
      const startStandInContainer: StandInStarter = async ({ api, behaviour }) => {
        const alias = `standin-${api}`;
        const c = await startContainer(
          run,
          runId,
          {
            role: alias,
            image: HARNESS_IMAGE,
            alias,
            network: networkName,
            // The image's workdir is the project (/app); the same command as src/standins/start.ts, on the container's interfaces.
            command: commandFor(imageConfig.get(HARNESS_IMAGE)!, "node", ["--import", "tsx", "src/standins/main.ts", ...standInArgs(api, behaviour), "--host", "0.0.0.0", "--port", String(STANDIN_PORT), "--allow-non-loopback"]),
            ports: [STANDIN_PORT],
          },
          track,
        );
        const url = `http://127.0.0.1:${c.port(STANDIN_PORT)}`;
        const stats = async (): Promise<StandInStats> => {
          const r = await fetch(`${url}${CONTROL_PREFIX}/stats`, { signal: AbortSignal.timeout(2000) });
          if (!r.ok) throw new Error(`GET ${CONTROL_PREFIX}/stats answered HTTP ${r.status}`);
          return (await r.json()) as StandInStats;
        };
        // Ready: it answers a real request; its title and payloads are on its ready line (stdout, in its log).
        const ready = await waitReady(engine, c, `the ${api} stand-in`, STANDIN_START_TIMEOUT_MS, async () => {
          await stats();
          const line = (await logTail(engine, c.id, 50)).find((l) => l.includes(READY_PREFIX));
          if (line === undefined) throw new Error("it answered, but its ready line is not in its log yet");
          return JSON.parse(line.slice(line.indexOf(READY_PREFIX) + READY_PREFIX.length)) as { title: string; payloads: string };
        });
        let running = true;
        return {
          api,
          title: ready.title,
          payloads: ready.payloads,
          url,
          upstream: `${alias}:${STANDIN_PORT}`,
          isRunning: () => running,
          stats,
          stop: async () => {
            running = false;
            await track.discard(c.id);
          },
        };
      };
      upstreams = await startUpstreams({ servers, registry, options: upstream, toxiproxy, startStandIn: (o) => startStandInContainer(o).catch((e: unknown) => Promise.reject(environmentError(`the ${o.api} stand-in container`, e))) });

      const backends: BackendInfo[] = [];
      const on = `${engine.kind} ${engine.version}`;
      if (redis) backends.push({ kind: "redis", version: redis.version, endpoint: `127.0.0.1:${redis.container.port(6379)}`, settings: { persistence: REDIS_DURABILITY[redisSettings.persistence], container: `${IMAGES.redis} on ${on}` } });
      if (postgres) backends.push({ kind: "postgres", version: postgres.version, endpoint: `127.0.0.1:${postgres.container.port(5432)}`, settings: { synchronous_commit: postgresSettings.synchronousCommit, fsync: "on", container: `${IMAGES.postgres} on ${on}` } });
      const redisHandle = redis && containerHandle(engine, redis);
      const postgresHandle = postgres && containerHandle(engine, postgres);
      if (redisHandle) handles.push(redisHandle);
      if (postgresHandle) handles.push(postgresHandle);
      const r = redis;
      const ups = upstreams;
      return {
        endpoints: stackEndpoints({ sandbox, workdir, redisUrl: redis?.url, postgresUrl: postgres?.url, hopUrls, upstreams: ups }),
        upstreams: ups.summaries,
        backends,
        handles: { ...(redisHandle && { redis: redisHandle }), ...(postgresHandle && { postgres: postgresHandle }) },
        ...(toxiproxy && { toxiproxy }),
        ...(r && {
          redisInfo: async (section: string) => parseInfo(String(await respCommand(r.container.port(6379), ["INFO", section]))),
          redisCommand: (args: readonly (string | number)[]) => respCommand(r.container.port(6379), args),
        }),
        ...(postgres && { postgresQuery: query }),
        stop,
      };
    } catch (err) {
      await stop();
      throw err;
    }
  },
};
