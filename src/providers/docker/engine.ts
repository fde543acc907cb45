/**
 * Finds a Docker-compatible container engine for one run of `--provider docker`:
 *
 *  1. DOCKER_HOST, when set and it answers GET /_ping;
 *  2. else /var/run/docker.sock, when it answers;
 *  3. else, when `podman` is on PATH, `podman system service --time=0 unix://<run temp dir>/podman.sock`
 *     started as a managed process of the run (spawnManaged + the run's ResourceRegistry, so it is
 *     stopped with the run and killed by the kernel if the harness dies), with the project's
 *     containers/containers.conf and registries.conf (and containers/storage.conf when there is one).
 *
 * When none works the error names each thing tried and why it failed.
 *
 * The harness talks to the engine through dockerode, the client testcontainers itself uses (so it
 * works the same for Docker and Podman, with no CLI). testcontainers reads its engine from the
 * environment once per process and keeps it: we set DOCKER_HOST for it (plus
 * TESTCONTAINERS_HOST_OVERRIDE and TESTCONTAINERS_RYUK_DISABLED, see exposeToTestcontainers) before
 * the provider first imports it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { HarnessError } from "../../errors.js";
import { PROJECT_ROOT } from "../../project-root.js";
import { spawnManaged, type ManagedProcess } from "../../stack/managed-process.js";
import { waitUntilReady } from "../../stack/readiness.js";
import type { ResourceRegistry } from "../../stack/resource-registry.js";
import { resolveExecutable } from "../../util/executable.js";
import { rejectOnAbort } from "../../util/race.js";

export type EngineKind = "docker" | "podman";

export interface ContainerEngine {
  /** unix:///path/to.sock or tcp://host:port, as DOCKER_HOST spells it. */
  readonly dockerHost: string;
  readonly kind: EngineKind;
  /** The engine's own version (GET /version), e.g. "4.3.1". */
  readonly version: string;
  /** How it was found, for the report: "DOCKER_HOST", "/var/run/docker.sock" or "podman system service started for this run". */
  readonly source: string;
  /** The podman service process, when this run started one. */
  readonly service: ManagedProcess | undefined;
  /** The engine's API. Bound each call with withDeadline: a busy Podman can take its time. */
  readonly docker: Docker;
  /** Stops what this run started for the engine (the podman service); nothing for an engine that was already running. */
  stop(): Promise<void>;
}

/** Where the project keeps its container engine configuration (written by scripts/setup-containers.sh). */
export const CONTAINERS_CONF = join(PROJECT_ROOT, "containers", "containers.conf");
export const CONTAINERS_REGISTRIES_CONF = join(PROJECT_ROOT, "containers", "registries.conf");
export const CONTAINERS_STORAGE_CONF = join(PROJECT_ROOT, "containers", "storage.conf");

export const SETUP_HINT = "run `bash scripts/setup-containers.sh` (installs Podman and builds the Redis, PostgreSQL, Toxiproxy and harness images locally)";

const PING_TIMEOUT_MS = 2000;
const PODMAN_START_TIMEOUT_MS = 30_000;

/** A dockerode client for a DOCKER_HOST value (unix:// or tcp:// without TLS); `timeoutMs` bounds every request of it. */
export function dockerClient(dockerHost: string, timeoutMs?: number): Docker {
  const timeout = timeoutMs !== undefined ? { timeout: timeoutMs } : {};
  const at = engineAddress(dockerHost);
  return new Docker("socketPath" in at ? { ...at, ...timeout } : { ...at, protocol: "http", ...timeout });
}

/** Where a DOCKER_HOST value's engine listens, as node:http and dockerode take it (unix:// or tcp:// without TLS). */
export function engineAddress(dockerHost: string): { socketPath: string } | { host: string; port: number } {
  const u = new URL(dockerHost);
  if (u.protocol === "unix:") return { socketPath: u.pathname };
  if (u.protocol === "tcp:" || u.protocol === "http:") return { host: u.hostname, port: Number(u.port || 2375) };
  throw new Error(`unsupported DOCKER_HOST ${dockerHost} (only unix:// and tcp:// without TLS)`);
}

/**
 * One engine call, given up after `timeoutMs` with an error that says so. The call gets the abort
 * signal to drop its request; a call dockerode gives no signal to (ping, image inspect) is made on
 * a client with its own timeout (dockerClient's timeoutMs), which drops the connection.
 */
