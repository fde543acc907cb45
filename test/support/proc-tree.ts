/** Processes under a process, read from /proc: what the session e2e tests count while a run goes on. */
import { readdir, readFile } from "node:fs/promises";
import { procStat } from "../../src/util/proc-stat.js";

/** The descendants of `root` whose command line matches `pattern`, read once from /proc. */
export async function descendantsMatching(root: number, pattern: RegExp): Promise<number[]> {
  const pids = (await readdir("/proc").catch(() => [] as string[])).filter((e) => /^\d+$/.test(e)).map(Number);
  const parent = new Map<number, number>();
  for (const pid of pids) {
    const st = procStat(pid);
    // A zombie has exited: it holds no session, only an entry its parent has yet to reap.
    if (st && st.state !== "Z") parent.set(pid, st.ppid);
  }
  const under = (pid: number) => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && hops < 64; p = parent.get(p), hops++) if (p === root) return true;
    return false;
  };
  const out: number[] = [];
  for (const pid of parent.keys()) {
    if (!under(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (pattern.test(cmd.replaceAll("\0", " "))) out.push(pid);
  }
  return out;
}
