/**
 * The machine's load outside the run, with real processes: a busy process that is not the run's
 * (orphaned, so not a descendant) counts as outside load; a busy child of the run counts as the
 * run's. Asserted against the busy processes' own CPU time from /proc, so the test holds on a machine
 * that other work keeps busy too.
 */
import { execFileSync, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { procStat } from "./proc-stat.js";
import { treeTicks, watchOutsideLoad } from "./machine-load.js";

/** A loop that burns one core for at most 15 s, then ends by itself. */
const BUSY = "const end = Date.now() + 15000; while (Date.now() < end) {}";
const ticksOf = (pid: number) => {
  const s = procStat(pid);
  return s === undefined ? 0 : s.utimeTicks + s.stimeTicks;
};

/**
 * Waits until each process has had `ticks` of CPU since `before` (at least `minMs`, at most 12 s):
 * on a machine other work keeps busy (load average 28 on 2 cores, seen in a CI run) a busy loop
 * may get a tenth of a core, and a fixed window then proves nothing either way.
 */
async function untilBusyFor(pids: readonly number[], before: readonly number[], ticks: number, minMs: number): Promise<void> {
  const from = Date.now();
  await sleep(minMs);
  while (Date.now() - from < 12_000 && pids.some((pid, i) => ticksOf(pid) - before[i]! < ticks)) await sleep(250);
}

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0))
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
});

describe("outside load", () => {
  it("counts a busy process outside the run's tree, and not a busy child of the run", async () => {
    // sh starts the loop in the background and exits: the loop is re-parented, out of this tree.
    const orphan = Number(
      execFileSync("sh", ["-c", `${JSON.stringify(process.execPath)} -e '${BUSY}' >/dev/null 2>&1 & echo $!`], { encoding: "utf8" }).trim(),
    );
    started.push(orphan);
    const child = spawn(process.execPath, ["-e", BUSY], { stdio: "ignore" });
    started.push(child.pid as number);
    await sleep(300);
    expect(procStat(orphan)?.ppid).not.toBe(process.pid);

    const orphanBefore = ticksOf(orphan);
    const childBefore = ticksOf(child.pid as number);
    const runBefore = treeTicks([process.pid]);
    const watch = await watchOutsideLoad();
    await untilBusyFor([orphan, child.pid as number], [orphanBefore, childBefore], 25, 2500);
    const outside = await watch.stop();
    const orphanTicks = ticksOf(orphan) - orphanBefore;
    const childTicks = ticksOf(child.pid as number) - childBefore;
    const runTicks = treeTicks([process.pid]) - runBefore;

    expect(outside).toBeDefined();
    const o = outside as NonNullable<typeof outside>;
    expect(o.windowMs).toBeGreaterThanOrEqual(2400);
    // Each busy loop got CPU (on a loaded machine, maybe not a whole core: the window waited for it).
    expect(orphanTicks).toBeGreaterThanOrEqual(25);
    expect(childTicks).toBeGreaterThanOrEqual(25);
    // The run's tree holds the child; the outside load holds the orphan (the reads are a few ms
    // apart, hence the 3-tick allowance).
    expect(runTicks).toBeGreaterThanOrEqual(childTicks - 3);
    expect(o.cores * (o.windowMs / 1000) * 100).toBeGreaterThanOrEqual(orphanTicks - 3);
  }, 30_000);

  it("counts a provider's extra roots as the run's", async () => {
    const orphan = Number(
      execFileSync("sh", ["-c", `${JSON.stringify(process.execPath)} -e '${BUSY}' >/dev/null 2>&1 & echo $!`], { encoding: "utf8" }).trim(),
    );
    started.push(orphan);
    await sleep(300);
    const before = ticksOf(orphan);
    const watchWith = await watchOutsideLoad(async () => [orphan]);
    const watchWithout = await watchOutsideLoad();
    const from = Date.now();
    await untilBusyFor([orphan], [before], 25, 2500);
    const withRoot = await watchWith.stop();
    const without = await watchWithout.stop();
    const orphanTicks = ticksOf(orphan) - before;
    const orphanCores = orphanTicks / 100 / ((Date.now() - from) / 1000);
    expect(orphanTicks).toBeGreaterThanOrEqual(25);
    // Same window give or take a few ms: the difference between the two is the orphan's share.
    expect((without?.cores ?? 0) - (withRoot?.cores ?? 0)).toBeGreaterThan(orphanCores * 0.8);
  }, 30_000);
});
