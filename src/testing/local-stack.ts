/**
 * The stack tests and benches start by hand (outside a scenario): the local provider with the
 * plainest backends (Redis without persistence, PostgreSQL with synchronous commit, 10 seed rows),
 * with or without Toxiproxy on the server-to-backend hops.
 */
import { localProvider } from "../providers/local.js";
import type { Stack, StackStartOptions } from "../providers/provider.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";

export function startLocalTestStack(
  registry: ResourceRegistry,
  servers: readonly ServerDefinition[],
  options: { proxied: boolean; transport?: StackStartOptions["transport"] },
): Promise<Stack> {
  return localProvider.start({
    servers,
    extraNeeds: [],
    registry,
    seedRows: 10,
    proxied: options.proxied,
    ...(options.transport !== undefined && { transport: options.transport }),
    redis: { persistence: "none" },
    postgres: { synchronousCommit: "on" },
  });
}
