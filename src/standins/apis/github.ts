/**
 * Stand-in for the GitHub API as the official github-mcp-server (Go, v1.9.0) calls it when pointed
 * at a GitHub Enterprise Server host: REST under /api/v3, GraphQL at /api/graphql, file contents
 * under /raw (GHES without subdomain isolation; pkg/utils/api.go of the server).
 *
 * Every REST payload is an example from GitHub's own OpenAPI description (@octokit/openapi,
 * ghes-3.19), extracted by scripts/generate-github-standin.ts into github-examples.json; answers put
 * the owner, repository and number of the request into them where that is a string swap. GraphQL has
 * no published examples: list_issues' query is answered with the REST issue examples in GraphQL's
 * shape, the issue-field lookup by node id (search_issues, issue_read) with no field values, any
 * other query with a GraphQL error.
 *
 * Like the real API it refuses a request without an Authorization header (401), so a test sees that
 * the server's token reached the stand-in, and it names the token's scopes in X-OAuth-Scopes: a
 * `ghp_` token makes the server check them (HEAD /api/v3/) and hide the tools they do not cover.
 */
import { readFileSync } from "node:fs";
import type { StandInApi, StandInRequest, StandInResponse, StandInRoute } from "../api.js";

/** The shape scripts/generate-github-standin.ts writes. */
interface GithubExamples {
  source: string;
  operations: Record<string, { method: string; path: string; example: string; value: unknown }>;
}

const EXAMPLES = JSON.parse(readFileSync(new URL("./github-examples.json", import.meta.url), "utf8")) as GithubExamples;

/** Every scope a tool of the server may require (its pkg/http/oauth SupportedScopes): no tool is hidden. */
export const TOKEN_SCOPES = [
  "repo",
  "read:org",
  "read:user",
  "user:email",
  "read:packages",
  "write:packages",
  "read:project",
  "project",
  "gist",
  "notifications",
  "workflow",
  "codespace",
];

/** The repository most examples describe; requests for another repository get its name swapped in. */
const EXAMPLE_REPO = "octocat/Hello-World";
/** The number of the example issue and pull request. */
const EXAMPLE_NUMBER = 1347;

type Json = Record<string, unknown>;

function example(key: string): string {
  const op = EXAMPLES.operations[key];
  if (!op) throw new Error(`github-examples.json has no "${key}" (run npm run standins:github)`);
  return JSON.stringify(op.value);
}

// Kept as text: each answer is a fresh parse with the request's names swapped in.
const TEXT = Object.fromEntries(Object.keys(EXAMPLES.operations).map((key) => [key, example(key)]));

/** A string as it appears inside a JSON string literal. */
function inJson(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function payload(key: string, swaps: [string, string][] = []): unknown {
  let text = TEXT[key] ?? example(key);
  for (const [from, to] of swaps) text = text.split(inJson(from)).join(inJson(to));
  return JSON.parse(text) as unknown;
}

function repoSwaps(req: StandInRequest): [string, string][] {
  const { owner, repo } = req.params;
  return owner && repo ? [[EXAMPLE_REPO, `${owner}/${repo}`]] : [];
}

const REST_HEADERS = { "x-oauth-scopes": TOKEN_SCOPES.join(", "), "x-github-media-type": "github.v3; format=json" };

function unauthorized(): StandInResponse {
  return { status: 401, body: { message: "Requires authentication", documentation_url: "https://docs.github.com/enterprise-server@3.19/rest", status: "401" } };
}

/** A REST route under /api/v3 answering `answer`, after the API's own authentication check. */
function rest(method: StandInRoute["method"], path: string, answer: (req: StandInRequest) => unknown): StandInRoute {
  return {
    method,
    path: `/api/v3${path}`,
    respond: (req) => {
      if (!req.headers.authorization) return unauthorized();
      return { body: answer(req), headers: REST_HEADERS };
    },
  };
}

function withNumber(key: string, kind: "issues" | "pulls", req: StandInRequest, param: string): unknown {
  const n = Number(req.params[param]);
  const value = payload(key, [...repoSwaps(req), [`/${kind}/${EXAMPLE_NUMBER}`, `/${kind}/${n}`]]) as Json;
  return { ...value, number: n };
}

function fileContent(req: StandInRequest): unknown {
  const path = req.params["*"] ?? "";
  // The root is the example directory; any other path is answered as the example file (LICENSE).
  if (path === "" || path === "/") return payload("repos/get-content#directory", repoSwaps(req));
  const file = payload("licenses/get-for-repo") as Json;
  return { ...file, path, name: path.split("/").pop() ?? path };
}

function rawFile(): StandInResponse {
  const file = payload("licenses/get-for-repo") as { content: string };
  return { body: Buffer.from(file.content, "base64"), headers: { "content-type": "text/plain; charset=utf-8" } };
}

interface RestIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: string;
  user: { login: string } | null;
  created_at: string;
  updated_at: string;
  labels: { name: string; node_id: string; description: string | null }[];
  comments: number;
}

