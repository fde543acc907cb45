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
 *  - every MCP server process is a container of the harness image (server-containers.ts): each
 *    stdio session's, each session's behind the HTTP bridge (`transport: http`), each native HTTP
 *    server (its port published on 127.0.0.1); they reach Redis, PostgreSQL and the stand-ins
 *    through the container Toxiproxy's hops, with the scenario's `resources` as their limits;
 *  - `transport: http`: the agents' hops to the harness's own endpoints on 127.0.0.1, which a
 *    Toxiproxy in a container network cannot reach, go through a local Toxiproxy process
 *    (loopbackToxiproxy, joined to the container one by ../loopback-hops.ts).
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
import { ServerContainers } from "./server-containers.js";
import type { ServerHost } from "../../stack/server-host.js";
import type { ServerLimits } from "../../results/types.js";
import { withDeadline, type ContainerEngine } from "./engine.js";

/**
 * Who a server in a container runs as. The sandbox and work dir are the harness's, bind-mounted:
 * on an engine whose container root is the real root (Docker), the harness's own uid:gid, so what a
 * server writes stays the harness's to remove; on a rootless engine (Podman here) container root is
 * the harness's user, and any other uid would be a stranger to those directories.
 */
async function serverUser(engine: ContainerEngine): Promise<string> {
  const own = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
  if (own === "0:0") return own;
  const info = await withDeadline("GET /info", 30_000, () => engine.docker.info() as Promise<{ SecurityOptions?: string[] }>).catch(() => undefined);
  const rootless = engine.kind === "podman" || (info?.SecurityOptions ?? []).some((o) => /name=rootless/.test(o));
  return rootless ? "0:0" : own;
}

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
    if (!plan.redis && !plan.postgres && !plan.toxiproxy && plan.standIns.length === 0 && !plan.servers) return;
    const run = await engineFor(this.#registry).catch(couldNotStart("the container engine"));
    const { engine } = run;
    const wanted = [
      ...(plan.redis ? [IMAGES.redis] : []),
      ...(plan.postgres ? [IMAGES.postgres] : []),
      ...(plan.toxiproxy ? [IMAGES.toxiproxy] : []),
      ...(plan.standIns.length > 0 || plan.servers ? [HARNESS_IMAGE] : []),
    ];
    const images = await requireImages(engine, wanted);
    const containers = new StackContainers(run, this.#registry);
    this.#ctx = { containers, images, engine: `${engine.kind} ${engine.version}` };
    await containers.createNetwork();
    if (plan.servers) {
      this.#serverUser = await serverUser(engine);
      this.#sessionsNetwork = await containers.createSessionsNetwork();
    }
  }

  #sessionsNetwork = "";

  #serverUser = "0:0";

  serverHost(setup: { writable: readonly string[]; limits: Readonly<Record<string, ServerLimits>> }): ServerHost {
    const ctx = this.#context;
    const image = ctx.images.get(HARNESS_IMAGE);
    return new ServerContainers({
      containers: ctx.containers,
      image: HARNESS_IMAGE,
      imageDigest: image?.Id ?? "unknown",
      engine: ctx.engine,
      writable: setup.writable,
      limits: setup.limits,
      user: this.#serverUser,
      network: this.#sessionsNetwork,
    });
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
