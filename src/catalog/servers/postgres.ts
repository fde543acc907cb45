/** Catalog entry "postgres" (src/catalog/servers.ts). The npm reference PostgreSQL server (archived upstream): read-only queries on the scenario's PostgreSQL. */
import type { ServerDefinition } from "../../contracts/server-definition.js";

export const postgresServer: ServerDefinition = {
  name: "postgres",
  probe: { tool: "query", args: { sql: "SELECT 1" } },
  title: "PostgreSQL, read-only queries (the npm reference server, archived upstream)",
  package: "@modelcontextprotocol/server-postgres",
  command: "node",
  args: ["{{bin}}", "{{postgres.url}}"],
  env: {},
  needs: ["postgres"],
  transport: "stdio",
  tools: ["query"],
};
