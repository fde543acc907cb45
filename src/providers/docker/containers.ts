/**
 * The containers and the network of one stack of `--provider docker`:
 *
 *  - One user-defined network per stack; containers reach each other by alias (redis, postgres,
 *    toxiproxy, standin-<api>). Every container and network carries the run's labels (reaper.ts).
 *  - Containers are made through testcontainers, with ports published on 127.0.0.1 only (it binds
 *    every interface unless told), nothing pulled, and no wait strategy: readiness is a real answer
 *    (waitForContainer), not a healthcheck (they never fire under Podman without systemd) and not
 *    testcontainers' port probe (it execs a shell in the container).
 *  - One that process faults kill and start again (Redis, PostgreSQL) lives in the network namespace
 *    of a holder container, which keeps its address, alias and published ports across restarts
 *    (ContainerSpec.restartable).
 *  - Each is registered for removal the moment the engine created it; stop() removes every one and
 *    the network, and so do the run's ResourceRegistry (Ctrl-C, crash) and, synchronously, its last
 *    resort (a second Ctrl-C).
 */
import http from "node:http";
import type { Container } from "dockerode";
import type { GenericContainer, WaitStrategy } from "testcontainers";
import type { ResourceRegistry } from "../../stack/resource-registry.js";
import { waitUntilReady } from "../../stack/readiness.js";
import { engineAddress, engineMessage, environmentError, withDeadline } from "./engine.js";
import { HOLDER_ROLE_SUFFIX, removeContainer, removeNetwork, removeSync, runLabels } from "./reaper.js";
import type { RunEngine } from "./run-engine.js";

/** A container of the stack: its id, how to find its published ports, and the engine's handle on it. */
export interface RunContainer {
  readonly id: string;
  readonly name: string;
  readonly docker: Container;
  /** The 127.0.0.1 port a container port is published on (re-read after a restart: Docker may pick a new one). */
  port(containerPort: number): number;
  refreshPorts(): Promise<void>;
}

export interface ContainerSpec {
  role: string;
  image: string;
  alias: string;
  command: string[];
  env?: Record<string, string>;
  ports: number[];
  /**
   * Process faults kill it and start it again. A container started again gets a new address on its
   * network (Podman hands out the next free one), so every name lookup of it must be answered again,
   * and Podman's aardvark-dns, reloaded as the container leaves and joins, drops lookups meanwhile:
   * Toxiproxy's dial of "redis:6379" then waited out a 5 s resolver timeout, answered "no such
   * host", and the MCP server's client, backing off 1, 2, 4, 8, 16 s, had given up before Redis was
   * reachable again (seen: a kill -9 that never recovered). So such a container lives in the network
   * namespace of a holder container that stays up, as a Kubernetes pod's containers live in its
   * pause container's: the address, the alias and the published ports are the holder's and outlive
   * every restart, as the local provider's 127.0.0.1 port does.
   */
  restartable?: boolean;
}

/** One container the stack made: a holder (ContainerSpec.restartable) is removed after every other, which Podman insists on. */
interface Tracked {
  id: string;
  name: string;
  alias?: string;
  /** The holder of this container's network namespace, removed with it by discard(). */
  holder?: string;
  isHolder?: boolean;
}

/** "address already in use" from the engine when it binds a published port. */
const PORT_TAKEN = /address already in use/i;
const PORT_ATTEMPTS = 3;
const CALL_TIMEOUT_MS = 60_000;
const INSPECT_TIMEOUT_MS = 5000;

const NO_WAIT: WaitStrategy = {
  waitUntilReady: async () => undefined,
  withStartupTimeout() {
    return this;
  },
  isStartupTimeoutSet: () => false,
  getStartupTimeout: () => 0,
};

/** How #startOnce makes a container beyond its spec: as a holder (ContainerSpec.restartable), or in a holder's network namespace. */
interface StartHow {
  holder?: boolean;
  namespaceOf?: string;
}

