/**
 * Catalog entry "shadcn" (src/catalog/servers.ts): a guide server that calls a SaaS API and runs here
 * against its stand-in (src/standins/apis/shadcn.ts), checked against the installed package (its source
 * and a real run, src/standins/apis/saas-servers.e2e.test.ts).
 *
 * `{{upstream.url}}` is the stand-in behind its Toxiproxy hop (or the live API with --live); the
 * stand-in tokens are refused by the real APIs, so a misrouted call fails loudly.
 */
import type { ServerDefinition } from "../../contracts/server-definition.js";

/** components.json for the server's working directory: a Vite + Tailwind v4 project, new-york style. */
export const SHADCN_COMPONENTS_JSON = `${JSON.stringify(
  {
    $schema: "https://ui.shadcn.com/schema.json",
    style: "new-york",
    rsc: false,
    tsx: true,
    tailwind: { config: "", css: "src/index.css", baseColor: "neutral", cssVariables: true, prefix: "" },
    iconLibrary: "lucide",
    aliases: { components: "@/components", utils: "@/lib/utils", ui: "@/components/ui", lib: "@/lib", hooks: "@/hooks" },
    registries: {},
  },
  null,
  2,
)}\n`;

/** Files the shadcn MCP server needs in its working directory, by path relative to it. */
export const SHADCN_PROJECT_FILES: Record<string, string> = { "components.json": SHADCN_COMPONENTS_JSON };

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
    "get_project_registries",
    "list_items_in_registries",
    "search_items_in_registries",
    "view_items_in_registries",
    "get_item_examples_from_registries",
    "get_add_command_for_items",
    "get_audit_checklist",
  ],
  probe: { tool: "list_items_in_registries", args: { registries: ["@shadcn"], limit: 1 } },
  guideName: "@shadcn/mcp-server (not a published package)",
  notes:
    'Pass registries: ["@shadcn"] to list/search/examples: without it they search the project\'s own registries only, and the built-in ' +
    '@shadcn is left out of that by design (answer: "No registries are configured"). No token. No HTTP mode of its own.',
};
