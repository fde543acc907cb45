/**
 * What every process of a run had in its environment, read from /proc/<pid>/environ while the run
 * runs: the descendants of the CLI's process (spawnManaged's children stay children of the harness
 * even in their own process group; postgres backends are children of the postmaster). Used by the
 * least-privilege tests to prove which process got which token.
 *
 * Linux only. Bounded: one scan every `everyMs`, stopped by stop() or after `limitMs`.
 */
import { procStat } from "../../src/util/proc-stat.js";
import { readdir, readFile } from "node:fs/promises";

export interface SeenProcess {
  pid: number;
  cmd: string;
  /** The environment as read (first successful read); postgres processes overwrite theirs (ps titles). */
  env: Record<string, string>;
  /** The raw environ bytes as text, NULs kept: for substring searches independent of parsing. */
  raw: string;
}

async function parentOf(pid: number): Promise<number | undefined> {
  return procStat(pid)?.ppid;
}

async function scan(root: number, seen: Map<number, SeenProcess>): Promise<void> {
  const pids = (await readdir("/proc").catch(() => [] as string[])).filter((e) => /^\d+$/.test(e)).map(Number);
  const parents = new Map<number, number>();
  await Promise.all(
    pids.map(async (pid) => {
      const ppid = await parentOf(pid);
      if (ppid !== undefined) parents.set(pid, ppid);
    }),
  );
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && hops < 64; p = parents.get(p), hops++) if (p === root) return true;
    return false;
  };
  await Promise.all(
    pids
      .filter((pid) => !seen.has(pid) && isDescendant(pid))
      .map(async (pid) => {
        try {
          // The command line first, then the environment: a child caught between fork() and exec()
          // (below) is skipped by its command line, and one read after it has exec'd has exec'd for
          // the environment too. Read together, an environment from before the exec could be paired
          // with the command line from after it (seen: a custom server "without" the token it was given).
          const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
          const environ = await readFile(`/proc/${pid}/environ`);
          const raw = environ.toString("utf8");
          // An exec'ing child (setpriv) shows its wrapper first: keep the newest command line.
          const env: Record<string, string> = {};
          for (const kv of raw.split("\0")) {
            const at = kv.indexOf("=");
            if (at > 0) env[kv.slice(0, at)] = kv.slice(at + 1);
          }
          const cmd = cmdline.split("\0").filter(Boolean).join(" ");
          if (cmd === "") return;
          // A process exiting between the two reads has no memory left to read its environment from: /proc
          // gives an empty environ (seen in a fresh-clone CI run: a stand-in "without" the run id every child
          // gets). Not what it ran with; a process that lives on is read at the next scan.
          if (raw === "") return;
          // Between fork() and exec() a child still shows its parent's command line and environment
          // (seen: the harness's own, tokens included, under a child's pid). Not what it will run
          // with: look again at the next scan, once it has exec'd.
          const parentCmdline = await readFile(`/proc/${parents.get(pid)}/cmdline`, "utf8").catch(() => undefined);
          if (parentCmdline === cmdline) return;
          seen.set(pid, { pid, cmd, env, raw });
        } catch {
          // gone while we looked
        }
      }),
  );
  // setpriv exec()s into the real program under the same pid: refresh the command line of those.
  await Promise.all(
    [...seen.values()]
      .filter((p) => p.cmd.startsWith("/usr/bin/setpriv") || p.cmd.startsWith("setpriv"))
      .map(async (p) => {
        const cmdline = await readFile(`/proc/${p.pid}/cmdline`, "utf8").catch(() => "");
        const cmd = cmdline.split("\0").filter(Boolean).join(" ");
        if (cmd !== "") p.cmd = cmd;
      }),
  );
}

/** Starts scanning the descendants of `root`; stop() returns every process seen. */
export function watchEnvirons(root: number, opts: { everyMs?: number; limitMs?: number } = {}): { stop(): Promise<SeenProcess[]> } {
  const seen = new Map<number, SeenProcess>();
  const everyMs = opts.everyMs ?? 250;
  const until = performance.now() + (opts.limitMs ?? 600_000);
  let stopped = false;
  const loop = (async () => {
    while (!stopped && performance.now() < until) {
      await scan(root, seen);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return [...seen.values()];
    },
  };
}
