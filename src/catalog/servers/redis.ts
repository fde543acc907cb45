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
  // The package has one release: a bad new version is played by a stand-in (a canary that must be rolled back).
  versions: {
    "stand-in-slower": {
      standIn: {
        answerDelayMs: 3,
        says: "a stand-in for a slower release: the installed package, every answer held at least 3 ms by the harness (a timer on its event loop, so longer while the loop is busy)",
      },
    },
  },
};
