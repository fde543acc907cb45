/**
 * What a run leaves behind, found after the fact: its processes (by scanning /proc), its listening
 * ports, and — for runs whose owner is gone — the reaper that removes all of it (reapDeadRuns).
 *
 * findProcessesOfRun is also used by tests to prove that nothing a run started outlives it.
 *
 * A process belongs to run R when either
 *  - its environment contains MCP_SLO_RUN_ID=R (spawnManaged puts it into every child), or
 *  - its working directory lies in one of the run's temp dirs (`mcp-slo-R-…`, see
 *    ResourceRegistry.makeTempDir).
 * The second rule exists because some servers overwrite their environ memory to change their
 * process title (PostgreSQL's backends do, for `ps` display), which makes /proc/PID/environ
 * unreadable as an environment; PostgreSQL processes all chdir into their data directory.
 *
 * Linux only: on systems without /proc (macOS) this returns [] .
 */
import { procStat, processRunning } from "../util/proc-stat.js";
import { waitUpTo } from "../util/wait-for.js";
import { lstat, readdir, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ownerAlive, ownerPid, processStartTime } from "./owner.js";
import { OWNER_RECORD_SUFFIX, OwnerRecordSchema, RUN_ID_ENV, ownerRecordPath, tempDirMarker, type OwnerRecord } from "./resource-registry.js";

export interface RunProcess {
  pid: number;
  cmd: string;
}

export async function findProcessesOfRun(runId: string): Promise<RunProcess[]> {
  if (runId === "") throw new Error("findProcessesOfRun: empty runId");
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const envNeedle = `${RUN_ID_ENV}=${runId}`;
  const dirNeedle = tempDirMarker(runId);
  const found: RunProcess[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      if (!/^\d+$/.test(entry)) return;
      const pid = Number(entry);
      if (pid === process.pid) return;
      try {
        // Zombies have already exited (they only wait for their parent to reap them).
        const stat = procStat(pid);
        if (stat === undefined || stat.state === "Z" || stat.state === "X") return;
        let matches = false;
        const environ = await readFile(`/proc/${pid}/environ`).catch(() => undefined);
        if (environ?.toString("utf8").split("\0").includes(envNeedle)) matches = true;
        if (!matches) {
          const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => "");
          if (cwd.includes(dirNeedle)) matches = true;
        }
        if (!matches) return;
        const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
        found.push({ pid, cmd: cmdline.split("\0").filter(Boolean).join(" ") || stat.comm });
      } catch {
        // The process went away while we looked at it: not a leftover.
      }
    }),
  );
  return found.sort((a, b) => a.pid - b.pid);
}

// --- listening ports --------------------------------------------------------------------------------
// Read from /proc by hand, like the processes above: process-listing libraries (ps-list and the
// like) give neither a process's environment nor its working directory, and `ss` would add a
// dependency on iproute2 for what two small tables of /proc say.

/** Every listening TCP socket on this machine (IPv4 and IPv6): socket inode -> "address:port". */
export async function listeningSockets(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(file, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEX_ADDR:HEX_PORT; st 0A is LISTEN; the inode is field 10.
      if (f.length < 10 || f[3] !== "0A") continue;
      const [addr, port] = f[1]!.split(":");
      found.set(f[9]!, `${hexAddress(addr!)}:${parseInt(port!, 16)}`);
    }
  }
  return found;
}

function hexAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join(".");
  if (hex === "00000000000000000000000000000000") return "[::]";
  if (hex === "00000000000000000000000001000000") return "[::1]";
  return `[${hex.toLowerCase()}]`;
}

export interface ListeningSocket {
  pid: number;
  inode: string;
  /** e.g. "127.0.0.1:41234" */
  address: string;
}