export async function withDeadline<T>(what: string, timeoutMs: number, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const abortSignal = AbortSignal.timeout(timeoutMs);
  const timedOut = rejectOnAbort(abortSignal, () => new Error(`${what}: no answer within ${timeoutMs} ms`));
  try {
    return await Promise.race([call(abortSignal), timedOut.promise]);
  } finally {
    timedOut.dispose();
  }
}

/** The engine's HTTP status of a failed call (dockerode puts it on the error), e.g. 404 for "no such container". */
export function engineStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** "HTTP 404 no such container: ..." from an engine error (Docker and Podman alike answer { message }), else the error's message. */
export function engineMessage(err: unknown): string {
  const status = engineStatus(err);
  const message = (err as { json?: { message?: unknown } } | undefined)?.json?.message;
  if (status !== undefined) return `HTTP ${status} ${typeof message === "string" ? message : (err as Error).message}`;
  return errorText(err);
}

/** Resolves with the engine's kind and version when `dockerHost` answers /_ping with OK; rejects saying why not. */
export async function probeEngine(dockerHost: string, timeoutMs = PING_TIMEOUT_MS): Promise<{ kind: EngineKind; version: string }> {
  // dockerode's ping() and version() take no abort signal: the client's own timeout drops them.
  const docker = dockerClient(dockerHost, timeoutMs);
  const ping = await withDeadline<unknown>("GET /_ping", timeoutMs, () => docker.ping());
  if (String(ping).trim() !== "OK") throw new Error(`/_ping answered ${String(ping).trim().slice(0, 300)}`);
  const v = await withDeadline("GET /version", timeoutMs, () => docker.version());
  const podman = v.Components?.find((c) => /podman/i.test(c.Name ?? ""));
  return { kind: podman ? "podman" : "docker", version: podman?.Version ?? v.Version ?? "unknown" };
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code} (${e.message})` : e instanceof Error ? e.message : String(err);
}

/** The environment the podman service (and anyone inspecting its containers with the CLI) needs. */
export function podmanEnv(): Record<string, string> {
  return {
    ...(existsSync(CONTAINERS_CONF) && { CONTAINERS_CONF }),
    // Short names resolve to the locally built images' public names, never to a registry search.
    ...(existsSync(CONTAINERS_REGISTRIES_CONF) && { CONTAINERS_REGISTRIES_CONF }),
    ...(existsSync(CONTAINERS_STORAGE_CONF) && { CONTAINERS_STORAGE_CONF }),
  };
}

export interface FindEngineOptions {
  registry: ResourceRegistry;
  /** Default process.env; tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** Default /var/run/docker.sock. */
  dockerSocket?: string;
  /** Default `podman` on PATH. */
  podmanCommand?: string;
  startTimeoutMs?: number;
}

type Found = (dockerHost: string, source: string, info: { kind: EngineKind; version: string }, service?: ManagedProcess) => ContainerEngine;

export async function findContainerEngine(opts: FindEngineOptions): Promise<ContainerEngine> {
  const env = opts.env ?? process.env;
  const tried: string[] = [];
  const found: Found = (dockerHost, source, info, service) => ({
    dockerHost,
    source,
    ...info,
    service,
    docker: dockerClient(dockerHost),
    stop: async () => {
      await service?.stop({ graceMs: 5000 });
    },
  });

  if (env.DOCKER_HOST) {
    try {
      return found(env.DOCKER_HOST, "DOCKER_HOST", await probeEngine(env.DOCKER_HOST));
    } catch (err) {
      tried.push(`DOCKER_HOST=${env.DOCKER_HOST}: ${errorText(err)}`);
    }
  } else {
    tried.push("DOCKER_HOST: not set");
  }

  const sock = opts.dockerSocket ?? "/var/run/docker.sock";
  if (existsSync(sock)) {
    try {
      return found(`unix://${sock}`, sock, await probeEngine(`unix://${sock}`));
    } catch (err) {
      tried.push(`${sock}: ${errorText(err)}`);
    }
  } else {
    tried.push(`${sock}: does not exist`);
  }

  const podman = opts.podmanCommand ?? resolveExecutable("podman", env.PATH ?? "", undefined);
  if (podman === undefined) {
    tried.push("podman: not on PATH");
  } else {
    try {
      return await startPodmanService(podman, opts.registry, opts.startTimeoutMs ?? PODMAN_START_TIMEOUT_MS, found);
    } catch (err) {
      tried.push(`${podman} system service: ${errorText(err)}`);
    }
  }
  // The hint also as the last detail: a scenario's error shows its details, not always the hint.
  throw new HarnessError("environment", "--provider docker found no container engine", { details: [...tried, `to get one: ${SETUP_HINT}`], hint: SETUP_HINT });
}

