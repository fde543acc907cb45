/**
 * The parts of the container provider that need no engine: who counts as a live owner for the
 * reaper, and how the run's registry undoes resources (containers) relative to processes (the
 * podman service that runs them). The engine itself is tested in test/docker-provider.e2e.test.ts.
 */
import os from "node:os";
import { describe, expect, it } from "vitest";
import { spawnManaged } from "../../stack/managed-process.js";
import { ResourceRegistry } from "../../stack/resource-registry.js";
import { LABEL_RUN, LABEL_SESSION, runLabels, sessionAlive, sessionOfThisProcess } from "./reaper.js";

describe("reaper liveness (the session label)", () => {
  it("this process is alive; a pid that is gone, or a reused pid with another start time, is not", async () => {
    const me = sessionOfThisProcess();
    expect(me).toMatch(new RegExp(`^${os.hostname()}:${process.pid}:\\d+$`));
    expect(sessionAlive(me)).toBe(true);
    expect(sessionAlive(me.replace(/:\d+$/, ":1"))).toBe(false); // same pid, another start time
    expect(sessionAlive(`${os.hostname()}:4194303:1`)).toBe(false); // above any pid in use here
  });

  it("what it cannot judge counts as alive: another host, no or a malformed label", () => {
    expect(sessionAlive(`not-${os.hostname()}:1:1`)).toBe(true);
    expect(sessionAlive(undefined)).toBe(true);
    expect(sessionAlive("garbage")).toBe(true);
  });

  it("labels carry the run id, the session and the role", () => {
    expect(runLabels("r1", "redis")).toEqual({ [LABEL_RUN]: "r1", [LABEL_SESSION]: sessionOfThisProcess(), "mcp-slo.role": "redis" });
  });
});

describe("ResourceRegistry resources (containers) and processes (their engine)", () => {
  it("disposeAll undoes resources newest first, before any process is stopped", async () => {
    const registry = new ResourceRegistry({ runId: `resources-${process.pid}` });
    const order: string[] = [];
    const engine = spawnManaged({ name: "engine", command: "sleep", args: ["30"], registry });
    void engine.exited.then(() => order.push("engine stopped"));
    registry.addResource({
      name: "a",
      dispose: async () => void order.push(`a (engine running: ${engine.isRunning()})`),
      disposeSync: () => order.push("a sync"),
    });
    registry.addResource({
      name: "b",
      dispose: async () => void order.push(`b (engine running: ${engine.isRunning()})`),
      disposeSync: () => order.push("b sync"),
    });
    const forget = registry.addResource({ name: "c", dispose: async () => void order.push("c"), disposeSync: () => order.push("c sync") });
    forget();
    await registry.disposeAll();
    await engine.exited;
    expect(order).toEqual(["b (engine running: true)", "a (engine running: true)", "engine stopped"]);
    await registry.disposeAll(); // nothing twice
    expect(order).toHaveLength(3);
  });

  it("killAllSync calls each resource's synchronous removal, before the processes are killed", async () => {
    const registry = new ResourceRegistry({ runId: `resources-sync-${process.pid}` });
    const seen: string[] = [];
    const engine = spawnManaged({ name: "engine", command: "sleep", args: ["30"], registry });
    registry.addResource({ name: "x", dispose: async () => undefined, disposeSync: () => void seen.push(`x sync (engine running: ${engine.isRunning()})`) });
    registry.killAllSync();
    expect(seen).toEqual(["x sync (engine running: true)"]);
    expect((await engine.exited).signal).toBe("SIGKILL");
  });
});