/** The listening TCP sockets these processes hold (read from /proc/PID/fd). */
export async function listeningSocketsOf(pids: readonly number[]): Promise<ListeningSocket[]> {
  const listening = await listeningSockets();
  const out: ListeningSocket[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
      for (const fd of fds) {
        const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
        const m = /^socket:\[(\d+)\]$/.exec(target);
        const address = m ? listening.get(m[1]!) : undefined;
        if (address !== undefined && !out.some((s) => s.inode === m![1])) out.push({ pid, inode: m![1]!, address });
      }
    }),
  );
  return out.sort((a, b) => a.address.localeCompare(b.address));
}

// --- reaping the runs of dead owners -----------------------------------------------------------------

export interface ReapedRun {
  runId: string;
  /** The owner key of the record (src/stack/owner.ts). */
  owner: string;
  createdAt: string;
  tempDirs: string[];
  /** Bytes in the temp dirs removed. */
  bytes: number;
  processes: RunProcess[];
  /** Listening sockets the killed processes held (freed with them). */
  ports: string[];
  /** The container engine the run used, when it made containers. */
  containers: string | undefined;
}

export interface ReapResult {
  runs: ReapedRun[];
  /** Containers and networks removed through the engine (reapContainers). */
  containers: string[];
  /** What could not be done, in words; reaping never throws for these. */
  problems: string[];
  /** The time budget ran out before everything was done; a later command carries on. */
  unfinished: boolean;
}

export interface ReapOptions {
  /** Where the runs' temp dirs and owner records are; default os.tmpdir(). */
  dir?: string;
  /** Stop starting new work after this many ms (default 15 000); the rest is left for a later command. */
  budgetMs?: number;
  /**
   * Removes the containers and networks of dead runs through a container engine; called at most
   * once, when a dead run's record says it made containers. Returns what it removed.
   */
  reapContainers?: (budgetMs: number) => Promise<string[]>;
}

/**
 * Processes that carry a run's id but are not the run's: Podman's aardvark-dns serves every network
 * with DNS on the machine (other runs' too). A run's podman service may have started it, so it
 * carries that run's environment; it exits by itself when the last network goes, which the
 * container reap (reapContainers) takes care of.
 */
const SHARED_DAEMONS = /(^|\/)aardvark-dns( |$)/;

/** How long a killed process may take to disappear from /proc before we stop waiting. */
const KILL_WAIT_MS = 3000;

/**
 * Reaps what runs whose owner is gone left behind: for every owner record in `dir` whose owner
 * process is dead (src/stack/owner.ts: same host, and that pid with that start time is gone), it
 * removes the run's containers (through `reapContainers`), SIGKILLs the processes that carry the
 * run's id in their environment or sit in its temp dirs (with their listening ports), removes the
 * run's temp dirs, and last the record itself (so an interrupted reap is finished by the next one).
 *
 * Runs whose owner is alive (this process's own, other commands', test workers') are never
 * touched, nor temp dirs that no record claims (a harness older than owner records, or a run of
 * another user: we cannot tell whose they are). Bounded by `budgetMs`; never throws.
 */
