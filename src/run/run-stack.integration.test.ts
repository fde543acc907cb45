/**
 * A run's stack as RunStack starts it, with real processes: every server's sessions while the rest of
 * the stack comes up, and a failed start that names the server and leaves no process of the run.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadScenario } from "../config/load-scenario.js";
import type { Scenario } from "../contracts/plan.js";
import { localProvider } from "../providers/local.js";
import { findProcessesOfRun } from "../stack/leftovers.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { RunStack } from "./run-stack.js";

const registries: ResourceRegistry[] = [];
afterEach(async () => {
  for (const r of registries.splice(0)) await r.disposeAll();
});
function newRegistry(): ResourceRegistry {
  const r = new ResourceRegistry({ runId: `run-stack-${process.pid}-${Math.random().toString(36).slice(2, 8)}` });
  registries.push(r);
  return r;
}

/** The all-servers scenario cut down to `names`, plus any extra servers. */
async function scenarioOf(names: readonly string[], extra: Scenario["servers"] = []): Promise<Scenario> {
  const s = await loadScenario("scenarios/all-servers.yaml", "ci");
  return { ...s, servers: [...s.servers.filter((d) => names.includes(d.name)), ...extra] };
}

/** The run's stack of `scenario` on the local provider, two sessions per server, saying nothing. */
function stackOf(scenario: Scenario, registry: ResourceRegistry): RunStack {
  return new RunStack({ scenario, registry, provider: localProvider, signal: new AbortController().signal, say: () => undefined, sessionsPerServer: 2 });
}

describe("RunStack", () => {
  it("starts every agent's session to every server; a server that uses nothing starts before the backends are up", async () => {
    const registry = newRegistry();
    const scenario = await scenarioOf(["memory", "postgres"]);
    const started = stackOf(scenario, registry);
    try {
      await started.start();
      const sessions = started.pool.sessions;
      expect(sessions.map((x) => `${x.server.name}#${x.agent}`).sort()).toEqual(["memory#0", "memory#1", "postgres#0", "postgres#1"]);
      // Memory needs no PostgreSQL: its sessions were spawned before PostgreSQL's could be (after initdb, seeding and the hop).
      const firstPostgres = Math.min(...sessions.filter((x) => x.server.name === "postgres").map((x) => x.spawnedAt!));
      for (const x of sessions.filter((x) => x.server.name === "memory")) expect(x.spawnedAt!).toBeLessThan(firstPostgres);
      expect(started.endpoints?.hopUrl?.("postgres", "postgres")).toBeDefined();
    } finally {
      await started.stop();
    }
    expect(await findProcessesOfRun(registry.runId)).toEqual([]);
  });

  it("a server that cannot start: the error names it, and nothing of the run is left once stopped", async () => {
    const registry = newRegistry();
    const base = await scenarioOf(["memory", "redis"]);
    const memory = base.servers.find((d) => d.name === "memory")!;
    const broken = { ...memory, name: "broken", package: "custom", command: "node", args: ["-e", "process.exit(3)"] };
    const scenario = { ...base, servers: [...base.servers, broken] };
    const started = stackOf(scenario, registry);
    try {
      await expect(started.start()).rejects.toThrow(/MCP server "broken" \(session of agent \d\) failed to start/);
    } finally {
      await started.stop();
    }
    expect(await findProcessesOfRun(registry.runId)).toEqual([]);
  });
});
