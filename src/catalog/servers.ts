/**
 * The MCP servers the harness knows by name. Each is data: how to start it,
 * what backing services it needs, which tools scenarios may call. A scenario
 * can add any other stdio server in the same shape without touching code.
 *
 * Packages are installed as pinned npm dependencies of this project and run
 * from node_modules with the Node running the harness: a run never reaches a
 * registry, and the version in the report is the version that ran.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../project-root.js";
import { firecrawlServer, notionServer, shadcnServer } from "../standins/apis/catalog-entries.js";
import { githubServer } from "../standins/apis/github.catalog-entry.js";
import { redisOfficialServer } from "./redis-official.js";

export type BackingService = "redis" | "postgres";

export interface ServerDefinition {
  name: string;
  title: string;
  /** Registry package, or "custom" for a server defined in a scenario. */
  package: string;
  /** "node" is replaced with the Node running the harness; may hold {{tools}} (the project's .tools directory). */
  command: string;
  /**
   * May hold {{bin}} (the package's executable script), {{redis.url}}, {{postgres.url}}, {{sandbox}},
   * {{workdir}}, {{tools}}, {{upstream.url}} (the API the server calls: its stand-in behind Toxiproxy,
   * or the real API in live mode), {{upstream.proxy}} (see upstream.viaHttpProxy). In `env`, a value
   * that expands to "" is left out.
   */
  args: string[];
  env: Record<string, string>;
  needs: BackingService[];
  transport: "stdio";
  /**
   * How the server speaks MCP Streamable HTTP itself (scenario `transport: http`); without it the
   * harness bridges its stdio (src/stack/http-bridge.ts). `args` replace `args`; the port is given
   * in the environment variable `portEnv`; the endpoint is `path`.
   */
  http?: { args: string[]; portEnv: string; path: string };
  /** Tools a scenario may call; undefined means "whatever tools/list offers". */
  tools?: string[];
  /** A cheap call that tells whether the server works: the default recovery and health probe. */
  probe?: { tool: string; args: Record<string, unknown> };
  /**
   * The SaaS API the server calls. By default a local stand-in (src/standins/apis/<api>.ts) serves
   * it, behind a Toxiproxy hop `<server>-><api>`; in live mode (`--live`) the server gets `live`
   * (MCP_SLO_LIVE_URL_<API> overrides it, e.g. for a GitHub Enterprise host).
   */
  upstream?: {
    api: string;
    live: string;
    /**
     * For a server that cannot be pointed at host:port (GitHub's drops the port of GITHUB_HOST): in
     * stand-in mode {{upstream.url}} is this host name and {{upstream.proxy}} the stand-in's address
     * (behind Toxiproxy), for the server's HTTP_PROXY. In live mode {{upstream.proxy}} is "" (left out).
     */
    viaHttpProxy?: string;
  };
  /**
   * Tokens the server reads from its environment. With a stand-in it gets `standIn`; in live mode
   * the value of the same variable in the harness's environment, which must be set. Every value
   * given is redacted from every output.
   */
  secrets?: { env: string; standIn: string }[];
  /**
   * A custom server's values that may appear in outputs (scenario `public:`): names of its env
   * variables and its args as written, or true for all. Every other value of its env and args is a
   * secret, redacted from every output (src/stack/handed-values.ts). Unused for catalog servers,
   * whose definitions are public and whose tokens are `secrets`.
   */
  public?: { env: true | string[]; args: true | string[] };
  /** Files written into the server's working directory ({{workdir}}) before it starts; placeholders expand. */
  files?: Record<string, string>;
  /** Where the server comes from: an npm dependency (default), a Go binary built by setup, a PyPI package in a setup-made virtualenv. */
  registry?: "npm" | "go" | "pypi";
  /** The installed version, for servers not installed as npm dependencies. */
  installedVersion?: () => string;
  /** What the guide calls it, when that differs (the guide's package names are partly wrong). */
  guideName?: string;
  notes?: string;
}

export const SERVER_CATALOG: readonly ServerDefinition[] = [
  githubServer,
  {
    name: "memory",
    probe: { tool: "search_nodes", args: { query: "mcp-slo-probe" } },
    title: "Knowledge-graph memory",
    package: "@modelcontextprotocol/server-memory",
    command: "node",
    args: ["{{bin}}"],
    env: { MEMORY_FILE_PATH: "{{workdir}}/memory.jsonl" },
    needs: [],
    transport: "stdio",
    tools: ["create_entities", "create_relations", "add_observations", "delete_entities", "delete_observations", "delete_relations", "read_graph", "search_nodes", "open_nodes"],
    guideName: "@modelcontextprotocol/memory (not a real package)",
  },
  {
    name: "filesystem",
    probe: { tool: "list_allowed_directories", args: {} },
    title: "Filesystem, confined to a sandbox directory",
    package: "@modelcontextprotocol/server-filesystem",
    command: "node",
    args: ["{{bin}}", "{{sandbox}}"],
    env: {},
    needs: [],
    transport: "stdio",
    tools: ["read_file", "read_text_file", "read_multiple_files", "write_file", "edit_file", "create_directory", "list_directory", "list_directory_with_sizes", "directory_tree", "move_file", "search_files", "get_file_info", "list_allowed_directories"],
  },
  {
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
  },
  {
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
  },
  firecrawlServer,
  notionServer,
  shadcnServer,
  redisOfficialServer,
  {
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
    tools: ["echo", "get-sum", "get-env", "get-tiny-image", "get-annotated-message", "get-structured-content", "get-resource-links", "get-resource-reference", "trigger-long-running-operation", "toggle-simulated-logging", "toggle-subscriber-updates", "gzip-file-as-resource", "simulate-research-query"],
  },
];

const BY_NAME = new Map(SERVER_CATALOG.map((s) => [s.name, s]));

export function findServer(name: string): ServerDefinition | undefined {
  return BY_NAME.get(name);
}

interface PackageJson {
  version: string;
  bin?: string | Record<string, string>;
}

function readPackageJson(pkg: string, root: string): { dir: string; json: PackageJson } {
  const dir = path.join(root, "node_modules", ...pkg.split("/"));
  return { dir, json: JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as PackageJson };
}

/** Installed version of a catalog server, whatever installed it. */
export function serverVersion(def: ServerDefinition): string {
  if (def.installedVersion) return def.installedVersion();
  return resolvePackage(def.package).version;
}

/** Installed version of an npm dependency of the project. */
export function packageVersion(pkg: string): string {
  return readPackageJson(pkg, PROJECT_ROOT).json.version;
}

/** Installed version and executable script of a catalog package (in the project, or in `root`'s node_modules). */
export function resolvePackage(pkg: string, root = PROJECT_ROOT): { version: string; bin: string } {
  const { dir, json } = readPackageJson(pkg, root);
  const bin = typeof json.bin === "string" ? json.bin : Object.values(json.bin ?? {})[0];
  if (bin === undefined) throw new Error(`${pkg}: package.json names no executable`);
  return { version: json.version, bin: path.join(dir, bin) };
}
