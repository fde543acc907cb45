/**
 * `transport: http` on a provider whose Toxiproxy cannot reach the harness's loopback (a container
 * network): the agents' hops `client-><server>` run from the harness to its own HTTP endpoints on
 * 127.0.0.1, so they go through a second Toxiproxy, a local process of the run. The stack's
 * Toxiproxy is both, seen as one, so faults name any hop the same way.
 */
import type { Hop, StartedToxiproxy } from "../stack/started.js";
import { isLoopbackAddress } from "../util/loopback.js";

/**
 * Two Toxiproxies seen as one: hops to 127.0.0.1 on `local`, every other hop on `inNetwork`.
 * Faults find a hop by name in `hops` and roll back with `reset`, whichever Toxiproxy holds it.
 */
export function withLoopbackHops(inNetwork: StartedToxiproxy, local: StartedToxiproxy): StartedToxiproxy {
  const hops = new Map<string, Hop>([...inNetwork.hops, ...local.hops]);
  const stop = async () => {
    await Promise.allSettled([inNetwork.stop(), local.stop()]);
  };
  return {
    apiUrl: inNetwork.apiUrl,
    version: inNetwork.version,
    hops,
    async createHop(name, upstream) {
      const hop = await (isLoopbackAddress(upstream) ? local : inNetwork).createHop(name, upstream);
      hops.set(name, hop);
      return hop;
    },
    reset: async () => {
      await Promise.all([inNetwork.reset(), local.reset()]);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
