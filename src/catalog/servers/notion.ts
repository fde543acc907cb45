/**
 * Catalog entry "notion" (src/catalog/servers.ts): a guide server that calls a SaaS API and runs here
 * against its stand-in (src/standins/apis/notion.ts), checked against the installed package (its source
 * and a real run, src/standins/apis/saas-servers.e2e.test.ts).
 *
 * `{{upstream.url}}` is the stand-in behind its Toxiproxy hop (or the live API with --live); the
 * stand-in tokens are refused by the real APIs, so a misrouted call fails loudly.
 */
import type { ServerDefinition } from "../../contracts/server-definition.js";

export const notionServer: ServerDefinition = {
  name: "notion",
  title: "Notion (the official server: one tool per operation of Notion's OpenAPI description)",
  package: "@notionhq/notion-mcp-server",
  command: "node",
  // stdio is its default transport.
  args: ["{{bin}}"],
  // BASE_URL replaces the description's https://api.notion.com; paths keep their /v1.
  env: { BASE_URL: "{{upstream.url}}" },
  needs: [],
  transport: "stdio",
  upstream: { api: "notion", live: "https://api.notion.com" },
  // NOTION_TOKEN rather than OPENAPI_MCP_HEADERS: the token alone, the variable Notion documents.
  secrets: [{ env: "NOTION_TOKEN", standIn: "ntn_mcpslo_standin_token_0000000000000000" }],
  tools: [
    "API-get-user",
    "API-get-users",
    "API-get-self",
    "API-post-search",
    "API-get-block-children",
    "API-patch-block-children",
    "API-retrieve-a-block",
    "API-update-a-block",
    "API-delete-a-block",
    "API-retrieve-a-page",
    "API-patch-page",
    "API-post-page",
    "API-retrieve-a-page-property",
    "API-retrieve-a-comment",
    "API-create-a-comment",
    "API-query-data-source",
    "API-retrieve-a-data-source",
    "API-update-a-data-source",
    "API-create-a-data-source",
    "API-list-data-source-templates",
    "API-retrieve-a-database",
    "API-move-page",
    "API-retrieve-page-markdown",
    "API-update-page-markdown",
  ],
  probe: { tool: "API-get-self", args: {} },
  guideName: "Notion MCP Server (the guide names no package; its NOTION_API_TOKEN is read by no server, this one reads NOTION_TOKEN)",
  notes:
    "Its own HTTP mode (--transport http) is not used: the port is a --port flag, not an environment variable, it wants a bearer token " +
    "(or --unsafe-disable-auth, which pins the Host header to its own port and so refuses the Toxiproxy hop), and with NOTION_TOKEN set it " +
    "calls https://api.notion.com/v1/users/me at start-up whatever BASE_URL says. `transport: http` bridges its stdio instead. " +
    'API errors come back as a normal result ({"status":"error",...}), not isError.',
};
