/**
 * A throwaway Toxiproxy server, one per scenario, so every TCP hop of the
 * stack (each MCP server to each backend it uses) passes through a proxy a
 * fault can act on. It is a managed process: when it goes, every proxy and
 * toxic goes with it.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Toxiproxy, type Proxy } from "toxiproxy-node-client";
import { PROJECT_ROOT } from "../../project-root.js";
import { spawnManaged, type ManagedProcess } from "../managed-process.js";
import { withPortRetry, AddressInUseError, ADDRESS_IN_USE_LOG } from "../ports.js";
import type { ResourceRegistry } from "../resource-registry.js";

/** Where scripts/setup.sh builds it. */
export const TOXIPROXY_BIN = path.join(PROJECT_ROOT, ".tools", "bin", "toxiproxy-server");

export interface Hop {
  /** e.g. "redis->redis" (MCP server "redis" to the Redis backend) */
  name: string;
  /** host:port the client connects to */
  listen: string;
  upstream: string;
  proxy: Proxy;
}

export interface StartedToxiproxy {
  apiUrl: string;
  version: string;
  client: Toxiproxy;
  process: ManagedProcess;
  hops: Map<string, Hop>;
  createHop(name: string, upstream: string): Promise<Hop>;
  /** Removes every toxic and re-enables every proxy (Toxiproxy's POST /reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startToxiproxy(opts: { registry: ResourceRegistry; binary?: string; startTimeoutMs?: number }): Promise<StartedToxiproxy> {
  const binary = opts.binary ?? TOXIPROXY_BIN;
  if (!existsSync(binary)) throw new Error(`toxiproxy-server is not built (${binary} is missing); run bash scripts/setup.sh`);
  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  return withPortRetry(async (port) => {
    const proc = spawnManaged({ name: "toxiproxy", command: binary, args: ["-host", "127.0.0.1", "-port", String(port)], registry: opts.registry });
    const apiUrl = `http://127.0.0.1:${port}`;
    const client = new Toxiproxy(apiUrl);
    const deadline = Date.now() + timeoutMs;
    let version: string | undefined;
    let last = "";
    while (Date.now() < deadline) {
      if (!proc.isRunning()) {
        const log = proc.stderrTail(10).join("\n");
        if (ADDRESS_IN_USE_LOG.test(log)) throw new AddressInUseError(`toxiproxy: port ${port} is taken`, port);
        throw new Error(`toxiproxy-server exited before answering on ${apiUrl}; last log lines:\n${log}`);
      }
      try {
        version = await client.getVersion();
        break;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (version === undefined) {
      await proc.stop({ graceMs: 500 });
      throw new Error(`toxiproxy-server did not answer on ${apiUrl} within ${timeoutMs} ms (last: ${last})`);
    }
    const hops = new Map<string, Hop>();
    return {
      apiUrl,
      version: String(version).trim(),
      client,
      process: proc,
      hops,
      async createHop(name, upstream) {
        // Port 0: Toxiproxy picks a free loopback port itself, so no race with other programs.
        const proxy = await client.createProxy({ name, listen: "127.0.0.1:0", upstream });
        const hop = { name, listen: proxy.listen, upstream, proxy };
        hops.set(name, hop);
        return hop;
      },
      reset: () => client.reset(),
      stop: () => proc.stop({ graceMs: 1000 }),
    };
  }, 3);
}
