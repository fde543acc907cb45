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
    if (this.#processes.length === 0 && this.#tempDirs.length === 0) return;
    this.#disposing = this.#disposeOnce().finally(() => {
      this.#disposing = undefined;
    });
    await this.#disposing;
  }

  async #disposeOnce(): Promise<void> {
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
