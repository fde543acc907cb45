/**
 * A throwaway Toxiproxy server, one per scenario, so every TCP hop of the
 * stack (each MCP server to each backend it uses) passes through a proxy a
 * fault can act on. It is a managed process: when it goes, every proxy and
 * toxic goes with it.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Toxiproxy } from "toxiproxy-node-client";
import { PROJECT_ROOT } from "../../project-root.js";
import { spawnManaged, type ManagedProcess } from "../managed-process.js";
import { withPortRetry, AddressInUseError, ADDRESS_IN_USE_LOG } from "../ports.js";
import { waitUntilReady } from "../readiness.js";
import type { ResourceRegistry } from "../resource-registry.js";
import type { Hop, StartedToxiproxy } from "../started.js";

/** Where scripts/setup.sh builds it. */
export const TOXIPROXY_BIN = path.join(PROJECT_ROOT, ".tools", "bin", "toxiproxy-server");

/** A toxiproxy-server process of the run: the started handle every provider gives, and its process and client. */
export interface LocalToxiproxy extends StartedToxiproxy {
  readonly client: Toxiproxy;
  readonly process: ManagedProcess;
}

export async function startToxiproxy(opts: { registry: ResourceRegistry; binary?: string; startTimeoutMs?: number }): Promise<LocalToxiproxy> {
  const binary = opts.binary ?? TOXIPROXY_BIN;
  if (!existsSync(binary)) throw new Error(`toxiproxy-server is not built (${binary} is missing); run bash scripts/setup.sh`);
  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  return withPortRetry(async (port) => {
    const proc = spawnManaged({ name: "toxiproxy", command: binary, args: ["-host", "127.0.0.1", "-port", String(port)], registry: opts.registry });
    const apiUrl = `http://127.0.0.1:${port}`;
    const client = new Toxiproxy(apiUrl);
    let version: string;
    try {
      version = await waitUntilReady(() => client.getVersion(), {
        what: `toxiproxy-server did not answer on ${apiUrl}`,
        timeoutMs,
        intervalMs: 50,
        alive: () => {
          if (proc.isRunning()) return;
          const log = proc.stderrTail(10).join("\n");
          if (ADDRESS_IN_USE_LOG.test(log)) throw new AddressInUseError(`toxiproxy: port ${port} is taken`, port);
          throw new Error(`toxiproxy-server exited before answering on ${apiUrl}; last log lines:\n${log}`);
        },
      });
    } catch (err) {
      await proc.stop({ graceMs: 500 });
      throw err;
    }
    const hops = new Map<string, Hop>();
    const stop = () => proc.stop({ graceMs: 1000 });
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
      stop,
      [Symbol.asyncDispose]: stop,
    };
  }, 3);
}
