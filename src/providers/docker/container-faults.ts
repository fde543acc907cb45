/**
 * What a process fault does to a container: kill -9 = kill SIGKILL, pause = the engine's pause
 * (cgroup freezer), restart = stop and start again, then readiness again (PING, SELECT 1).
 */
import type { BackendHandle, RestartTiming } from "../../stack/started.js";
import { engineMessage, engineStatus, withDeadline } from "./engine.js";
import { inspectState, type RunContainer } from "./containers.js";

const CALL_TIMEOUT_MS = 60_000;

/** One engine call on the container; `alreadyDone` (304: already stopped, already started) counts as done. */
async function call(what: string, fn: (abortSignal: AbortSignal) => Promise<unknown>, alreadyDone = false): Promise<void> {
  try {
    await withDeadline(what, CALL_TIMEOUT_MS, fn);
  } catch (err) {
    if (alreadyDone && engineStatus(err) === 304) return;
    throw new Error(`${what}: ${engineMessage(err)}`, { cause: err });
  }
}

export type ContainerFaults = Pick<BackendHandle, "kill9" | "pause" | "resume" | "restart" | "isRunning"> & {
  /** Stops watching the container (its state poll). */
  close(): void;
};

/**
 * A process fault's view of a container. BackendHandle's kill9/pause/resume are synchronous (a
 * local process is signalled at once); here each is an engine request, queued in order, so the
 * fault lands one API round trip after it is recorded: milliseconds normally, but Podman takes
 * its locks first, and while another podman command holds them (a `podman build`) it has been
 * seen to take seconds. restart() waits for the queue and reports any failure of it. isRunning()
 * answers from what we did last and from an inspect every second (a container can also die by itself).
 */
export function containerFaults(c: RunContainer, hooks: { ready(): Promise<unknown>; beforeDown?(): Promise<void> }): ContainerFaults {
  let queue: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  let state: "running" | "paused" | "exited" = "running";
  let generation = 0;
  const enqueue = (what: string, fn: () => Promise<void>) => {
    generation++;
    queue = queue.then(fn).catch((err: unknown) => {
      failure ??= new Error(`${what} of ${c.name} failed: ${(err as Error).message}`);
    });
  };
  const poll = setInterval(() => {
    const g = generation;
    void inspectState(c)
      .then((s) => {
        if (s === undefined || g !== generation) return; // an action of ours came in between: it knows better
        state = s.Paused ? "paused" : s.Running ? "running" : "exited";
      })
      .catch(() => undefined);
  }, 1000);
  poll.unref();
  return {
    kill9() {
      state = "exited";
      // At once, like SIGKILL to a local process; the observers' connections are renewed by restart().
      enqueue("kill -9", () => call(`POST /containers/${c.id}/kill`, (abortSignal) => c.docker.kill({ signal: "SIGKILL", abortSignal })));
    },
    pause() {
      if (state !== "running") return;
      state = "paused";
      enqueue("pause", () => call(`POST /containers/${c.id}/pause`, (abortSignal) => c.docker.pause({ abortSignal })));
    },
    resume() {
      // Rollback calls resume() on every handle: only a container we paused is unpaused.
      if (state !== "paused") return;
      state = "running";
      enqueue("unpause", () => call(`POST /containers/${c.id}/unpause`, (abortSignal) => c.docker.unpause({ abortSignal })));
    },
    async restart(): Promise<RestartTiming> {
      generation++;
      await queue;
      const queued = failure;
      failure = undefined;
      await hooks.beforeDown?.();
      // A paused container cannot be restarted by every engine: thaw it first.
      const before = await inspectState(c);
      if (before?.Paused) await call(`POST /containers/${c.id}/unpause`, (abortSignal) => c.docker.unpause({ abortSignal }));
      // Graceful like the local restart (SIGTERM, 10 s, SIGKILL); a killed container is already down.
      // Stop and start apart (not /restart), so the start, when the fault's cause goes, can be dated.
      if (before === undefined || before.Running || before.Paused)
        await call(`POST /containers/${c.id}/stop`, (abortSignal) => c.docker.stop({ t: 10, abortSignal }), true);
      // Its process starts somewhere inside this request: dated when asked, so a probe can never seem to
      // recover before it; readiness is waited for apart.
      const spawnedAt = performance.now();
      await call(`POST /containers/${c.id}/start`, (abortSignal) => c.docker.start({ abortSignal }), true);
      await c.refreshPorts();
      await hooks.ready();
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
