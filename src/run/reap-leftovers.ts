/**
 * What every command that starts things (run, monitor, bridge, evaluate) does first: reap what runs
 * whose harness is gone left behind (src/stack/leftovers.ts, reapDeadRuns), say so on stderr in one
 * line, and carry on whatever happened: a reap that fails must never fail the command.
 *
 * Containers of a dead `--provider docker` run are removed through a container engine found the
 * way the docker provider finds one (DOCKER_HOST, /var/run/docker.sock, else a podman service
 * started for the reap and stopped after it), with the provider's own reaper (reapOrphans: every
 * container and network whose session label names a dead harness). That costs an engine start, so
 * it only happens when a dead run's owner record says it made containers.
 */
import { findContainerEngine } from "../providers/docker/engine.js";
import { reapOrphans } from "../providers/docker/reaper.js";
import { describeReap, reapDeadRuns, type ReapResult } from "../stack/leftovers.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { deadline } from "../util/race.js";

/** The whole reap, containers included, stops starting new work after this long. */
export const REAP_BUDGET_MS = 30_000;

export interface ReapLeftoversOptions {
  /** Where the one line goes; default stderr. */
  say?: (line: string) => void;
  budgetMs?: number;
  /** Where the runs' temp dirs and owner records are; default os.tmpdir(). */
  dir?: string;
}

/** Reaps the leftovers of dead runs; never throws. Returns what it did (for tests). */
export async function reapLeftovers(opts: ReapLeftoversOptions = {}): Promise<ReapResult | undefined> {
  const say = opts.say ?? ((line: string) => void process.stderr.write(`${line}\n`));
  try {
    const result = await reapDeadRuns({ budgetMs: opts.budgetMs ?? REAP_BUDGET_MS, ...(opts.dir !== undefined && { dir: opts.dir }), reapContainers });
    const line = describeReap(result);
    if (line !== undefined) say(line);
    return result;
  } catch (err) {
    say(`mcp-slo: could not reap what earlier runs left behind: ${(err as Error).message?.split("\n")[0] ?? String(err)}`);
    return undefined;
  }
}

async function reapContainers(budgetMs: number): Promise<string[]> {
  const registry = new ResourceRegistry({ runId: `reaper-${process.pid}-${Date.now().toString(36)}` });
  const outOfTime = deadline(budgetMs, () => new Error(`not done within ${Math.round(budgetMs / 1000)} s`));
  try {
    const work = (async () => {
      const engine = await findContainerEngine({ registry, startTimeoutMs: Math.max(1000, budgetMs) });
      try {
        const removed = await reapOrphans(engine);
        return [...removed.containers, ...removed.networks];
      } finally {
        await engine.stop();
      }
    })();
    // Once the budget ran out nobody awaits `work`: its late failure must not crash the command.
    work.catch(() => undefined);
    return await Promise.race([work, outOfTime.promise]);
  } finally {
    outOfTime.dispose();
    // Stops the podman service started for the reap (also when the budget ran out mid-way).
    await registry.disposeAll();
  }
}
