/**
 * Finds processes that belong to a run, by scanning /proc. Used by tests (and the interrupt test)
 * to prove that nothing a run started outlives it.
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
import { readdir, readFile, readlink } from "node:fs/promises";
import { RUN_ID_ENV, tempDirMarker } from "./resource-registry.js";

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
        const stat = await readFile(`/proc/${pid}/stat`, "utf8");
        const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
        if (state === "Z" || state === "X") return;
        let matches = false;
        const environ = await readFile(`/proc/${pid}/environ`).catch(() => undefined);
        if (environ !== undefined && environ.toString("utf8").split("\0").includes(envNeedle)) matches = true;
        if (!matches) {
          const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => "");
          if (cwd.includes(dirNeedle)) matches = true;
        }
        if (!matches) return;
        const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
        found.push({ pid, cmd: cmdline.split("\0").filter(Boolean).join(" ") || stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) });
      } catch {
        // The process went away while we looked at it: not a leftover.
      }
    }),
  );
  return found.sort((a, b) => a.pid - b.pid);
}
