/**
 * The labels every container and network of a run carries, and what they are for: the reaper that
 * removes those of runs whose harness is gone (our replacement for Ryuk, which cannot be pulled
 * here), and removal of one stack's containers, also synchronously for the registry's last resort.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { childEnvironment } from "../../stack/child-env.js";
import { ownerAlive, ownerKeyOfThisProcess } from "../../stack/owner.js";
import { engineMessage, engineStatus, withDeadline, type ContainerEngine } from "./engine.js";

export const LABEL_RUN = "mcp-slo.run";
/** `<hostname>:<pid>:<start time>` of the harness process that owns the run: the reaper's liveness key. */
export const LABEL_SESSION = "mcp-slo.session";
export const LABEL_ROLE = "mcp-slo.role";
/** The role label's suffix of a holder container (containers.ts, ContainerSpec.restartable): removed after the container in its namespace. */
export const HOLDER_ROLE_SUFFIX = "-netns";

/** This harness process, as the session label spells it (the owner key of src/stack/owner.ts). */
export const sessionOfThisProcess = ownerKeyOfThisProcess;

/** Whether the harness that wrote `session` is still alive; unknown (another host, unreadable) counts as alive. */
export const sessionAlive = ownerAlive;

export function runLabels(runId: string, role: string): Record<string, string> {
  return { [LABEL_RUN]: runId, [LABEL_SESSION]: sessionOfThisProcess(), [LABEL_ROLE]: role };
}

type Engine = Pick<ContainerEngine, "docker">;

const REMOVE_TIMEOUT_MS = 60_000;
const LIST_TIMEOUT_MS = 30_000;

const byRun = (runId: string | undefined) => ({ label: [runId ? `${LABEL_RUN}=${runId}` : LABEL_RUN] });

export async function listRunContainers(engine: Engine, runId?: string): Promise<{ Id: string; Names?: string[]; Labels?: Record<string, string> }[]> {
  try {
    return await withDeadline("listing containers", LIST_TIMEOUT_MS, (abortSignal) =>
      engine.docker.listContainers({ all: true, filters: byRun(runId), abortSignal }),
    );
  } catch (err) {
    throw new Error(`listing containers: ${engineMessage(err)}`, { cause: err });
  }
}

export async function listRunNetworks(engine: Engine, runId?: string): Promise<{ Name: string; Labels?: Record<string, string> }[]> {
  try {
    return await withDeadline("listing networks", LIST_TIMEOUT_MS, (abortSignal) => engine.docker.listNetworks({ filters: byRun(runId), abortSignal }));
  } catch (err) {
    throw new Error(`listing networks: ${engineMessage(err)}`, { cause: err });
  }
}

/** Removes a container, running or paused (force), with its anonymous volumes (v); one already gone is fine. */
export async function removeContainer(engine: Engine, id: string): Promise<void> {
  try {
    await withDeadline(`removing container ${id}`, REMOVE_TIMEOUT_MS, (abortSignal) =>
      engine.docker.getContainer(id).remove({ force: true, v: true, abortSignal }),
    );
  } catch (err) {
    if (engineStatus(err) !== 404) throw new Error(`removing container ${id}: ${engineMessage(err)}`, { cause: err });
  }
}

export async function removeNetwork(engine: Engine, idOrName: string): Promise<void> {
  try {
    await withDeadline(`removing network ${idOrName}`, REMOVE_TIMEOUT_MS, (abortSignal) => engine.docker.getNetwork(idOrName).remove({ abortSignal }));
  } catch (err) {
    if (engineStatus(err) !== 404) throw new Error(`removing network ${idOrName}: ${engineMessage(err)}`, { cause: err });
  }
}

/**
 * The explicit replacement for Ryuk: removes every container and network labelled with a run
 * whose harness process is gone (killed with SIGKILL, OOM-killed, a power cut: the cases where
 * no cleanup of ours could run). Runs of live harnesses, ours included, are left alone.
 * Returns what it removed.
 */
export async function reapOrphans(engine: Engine): Promise<{ containers: string[]; networks: string[] }> {
  const removed = { containers: [] as string[], networks: [] as string[] };
  // Holders last: Podman refuses to remove one while a container still lives in its namespace.
  const isHolder = (c: { Labels?: Record<string, string> }) => (c.Labels?.[LABEL_ROLE]?.endsWith(HOLDER_ROLE_SUFFIX) ? 1 : 0);
  for (const c of (await listRunContainers(engine)).sort((a, b) => isHolder(a) - isHolder(b))) {
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

const DOCKERODE = createRequire(import.meta.url).resolve("dockerode");

/**
 * Synchronous removal, for ResourceRegistry.killAllSync (a second Ctrl-C, process "exit"), where
 * nothing asynchronous runs any more: a short-lived node child removes them with dockerode (the
 * same client and the same calls as removeContainer/removeNetwork) while we block on it, bounded
 * by `timeoutMs`. It must run before the podman service is killed (the registry runs resources
 * before processes).
 */
export function removeSync(dockerHost: string, what: { containers: string[]; holders?: string[]; networks: string[] }, timeoutMs = 15_000): void {
  if (what.containers.length === 0 && !what.holders?.length && what.networks.length === 0) return;
  const script = `
    const Docker = require(process.argv[1]);
    const [host, containers, holders, networks] = JSON.parse(process.argv[2]);
    const u = new URL(host);
    const docker = new Docker(u.protocol === "unix:" ? { socketPath: u.pathname } : { host: u.hostname, port: Number(u.port || 2375), protocol: "http" });
    const quietly = (p) => p.catch(() => undefined);
    (async () => {
      // Holders after the containers in their namespaces (Podman insists).
      for (const ids of [containers, holders]) await Promise.all(ids.map((id) => quietly(docker.getContainer(id).remove({ force: true, v: true }))));
      for (const n of networks) await quietly(docker.getNetwork(n).remove());
    })();`;
  try {
    execFileSync(process.execPath, ["-e", script, DOCKERODE, JSON.stringify([dockerHost, what.containers, what.holders ?? [], what.networks])], {
      timeout: timeoutMs,
      stdio: "ignore",
      env: childEnvironment(),
    });
  } catch {
    /* best effort: the reaper of the next run removes what is left */
  }
}
