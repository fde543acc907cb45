/**
 * What a running docker-compose.yml stack offers a run, read from the engine (not from the compose
 * file): the project's running containers by service, the host address each published port has,
 * and the Toxiproxy proxies of its `toxiproxy` service (containers/toxiproxy.json) with the host
 * address of the ones published. The engine is the truth because the ports are the user's choice
 * (MCP_SLO_PORT_* variables) and the stack may have been brought up by anyone, any time before.
 */
import path from "node:path";
import { Toxiproxy, type Proxy as ToxiproxyProxy } from "toxiproxy-node-client";
import { HarnessError } from "../../errors.js";
import { PROJECT_ROOT } from "../../project-root.js";
import { type ContainerEngine, engineMessage, withDeadline } from "../docker/engine.js";

/** The compose labels every engine (Docker, Podman) puts on a project's containers. */
const PROJECT_LABEL = "com.docker.compose.project";
const SERVICE_LABEL = "com.docker.compose.service";

const ENGINE_CALL_TIMEOUT_MS = 60_000;

/** How docker-compose.yml names each catalog server's service: mcp-<server>. */
export function serviceOf(server: string): string {
  return `mcp-${server}`;
}

/** Where the filesystem server's sandbox is inside its container (docker-compose.yml, mcp-filesystem's --sandbox). */
export const COMPOSE_SANDBOX = "/tmp/mcp-slo-sandbox";

/** The path every MCP endpoint of docker-compose.yml serves (the harness bridge's and server-everything's). */
export const COMPOSE_MCP_PATH = "/mcp";

/**
 * The project name docker-compose would use for this checkout's docker-compose.yml when none is
 * given: COMPOSE_PROJECT_NAME, else the directory's name, lower-cased with what compose drops
 * dropped (compose's own normalisation: [a-z0-9_-], starting with a letter or digit).
 */
export function defaultProjectName(env: NodeJS.ProcessEnv = process.env, dir: string = PROJECT_ROOT): string {
  const fromEnv = env.COMPOSE_PROJECT_NAME?.trim();
  if (fromEnv) return fromEnv;
  return path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "")
    .replace(/^[^a-z0-9]+/, "");
}

export interface ComposeContainer {
  service: string;
  id: string;
  image: string;
  /** The image's content digest: its repository digest when it has one, else its id (sha256:...), as docker/images.ts digestOf says. */
  imageDigest: string;
  /** Published ports: container port -> "127.0.0.1:<host port>". */
  published: Map<number, string>;
}

export interface ComposeHop {
  name: string;
  /** Where a client on this host reaches it (the published port), or undefined when only the compose network can. */
  hostAddress: string | undefined;
  /** As Toxiproxy lists it, inside the compose network (e.g. 0.0.0.0:18081). */
  listen: string;
  upstream: string;
  proxy: ToxiproxyProxy;
}

export interface ComposeStack {
  project: string;
  engine: ContainerEngine;
  containers: Map<string, ComposeContainer>;
  /** The Toxiproxy API of the `toxiproxy` service, as published on this host. */
  toxiproxyApi: string;
  toxiproxy: Toxiproxy;
  toxiproxyVersion: string;
  hops: Map<string, ComposeHop>;
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

/** The host address of a published port: 0.0.0.0 and :: mean every interface, of which loopback is one. */
function hostAddress(ip: string | undefined, port: number): string {
  return `${!ip || ip === "0.0.0.0" || ip === "::" ? "127.0.0.1" : ip}:${port}`;
}

/**
 * Reads the running stack of compose project `project`: exit 3 (environment) naming what is missing
 * when the project has no running container, no toxiproxy service, or its Toxiproxy does not answer.
 */
export async function discoverCompose(engine: ContainerEngine, project: string): Promise<ComposeStack> {
  const upHint = `bring the stack up first: docker-compose -p ${project} --profile saas up -d (or pass --compose-project with the project it runs under)`;
  let listed: Awaited<ReturnType<ContainerEngine["docker"]["listContainers"]>>;
  try {
    listed = await withDeadline(`GET /containers/json (compose project ${project})`, ENGINE_CALL_TIMEOUT_MS, (abortSignal) =>
      engine.docker.listContainers({ filters: { label: [`${PROJECT_LABEL}=${project}`], status: ["running"] }, abortSignal }),
    );
  } catch (err) {
    throw new HarnessError(
      "environment",
      `--target compose: the container engine at ${engine.dockerHost} did not list compose project "${project}": ${engineMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  const containers = new Map<string, ComposeContainer>();
  for (const c of listed) {
    const service = c.Labels?.[SERVICE_LABEL];
    if (!service) continue;
    const published = new Map<number, string>();
    for (const p of c.Ports ?? []) if (p.PublicPort) published.set(p.PrivatePort, hostAddress(p.IP, p.PublicPort));
    containers.set(service, { service, id: c.Id, image: c.Image, imageDigest: c.ImageID, published });
  }
  // The image's repository digest where it has one (an image pulled or pushed), as for the run's own containers.
  await Promise.all(
    [...containers.values()].map(async (c) => {
      c.imageDigest = await withDeadline(`GET /images/${c.image}/json`, ENGINE_CALL_TIMEOUT_MS, () => engine.docker.getImage(c.image).inspect()).then(
        (info) => info.RepoDigests?.find((d) => d.includes("@"))?.split("@")[1] ?? info.Id,
        () => c.imageDigest,
      );
    }),
  );
  if (containers.size === 0)
    throw new HarnessError(
      "environment",
      `--target compose: compose project "${project}" has no running container on ${engine.source} (${engine.dockerHost})`,
      {
        hint: upHint,
      },
    );
  const proxy = containers.get("toxiproxy");
  const api = proxy?.published.get(8474);
  if (!proxy || !api)
    throw new HarnessError(
      "environment",
      `--target compose: compose project "${project}" has ${proxy ? "its toxiproxy service without a published API port (8474)" : "no running toxiproxy service"}: faults and the client hops act through it`,
      { hint: upHint },
    );
  const toxiproxyApi = `http://${api}`;
  const toxiproxy = new Toxiproxy(toxiproxyApi);
  let version: string;
  let proxies: Awaited<ReturnType<Toxiproxy["getAll"]>>;
  try {
    [version, proxies] = await Promise.all([toxiproxy.getVersion().then((v) => String(v).trim()), toxiproxy.getAll()]);
  } catch (err) {
    throw new HarnessError(
      "environment",
      `--target compose: the Toxiproxy of compose project "${project}" does not answer at ${toxiproxyApi}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const hops = new Map<string, ComposeHop>();
  for (const [name, p] of Object.entries(proxies)) {
    hops.set(name, { name, listen: p.listen, upstream: p.upstream, proxy: p, hostAddress: proxy.published.get(portOf(p.listen)) });
  }
  return { project, engine, containers, toxiproxyApi, toxiproxy, toxiproxyVersion: version, hops };
}
