/**
 * The environment a child process of the harness starts with: least privilege.
 *
 * A child never inherits the harness's whole environment. The harness often runs where tokens sit in
 * the environment (GITHUB_PERSONAL_ACCESS_TOKEN, NOTION_TOKEN, FIRECRAWL_API_KEY, a CI's own
 * secrets), and an MCP server, a stand-in or k6 has no business seeing a token it does not use.
 * Every child gets:
 *
 *  1. The base allow-list, from the harness's environment when set there:
 *     - PATH (commands resolve as the person running the harness expects), HOME, USER, LOGNAME
 *       (tools read their own config under HOME: npm's .npmrc, Go's env file, pip's config);
 *     - LANG, LANGUAGE, LC_* and TZ (text and time render as on the machine);
 *     - TMPDIR (where temp files go);
 *     - CA bundles for TLS-intercepting networks: NODE_EXTRA_CA_CERTS (Node), SSL_CERT_FILE and
 *       SSL_CERT_DIR (Go, OpenSSL), REQUESTS_CA_BUNDLE (Python requests), CURL_CA_BUNDLE. They are
 *       file paths, not secrets, and without them a live server (or an install) behind such a proxy
 *       cannot verify any certificate.
 *  2. Groups a kind of child needs and asks for by name (`PassEnv`):
 *     - "proxy": HTTP_PROXY, HTTPS_PROXY, NO_PROXY, ALL_PROXY (either case): only for a server
 *       calling its real API in live mode and for registry downloads. A server talking to a local
 *       stand-in must not send that traffic to a corporate proxy; and a proxy URL may carry a password.
 *     - "package-registries": npm_config_* / NPM_CONFIG_*, PIP_*, the Go module settings (GOPROXY,
 *       GOSUMDB, GONOSUMDB, GONOSUMCHECK, GONOPROXY, GOPRIVATE, GOINSECURE), GIT_SSL_CAINFO: the
 *       registry configuration a cold install (src/install) must use to be a real install here.
 *       These may hold registry credentials: they go to the installers only.
 *     - "container-engine": XDG_RUNTIME_DIR, XDG_CONFIG_HOME, XDG_DATA_HOME and CONTAINERS_*: where
 *       Podman finds its runtime dir, configuration and storage.
 *  3. Exactly what the caller gives it (a server's definition or scenario `env`, a token for the
 *     server that calls that API, k6's MCP_SLO_* settings, ...), which wins over 1 and 2.
 *  4. MCP_SLO_RUN_ID (set by spawnManaged), so leftovers of a run can be found.
 *
 * Nothing else: not NODE_OPTIONS (a debugger or loader meant for the harness), not the tokens, not
 * SHELL or TERM (no child runs on the terminal).
 */

export type PassEnv = "proxy" | "package-registries" | "container-engine";

/** Exact names passed to every child (when set). */
export const BASE_ENV_NAMES: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TMPDIR",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
];

/** Name prefixes passed to every child. */
export const BASE_ENV_PREFIXES: readonly string[] = ["LC_"];

const GROUPS: Record<PassEnv, { names: readonly string[]; prefixes: readonly string[] }> = {
  proxy: {
    names: ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy"],
    prefixes: [],
  },
  "package-registries": {
    names: ["GOPROXY", "GOSUMDB", "GONOSUMDB", "GONOSUMCHECK", "GONOPROXY", "GOPRIVATE", "GOINSECURE", "GIT_SSL_CAINFO"],
    prefixes: ["npm_config_", "NPM_CONFIG_", "PIP_"],
  },
  "container-engine": {
    names: ["XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME"],
    prefixes: ["CONTAINERS_"],
  },
};

function allowed(name: string, pass: readonly PassEnv[]): boolean {
  if (BASE_ENV_NAMES.includes(name) || BASE_ENV_PREFIXES.some((p) => name.startsWith(p))) return true;
  return pass.some((g) => GROUPS[g].names.includes(name) || GROUPS[g].prefixes.some((p) => name.startsWith(p)));
}

/**
 * The environment of a child: the allow-list (and the groups in `pass`) taken from `from` (default
 * the harness's own), then `set` on top; a `set` value of undefined removes that variable.
 */
export function childEnvironment(
  opts: { pass?: readonly PassEnv[]; set?: Record<string, string | undefined>; from?: NodeJS.ProcessEnv } = {},
): Record<string, string> {
  const from = opts.from ?? process.env;
  const pass = opts.pass ?? [];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(from)) if (value !== undefined && allowed(name, pass)) env[name] = value;
  for (const [name, value] of Object.entries(opts.set ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** The harness's own values of one group alone (a server in a container gets no base environment of the host, only e.g. its proxy settings). */
export function groupEnvironment(group: PassEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && (GROUPS[group].names.includes(name) || GROUPS[group].prefixes.some((p) => name.startsWith(p)))) out[name] = value;
  }
  return out;
}
