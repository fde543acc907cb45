/**
 * The stack's lower priority holds where the kernel's autogroups are on: each process the harness
 * starts leads a session of its own (spawned detached), so the scheduler weighs its group against
 * the harness's before it looks at anyone's nice (src/stack/managed-process.ts, lowerAutogroup).
 * Checked for real: the group's nice, and what it does to two busy loops sharing one core.
 */
import { execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { autogroupNice, autogroupsNotLowered, spawnManaged, stackPriority } from "./managed-process.js";
import { ResourceRegistry } from "./resource-registry.js";
import { waitFor } from "../util/wait-for.js";
import { PROJECT_ROOT } from "../project-root.js";

const registry = new ResourceRegistry({ runId: `stack-autogroup-test-${process.pid}` });
afterAll(() => registry.disposeAll());

const autogroupsOn = autogroupNice() !== undefined;
if (!autogroupsOn)
  console.warn(
    "SKIPPED: this kernel has no autogroups on (CONFIG_SCHED_AUTOGROUP off or kernel.sched_autogroup_enabled=0): nice alone orders the stack, nothing to check here",
  );

/**
 * Counts loop turns on CPU 0 between two instants on the wall clock, then prints the count. Both sides
 * count over the same window, whenever each one got started: a side lowered among busy processes
 * starts later, and with a window of its own it would count alone after the other ended (CI: 0.6).
 */
const BUSY = (fromMs: number, toMs: number) => [
  "-c",
  "0",
  process.execPath,
  "-e",
  `let n = 0; while (Date.now() < ${fromMs}); while (Date.now() < ${toMs}) n++; console.log(n)`,
];

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
    // Time for both to start, even the lowered one on a loaded machine; then 2 s of counting.
    const from = Date.now() + 3000;
    const to = from + 2000;
    // The stack's side, spawned as every server is.
    const stackSide = spawnManaged({ name: "busy-stack", command: "taskset", args: BUSY(from, to), registry, stdin: "pipe" });
    // The other leads a group of its own too, at the nice a new group has (the harness's, 0): this
    // test's own group is shared with the suite's other busy processes, and a group's weight is split
    // over the cores its tasks run on, so against it the comparison measured the suite's load (CI).
    const harnessSide = spawn("taskset", BUSY(from, to), { stdio: ["ignore", "pipe", "inherit"], detached: true });
    const [stackTurns, harnessTurns] = await Promise.all([output(stackSide.stdout), output(harnessSide.stdout)]);
    // Group weights 110 (nice 10) against 1024 give the stack about a tenth; unlowered, both groups
    // weigh 1024 and share the core evenly. Half is far from both.
    expect(stackTurns, `stack ${stackTurns} vs harness-side ${harnessTurns} loop turns`).toBeLessThan(harnessTurns * 0.5);
  });
  it("without CAP_SYS_ADMIN (one change per 100 ms, machine-wide), five children started at once are all lowered, in turn", () => {
    // As root the script runs as nobody (no capabilities); otherwise as this user, who has none either, as a rule.
    const isRoot = process.getuid?.() === 0;
    const tmp = mkdtempSync(path.join(tmpdir(), "mcp-slo-autogroup-test-"));
    try {
      if (isRoot) chownSync(tmp, 65534, 65534);
      const script = `
        import { autogroupNice, autogroupsNotLowered, spawnManaged, stackPriority } from "./src/stack/managed-process.ts";
        import { ResourceRegistry } from "./src/stack/resource-registry.ts";
        const registry = new ResourceRegistry({ runId: "autogroup-queue-test" });
        const kids = [1, 2, 3, 4, 5].map((i) => spawnManaged({ name: "sleeper" + i, command: "sleep", args: ["30"], registry }));
        const target = stackPriority().stackAutogroupNice;
        const lowered = () => kids.every((k) => autogroupNice(k.pid) === target);
        const end = performance.now() + 5000;
        while (!lowered() && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
        console.log(JSON.stringify({ target, groups: kids.map((k) => autogroupNice(k.pid)), notLowered: autogroupsNotLowered(), uid: process.getuid() }));
        await registry.disposeAll();`;
      const command = isRoot ? "setpriv" : process.execPath;
      const node = [process.execPath, "--import", "tsx", "--input-type=module", "-e", script];
      const args = isRoot ? ["--reuid", "65534", "--regid", "65534", "--clear-groups", "--", ...node] : node.slice(1);
      // Its own TMPDIR: tsx's cache and the registry's dirs of another user stay out of the shared /tmp.
      const out = execFileSync(command, args, { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, TMPDIR: tmp, HOME: tmp } });
      const r = JSON.parse(out.trim().split("\n").at(-1)!) as { target: number; groups: number[]; notLowered: string[]; uid: number };
      expect(r.groups).toEqual([r.target, r.target, r.target, r.target, r.target]);
      expect(r.notLowered).toEqual([]);
      if (isRoot) expect(r.uid).toBe(65534);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
