/**
 * What the harness needs to know to start an MCP server and to check what a scenario asks of it:
 * the contract every catalog entry (src/catalog/servers/*.ts) and every custom server of a scenario
 * fills. Data only: starting it is src/stack/mcp-session.ts's job.
 */
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
  /**
   * Other versions of this server the catalog holds, by version, for a scenario's `{ name, server, version }`
   * (a version switch, a fallback to the last stable version). `package`: the npm alias it is installed
   * under; `standIn`: not a release but the installed one made worse on purpose, to play a bad new version.
   */
  versions?: Record<string, CatalogVersion>;
  /** Set on a scenario's server that is a version of a catalog server: which one, and whether a stand-in plays it. */
  versionOf?: { server: string; version: string; standIn?: CatalogVersion["standIn"] };
  /**
   * A server the harness does not start (scenario `url:`): where it answers and how the client
   * talks to it. command, args and env are unused; no process of it is the harness's.
   */
  remote?: RemoteTarget;
  /** What the guide calls it, when that differs (the guide's package names are partly wrong). */
  guideName?: string;
  notes?: string;
}

/** One more version of a catalog server (ServerDefinition.versions). */
export interface CatalogVersion {
  /** The npm package (an alias in package.json) holding this version; its version is read from it. */
  package?: string;
  /** A stand-in of a bad new version: the installed package, every answer delayed this long by the harness. */
  standIn?: { answerDelayMs: number; says: string };
}

/**
 * A scenario's `url:` server, as data: names of the environment variables that hold its secrets and
 * paths of its TLS files, not their values (src/stack/remote-endpoint.ts reads them when the run
 * starts; the scenario loader checks them at validation).
 */
export interface RemoteTarget {
  /** As written: http(s), no userinfo. */
  url: string;
  /** streamable-http: MCP Streamable HTTP; sse: the older HTTP+SSE transport (protocol 2024-11-05). */
  transport: "streamable-http" | "sse";
  /** Sent with every request; values are secrets (redacted from every output). */
  headers: Record<string, string>;
  /** Environment variable holding a bearer token (Authorization: Bearer ...). */
  bearerEnv?: string;
  /** OAuth 2 client credentials, from these environment variables. */
  oauth?: { clientIdEnv: string; clientSecretEnv: string; scope?: string; issuer?: string };
  /** Absolute paths (written relative to the scenario file) and the TLS server name. */
  tls?: { ca?: string; cert?: string; key?: string; servername?: string };
}
