/**
 * Catalog entry "firecrawl" (src/catalog/servers.ts): a guide server that calls a SaaS API and runs here
 * against its stand-in (src/standins/apis/firecrawl.ts), checked against the installed package (its source
 * and a real run, src/standins/apis/saas-servers.e2e.test.ts).
 *
 * `{{upstream.url}}` is the stand-in behind its Toxiproxy hop (or the live API with --live); the
 * stand-in tokens are refused by the real APIs, so a misrouted call fails loudly.
 */
import type { ServerDefinition } from "../../contracts/server-definition.js";

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
    "firecrawl_scrape",
    "firecrawl_map",
    "firecrawl_search",
    "firecrawl_find_tools",
    "firecrawl_search_feedback",
    "firecrawl_feedback",
    "firecrawl_crawl",
    "firecrawl_check_crawl_status",
    "firecrawl_extract",
    "firecrawl_agent",
    "firecrawl_agent_status",
    "firecrawl_interact",
    "firecrawl_interact_stop",
    "firecrawl_parse",
    "firecrawl_monitor_create",
    "firecrawl_monitor_list",
    "firecrawl_monitor_get",
    "firecrawl_monitor_update",
    "firecrawl_monitor_delete",
    "firecrawl_monitor_run",
    "firecrawl_monitor_checks",
    "firecrawl_monitor_check",
    "firecrawl_research_search_papers",
    "firecrawl_research_inspect_paper",
    "firecrawl_research_related_papers",
    "firecrawl_research_read_paper",
    "firecrawl_research_search_github",
    "firecrawl_developer_search",
    "firecrawl_credit_usage",
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