/** Everything one stack made, in creation order; removed in reverse by stop() or the run's registry. */
export class StackContainers {
  readonly #run: RunEngine;
  readonly #runId: string;
  readonly #containers: Tracked[] = [];
  readonly #networks: string[] = [];
  /** Run before the containers go (a handle's timer, a connection pool). */
  readonly #beforeRemoval: (() => Promise<void> | void)[] = [];
  #stopped: Promise<void> | undefined;
  readonly #forget: () => void;
  #network: string | undefined;

  constructor(run: RunEngine, registry: ResourceRegistry) {
    this.#run = run;
    this.#runId = registry.runId;
    this.#forget = registry.addResource({
      name: `containers of ${this.#runId}`,
      dispose: () => this.stop(),
      disposeSync: () =>
        removeSync(run.engine.dockerHost, {
          containers: this.#containers.filter((c) => !c.isHolder).map((c) => c.id),
          holders: this.#containers.filter((c) => c.isHolder).map((c) => c.id),
          networks: this.#networks,
        }),
    });
  }

  get run(): RunEngine {
    return this.#run;
  }

  get runId(): string {
    return this.#runId;
  }

  /** A container made outside start() (a server session's, server-containers.ts): removed with the stack. */
  adopt(id: string, name: string): void {
    this.#track({ id, name });
  }

  /** The stack's network (made by createNetwork). */
  get network(): string {
    if (this.#network === undefined) throw new Error("the stack's network was not made yet");
    return this.#network;
  }

  /** One network per stack, labelled like the containers (testcontainers' Network takes no labels). */
  async createNetwork(): Promise<string> {
    const name = `mcp-slo-${this.#runId}-net-${++this.#run.serial}`;
    try {
      await withDeadline(`creating network ${name}`, CALL_TIMEOUT_MS, (abortSignal) =>
        this.#run.engine.docker.createNetwork({
          Name: name,
          Driver: "bridge",
          CheckDuplicate: true,
          Internal: false,
          Labels: runLabels(this.#runId, "network"),
          abortSignal,
        }),
      );
    } catch (err) {
      throw environmentError(`the network ${name}`, new Error(engineMessage(err), { cause: err }));
    }
    this.#networks.push(name);
    this.#network = name;
    return name;
  }

  /**
   * A second network for the MCP sessions' containers, without the engine's DNS. Podman's
   * aardvark-dns is reloaded each time a container joins or leaves a network that has DNS, and a
   * lookup that arrives meanwhile is lost (seen: 10 s for one lookup, two resolver timeouts, while
   * containers came and went); sessions come and go all run long (one container each, more under
   * faults and churn), and every new connection through Toxiproxy resolves its upstream. So the
   * sessions live on a network of their own, which the engine's DNS does not serve, and find the
   * stack's services by /etc/hosts entries (sessionHosts); the stack's network and its DNS see no
   * session come or go. Docker's DNS is in the daemon and reloads nothing: the same layout there is
   * merely harmless.
   */
  async createSessionsNetwork(): Promise<string> {
    const name = `mcp-slo-${this.#runId}-sessions-${++this.#run.serial}`;
    const engine = this.#run.engine;
    const labels = runLabels(this.#runId, "network");
    try {
      await withDeadline(`creating network ${name}`, CALL_TIMEOUT_MS, (abortSignal) =>
        engine.kind === "podman"
          ? // Only Podman's own API can make a network without DNS (the Docker-compatible one always has it).
            libpodRequest(engine.dockerHost, "POST", "/v4.0.0/libpod/networks/create", { name, driver: "bridge", dns_enabled: false, labels }, abortSignal)
          : engine.docker.createNetwork({ Name: name, Driver: "bridge", CheckDuplicate: true, Labels: labels, abortSignal }),
      );
    } catch (err) {
      throw environmentError(`the network ${name}`, new Error(engineMessage(err), { cause: err }));
    }
    this.#networks.push(name);
    return name;
  }

  /** Each service's join to the sessions' network, once (sessions start many at a time). */
  readonly #joined = new Map<string, Promise<unknown>>();

  /**
   * The stack's services (Redis, PostgreSQL, Toxiproxy, the stand-ins) joined to `network` (once
   * each), and their addresses there as /etc/hosts lines ("alias:ip"), read afresh: a restarted
   * container may get another address.
   */
  async sessionHosts(network: string): Promise<string[]> {
    const docker = this.#run.engine.docker;
    const services = this.#containers.filter((c) => c.alias !== undefined);
    const hosts = await Promise.all(
      services.map(async (c) => {
        let joined = this.#joined.get(c.id);
        if (joined === undefined) {
          joined = withDeadline(`connecting ${c.name} to ${network}`, CALL_TIMEOUT_MS, () => docker.getNetwork(network).connect({ Container: c.id }));
          // A failed join is asked again by the next session.
          joined.catch(() => this.#joined.delete(c.id));
          this.#joined.set(c.id, joined);
        }
        await joined;
        const info = await withDeadline(`inspecting ${c.name}`, CALL_TIMEOUT_MS, (abortSignal) => docker.getContainer(c.id).inspect({ abortSignal }));
        const ip = info.NetworkSettings?.Networks?.[network]?.IPAddress;
        return ip ? [`${c.alias}:${ip}`] : [];
      }),
    );
    return hosts.flat();
  }

  /** Runs `fn` before the containers are removed, however the stack ends. */
  beforeRemoval(fn: () => Promise<void> | void): void {
    this.#beforeRemoval.push(fn);
  }

  /**
   * Starts one container of the stack (a restartable one after its holder). The engine picks each
   * published port when the container is created and binds it when it starts: another program may
   * take it in between (this machine runs many tests at once). Then the container is removed and
   * made again, like withPortRetry does for local servers.
   */
  async start(spec: ContainerSpec): Promise<RunContainer> {
    if (!spec.restartable) return this.#startWithPortRetry(spec, {});
    const holder = await this.#startWithPortRetry(
      { role: `${spec.role}${HOLDER_ROLE_SUFFIX}`, image: spec.image, alias: spec.alias, command: ["infinity"], ports: spec.ports },
      { holder: true },
    );
    const inner = await this.#startWithPortRetry({ ...spec, ports: [] }, { namespaceOf: holder.id });
    return { ...inner, port: holder.port, refreshPorts: holder.refreshPorts };
  }

  async #startWithPortRetry(spec: ContainerSpec, how: StartHow): Promise<RunContainer> {
    for (let attempt = 1; ; attempt++) {
      let created: string | undefined;
      try {
        return await this.#startOnce(spec, how, (id, name) => {
          created = id;
          this.#track({
            id,
            name,
            ...(how.namespaceOf === undefined && { alias: spec.alias }),
            ...(how.namespaceOf !== undefined && { holder: how.namespaceOf }),
            ...(how.holder && { isHolder: true }),
          });
        });
      } catch (err) {
        if (attempt >= PORT_ATTEMPTS || !PORT_TAKEN.test(String((err as Error)?.message)) || created === undefined) throw err;
        await this.discard(created);
      }
    }
  }

  /**
   * Host PIDs of the stack's running containers' main processes (the engine's State.Pid; 0 for a
   * stopped one is left out), so the machine's load outside the run leaves the stack out. Asked at
   * the moment, since a restarted container has a new process.
   */
  async hostPids(): Promise<number[]> {
    const engine = this.#run.engine;
    const pids = await Promise.all(
      this.#containers.map(async (c) => {
        try {
          const info = await withDeadline(`inspecting ${c.name}`, INSPECT_TIMEOUT_MS, (abortSignal) =>
            engine.docker.getContainer(c.id).inspect({ abortSignal }),
          );
          return info.State?.Pid ?? 0;
        } catch {
          return 0;
        }
      }),
    );
    return pids.filter((p) => p > 0);
  }

  /** Removes one container now, then its holder, and forgets them. */
  async discard(id: string): Promise<void> {
    const i = this.#containers.findIndex((x) => x.id === id);
    const holder = i >= 0 ? this.#containers[i]!.holder : undefined;
    if (i >= 0) this.#containers.splice(i, 1);
    await removeContainer(this.#run.engine, id);
    if (holder !== undefined) await this.discard(holder);
  }

  /** Removes every container and the network (once; later calls wait for the same). */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await Promise.allSettled(this.#beforeRemoval.map(async (fn) => fn()));
      await this.#removeAll();
      this.#forget();
    })();
    return this.#stopped;
  }

  async #removeAll(): Promise<void> {
    const engine = this.#run.engine;
    // Each stays listed until the engine has removed it, so that a last-resort removeSync (a
    // second Ctrl-C meanwhile) asks again and waits for it instead of leaving it half removed.
    // Holders last: Podman refuses to remove one while a container still lives in its namespace.
    for (const holders of [false, true]) {
      await Promise.allSettled(
        this.#containers
          .filter((c) => (c.isHolder ?? false) === holders)
          .reverse()
          .map(async (c) => {
            await removeContainer(engine, c.id);
            const i = this.#containers.indexOf(c);
            if (i >= 0) this.#containers.splice(i, 1);
          }),
      );
    }
    // A network still in use (a container made late, see #track) stays listed for the next try.
    for (const n of [...this.#networks].reverse()) {
      if (
        await removeNetwork(engine, n).then(
          () => true,
          () => false,
        )
      )
        this.#networks.splice(this.#networks.indexOf(n), 1);
    }
  }

  /** Registered the moment the engine created it, before it even runs, so an interruption at any point leaves nothing behind. */
  #track(c: Tracked): void {
    this.#containers.push(c);
    // Made after the stack was stopped (a start still in flight when another failed, or Ctrl-C): it goes at once.
    if (this.#stopped !== undefined) void this.#stopped.then(() => this.#removeAll());
  }

  async #startOnce(spec: ContainerSpec, how: StartHow, track: (id: string, name: string) => void): Promise<RunContainer> {
    const run = this.#run;
    // In a holder's namespace it has no network, alias or published port of its own: they are the holder's.
    const network = how.namespaceOf === undefined ? this.network : `container:${how.namespaceOf}`;
    const name = `mcp-slo-${this.#runId}-${spec.role}-${++run.serial}`;
    class RunGenericContainer extends run.tc.GenericContainer {
      protected override async beforeContainerCreated(): Promise<void> {
        // testcontainers publishes on every interface (HostIp unset); the harness listens on
        // loopback only, and so do its containers.
        for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}) as { HostIp?: string; HostPort?: string }[][]) {
          for (const b of bindings) b.HostIp = "127.0.0.1";
        }
        // Only the run's network (withNetworkAliases would first attach the default network too).
        this.hostConfig.NetworkMode = network;
        if (how.namespaceOf === undefined) this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: [spec.alias] } } };
        // `sleep` as PID 1 ignores SIGTERM: a removal would wait out the engine's 10 s stop timeout first.
        if (how.holder) this.createOpts.StopSignal = "SIGKILL";
      }
      protected override async containerCreated(containerId: string): Promise<void> {
        track(containerId, name);
      }
    }
    let container: GenericContainer = new RunGenericContainer(spec.image)
      .withName(name)
      .withLabels(runLabels(this.#runId, spec.role))
      .withNetworkMode(network)
      .withCommand(spec.command)
      .withEnvironment(spec.env ?? {})
      .withExposedPorts(...spec.ports)
      // The images are local (requireImages checked): this policy never asks for a pull, and
      // testcontainers only pulls an image it cannot find.
      .withPullPolicy({ shouldPull: () => false })
      .withWaitStrategy(NO_WAIT);
    // Any program that waits forever will do: the image's own `sleep infinity`, so no other image is needed.
    if (how.holder) container = container.withEntrypoint(["sleep"]);
    const started = await container.start();
    const docker = run.engine.docker.getContainer(started.getId());
    let ports = new Map<number, number>(spec.ports.map((p) => [p, started.getMappedPort(p)]));
    return {
      id: started.getId(),
      name,
      docker,
      port: (p) => {
        const mapped = ports.get(p);
        if (mapped === undefined) throw new Error(`${name}: port ${p} is not published`);
        return mapped;
      },
      refreshPorts: async () => {
        const info = await withDeadline(`inspecting ${name}`, CALL_TIMEOUT_MS, (abortSignal) => docker.inspect({ abortSignal }));
        const next = new Map(ports);
        for (const p of spec.ports) {
          const b = info.NetworkSettings?.Ports?.[`${p}/tcp`]?.find((x) => x.HostIp === "127.0.0.1" || x.HostIp === "");
          if (b) next.set(p, Number(b.HostPort));
        }
        ports = next;
      },
    };
  }
}