export async function reapDeadRuns(opts: ReapOptions = {}): Promise<ReapResult> {
  const dir = opts.dir ?? tmpdir();
  const deadline = Date.now() + (opts.budgetMs ?? 15_000);
  const result: ReapResult = { runs: [], containers: [], problems: [], unfinished: false };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    result.problems.push(`cannot list ${dir}: ${(err as Error).message}`);
    return result;
  }
  const records = await readOwnerRecords(dir, names, result.problems);
  const dead = records.filter((r) => !ownerAlive(r.owner));
  // A record written but never renamed into place (killed in between): only the temp file is left.
  for (const name of names) {
    const m = new RegExp(`^mcp-slo-.*${OWNER_RECORD_SUFFIX.replace(/\./g, "\\.")}\\.tmp-(\\d+)$`).exec(name);
    if (m && processStartTime(Number(m[1])) === undefined) await rm(join(dir, name), { force: true }).catch(() => undefined);
  }
  if (dead.length === 0) return result;

  const containerRuns = dead.filter((r) => r.containers !== undefined);
  // Runs whose containers may still be there: their records stay, so a later command tries again.
  let containersLeft = containerRuns.length > 0;
  if (containerRuns.length > 0 && opts.reapContainers) {
    try {
      result.containers = await opts.reapContainers(Math.max(0, deadline - Date.now()));
      containersLeft = false;
    } catch (err) {
      result.problems.push(
        `containers of ${containerRuns.map((r) => r.runId).join(", ")} (${containerRuns[0]!.containers}): ${(err as Error).message.split("\n")[0]}`,
      );
    }
  }

  const ancestors = ancestorsOfThisProcess();
  const allMarkers = records.map((r) => tempDirMarker(r.runId));
  for (const record of dead) {
    if (Date.now() >= deadline) {
      result.unfinished = true;
      break;
    }
    const reaped: ReapedRun = {
      runId: record.runId,
      owner: record.owner,
      createdAt: record.createdAt,
      tempDirs: [],
      bytes: 0,
      processes: [],
      ports: [],
      containers: record.containers,
    };
    result.runs.push(reaped);
    // Processes first: PostgreSQL must not be writing into a dir while we remove it.
    for (let round = 0; round < 3 && Date.now() < deadline; round++) {
      const procs = (await findProcessesOfRun(record.runId)).filter((p) => !ancestors.has(p.pid) && !SHARED_DAEMONS.test(p.cmd));
      if (procs.length === 0) break;
      for (const s of await listeningSocketsOf(procs.map((p) => p.pid))) if (!reaped.ports.includes(s.address)) reaped.ports.push(s.address);
      for (const p of procs) {
        try {
          process.kill(p.pid, "SIGKILL");
          if (!reaped.processes.some((q) => q.pid === p.pid)) reaped.processes.push(p);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ESRCH")
            result.problems.push(`cannot kill ${p.pid} (${p.cmd}) of run ${record.runId}: ${(err as Error).message}`);
        }
      }
      await waitGone(
        procs.map((p) => p.pid),
        Math.min(KILL_WAIT_MS, Math.max(0, deadline - Date.now())),
      );
    }
    // The dirs of this run: named by its marker, and not by a longer marker of another run (a run
    // id that extends this one: "r-1" would otherwise claim the dirs of "r-1-2").
    const marker = tempDirMarker(record.runId);
    // Only directories (what makeTempDir makes), never another run's owner record.
    const candidates = names.filter(
      (n) => n.startsWith(marker) && !n.includes(OWNER_RECORD_SUFFIX) && !allMarkers.some((m) => m.length > marker.length && n.startsWith(m)),
    );
    const mine: string[] = [];
    for (const n of candidates) if ((await lstat(join(dir, n)).catch(() => undefined))?.isDirectory()) mine.push(n);
    for (const name of mine) {
      if (Date.now() >= deadline) {
        result.unfinished = true;
        break;
      }
      const path = join(dir, name);
      const bytes = await sizeOf(path);
      try {
        await rm(path, { recursive: true, force: true, maxRetries: 3 });
        reaped.tempDirs.push(path);
        reaped.bytes += bytes;
      } catch (err) {
        result.problems.push(`cannot remove ${path}: ${(err as Error).message}`);
      }
    }
    const stillThere = (await findProcessesOfRun(record.runId)).filter((p) => !ancestors.has(p.pid) && !SHARED_DAEMONS.test(p.cmd));
    if (stillThere.length > 0)
      result.problems.push(`run ${record.runId}: ${stillThere.length} process(es) still there (${stillThere.map((p) => p.pid).join(", ")})`);
    // The record goes last, and only when nothing of the run is known to remain.
    if (!result.unfinished && stillThere.length === 0 && reaped.tempDirs.length === mine.length && !(containersLeft && record.containers !== undefined)) {
      await rm(ownerRecordPath(record.runId, dir), { force: true }).catch((err: unknown) => {
        result.problems.push(`cannot remove the owner record of ${record.runId}: ${(err as Error).message}`);
      });
    }
  }
  return result;
}

