/**
 * The stack's lower priority holds where the kernel's autogroups are on: each process the harness
 * starts leads a session of its own (spawned detached), so the scheduler weighs its group against
 * the harness's before it looks at anyone's nice (src/stack/managed-process.ts, lowerAutogroup).
 * Checked for real: the group's nice, and what it does to two busy loops sharing one core.
 */
import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { autogroupNice, autogroupsNotLowered, spawnManaged, stackPriority } from "./managed-process.js";
import { ResourceRegistry } from "./resource-registry.js";
import { waitFor } from "../util/wait-for.js";

const registry = new ResourceRegistry({ runId: `stack-autogroup-test-${process.pid}` });
afterAll(() => registry.disposeAll());

const autogroupsOn = autogroupNice() !== undefined;
if (!autogroupsOn)
  console.warn(
    "SKIPPED: this kernel has no autogroups on (CONFIG_SCHED_AUTOGROUP off or kernel.sched_autogroup_enabled=0): nice alone orders the stack, nothing to check here",
  );

/** Counts loop turns for `ms` on CPU 0, then prints the count. */
const BUSY = (ms: number) => ["-c", "0", process.execPath, "-e", `let n = 0; const end = Date.now() + ${ms}; while (Date.now() < end) n++; console.log(n)`];

function output(stream: NodeJS.ReadableStream | null): Promise<number> {
  return new Promise((resolve, reject) => {
    if (!stream) return reject(new Error("no stdout pipe"));
    let text = "";
    stream.on("data", (d: Buffer) => {
      text += d.toString();
    });
    stream.on("end", () => (/^\d+\s*$/.test(text) ? resolve(Number(text)) : reject(new Error(`not a count: ${JSON.stringify(text)}`))));
  });
}

describe.skipIf(!autogroupsOn)("the stack's scheduling groups (kernel autogroups on)", () => {
  it("a process the harness starts leads a group of its own, lowered by the stack's increment", async () => {
    const { stackAutogroupNice } = stackPriority();
    expect(stackAutogroupNice).toBe(Math.min(19, autogroupNice()! + 10));
    const child = spawnManaged({ name: "sleeper", command: "sleep", args: ["30"], registry });
    // Lowered at once as root (CAP_SYS_ADMIN); otherwise the kernel takes one change per 100 ms.
    await waitFor(() => autogroupNice(child.pid) === stackAutogroupNice, { timeoutMs: 10_000, intervalMs: 50, what: "the child's group lowered" });
    expect(autogroupsNotLowered()).toEqual([]);
    await child.stop({ graceMs: 1000 });
  });

  it("on one shared core, a busy stack process gets far less than a busy one at the harness's priority", async () => {
    const ms = 2000;
    // The stack's side, spawned as every server is; the other in this process's session, at its nice.
    const stackSide = spawnManaged({ name: "busy-stack", command: "taskset", args: BUSY(ms), registry, stdin: "pipe" });
    const harnessSide = spawn("taskset", BUSY(ms), { stdio: ["ignore", "pipe", "inherit"] });
    const [stackTurns, harnessTurns] = await Promise.all([output(stackSide.stdout), output(harnessSide.stdout)]);
    // Weights 110 (nice 10) against 1024 give the stack about a tenth; its group at the harness's
    // nice gave it as much as the other or more (the harness's group is shared with this test's own
    // process). Half is far from both.
    expect(stackTurns, `stack ${stackTurns} vs harness-side ${harnessTurns} loop turns`).toBeLessThan(harnessTurns * 0.5);
  });
});