/** A request to Podman's own API (what the Docker-compatible one cannot say); rejects with the engine's message. */
function libpodRequest(dockerHost: string, method: string, path: string, body: unknown, abortSignal: AbortSignal): Promise<unknown> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...engineAddress(dockerHost),
        path,
        method,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) },
        signal: abortSignal,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => {
          if ((res.statusCode ?? 500) >= 300) reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${text.trim()}`), { statusCode: res.statusCode }));
          else resolve(text ? JSON.parse(text) : undefined);
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

export interface ContainerState {
  Running: boolean;
  Paused: boolean;
  Status: string;
}

/** Running, paused or exited, as the engine has it now; undefined when it does not know the container. */
export async function inspectState(c: Pick<RunContainer, "docker" | "name">): Promise<ContainerState | undefined> {
  try {
    return (await withDeadline(`inspecting ${c.name}`, INSPECT_TIMEOUT_MS, (abortSignal) => c.docker.inspect({ abortSignal }))).State;
  } catch {
    return undefined;
  }
}

/** The last lines a container wrote (stdout and stderr), for error messages. */
export async function logTail(c: Pick<RunContainer, "docker" | "name">, lines = 15): Promise<string[]> {
  try {
    const log = await withDeadline(`logs of ${c.name}`, INSPECT_TIMEOUT_MS, (abortSignal) =>
      c.docker.logs({ stdout: true, stderr: true, tail: lines, follow: false, abortSignal }),
    );
    return demultiplex(log)
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "")
      .slice(-lines);
  } catch {
    return [];
  }
}

/**
 * A log without a TTY comes multiplexed: frames of an 8-byte header ([stream 0-2, 0, 0, 0, size
 * 32-bit big-endian]) and their payload. dockerode's demuxStream needs a stream; this is a buffer.
 */
export function demultiplex(log: Buffer): string {
  const frames: Buffer[] = [];
  let at = 0;
  while (at + 8 <= log.length && log[at]! <= 2 && log[at + 1] === 0 && log[at + 2] === 0 && log[at + 3] === 0) {
    const size = log.readUInt32BE(at + 4);
    frames.push(log.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  // Not multiplexed (a TTY) from the start: the text as it is.
  return at === 0 ? log.toString("utf8") : Buffer.concat(frames).toString("utf8");
}

/**
 * Waits until `check` answers for the process in container `c`; the error names the last problem
 * and the container's log, and comes at once when the container stopped.
 */
export async function waitForContainer<T>(c: Pick<RunContainer, "docker" | "name">, what: string, timeoutMs: number, check: () => Promise<T>): Promise<T> {
  let failed = false;
  try {
    return await waitUntilReady(
      () =>
        check().catch((err: unknown) => {
          failed = true;
          throw err;
        }),
      {
        what: `${what} in container ${c.name} was not ready`,
        timeoutMs,
        intervalMs: 100,
        // Asked only once an answer failed: the engine's inspect is no part of a quick start.
        alive: async (last) => {
          if (!failed) return;
          const state = await inspectState(c);
          if (state !== undefined && !state.Running)
            throw new Error(`${what} in container ${c.name} stopped (${state.Status}) before it was ready (last: ${last})`);
        },
      },
    );
  } catch (err) {
    const log = await logTail(c);
    throw new Error(`${(err as Error).message}${log.length ? `; its last log lines:\n  ${log.join("\n  ")}` : ""}`, { cause: err });
  }
}
