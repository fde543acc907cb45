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
 * testcontainers reads its engine from the environment once per process and keeps it: we set
 * DOCKER_HOST for it (plus TESTCONTAINERS_HOST_OVERRIDE and TESTCONTAINERS_RYUK_DISABLED, see
 * exposeToTestcontainers) before the provider first imports it.
 *
 * Also here, because they speak the engine's HTTP API directly (no CLI, so they work the same for
 * Docker and Podman): the labels every container and network of a run carries, the reaper that
 * removes those of runs whose harness is gone (our replacement for Ryuk), and a synchronous
 * removal for the registry's last-resort path.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { HarnessError } from "../errors.js";
import { PROJECT_ROOT } from "../project-root.js";
import { spawnManaged, type ManagedProcess } from "../stack/managed-process.js";
import { childEnvironment } from "../stack/child-env.js";
import { resolveExecutable } from "../util/executable.js";
import { ownerAlive, ownerKeyOfThisProcess } from "../stack/owner.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";

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
  /** One request to the engine's HTTP API; JSON bodies are parsed. */
  request<T = unknown>(method: string, path: string, opts?: { body?: unknown; timeoutMs?: number }): Promise<EngineResponse<T>>;
  /** Stops what this run started for the engine (the podman service); nothing for an engine that was already running. */
  stop(): Promise<void>;
}

export interface EngineResponse<T> {
  status: number;
  body: T;
}

/** Where the project keeps its container engine configuration (written by scripts/setup-containers.sh). */
export const CONTAINERS_CONF = join(PROJECT_ROOT, "containers", "containers.conf");
export const CONTAINERS_REGISTRIES_CONF = join(PROJECT_ROOT, "containers", "registries.conf");
export const CONTAINERS_STORAGE_CONF = join(PROJECT_ROOT, "containers", "storage.conf");

export const SETUP_HINT = "run `bash scripts/setup-containers.sh` (installs Podman and builds the Redis, PostgreSQL, Toxiproxy and harness images locally)";

const PING_TIMEOUT_MS = 2000;
const PODMAN_START_TIMEOUT_MS = 30_000;

// --- the engine API over HTTP ------------------------------------------------------------------

/** Socket path or host/port for node:http, from a DOCKER_HOST value. */
function target(dockerHost: string): { socketPath: string } | { host: string; port: number } {
  const u = new URL(dockerHost);
  if (u.protocol === "unix:") return { socketPath: u.pathname };
  if (u.protocol === "tcp:" || u.protocol === "http:") return { host: u.hostname, port: Number(u.port || 2375) };
  throw new Error(`unsupported DOCKER_HOST ${dockerHost} (only unix:// and tcp:// without TLS)`);
}

