/**
 * The official GitHub MCP server (github.com/github/github-mcp-server, Go), proposed as the catalog
 * entry "github". scripts/setup.sh builds it, pinned, into .tools/bin/github-mcp-server and writes
 * the version to .tools/bin/.github-mcp-server-version; the binary itself cannot say (its
 * `--version` and MCP serverInfo.version read "version": only GitHub's release builds set them).
 *
 * What its v1.9.0 source says (internal/ghmcp/server.go, pkg/utils/api.go, cmd/github-mcp-server):
 * - `stdio` subcommand; configuration by flag or GITHUB_<FLAG> (viper): GITHUB_PERSONAL_ACCESS_TOKEN,
 *   GITHUB_HOST (--gh-host), GITHUB_TOOLSETS, GITHUB_READ_ONLY, GITHUB_TOOLS.
 * - GITHUB_HOST unset (or github.com) means api.github.com; any other host is GHES: REST
 *   <scheme>://<host>/api/v3/, GraphQL /api/graphql, raw files /raw/, uploads /api/uploads/. Plain
 *   http is accepted. The port is dropped (url.Hostname()), so the server cannot be pointed at a
 *   loopback port directly: it is given a host name that resolves nowhere and reaches the stand-in
 *   through HTTP_PROXY (Go's http.DefaultTransport honours it for every non-loopback host).
 * - A token starting `ghp_` makes it send HEAD /api/v3/ at start and hide the tools whose scopes
 *   X-OAuth-Scopes lacks (on failure it only logs a warning and hides nothing).
 * - `http` subcommand (GITHUB_PORT, GITHUB_LISTEN_HOST; MCP at "/") takes the GitHub token from
 *   every request's Authorization header, so it needs a client that sends one: not offered here.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { TOOLS_DIR } from "../../project-root.js";
import type { ServerDefinition } from "../../contracts/server-definition.js";

/** What the server is told its GitHub is in stand-in mode: a GHES name (.invalid never resolves). */
export const GITHUB_STAND_IN_HOST = "http://github.stand-in.invalid";

/** setup.sh's go_tool writes the version it built beside the binary. */
export function githubServerVersion(): string {
  const marker = path.join(TOOLS_DIR, "bin", ".github-mcp-server-version");
  try {
    const version = readFileSync(marker, "utf8").trim();
    if (version) return version;
  } catch {
    // reported below
  }
  throw new Error(`${marker} is missing: run bash scripts/setup.sh`);
}

export const githubServer: ServerDefinition = {
  name: "github",
  title: "GitHub (GitHub's official MCP server, Go), read-only toolsets",
  package: "github.com/github/github-mcp-server",
  command: "{{tools}}/bin/github-mcp-server",
  args: ["stdio"],
  env: {
    GITHUB_HOST: "{{upstream.url}}",
    HTTP_PROXY: "{{upstream.proxy}}",
    // The default toolsets (context, copilot, issues, pull_requests, repos, users), read tools only:
    // a load test must not open issues on a real GitHub in live mode.
    GITHUB_TOOLSETS: "default",
    GITHUB_READ_ONLY: "1",
  },
  needs: [],
  transport: "stdio",
  registry: "go",
  installedVersion: githubServerVersion,
  // In stand-in mode GITHUB_HOST is the made-up host and HTTP_PROXY the stand-in (behind Toxiproxy);
  // live, GITHUB_HOST is github.com (or MCP_SLO_LIVE_URL_GITHUB, a GHES host) and HTTP_PROXY is left out.
  upstream: { api: "github", live: "https://github.com", viaHttpProxy: GITHUB_STAND_IN_HOST },
  // Shaped like a classic personal access token, the kind most setups use: the server then checks
  // its scopes at start (HEAD /api/v3/) as it would against github.com.
  secrets: [{ env: "GITHUB_PERSONAL_ACCESS_TOKEN", standIn: "ghp_mcpSloStandInToken000000000000000000" }],
  // tools/list of v1.9.0 with GITHUB_TOOLSETS=default and GITHUB_READ_ONLY=1.
  tools: [
    "get_commit",
    "get_file_contents",
    "get_label",
    "get_latest_release",
    "get_me",
    "get_release_by_tag",
    "get_tag",
    "get_team_members",
    "get_teams",
    "issue_read",
    "list_branches",
    "list_commits",
    "list_issue_fields",
    "list_issue_types",
    "list_issues",
    "list_pull_requests",
    "list_releases",
    "list_repository_collaborators",
    "list_tags",
    "pull_request_read",
    "search_code",
    "search_commits",
    "search_issues",
    "search_pull_requests",
    "search_repositories",
    "search_users",
  ],
  // One REST call (GET /user), nothing to resolve first.
  probe: { tool: "get_me", args: {} },
  guideName: "@github/github-mcp-server (not a real package; the official server is Go)",
  notes:
    'Go binary built by scripts/setup.sh into .tools/bin (version in .tools/bin/.github-mcp-server-version; the binary reports "version"). ' +
    "Against the stand-in it runs as a GHES client reaching the stand-in through HTTP_PROXY, because it drops the port of GITHUB_HOST. " +
    "The stand-in answers get_me, search_repositories, search_code, search_issues, get_file_contents, list_issues (GraphQL), issue_read (get, get_comments), " +
    "list_pull_requests, pull_request_read (get, get_files, get_reviews, get_commits, get_status), list_commits, get_commit, list_branches; " +
    "other tools get a 404 (the server then answers a JSON-RPC error, not isError) or a GraphQL error from it. " +
    "No native HTTP variant: its http mode wants the GitHub token in each request's Authorization header.",
};
