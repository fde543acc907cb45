/**
 * A stack provider starts what a scenario's servers need (Redis, PostgreSQL,
 * a sandbox) and says where it is. The MCP sessions themselves are started by
 * the runner, on top of whatever provider ran the backing services.
 */
import type { BackendInfo } from "../results/types.js";
import type { BackingService } from "../catalog/servers.js";
import type { StackEndpoints } from "../stack/mcp-session.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";

export interface Stack {
  endpoints: StackEndpoints;
  backends: BackendInfo[];
  /** INFO of the stack's Redis, when it has one. */
  redisInfo?: (section: string) => Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export interface StackProvider {
  readonly name: string;
  start(opts: { needs: ReadonlySet<BackingService>; registry: ResourceRegistry; seedRows: number }): Promise<Stack>;
}
