/**
 * ResourceRegistry: everything a run starts (processes, temp dirs) is recorded here so that
 * nothing outlives the run — on a normal end (`disposeAll` / `await using`), on an error, and as a
 * last resort from a synchronous `process.on("exit")` handler (`killAllSync`).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ManagedProcess } from "./managed-process.js";

/** Environment variable spawnManaged gives every child: lets tests find leftovers of a run. */
export const RUN_ID_ENV = "MCP_SLO_RUN_ID";

/**
 * Something a run made that is neither a process nor a temp dir (a container, a network): undone by
 * disposeAll, or synchronously by killAllSync.
 */
export interface RunResource {
  readonly name: string;
  dispose(): Promise<void>;
  /** Last resort; must not throw and should be bounded in time. */
  disposeSync(): void;
}

/** Grace between SIGTERM and SIGKILL when disposing. */
export const DISPOSE_GRACE_MS = 3000;

/** Every temp dir of run `runId` has a name starting with this (see makeTempDir). */
export function tempDirMarker(runId: string): string {
  return `mcp-slo-${runId}-`;
}

export class ResourceRegistry implements AsyncDisposable {
  readonly runId: string;
  readonly #processes: ManagedProcess[] = [];
  readonly #tempDirs: string[] = [];
  readonly #resources: RunResource[] = [];
  #disposing: Promise<void> | undefined;

  constructor(opts: { runId: string }) {
    // The run id ends up in file names and in an environment variable: keep it tame.
    if (!/^[A-Za-z0-9._-]+$/.test(opts.runId)) {
      throw new Error(`ResourceRegistry: runId must match [A-Za-z0-9._-]+, got ${JSON.stringify(opts.runId)}`);
    }
    this.runId = opts.runId;
  }

  /** Processes currently tracked, in start order. */
  get processes(): readonly ManagedProcess[] {
    return [...this.#processes];
  }

  /** Temp dirs currently tracked. */
  get tempDirs(): readonly string[] {
    return [...this.#tempDirs];
  }

  /** Creates `<tmpdir>/mcp-slo-<runId>-<prefix>-XXXXXX`; it is removed by disposeAll/killAllSync. */
  async makeTempDir(prefix: string): Promise<string> {
    const safePrefix = prefix.replace(/[^A-Za-z0-9._-]/g, "_") || "tmp";
    const dir = await mkdtemp(join(tmpdir(), `${tempDirMarker(this.runId)}${safePrefix}-`));
    this.#tempDirs.push(dir);
    return dir;
  }

  track(proc: ManagedProcess): void {
    if (!this.#processes.includes(proc)) this.#processes.push(proc);
  }

  /**
   * Records a resource; returns a function that forgets it (once it was undone some other way).
   * Resources are undone newest first and *before* any process is stopped: they may need one of
   * them (containers need the podman service that runs them).
   */
  addResource(resource: RunResource): () => void {
    this.#resources.push(resource);
    return () => {
      const i = this.#resources.indexOf(resource);
      if (i >= 0) this.#resources.splice(i, 1);
    };
  }

  untrack(proc: ManagedProcess): void {
    const i = this.#processes.indexOf(proc);
    if (i >= 0) this.#processes.splice(i, 1);
  }

  /**
   * Stops every tracked process, newest first (servers started later may depend on earlier ones),
   * each with SIGTERM to its process group and SIGKILL after DISPOSE_GRACE_MS, then removes the
   * temp dirs. Never throws. Safe to call repeatedly and concurrently: a call made while another
   * is running waits for it and then cleans up whatever was registered in the meantime.
   */
  async disposeAll(): Promise<void> {
    while (this.#disposing !== undefined) await this.#disposing;
    if (this.#processes.length === 0 && this.#tempDirs.length === 0 && this.#resources.length === 0) return;
    this.#disposing = this.#disposeOnce().finally(() => {
      this.#disposing = undefined;
    });
    await this.#disposing;
  }

  async #disposeOnce(): Promise<void> {
    for (const resource of this.#resources.splice(0).reverse()) {
      try {
        await resource.dispose();
      } catch {
        /* best effort, like the temp dirs below */
      }
    }
    for (const proc of [...this.#processes].reverse()) {
      try {
        await proc.stop({ graceMs: DISPOSE_GRACE_MS });
      } catch {
        // stop() is not supposed to throw; if it does, make sure the group is dead anyway.
        try {
          proc.signal("SIGKILL");
        } catch {
          /* already gone */
        }
      }
      this.untrack(proc);
    }
    for (const dir of this.#tempDirs.splice(0)) {
      try {
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        /* best effort: a dir we cannot remove must not hide the run's real result */
      }
    }
  }

  /**
   * Last resort, synchronous (usable in `process.on("exit")`): SIGKILL every tracked process group
   * and remove the temp dirs. Never throws.
   */
  killAllSync(): void {
    for (const resource of this.#resources.splice(0).reverse()) {
      try {
        resource.disposeSync();
      } catch {
        /* never throws */
      }
    }
    for (const proc of [...this.#processes].reverse()) {
      try {
        proc.signal("SIGKILL");
      } catch {
        /* already gone */
      }
    }
    this.#processes.length = 0;
    for (const dir of this.#tempDirs.splice(0)) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        /* best effort */
      }
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.disposeAll();
  }
}
