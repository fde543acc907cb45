/**
 * Catalog entries (src/catalog/servers.ts) for the three guide servers that call a SaaS API and
 * run here against its stand-in: Notion, Firecrawl, ShadCN. Kept beside their stand-ins so the
 * catalog imports them; each was checked against the installed package (its source and a real
 * run, src/standins/apis/saas-servers.e2e.test.ts).
 *
 * `{{upstream.url}}` is the stand-in behind its Toxiproxy hop (or the live API with --live); the
 * stand-in tokens below are refused by the real APIs, so a misrouted call fails loudly.
 */
import type { ServerDefinition } from "../../catalog/servers.js";
import { SHADCN_PROJECT_FILES } from "./shadcn.js";

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
    "API-get-user", "API-get-users", "API-get-self", "API-post-search", "API-get-block-children", "API-patch-block-children",
    "API-retrieve-a-block", "API-update-a-block", "API-delete-a-block", "API-retrieve-a-page", "API-patch-page", "API-post-page",
    "API-retrieve-a-page-property", "API-retrieve-a-comment", "API-create-a-comment", "API-query-data-source",
    "API-retrieve-a-data-source", "API-update-a-data-source", "API-create-a-data-source", "API-list-data-source-templates",
    "API-retrieve-a-database", "API-move-page", "API-retrieve-page-markdown", "API-update-page-markdown",
  ],
  probe: { tool: "API-get-self", args: {} },
  guideName: "Notion MCP Server (the guide names no package; its NOTION_API_TOKEN is read by no server, this one reads NOTION_TOKEN)",
  notes:
    "Its own HTTP mode (--transport http) is not used: the port is a --port flag, not an environment variable, it wants a bearer token " +
    "(or --unsafe-disable-auth, which pins the Host header to its own port and so refuses the Toxiproxy hop), and with NOTION_TOKEN set it " +
    "calls https://api.notion.com/v1/users/me at start-up whatever BASE_URL says. `transport: http` bridges its stdio instead. " +
    "API errors come back as a normal result ({\"status\":\"error\",...}), not isError.",
};

export const firecrawlServer: ServerDefinition = {
  name: "firecrawl",
  title: "Firecrawl web scraping, crawling and search",
  package: "firecrawl-mcp",
  command: "node",
  // Without HTTP_STREAMABLE_SERVER it speaks stdio.
  args: ["{{bin}}"],
  // Also in live mode: a set FIRECRAWL_API_URL only means "this API", and keeps it off its keyless path.
  env: { FIRECRAWL_API_URL: "{{upstream.url}}" },
  needs: [],
  transport: "stdio",
  upstream: { api: "firecrawl", live: "https://api.firecrawl.dev" },
  secrets: [{ env: "FIRECRAWL_API_KEY", standIn: "fc-mcpslostandin00000000000000000" }],
  tools: [
    "firecrawl_scrape", "firecrawl_map", "firecrawl_search", "firecrawl_find_tools", "firecrawl_search_feedback", "firecrawl_feedback",
    "firecrawl_crawl", "firecrawl_check_crawl_status", "firecrawl_extract", "firecrawl_agent", "firecrawl_agent_status",
    "firecrawl_interact", "firecrawl_interact_stop", "firecrawl_parse", "firecrawl_monitor_create", "firecrawl_monitor_list",
    "firecrawl_monitor_get", "firecrawl_monitor_update", "firecrawl_monitor_delete", "firecrawl_monitor_run", "firecrawl_monitor_checks",
    "firecrawl_monitor_check", "firecrawl_research_search_papers", "firecrawl_research_inspect_paper", "firecrawl_research_related_papers",
    "firecrawl_research_read_paper", "firecrawl_research_search_github", "firecrawl_developer_search", "firecrawl_credit_usage",
  ],
  probe: { tool: "firecrawl_credit_usage", args: {} },
  guideName: "@mendable/firecrawl-mcp (not a published package)",
  notes:
    "Declares Node >= 22 but runs on Node 20 (scrape, map, search, crawl, crawl status and credit usage checked). " +
    "The stand-in covers scrape, map, search, crawl + status, credit usage; firecrawl_extract is deprecated in 3.x and answers isError " +
    "without calling the API; agent, interact, monitors, research, parse and feedback have no stand-in routes (404). " +
    "Its own HTTP mode (HTTP_STREAMABLE_SERVER=true) is stateless, with no session id, which the harness's HTTP sessions need, and " +
    "spends about 1 s per new session waiting for client capabilities: `transport: http` bridges its stdio instead.",
};

export const shadcnServer: ServerDefinition = {
  name: "shadcn",
  title: "shadcn/ui component registry (the `mcp` command of the shadcn CLI)",
  package: "shadcn",
  command: "node",
  // The package's only bin is the CLI; its MCP server is the `mcp` subcommand (stdio).
  args: ["{{bin}}", "mcp"],
  // The @shadcn registry lives at ${REGISTRY_URL}/styles/{style}/{name}.json.
  env: { REGISTRY_URL: "{{upstream.url}}/r" },
  needs: [],
  transport: "stdio",
  upstream: { api: "shadcn", live: "https://ui.shadcn.com" },
  // Its tools read the project's components.json in the working directory ({{workdir}}).
  files: SHADCN_PROJECT_FILES,
  tools: [
    "get_project_registries", "list_items_in_registries", "search_items_in_registries", "view_items_in_registries",
    "get_item_examples_from_registries", "get_add_command_for_items", "get_audit_checklist",
  ],
  probe: { tool: "list_items_in_registries", args: { registries: ["@shadcn"], limit: 1 } },
  guideName: "@shadcn/mcp-server (not a published package)",
  notes:
    "Pass registries: [\"@shadcn\"] to list/search/examples: without it they search the project's own registries only, and the built-in " +
    "@shadcn is left out of that by design (answer: \"No registries are configured\"). No token. No HTTP mode of its own.",
};
