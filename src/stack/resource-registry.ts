/**
 * ResourceRegistry: everything a run starts (processes, temp dirs) is recorded here so that
 * nothing outlives the run — on a normal end (`disposeAll` / `await using`), on an error, and as a
 * last resort from a synchronous `process.on("exit")` handler (`killAllSync`).
 *
 * None of that runs when the owner is killed outright (SIGKILL, the OOM killer, a power cut). For
 * that case the registry writes an owner record, `<tmpdir>/mcp-slo-<runId>.owner.json`, before the
 * run's first temp dir, process or container exists, and removes it only once all of them are gone:
 * a later command (src/stack/leftovers.ts, reapDeadRuns) finds the records whose owner is dead and
 * reaps what those runs left. Written atomically (a temp file renamed over it), so a reader sees a
 * whole record or none.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { ManagedProcess } from "./managed-process.js";
import { ownerKeyOfThisProcess } from "./owner.js";

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

/** Suffix of an owner record's file name: `mcp-slo-<runId>.owner.json`. */
export const OWNER_RECORD_SUFFIX = ".owner.json";

/** Where the owner record of run `runId` is (in `dir`, default the temp dir its temp dirs go to). */
export function ownerRecordPath(runId: string, dir: string = tmpdir()): string {
  return join(dir, `mcp-slo-${runId}${OWNER_RECORD_SUFFIX}`);
}

export const OwnerRecordSchema = z.object({
  runId: z.string().regex(/^[A-Za-z0-9._-]+$/),
  /** `<hostname>:<pid>:<start time>` of the process that owns the run (src/stack/owner.ts). */
  owner: z.string(),
  createdAt: z.string(),
  /** The container engine (DOCKER_HOST form) the run's containers were made with, when it made any. */
  containers: z.string().optional(),
});
export type OwnerRecord = z.infer<typeof OwnerRecordSchema>;

export class ResourceRegistry implements AsyncDisposable {
  readonly runId: string;
  readonly #processes: ManagedProcess[] = [];
  readonly #tempDirs: string[] = [];
  readonly #resources: RunResource[] = [];
  #disposing: Promise<void> | undefined;
  /** The owner record as written, and where, while it exists. */
  #owner: OwnerRecord | undefined;
  #ownerPath: string | undefined;
  #containers: string | undefined;
  /** Something could not be undone (a temp dir not removed): keep the record, so a later command tries again. */
  #leftBehind = false;

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

  /** Path of this run's owner record (which exists while the run holds anything). */
  get ownerRecordPath(): string {
    return this.#ownerPath ?? ownerRecordPath(this.runId);
  }

  /**
   * Writes the owner record if it is not there yet. Called before anything of the run is made
   * (makeTempDir, spawnManaged, addResource), so whatever a killed run left has a record naming its
   * owner. Synchronous (a few hundred bytes) so spawnManaged can call it right before spawning.
   * Never throws: a run that cannot write its record still runs (it just cannot be reaped later).
   */
  claim(): void {
    if (this.#owner !== undefined && this.#owner.containers === this.#containers) return;
    const record: OwnerRecord = {
      runId: this.runId,
      owner: ownerKeyOfThisProcess(),
      createdAt: this.#owner?.createdAt ?? new Date().toISOString(),
      ...(this.#containers !== undefined && { containers: this.#containers }),
    };
    // Where it was first written, even if TMPDIR changed since: there is only one record per run.
    const path = this.#ownerPath ?? this.ownerRecordPath;
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o644 });
      renameSync(tmp, path);
      this.#owner = record;
      this.#ownerPath = path;
    } catch {
      try {
        rmSync(tmp, { force: true });
      } catch {
        /* nothing more to do */
      }
    }
  }

  /** Notes in the owner record that the run makes containers with this engine, so a later command knows to reap them. */
  usesContainerEngine(dockerHost: string): void {
    this.#containers = dockerHost;
    this.claim();
  }

  /** Creates `<tmpdir>/mcp-slo-<runId>-<prefix>-XXXXXX`; it is removed by disposeAll/killAllSync. */
  async makeTempDir(prefix: string): Promise<string> {
    this.claim();
    const safePrefix = prefix.replace(/[^A-Za-z0-9._-]/g, "_") || "tmp";
    const dir = await mkdtemp(join(tmpdir(), `${tempDirMarker(this.runId)}${safePrefix}-`));
    this.#tempDirs.push(dir);
    return dir;
  }

  track(proc: ManagedProcess): void {
    this.claim();
    if (!this.#processes.includes(proc)) this.#processes.push(proc);
  }

  /**
   * Records a resource; returns a function that forgets it (once it was undone some other way).
   * Resources are undone newest first and *before* any process is stopped: they may need one of
   * them (containers need the podman service that runs them).
   */
  addResource(resource: RunResource): () => void {
    this.claim();
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
    if (this.#processes.length === 0 && this.#tempDirs.length === 0 && this.#resources.length === 0) {
      this.#dropOwnerRecord();
      return;
    }
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
        // Best effort: a dir we cannot remove must not hide the run's real result. The record stays,
        // so a later command tries again once this process is gone.
        this.#leftBehind = true;
      }
    }
    if (this.#processes.length === 0 && this.#tempDirs.length === 0 && this.#resources.length === 0) this.#dropOwnerRecord();
  }

  /** Removes the owner record: everything it stood for is gone. */
  #dropOwnerRecord(): void {
    if (this.#owner === undefined || this.#ownerPath === undefined || this.#leftBehind) return;
    try {
      rmSync(this.#ownerPath, { force: true });
      this.#owner = undefined;
      this.#ownerPath = undefined;
    } catch {
      /* a stale record only makes a later command look for (and find) nothing */
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
        this.#leftBehind = true; // the record stays for a later command
      }
    }
    this.#dropOwnerRecord();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.disposeAll();
  }
}
