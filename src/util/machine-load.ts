/**
 * How busy the machine was with work that is not the run's, over a window: the machine's busy CPU
 * time (/proc/stat, proc(5)) less the CPU time of the run's own processes (the harness and its
 * descendants, plus the roots a provider names, e.g. its containers' main processes, and theirs).
 *
 * Why a comparison needs it: on a shared machine or CI runner, another job's load slows every figure
 * of a run together, and nothing inside one run can see it (../shared/measurement.md, "Comparing
 * runs"). With this figure in both run records, a two-run comparison can say "the candidate ran on a
 * busier machine" instead of calling the slowdown a regression.
 *
 * Read by hand: the two files are a line of numbers each, and the packages that report CPU use
 * (systeminformation, pidusage) sample whole processes or spawn `ps`, not "a tree's share of the
 * machine over a window".
 */
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { CLOCK_TICKS } from "./proc-stat.js";

export interface OutsideLoad {
  /** Cores busy with work outside the run, averaged over the window (0 .. cpus). */
  cores: number;
  /** The machine's logical CPUs. */
  cpus: number;
  /** Length of the window the figure covers, ms. */
  windowMs: number;
}

interface Reading {
  atMs: number;
  /** Busy ticks of the whole machine: user, nice, system, irq, softirq, steal (another VM's use of this host). */
  machineBusy: number;
  /** CPU ticks of the run's process tree, including children it has reaped (cutime, cstime). */
  runTicks: number;
}

function machineBusyTicks(): number | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/stat", "utf8");
  } catch {
    return undefined;
  }
  const first = text.slice(0, text.indexOf("\n"));
  if (!first.startsWith("cpu ")) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const [user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).slice(1).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, v) => sum + (Number.isFinite(v) ? (v as number) : 0), 0);
  return busy;
}

interface ProcEntry {
  ppid: number;
  ticks: number;
}

function processTable(): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return table;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // gone between the listing and the read
    }
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
    table.set(Number(name), { ppid: Number(f[1]), ticks: Number.isFinite(ticks) ? ticks : 0 });
  }
  return table;
}

/** CPU ticks of the roots and all their descendants (each process counted once). */
export function treeTicks(roots: readonly number[], table: Map<number, ProcEntry> = processTable()): number {
  const children = new Map<number, number[]>();
  for (const [pid, e] of table) {
    const list = children.get(e.ppid) ?? [];
    list.push(pid);
    children.set(e.ppid, list);
  }
  const seen = new Set<number>();
  const stack = roots.filter((p) => table.has(p));
  let ticks = 0;
  // Bounded: each pid is visited once, and the table is finite.
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    ticks += table.get(pid)?.ticks ?? 0;
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return ticks;
}

function read(roots: readonly number[]): Reading | undefined {
  const machineBusy = machineBusyTicks();
  if (machineBusy === undefined) return undefined;
  return { atMs: performance.now(), machineBusy, runTicks: treeTicks(roots) };
}

/**
 * Starts watching; `stop()` gives the outside load over the window, or undefined where there is no
 * /proc (not Linux) or the window was too short to say anything (under a second: a few ticks).
 * `extraRoots` is asked at both ends, so roots that appear during the window count from then.
 */
export async function watchOutsideLoad(extraRoots: () => Promise<readonly number[]> = async () => []): Promise<{ stop(): Promise<OutsideLoad | undefined> }> {
  const roots = async () => [process.pid, ...(await extraRoots().catch(() => []))];
  const start = read(await roots());
  return {
    async stop() {
      if (start === undefined) return undefined;
      const end = read(await roots());
      if (end === undefined) return undefined;
      const windowMs = end.atMs - start.atMs;
      if (windowMs < 1000) return undefined;
      const outsideTicks = end.machineBusy - start.machineBusy - (end.runTicks - start.runTicks);
      const cpus = os.availableParallelism();
      const cores = Math.min(cpus, Math.max(0, outsideTicks / CLOCK_TICKS / (windowMs / 1000)));
      return { cores: Math.round(cores * 1000) / 1000, cpus, windowMs: Math.round(windowMs) };
    },
  };
}
