/**
 * Who owns a run, in a form that can be judged after the owner is gone: the liveness key
 * `<hostname>:<pid>:<start time>` of the harness process (a `mcp-slo` command, a test worker).
 *
 * The pid alone is not enough: pids are reused, and a later process with the same pid would make
 * a dead run look alive (leaving its leftovers for ever) or, worse, the other way round. The start
 * time (clock ticks since boot, /proc/PID/stat field 22) is fixed for a process's life, so
 * pid + start time names one process for the life of this boot. The hostname keeps a key written
 * on another machine (a shared /tmp, a container with its own /proc) from being judged here.
 *
 * Used by the container reaper (labels of containers and networks, src/providers/docker/reaper.ts)
 * and by the run's owner record (src/stack/resource-registry.ts), read by src/stack/leftovers.ts.
 */
import { procStat } from "../util/proc-stat.js";
import os from "node:os";

/** Start time of a process in clock ticks since boot (/proc/PID/stat field 22); undefined when it is gone or there is no /proc. */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** This process, as an owner key. "0" as start time when it cannot be read (no /proc): see ownerAlive. */
export function ownerKeyOfThisProcess(): string {
  return `${os.hostname()}:${process.pid}:${processStartTime(process.pid) ?? "0"}`;
}

/** The pid an owner key names, when it is well formed. */
export function ownerPid(key: string | undefined): number | undefined {
  const m = /^(.*):(\d+):(\d+)$/.exec(key ?? "");
  return m ? Number(m[2]) : undefined;
}

/**
 * Whether the process an owner key names is still alive. What cannot be judged counts as alive, so
 * nothing is ever taken from a live run: a malformed key, another host, a machine without /proc.
 * A key written without a start time ("0", no /proc then) is dead only when its pid is gone. A
 * zombie (killed, not yet waited for by its parent) is dead: it never runs again, and the kernel
 * already sent its children their parent-death signal.
 */
export function ownerAlive(key: string | undefined): boolean {
  const m = /^(.*):(\d+):(\d+)$/.exec(key ?? "");
  if (!m) return true;
  if (m[1] !== os.hostname()) return true;
  const pid = Number(m[2]);
  if (m[3] === "0" || processStartTime(process.pid) === undefined) return pidExists(pid);
  const stat = procStat(pid);
  return stat !== undefined && stat.startTime === m[3] && stat.state !== "Z" && stat.state !== "X";
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
