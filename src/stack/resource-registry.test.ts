import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ResourceRegistry, type RunResource } from "./resource-registry.js";

function newRegistry(): ResourceRegistry {
  return new ResourceRegistry({ runId: `unit-${process.pid}-${Math.random().toString(36).slice(2, 8)}` });
}

/** A resource that notes when it is undone, and what it sees of the temp dirs at that moment. */
function noting(name: string, seen: string[], dirs: () => string[] = () => []): RunResource {
  const look = () =>
    dirs()
      .map((dir) => (existsSync(dir) ? "dir there" : "dir gone"))
      .join(", ");
  return {
    name,
    dispose: async () => void seen.push(`${name} (${look()})`),
    disposeSync: () => void seen.push(`${name} sync (${look()})`),
  };
}

describe("ResourceRegistry: one last-in-first-out stack of resources", () => {
  it("undoes resources and temp dirs in one order, newest first, whatever they are", async () => {
    const registry = newRegistry();
    const seen: string[] = [];
    let second = "";
    const first = await registry.makeTempDir("first");
    registry.addResource(noting("a", seen, () => [first, second]));
    second = await registry.makeTempDir("second");
    registry.addResource(noting("b", seen, () => [first, second]));
    expect(registry.tempDirs).toEqual([first, second]);

    await registry.disposeAll();
    // b went first, while both dirs were there; the second dir before a; the first dir after a.
    expect(seen).toEqual(["b (dir there, dir there)", "a (dir there, dir gone)"]);
    expect(existsSync(first)).toBe(false);
    expect(existsSync(second)).toBe(false);
    expect(registry.tempDirs).toEqual([]);
    expect(existsSync(registry.ownerRecordPath)).toBe(false);
  });

  it("killAllSync keeps the same order, synchronously", async () => {
    const registry = newRegistry();
    const seen: string[] = [];
    const dir = await registry.makeTempDir("x");
    registry.addResource(noting("a", seen, () => [dir]));
    registry.addResource(noting("b", seen, () => [dir]));
    registry.killAllSync();
    expect(seen).toEqual(["b sync (dir there)", "a sync (dir there)"]);
    expect(existsSync(dir)).toBe(false);
  });

  it("a resource that could not be undone keeps the owner record, and the rest is still undone", async () => {
    const registry = newRegistry();
    const seen: string[] = [];
    registry.addResource(noting("a", seen));
    registry.addResource({ name: "stuck", dispose: () => Promise.reject(new Error("cannot")), disposeSync: () => undefined });
    registry.addResource(noting("c", seen));
    expect(existsSync(registry.ownerRecordPath)).toBe(true);

    await registry.disposeAll();
    expect(seen).toEqual(["c ()", "a ()"]);
    // A later command (reapDeadRuns) finds the record once this process is gone, and tries again.
    expect(existsSync(registry.ownerRecordPath)).toBe(true);
    await rm(registry.ownerRecordPath, { force: true });
  });

  it("forgets a resource undone some other way", async () => {
    const registry = newRegistry();
    const seen: string[] = [];
    const forget = registry.addResource(noting("a", seen));
    registry.addResource(noting("b", seen));
    forget();
    await registry.disposeAll();
    expect(seen).toEqual(["b ()"]);
  });
});
