/** Catalog entry "memory" (src/catalog/servers.ts). The reference knowledge-graph memory server (npm), one JSON-lines file per process in its workdir. */
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
