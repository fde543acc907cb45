/**
 * ResourceRegistry: everything a run starts (processes, temp dirs, containers, ...) is recorded here
 * so that nothing outlives the run — on a normal end (`disposeAll` / `await using`), on an error, and
 * as a last resort from a synchronous `process.on("exit")` handler (`killAllSync`).
 *
 * The registry knows one thing about them: each is a RunResource it can dispose of. They sit on one
 * stack and are undone last in, first out, so whatever something needs is still there while it is
 * undone: a process stops before the temp dir it runs in is removed, containers go before the
 * engine that runs them. (spawnManaged registers its processes, makeTempDir its dirs.)
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
import { ownerKeyOfThisProcess } from "./owner.js";

/** Environment variable spawnManaged gives every child: lets tests find leftovers of a run. */
export const RUN_ID_ENV = "MCP_SLO_RUN_ID";

/** Something a run made (a process, a temp dir, a container, a network): undone by disposeAll, or synchronously by killAllSync. */
export interface RunResource {
  readonly name: string;
  /** Rejects only when something could not be undone: the owner record then stays, so a later command tries again. */
  dispose(): Promise<void>;
  /** Last resort, bounded in time; like dispose, throws only when something could not be undone. */
  disposeSync(): void;
}

/** What a resource is, for the `processes` and `tempDirs` listings only: disposal treats all alike. */
type ResourceKind = "process" | "temp dir" | "other";

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
  /** Undone from the top: last in, first out. */
  readonly #stack: { resource: RunResource; kind: ResourceKind }[] = [];
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
  get processes(): readonly RunResource[] {
    return this.#stack.filter((entry) => entry.kind === "process").map((entry) => entry.resource);
  }

  /** Temp dirs currently tracked. */
  get tempDirs(): readonly string[] {
    return this.#stack.filter((entry) => entry.kind === "temp dir").map((entry) => entry.resource.name);
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
    this.#push("temp dir", {
      name: dir,
      dispose: () => rm(dir, { recursive: true, force: true, maxRetries: 3 }),
      disposeSync: () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }),
    });
    return dir;
  }

  /** Records a process (spawnManaged does, before the child can do anything); it forgets itself with untrack once it exited. */
  track(proc: RunResource): void {
    this.claim();
    if (!this.#stack.some((entry) => entry.resource === proc)) this.#push("process", proc);
  }

  /**
   * Records a resource; returns a function that forgets it (once it was undone some other way).
   * Undone in turn with everything else, last in first out: after whatever was registered later
   * (containers, made after the engine that runs them, go before it).
   */
  addResource(resource: RunResource): () => void {
    this.claim();
    this.#push("other", resource);
    return () => this.untrack(resource);
  }

  /** Forgets a resource that was undone some other way (a process that exited). */
  untrack(resource: RunResource): void {
    const i = this.#stack.findIndex((entry) => entry.resource === resource);
    if (i >= 0) this.#stack.splice(i, 1);
  }

  #push(kind: ResourceKind, resource: RunResource): void {
    this.#stack.push({ resource, kind });
  }

  /**
   * Undoes every resource, newest first (a process stops before the temp dir it was started in
   * goes; containers go before their engine): a process gets SIGTERM to its process group and
   * SIGKILL after DISPOSE_GRACE_MS (its dispose). Never throws. Safe to call repeatedly and
   * concurrently: a call made while another is running waits for it and then cleans up whatever
   * was registered in the meantime.
   */
  async disposeAll(): Promise<void> {
    while (this.#disposing !== undefined) await this.#disposing;
    if (this.#stack.length === 0) {
      this.#dropOwnerRecord();
      return;
    }
    this.#disposing = this.#disposeOnce().finally(() => {
      this.#disposing = undefined;
    });
    await this.#disposing;
  }

  async #disposeOnce(): Promise<void> {
    // What is registered meanwhile waits for the next disposeAll: this one ends.
    for (const { resource } of [...this.#stack].reverse()) {
      try {
        await resource.dispose();
      } catch {
        // Best effort: what cannot be undone must not hide the run's real result. The record stays,
        // so a later command tries again once this process is gone.
        this.#leftBehind = true;
      }
      this.untrack(resource);
    }
    if (this.#stack.length === 0) this.#dropOwnerRecord();
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
   * Last resort, synchronous (usable in `process.on("exit")`): undoes every resource at once,
   * newest first (a process group gets SIGKILL, a temp dir is removed). Never throws.
   */
  killAllSync(): void {
    for (const { resource } of this.#stack.splice(0).reverse()) {
      try {
        resource.disposeSync();
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