async function startPodmanService(podman: string, registry: ResourceRegistry, timeoutMs: number, found: Found): Promise<ContainerEngine> {
  // The socket lives in a temp dir of the run: removed with the run, and no other run (or a
  // system-wide podman.socket) can be mistaken for ours.
  const dir = await registry.makeTempDir("podman");
  const socket = join(dir, "podman.sock");
  const dockerHost = `unix://${socket}`;
  // --time=0: never exit on idle (a quiet stretch of a long run must not take the engine away);
  // the run stops it.
  // Its runtime dir and configuration (XDG_*, CONTAINERS_*), no token: child-env.ts.
  const proc = spawnManaged({
    name: "podman-service",
    command: podman,
    args: ["system", "service", "--time=0", dockerHost],
    // Its conmon processes inherit this directory and write files into it (an "oom" marker when a
    // container is OOM-killed, seen with Podman 4.3): the run's temp dir, not wherever the harness ran.
    cwd: dir,
    env: podmanEnv(),
    passEnv: ["container-engine"],
    registry,
  });
  const lastOutput = () => proc.stderrTail(8).join(" | ") || "(none)";
  try {
    const info = await waitUntilReady(
      async () => {
        if (!existsSync(socket)) throw new Error(`${socket} does not exist yet`);
        return probeEngine(dockerHost);
      },
      {
        what: `did not answer /_ping on ${socket}`,
        timeoutMs,
        intervalMs: 100,
        alive: async () => {
          if (proc.isRunning()) return;
          const exit = await proc.exited.catch((e: unknown) => e);
          throw new Error(`exited (${JSON.stringify(exit)}) before answering on ${socket}; last output: ${lastOutput()}`);
        },
      },
    );
    return found(dockerHost, "podman system service started for this run", info, proc);
  } catch (err) {
    if (!proc.isRunning()) throw err;
    await proc.stop({ graceMs: 2000 });
    throw new Error(`${(err as Error).message}; last output: ${lastOutput()}`, { cause: err });
  }
}

/**
 * Points testcontainers at `engine`. It reads these once, when its first container or network is
 * made, and keeps that engine for the life of the process; so this must run before, and a second
 * engine in the same process is refused (one `mcp-slo run` is one process and one engine).
 */
export function exposeToTestcontainers(engine: ContainerEngine): void {
  if (testcontainersBound !== undefined && testcontainersBound !== engine.dockerHost) {
    throw new HarnessError("internal", `testcontainers is already bound to ${testcontainersBound} in this process; cannot switch to ${engine.dockerHost}`);
  }
  testcontainersBound = engine.dockerHost;
  process.env.DOCKER_HOST = engine.dockerHost;
  // The harness may itself run in a container (this machine looks like one to testcontainers),
  // where it would look for a gateway address, or even start an alpine container to find one.
  // Ports are published on 127.0.0.1 and we are on the engine's host: say so.
  process.env.TESTCONTAINERS_HOST_OVERRIDE = "127.0.0.1";
  // Ryuk (testcontainers' reaper container) would have to be pulled, and nothing may be pulled.
  // We reap explicitly instead: every container and network carries the run's labels, stop()
  // and the ResourceRegistry remove them, and reapOrphans() removes those of dead runs.
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
}
let testcontainersBound: string | undefined;

/** What could not start, as an environment error with the setup hint; a HarnessError (already said) as it is. */
export function environmentError(what: string, err: unknown): HarnessError {
  if (err instanceof HarnessError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HarnessError("environment", `${what} could not start: ${message.split("\n")[0]}`, {
    details: message.split("\n").slice(1),
    hint: SETUP_HINT,
    cause: err,
  });
}
