/**
 * One container engine per run: found once (engine.ts), noted in the run's owner record before any
 * container exists, what dead runs left behind reaped, and testcontainers pointed at it.
 */
import { HarnessError } from "../../errors.js";
import type { ResourceRegistry } from "../../stack/resource-registry.js";
import { exposeToTestcontainers, findContainerEngine, SETUP_HINT, type ContainerEngine } from "./engine.js";
import { reapOrphans } from "./reaper.js";

export type Testcontainers = typeof import("testcontainers");

export interface RunEngine {
  engine: ContainerEngine;
  tc: Testcontainers;
  /** Containers and networks of the run so far, for their names. */
  serial: number;
}

const engines = new WeakMap<ResourceRegistry, Promise<RunEngine>>();

/** What ran the last stack of each run, for the report's environment section. */
const described = new WeakMap<ResourceRegistry, string>();

/** "podman 4.3.1 (podman system service started for this run, unix://...)" once the run's engine was found. */
export function describeEngine(registry: ResourceRegistry): string | undefined {
  return described.get(registry);
}

export function engineFor(registry: ResourceRegistry): Promise<RunEngine> {
  let p = engines.get(registry);
  if (!p) {
    p = (async () => {
      const engine = await findContainerEngine({ registry });
      // Before any container exists: if this process is killed, a later command knows to reap them.
      registry.usesContainerEngine(engine.dockerHost);
      const reaped = await reapOrphans(engine).catch(async (err: unknown) => {
        await engine.stop();
        throw new HarnessError("environment", `the container engine at ${engine.dockerHost} does not list containers: ${(err as Error).message}`, {
          hint: SETUP_HINT,
          cause: err,
        });
      });
      exposeToTestcontainers(engine);
      // Only now: testcontainers reads the engine from the environment when first used.
      const tc = await import("testcontainers");
      if (reaped.containers.length + reaped.networks.length > 0) {
        process.stderr.write(`mcp-slo: removed what runs that are gone left behind: ${[...reaped.containers, ...reaped.networks].join(", ")}\n`);
      }
      described.set(registry, `${engine.kind} ${engine.version} (${engine.source}, ${engine.dockerHost})`);
      return { engine, tc, serial: 0 };
    })();
    // A failed start is not cached: the error is reported for this scenario, the next one tries again.
    p.catch(() => engines.delete(registry));
    engines.set(registry, p);
  }
  return p;
}
