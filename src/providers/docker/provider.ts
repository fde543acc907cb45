/**
 * `--provider docker`: the same stack as the local provider (Redis, PostgreSQL, the SaaS API
 * stand-ins, a Toxiproxy in front of every server->backend and server->API hop, a seeded sandbox
 * and database), but Redis, PostgreSQL, Toxiproxy and the stand-ins run as containers of a
 * Docker-compatible engine (Docker, or a Podman service started for the run: engine.ts), through
 * testcontainers and dockerode. This file says how each piece starts; assembleStack does the rest.
 *
 *  - containers.ts: one network per stack, containers by alias, labels (reaper.ts), 127.0.0.1-only
 *    ports, nothing pulled (images.ts), removal by stop(), the registry, or the next run's reaper;
 *  - backends.ts, toxiproxy.ts, standins.ts: the pieces as containers, with the same started
 *    handles as the local processes; process faults act on the containers (container-faults.ts);
 *  - the MCP servers stay local child processes started by the runner; they reach Redis,
 *    PostgreSQL and the stand-ins through Toxiproxy's published ports;
 *  - `transport: http`: the agents' hops to the harness's own endpoints on 127.0.0.1, which a
 *    Toxiproxy in a container network cannot reach, go through a local Toxiproxy process
 *    (loopbackToxiproxy, joined to the container one by ../loopback-hops.ts).
 *
 * A stack that needs nothing in a container (memory, filesystem, live APIs ...) needs no engine.
 */
import type { ResourceRegistry } from "../../stack/resource-registry.js";
import { startToxiproxy } from "../../stack/local/toxiproxy.js";
import { defineProvider } from "../assemble-stack.js";
import type { StackBackends, StackPlan, StackStartOptions } from "../provider.js";
import type { ContainerContext } from "./backends.js";
import { startPostgresContainer, startRedisContainer } from "./backends.js";
import { StackContainers } from "./containers.js";
import { environmentError } from "./engine.js";
import { HARNESS_IMAGE, IMAGES, requireImages } from "./images.js";
import { describeEngine, engineFor } from "./run-engine.js";
import { startStandInContainer } from "./standins.js";
import { startToxiproxyContainer } from "./toxiproxy.js";

/** Rejects with an environment error naming what could not start. */
const couldNotStart =
  (what: string) =>
  (err: unknown): never => {
    throw environmentError(what, err);
  };

/** The containers of one stack. */
class DockerBackends implements StackBackends {
  readonly #registry: ResourceRegistry;
  #ctx: ContainerContext | undefined;

  constructor(registry: ResourceRegistry) {
    this.#registry = registry;
  }

  /** The engine, the images and the network, before any container; none of it when nothing runs in one. */
  async prepare(plan: StackPlan): Promise<void> {
    if (!plan.redis && !plan.postgres && !plan.toxiproxy && plan.standIns.length === 0) return;
    const run = await engineFor(this.#registry).catch(couldNotStart("the container engine"));
    const { engine } = run;
    const wanted = [
      ...(plan.redis ? [IMAGES.redis] : []),
      ...(plan.postgres ? [IMAGES.postgres] : []),
      ...(plan.toxiproxy ? [IMAGES.toxiproxy] : []),
      ...(plan.standIns.length > 0 ? [HARNESS_IMAGE] : []),
    ];
    const images = await requireImages(engine, wanted);
    const containers = new StackContainers(run, this.#registry);
    this.#ctx = { containers, images, engine: `${engine.kind} ${engine.version}` };
    await containers.createNetwork();
  }

  get #context(): ContainerContext {
    if (this.#ctx === undefined) throw new Error("docker provider: a container was asked for that prepare() did not plan");
    return this.#ctx;
  }

  redis({ persistence }: StackStartOptions["redis"]) {
    return startRedisContainer(this.#context, persistence).catch(couldNotStart("the Redis container"));
  }

  postgres({ synchronousCommit }: StackStartOptions["postgres"]) {
    return startPostgresContainer(this.#context, synchronousCommit).catch(couldNotStart("the PostgreSQL container"));
  }

  toxiproxy() {
    return startToxiproxyContainer(this.#context).catch(couldNotStart("the Toxiproxy container"));
  }

  loopbackToxiproxy() {
    return startToxiproxy({ registry: this.#registry }).catch(couldNotStart("Toxiproxy (for the agents' HTTP hops)"));
  }

  readonly standIn: StackBackends["standIn"] = ({ api, behaviour }) =>
    startStandInContainer(this.#context, api, behaviour).catch(couldNotStart(`the ${api} stand-in container`));

  async processRoots(): Promise<number[]> {
    return (await this.#ctx?.containers.hostPids()) ?? [];
  }

  async stop(): Promise<void> {
    await this.#ctx?.containers.stop();
  }
}

export const dockerProvider = defineProvider({
  name: "docker",
  describe: describeEngine,
  backends: (registry) => new DockerBackends(registry),
});