/** list_issues' query (pkg/github/issues.go, IssueFragment) answered with the REST issue examples. */
function issuesQueryData(): unknown {
  const issues = payload("issues/list-for-repo") as RestIssue[];
  return {
    repository: {
      issues: {
        nodes: issues.map((i) => ({
          number: i.number,
          title: i.title,
          body: i.body ?? "",
          state: i.state.toUpperCase(),
          databaseId: i.id,
          author: { login: i.user?.login ?? "" },
          createdAt: i.created_at,
          updatedAt: i.updated_at,
          labels: { nodes: i.labels.map((l) => ({ name: l.name, id: l.node_id, description: l.description ?? "" })) },
          comments: { totalCount: i.comments },
          issueFieldValues: { nodes: [] },
        })),
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: "", endCursor: "" },
        totalCount: issues.length,
      },
      isPrivate: false,
    },
  };
}

/**
 * search_issues' (and issue_read's) lookup of custom issue fields by node id: every issue asked for,
 * with no field values. Only the fields both queries share are sent (a field the query did not ask
 * for would fail the server's decoding); issue_read's relationship fields stay empty: no parent,
 * no sub-issues, no closing pull requests.
 */
function issueNodesData(body: unknown): unknown {
  const ids = (body as { variables?: { ids?: unknown } } | null)?.variables?.ids;
  return { nodes: (Array.isArray(ids) ? ids : []).map((id) => ({ id, issueFieldValues: { nodes: [] } })) };
}

function graphql(req: StandInRequest): StandInResponse {
  if (!req.headers.authorization) return unauthorized();
  const query = typeof (req.body as { query?: unknown } | null)?.query === "string" ? (req.body as { query: string }).query : "";
  if (/\brepository\(/.test(query) && /\bissues\(/.test(query)) return { body: { data: issuesQueryData() } };
  if (/\bnodes\(ids:/.test(query) && /\bissueFieldValues\(/.test(query)) return { body: { data: issueNodesData(req.body) } };
  // GraphQL reports failures in the body with 200, as the real endpoint does.
  return { body: { data: null, errors: [{ type: "STAND_IN_UNSUPPORTED", message: "the GitHub stand-in answers no such GraphQL query" }] } };
}

export const api: StandInApi = {
  name: "github",
  title: "GitHub API (GitHub Enterprise Server paths)",
  payloads: EXAMPLES.source,
  // REST, GraphQL and raw content live under different prefixes of the host: full paths, no basePath.
  routes: [
    // The server's token scope check (HEAD) and the REST root.
    rest("GET", "", () => payload("meta/root")),
    rest("GET", "/user", () => payload("users/get-authenticated")),
    rest("GET", "/search/repositories", () => payload("search/repos")),
    rest("GET", "/search/code", () => payload("search/code")),
    rest("GET", "/search/issues", () => payload("search/issues-and-pull-requests")),
    rest("GET", "/repos/:owner/:repo", (req) => {
      const repo = payload("repos/get", repoSwaps(req)) as Json;
      return { ...repo, name: req.params.repo, owner: { ...(repo.owner as Json), login: req.params.owner } };
    }),
    rest("GET", "/repos/:owner/:repo/git/ref/*", (req) => ({ ...(payload("git/get-ref", repoSwaps(req)) as Json), ref: `refs/${req.params["*"]}` })),
    rest("GET", "/repos/:owner/:repo/contents", fileContent),
    rest("GET", "/repos/:owner/:repo/contents/*", fileContent),
    rest("GET", "/repos/:owner/:repo/issues", (req) => payload("issues/list-for-repo", repoSwaps(req))),
    rest("GET", "/repos/:owner/:repo/issues/:issue_number", (req) => withNumber("issues/get", "issues", req, "issue_number")),
    rest("GET", "/repos/:owner/:repo/issues/:issue_number/comments", (req) => payload("issues/list-comments", repoSwaps(req))),
    rest("GET", "/repos/:owner/:repo/pulls", (req) => payload("pulls/list", repoSwaps(req))),
    rest("GET", "/repos/:owner/:repo/pulls/:pull_number", (req) => withNumber("pulls/get", "pulls", req, "pull_number")),
    rest("GET", "/repos/:owner/:repo/pulls/:pull_number/files", (req) => payload("pulls/list-files", repoSwaps(req))),
    rest("GET", "/repos/:owner/:repo/pulls/:pull_number/reviews", (req) => payload("pulls/list-reviews", repoSwaps(req))),
    rest("GET", "/repos/:owner/:repo/pulls/:pull_number/commits", (req) => payload("pulls/list-commits", repoSwaps(req))),
    rest("GET", "/repos/:owner/:repo/commits/:ref/status", (req) => payload("repos/get-combined-status-for-ref", repoSwaps(req))),
    rest("GET", "/repos/:owner/:repo/commits", (req) => payload("repos/list-commits", repoSwaps(req))),
    rest("GET", "/repos/:owner/:repo/commits/:ref", (req) => payload("repos/get-commit", repoSwaps(req))),
    rest("GET", "/repos/:owner/:repo/branches", (req) => payload("repos/list-branches", repoSwaps(req))),
    { method: "POST", path: "/api/graphql", respond: graphql },
    // Repository resources (repo://...) read files from the raw host: /raw/OWNER/REPO/REF-OR-SHA/PATH.
    { method: "GET", path: "/raw/:owner/:repo/*", respond: rawFile },
    // The server probes raw.<host>/_ping for subdomain isolation; reached through the same proxy it
    // lands here. 404 says "no isolation", so it uses the /raw and /api/uploads paths above.
    { method: "GET", path: "/_ping", respond: () => ({ status: 404, body: { message: "Not Found" } }) },
  ],
};
