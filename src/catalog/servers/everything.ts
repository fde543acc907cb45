/** Catalog entry "everything" (src/catalog/servers.ts). The reference server exercising every MCP feature; the one catalog server that speaks MCP Streamable HTTP itself. */
import type { ServerDefinition } from "../../contracts/server-definition.js";

export const everythingServer: ServerDefinition = {
  name: "everything",
  probe: { tool: "echo", args: { message: "mcp-slo-probe" } },
  title: "Reference server exercising every MCP feature",
  package: "@modelcontextprotocol/server-everything",
  command: "node",
  args: ["{{bin}}", "stdio"],
  env: {},
  needs: [],
  transport: "stdio",
  http: { args: ["{{bin}}", "streamableHttp"], portEnv: "PORT", path: "/mcp" },
  tools: [
    "echo",
    "get-sum",
    "get-env",
    "get-tiny-image",
    "get-annotated-message",
    "get-structured-content",
    "get-resource-links",
    "get-resource-reference",
    "trigger-long-running-operation",
    "toggle-simulated-logging",
    "toggle-subscriber-updates",
    "gzip-file-as-resource",
    "simulate-research-query",
  ],
  // The release before the installed one, under an npm alias: a blue-green switch's version A.
  versions: { "2026.8.18": { package: "mcp-slo-server-everything-2026.8.18" } },
};
