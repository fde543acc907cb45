/**
 * One reading of /proc/PID/stat (proc(5)), for the places that need a process's state, parent,
 * start time or CPU time: the reaper's liveness keys, leftover detection, the k6 driver's CPU
 * share, tests that wait for children to go. Read by hand: the file is one line of fields, and the
 * packages that parse it (pidusage, ps-list) spawn `ps` or read more than asked.
 */
import { readFileSync } from "node:fs";

/** sysconf(_SC_CLK_TCK), the unit of /proc's CPU times: 100 on every Linux Node runs on. */
export const CLOCK_TICKS = 100;

export interface ProcStat {
  /** Field 2: the command name, without its parentheses. */
  comm: string;
  /** Field 3: R, S, D, T, Z (zombie), X (dead), ... */
  state: string;
  /** Field 4. */
  ppid: number;
  /** Field 22: clock ticks since boot; fixed for the process's life. */
  startTime: string | undefined;
  /** Fields 14 and 15, in clock ticks. */
  utimeTicks: number;
  stimeTicks: number;
}

/** The process's stat ("thread-self": the calling thread's), or undefined when it is gone or there is no /proc. Synchronous: one tiny read. */
export function procStat(pid: number | "thread-self"): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")),
    state: fields[0] ?? "",
    ppid: Number(fields[1]),
    startTime: fields[19],
    utimeTicks: Number(fields[11]),
    stimeTicks: Number(fields[12]),
  };
}

/** A process that exists and has not exited: a zombie only waits for its parent to collect it. */
export function processRunning(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X";
}
