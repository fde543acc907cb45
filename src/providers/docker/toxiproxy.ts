/**
 * Toxiproxy as a container of the stack's network: it reaches the backends and stand-ins by alias
 * and creates hops at run time, so it publishes a fixed pool of listen ports (8666..8697, as
 * @testcontainers/toxiproxy does); a hop takes the next one. It is the same StartedToxiproxy as the
 * local process, so faults work unchanged.
 */
import { Proxy as ToxiproxyProxy, Toxiproxy, type ICreateProxyBody } from "toxiproxy-node-client";
import type { Hop, StartedToxiproxy } from "../../stack/started.js";
import { isLoopbackAddress } from "../../util/loopback.js";
import { waitForContainer } from "./containers.js";
import type { ContainerContext } from "./backends.js";
import { commandFor, IMAGES } from "./images.js";

/** Toxiproxy's API port and its pool of proxy listen ports inside the container (as @testcontainers/toxiproxy). */
const TOXIPROXY_API_PORT = 8474;
const TOXIPROXY_POOL = Array.from({ length: 32 }, (_, i) => 8666 + i);
const TOXIPROXY_START_TIMEOUT_MS = 20_000;

/**
 * A Toxiproxy proxy whose listen address, as the harness sees it, is the published host port
 * (127.0.0.1:P) while Toxiproxy itself listens on a pool port in the container. The fault
 * injector re-sends a hop's `listen` on update (hop-down): it is mapped back here, so Toxiproxy
 * is never asked to move the proxy.
 */
class PublishedProxy extends ToxiproxyProxy {
  constructor(
    toxiproxy: Toxiproxy,
    body: ConstructorParameters<typeof ToxiproxyProxy>[1],
    private readonly containerListen: string,
    private readonly hostListen: string,
  ) {
    super(toxiproxy, body);
  }
  override update(body: Parameters<ToxiproxyProxy["update"]>[0]): ReturnType<ToxiproxyProxy["update"]> {
    return super.update({ ...body, listen: body.listen === this.hostListen ? this.containerListen : body.listen });
  }
}

export async function startToxiproxyContainer(ctx: ContainerContext): Promise<StartedToxiproxy> {
  const { containers } = ctx;
  const c = await containers.start({
    role: "toxiproxy",
    image: IMAGES.toxiproxy,
    alias: "toxiproxy",
    command: commandFor(ctx.images.get(IMAGES.toxiproxy), "toxiproxy", ["-host=0.0.0.0", `-port=${TOXIPROXY_API_PORT}`]),
    ports: [TOXIPROXY_API_PORT, ...TOXIPROXY_POOL],
  });
  const apiUrl = `http://127.0.0.1:${c.port(TOXIPROXY_API_PORT)}`;
  const client = new Toxiproxy(apiUrl);
  const version = await waitForContainer(c, "toxiproxy", TOXIPROXY_START_TIMEOUT_MS, () => client.getVersion());
  const hops = new Map<string, Hop>();
  const free = [...TOXIPROXY_POOL];
  const stop = () => containers.discard(c.id);
  return {
    apiUrl,
    version: String(version).trim(),
    hops,
    async createHop(name, upstream) {
      if (isLoopbackAddress(upstream)) {
        throw new Error(`hop ${name}: Toxiproxy runs in a container and cannot reach ${upstream} on the harness's loopback (use --provider local)`);
      }
      const port = free.shift();
      if (port === undefined) throw new Error(`hop ${name}: the Toxiproxy container publishes ${TOXIPROXY_POOL.length} listen ports, all taken`);
      const body: ICreateProxyBody = { name, listen: `0.0.0.0:${port}`, upstream };
      const created = await client.createProxy(body);
      const listen = `127.0.0.1:${c.port(port)}`;
      // Toxiproxy reports the address it really listens on (e.g. "[::]:8666"): send that back on update.
      const proxy = new PublishedProxy(client, created.toJson(), created.listen, listen);
      const hop = { name, listen, networkListen: `toxiproxy:${port}`, upstream, proxy };
      hops.set(name, hop);
      return hop;
    },
    reset: () => client.reset(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
