import { existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { findProcessesOfRun } from "./leftovers.js";
import { spawnManaged } from "./managed-process.js";
import { ResourceRegistry } from "./resource-registry.js";
import { waitFor } from "../util/wait-for.js";

function newRunId(): string {
  return `t${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

describe("ResourceRegistry", () => {
  it("makes temp dirs named after the run, and disposeAll removes them and every process, idempotently", async () => {
    const registry = new ResourceRegistry({ runId: newRunId() });
    const dir = await registry.makeTempDir("redis");
    expect(basename(dir)).toMatch(new RegExp(`^mcp-slo-${registry.runId}-redis-`));
    expect(dir.startsWith(tmpdir())).toBe(true);
    await writeFile(`${dir}/file`, "x");

    const a = spawnManaged({ name: "a", command: "sleep", args: ["60"], registry });
    // b ignores SIGTERM: disposal must escalate to SIGKILL after the grace. It says when its trap is
    // set and its child started: a SIGTERM before that (a busy machine is slow to start a shell)
    // would end it at once, and the grace would never be needed (seen in CI: disposal took 8 ms).
    const b = spawnManaged({ name: "b", command: "sh", args: ["-c", "trap '' TERM; sleep 60 & : > ready; wait"], registry, cwd: dir });
    await waitFor(() => existsSync(`${dir}/ready`), { what: "b to set its trap", timeoutMs: 10_000, intervalMs: 10 });
    expect(registry.processes).toEqual([a, b]);
    expect((await findProcessesOfRun(registry.runId)).length).toBeGreaterThanOrEqual(2);

    const order: string[] = [];
    void a.exited.then(() => order.push("a"));
    void b.exited.then(() => order.push("b"));
    const t0 = Date.now();
    await registry.disposeAll();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(2900); // b needed the 3 s grace
    expect(took).toBeLessThan(6000);
    expect(order).toEqual(["b", "a"]); // reverse start order
    expect(a.isRunning()).toBe(false);
    expect(b.exitInfo?.signal).toBe("SIGKILL");
    expect(registry.processes).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(await findProcessesOfRun(registry.runId)).toEqual([]);

    // Idempotent, also when called concurrently.
    await Promise.all([registry.disposeAll(), registry.disposeAll(), registry[Symbol.asyncDispose]()]);
  }, 25_000);

  it("untracks processes that exit by themselves", async () => {
    const registry = new ResourceRegistry({ runId: newRunId() });
    const p = spawnManaged({ name: "true", command: "true", args: [], registry });
    expect(registry.processes).toEqual([p]);
    await p.exited;
    expect(registry.processes).toEqual([]);
    await registry.disposeAll();
  });

  it("killAllSync kills every process group at once and removes the dirs synchronously", async () => {
    const registry = new ResourceRegistry({ runId: newRunId() });
    const dir = await registry.makeTempDir("x");
    const p = spawnManaged({ name: "sh", command: "sh", args: ["-c", "trap '' TERM; sleep 60 & sleep 60 & wait"], registry });
    await new Promise((r) => setTimeout(r, 100));
    registry.killAllSync();
    expect(existsSync(dir)).toBe(false);
    expect(await p.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(await findProcessesOfRun(registry.runId)).toEqual([]);
    await registry.disposeAll(); // nothing left, must not throw
  });

  it("rejects run ids that are unsafe in file names", () => {
    expect(() => new ResourceRegistry({ runId: "../x" })).toThrow(/runId/);
  });

  it("leaves no temp dirs of finished runs behind", async () => {
    const registry = new ResourceRegistry({ runId: newRunId() });
    await registry.makeTempDir("a");
    await registry.makeTempDir("b");
    await registry.disposeAll();
    const left = (await readdir(tmpdir())).filter((n) => n.includes(registry.runId));
    expect(left).toEqual([]);
  });
});