export function engineRequest<T = unknown>(dockerHost: string, method: string, path: string, opts: { body?: unknown; timeoutMs?: number } = {}): Promise<EngineResponse<T>> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const req = http.request(
      {
        ...target(dockerHost),
        method,
        path,
        headers: { host: "docker", ...(payload && { "content-type": "application/json", "content-length": payload.length }) },
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          if (/json/.test(String(res.headers["content-type"])) && text !== "") {
            try {
              body = JSON.parse(text);
            } catch {
              /* keep the text */
            }
          }
          resolve({ status: res.statusCode ?? 0, body: body as T });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within ${opts.timeoutMs ?? 30_000} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** The engine's error message from an error response ({ message } for Docker and Podman alike). */
export function engineMessage(r: EngineResponse<unknown>): string {
  const b = r.body as { message?: unknown; cause?: unknown } | string;
  if (typeof b === "string") return `HTTP ${r.status} ${b.trim().slice(0, 300)}`;
  return `HTTP ${r.status} ${String(b?.message ?? JSON.stringify(b))}`;
}

/** Resolves with the engine's kind and version when `dockerHost` answers /_ping with OK; rejects saying why not. */
export async function probeEngine(dockerHost: string, timeoutMs = PING_TIMEOUT_MS): Promise<{ kind: EngineKind; version: string }> {
  const ping = await engineRequest<string>(dockerHost, "GET", "/_ping", { timeoutMs });
  if (ping.status !== 200 || String(ping.body).trim() !== "OK") throw new Error(`/_ping answered ${engineMessage(ping)}`);
  const v = await engineRequest<{ Version?: string; Components?: { Name?: string; Version?: string }[] }>(dockerHost, "GET", "/version", { timeoutMs });
  const podman = v.body.Components?.find((c) => /podman/i.test(c.Name ?? ""));
  return { kind: podman ? "podman" : "docker", version: podman?.Version ?? v.body.Version ?? "unknown" };
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

export async function findContainerEngine(opts: FindEngineOptions): Promise<ContainerEngine> {
  const env = opts.env ?? process.env;
  const tried: string[] = [];
  const found = (dockerHost: string, source: string, info: { kind: EngineKind; version: string }, service?: ManagedProcess): ContainerEngine => ({
    dockerHost,
    source,
    ...info,
    service,
    request: (method, path, o) => engineRequest(dockerHost, method, path, o),
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

async function startPodmanService(
  podman: string,
  registry: ResourceRegistry,
  timeoutMs: number,
  found: (dockerHost: string, source: string, info: { kind: EngineKind; version: string }, service?: ManagedProcess) => ContainerEngine,
): Promise<ContainerEngine> {
  // The socket lives in a temp dir of the run: removed with the run, and no other run (or a
  // system-wide podman.socket) can be mistaken for ours.
  const dir = await registry.makeTempDir("podman");
  const socket = join(dir, "podman.sock");
  const dockerHost = `unix://${socket}`;
  // --time=0: never exit on idle (a quiet stretch of a long run must not take the engine away);
  // the run stops it.
  // Its runtime dir and configuration (XDG_*, CONTAINERS_*), no token: child-env.ts.
  const proc = spawnManaged({ name: "podman-service", command: podman, args: ["system", "service", "--time=0", dockerHost], env: podmanEnv(), passEnv: ["container-engine"], registry });
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (!proc.isRunning()) {
      const exit = await proc.exited.catch((e: unknown) => e);
      throw new Error(`exited (${JSON.stringify(exit)}) before answering on ${socket}; last output: ${proc.stderrTail(8).join(" | ") || "(none)"}`);
    }
    if (existsSync(socket)) {
      try {
        return found(dockerHost, "podman system service started for this run", await probeEngine(dockerHost), proc);
      } catch (err) {
        last = errorText(err);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await proc.stop({ graceMs: 2000 });
  throw new Error(`did not answer /_ping on ${socket} within ${timeoutMs} ms (last: ${last}); last output: ${proc.stderrTail(8).join(" | ") || "(none)"}`);
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

// --- labels, the reaper, synchronous removal ------------------------------------------------------

export const LABEL_RUN = "mcp-slo.run";
/** `<hostname>:<pid>:<start time>` of the harness process that owns the run: the reaper's liveness key. */
export const LABEL_SESSION = "mcp-slo.session";
export const LABEL_ROLE = "mcp-slo.role";

/** This harness process, as the session label spells it (the owner key of src/stack/owner.ts). */
export const sessionOfThisProcess = ownerKeyOfThisProcess;

/** Whether the harness that wrote `session` is still alive; unknown (another host, unreadable) counts as alive. */
export const sessionAlive = ownerAlive;

export function runLabels(runId: string, role: string): Record<string, string> {
  return { [LABEL_RUN]: runId, [LABEL_SESSION]: sessionOfThisProcess(), [LABEL_ROLE]: role };
}

interface ListedContainer {
  Id: string;
  Names?: string[];
  Labels?: Record<string, string>;
}
interface ListedNetwork {
  Id?: string;
  Name: string;
  Labels?: Record<string, string>;
}

const labelFilter = (label: string) => encodeURIComponent(JSON.stringify({ label: [label] }));

export async function listRunContainers(engine: Pick<ContainerEngine, "request">, runId?: string): Promise<ListedContainer[]> {
  const r = await engine.request<ListedContainer[]>("GET", `/containers/json?all=1&filters=${labelFilter(runId ? `${LABEL_RUN}=${runId}` : LABEL_RUN)}`);
  if (r.status !== 200) throw new Error(`listing containers: ${engineMessage(r)}`);
  return r.body;
}

export async function listRunNetworks(engine: Pick<ContainerEngine, "request">, runId?: string): Promise<ListedNetwork[]> {
  const r = await engine.request<ListedNetwork[]>("GET", `/networks?filters=${labelFilter(runId ? `${LABEL_RUN}=${runId}` : LABEL_RUN)}`);
  if (r.status !== 200) throw new Error(`listing networks: ${engineMessage(r)}`);
  return r.body;
}

export async function removeContainer(engine: Pick<ContainerEngine, "request">, id: string): Promise<void> {
  // force: a running (or paused) container is killed first; v: its anonymous volumes go too.
  const r = await engine.request("DELETE", `/containers/${encodeURIComponent(id)}?force=true&v=true`, { timeoutMs: 60_000 });
  if (r.status !== 204 && r.status !== 200 && r.status !== 404) throw new Error(`removing container ${id}: ${engineMessage(r)}`);
}

export async function removeNetwork(engine: Pick<ContainerEngine, "request">, idOrName: string): Promise<void> {
  const r = await engine.request("DELETE", `/networks/${encodeURIComponent(idOrName)}`, { timeoutMs: 60_000 });
  if (r.status !== 204 && r.status !== 200 && r.status !== 404) throw new Error(`removing network ${idOrName}: ${engineMessage(r)}`);
}

/**
 * The explicit replacement for Ryuk: removes every container and network labelled with a run
 * whose harness process is gone (killed with SIGKILL, OOM-killed, a power cut: the cases where
 * no cleanup of ours could run). Runs of live harnesses, ours included, are left alone.
 * Returns what it removed.
 */
export async function reapOrphans(engine: Pick<ContainerEngine, "request">): Promise<{ containers: string[]; networks: string[] }> {
  const removed = { containers: [] as string[], networks: [] as string[] };
  for (const c of await listRunContainers(engine)) {
    if (sessionAlive(c.Labels?.[LABEL_SESSION])) continue;
    await removeContainer(engine, c.Id);
    removed.containers.push(`${c.Names?.[0]?.replace(/^\//, "") ?? c.Id.slice(0, 12)} (run ${c.Labels?.[LABEL_RUN]})`);
  }
  for (const n of await listRunNetworks(engine)) {
    if (sessionAlive(n.Labels?.[LABEL_SESSION])) continue;
    await removeNetwork(engine, n.Name);
    removed.networks.push(`${n.Name} (run ${n.Labels?.[LABEL_RUN]})`);
  }
  return removed;
}

/**
 * Synchronous removal, for ResourceRegistry.killAllSync (a second Ctrl-C, process "exit"): a
 * short-lived node child does the API calls while we block on it, bounded by `timeoutMs`. It
 * must run before the podman service is killed (the registry runs resources before processes).
 */
export function removeSync(dockerHost: string, what: { containers: string[]; networks: string[] }, timeoutMs = 15_000): void {
  if (what.containers.length === 0 && what.networks.length === 0) return;
  const script = `
    const http = require("node:http");
    const [host, containers, networks] = JSON.parse(process.argv[1]);
    const u = new URL(host);
    const t = u.protocol === "unix:" ? { socketPath: u.pathname } : { host: u.hostname, port: Number(u.port || 2375) };
    const del = (path) => new Promise((done) => {
      const req = http.request({ ...t, method: "DELETE", path, headers: { host: "docker" } }, (res) => { res.resume(); res.on("end", done); });
      req.on("error", done);
      req.end();
    });
    (async () => {
      await Promise.all(containers.map((id) => del("/containers/" + encodeURIComponent(id) + "?force=true&v=true")));
      for (const n of networks) await del("/networks/" + encodeURIComponent(n));
    })();`;
  try {
    execFileSync(process.execPath, ["-e", script, JSON.stringify([dockerHost, what.containers, what.networks])], { timeout: timeoutMs, stdio: "ignore", env: childEnvironment() });
  } catch {
    /* best effort: the reaper of the next run removes what is left */
  }
}
