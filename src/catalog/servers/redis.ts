/** Catalog entry "redis" (src/catalog/servers.ts). The npm reference Redis server (archived upstream), talking to the scenario's Redis. */
import type { ServerDefinition } from "../../contracts/server-definition.js";

export const redisServer: ServerDefinition = {
  name: "redis",
  probe: { tool: "get", args: { key: "mcp-slo:probe" } },
  title: "Redis (the npm reference server, archived upstream)",
  package: "@modelcontextprotocol/server-redis",
  command: "node",
  args: ["{{bin}}", "{{redis.url}}"],
  env: {},
  needs: ["redis"],
  transport: "stdio",
  tools: ["set", "get", "delete", "list"],
  notes: "Gives up reconnecting after 5 attempts while its process stays alive.",
};
