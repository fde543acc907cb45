/** Catalog entry "memory" (src/catalog/servers.ts). The reference knowledge-graph memory server (npm). Every process of a stack shares the one JSON-lines file in the stack's workdir (agents share their memory), and each rewrites it whole: with several processes (stdio: one per agent) concurrent writes overwrite each other, which the RPO consistency check (test/fixtures/e2e-memory-consistency.yaml) and scenarios/memory-chain.yaml show. */
import type { ServerDefinition } from "../../contracts/server-definition.js";

export const memoryServer: ServerDefinition = {
  name: "memory",
  probe: { tool: "search_nodes", args: { query: "mcp-slo-probe" } },
  title: "Knowledge-graph memory",
  package: "@modelcontextprotocol/server-memory",
  command: "node",
  args: ["{{bin}}"],
  env: { MEMORY_FILE_PATH: "{{workdir}}/memory.jsonl" },
  needs: [],
  transport: "stdio",
  tools: [
    "create_entities",
    "create_relations",
    "add_observations",
    "delete_entities",
    "delete_observations",
    "delete_relations",
    "read_graph",
    "search_nodes",
    "open_nodes",
  ],
  guideName: "@modelcontextprotocol/memory (not a real package)",
  // The release before the installed one, under an npm alias: a last stable version and a blue-green switch's A.
  versions: { "2026.7.4": { package: "mcp-slo-server-memory-2026.7.4" } },
};