/** The one line a command prints about what it reaped; undefined when there was nothing to say. */
export function describeReap(r: ReapResult): string | undefined {
  const runs = r.runs.filter((x) => x.tempDirs.length + x.processes.length > 0 || x.containers !== undefined);
  if (runs.length === 0 && r.containers.length === 0 && r.problems.length === 0 && !r.unfinished) return undefined;
  const parts: string[] = [];
  if (runs.length > 0 || r.containers.length > 0) {
    const what = runs.map((x) => {
      const bits = [
        `${x.tempDirs.length} temp dir(s) (${formatBytes(x.bytes)})`,
        `${x.processes.length} process(es)${x.processes.length ? ` (${[...new Set(x.processes.map((p) => commandName(p.cmd)))].join(", ")})` : ""}`,
      ];
      if (x.ports.length) bits.push(`listening on ${x.ports.join(", ")}`);
      return `run ${x.runId} (its harness, pid ${ownerPid(x.owner) ?? "?"}, is gone): ${bits.join(", ")}`;
    });
    if (r.containers.length) what.push(`containers and networks: ${r.containers.join(", ")}`);
    parts.push(`reaped what earlier runs left behind: ${what.join("; ")}`);
  }
  if (r.problems.length) parts.push(`could not reap everything: ${r.problems.join("; ")}`);
  if (r.unfinished) parts.push("ran out of time; the next command carries on");
  return `mcp-slo: ${parts.join("; ")}`;
}

async function readOwnerRecords(dir: string, names: readonly string[], problems: string[]): Promise<OwnerRecord[]> {
  const records: OwnerRecord[] = [];
  for (const name of names) {
    if (!name.startsWith("mcp-slo-") || !name.endsWith(OWNER_RECORD_SUFFIX)) continue;
    let text: string;
    try {
      text = await readFile(join(dir, name), "utf8");
    } catch {
      continue; // removed by its owner (or another reaper) since we listed the dir
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = OwnerRecordSchema.safeParse(json);
    // A record we cannot read names no owner we could judge: leave it (and its run) alone.
    if (!parsed.success || basename(ownerRecordPath(parsed.data.runId, dir)) !== name) {
      problems.push(`${join(dir, name)} is not an owner record this harness can read; left as it is`);
      continue;
    }
    records.push(parsed.data);
  }
  return records;
}

/** This process and its ancestors: never killed, even if they carry the id of a dead run. */
function ancestorsOfThisProcess(): Set<number> {
  const out = new Set<number>([process.pid]);
  let pid = process.ppid;
  for (let i = 0; i < 64 && pid > 1 && !out.has(pid); i++) {
    out.add(pid);
    // Synchronous on purpose: a handful of tiny /proc reads, once per reap.
    const stat = procStat(pid);
    if (stat === undefined) break;
    pid = stat.ppid;
  }
  return out;
}

/** Waits up to `withinMs` for `pids` to be gone; what is still there then, the caller finds again. */
async function waitGone(pids: readonly number[], withinMs: number): Promise<void> {
  await waitUpTo(() => !pids.some((pid) => processRunning(pid)), { what: "the killed processes to be gone", timeoutMs: withinMs, intervalMs: 50 });
}

/** Bytes in a file tree (not following links), for the report line; 0 when unreadable. */
async function sizeOf(path: string): Promise<number> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  const entries = await readdir(path, { recursive: true }).catch(() => [] as string[]);
  for (const e of entries) total += (await lstat(join(path, e)).catch(() => undefined))?.size ?? 0;
  return total;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(0)} kB` : `${n} B`;
}

function commandName(cmd: string): string {
  return basename(cmd.split(" ")[0] ?? cmd) || cmd;
}
