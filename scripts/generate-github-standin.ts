// Writes src/standins/apis/github-examples.json: the example payloads of the GitHub API operations
// the stand-in (src/standins/apis/github.ts) answers, taken from GitHub's own OpenAPI description as
// published in @octokit/openapi (npm run standins:github). The package is 385 MB and only a
// devDependency, so the few payloads the stand-in needs are extracted into a small committed file;
// src/standins/apis/github.test.ts checks that file still equals what this script makes.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../src/project-root.js";

/** GitHub Enterprise Server's description: the server is pointed at the stand-in as a GHES host (/api/v3). */
export const DESCRIPTION = "ghes-3.19.json";
export const TARGET = path.join(PROJECT_ROOT, "src", "standins", "apis", "github-examples.json");

/** One payload the stand-in serves: the named example of an operation's 200 answer. */
interface Wanted {
  key: string;
  method: "get" | "post";
  path: string;
  /** Example name under responses.200.content["application/json"].examples. */
  example: string;
}

// Which example of each operation, and what uses it: the tools of github-mcp-server v1.9.0 the catalog
// lists (their Go source says which endpoints they call).
export const WANTED: readonly Wanted[] = [
  { key: "meta/root", method: "get", path: "/", example: "default" }, // HEAD for the ghp_ token scope check
  { key: "users/get-authenticated", method: "get", path: "/user", example: "response-with-public-and-private-profile-information" }, // get_me
  { key: "search/repos", method: "get", path: "/search/repositories", example: "default" }, // search_repositories
  { key: "search/code", method: "get", path: "/search/code", example: "default" }, // search_code
  { key: "search/issues-and-pull-requests", method: "get", path: "/search/issues", example: "default" }, // search_issues
  { key: "repos/get", method: "get", path: "/repos/{owner}/{repo}", example: "default-response" }, // get_file_contents: default branch
  { key: "git/get-ref", method: "get", path: "/repos/{owner}/{repo}/git/ref/{ref}", example: "default" }, // get_file_contents: ref -> sha
  // get_file_contents of a file. The description's own file example for this operation is broken
  // (its base64 has double-escaped line breaks and decodes to bytes the server calls binary); the
  // license example is the same content-file object, with clean text.
  { key: "licenses/get-for-repo", method: "get", path: "/repos/{owner}/{repo}/license", example: "default" },
  { key: "repos/get-content#directory", method: "get", path: "/repos/{owner}/{repo}/contents/{path}", example: "response-if-content-is-a-directory" }, // get_file_contents "/"
  { key: "issues/get", method: "get", path: "/repos/{owner}/{repo}/issues/{issue_number}", example: "default" }, // issue_read get
  { key: "issues/list-comments", method: "get", path: "/repos/{owner}/{repo}/issues/{issue_number}/comments", example: "default" }, // issue_read get_comments
  { key: "issues/list-for-repo", method: "get", path: "/repos/{owner}/{repo}/issues", example: "default" }, // list_issues (asks GraphQL; mapped from these)
  { key: "pulls/list", method: "get", path: "/repos/{owner}/{repo}/pulls", example: "default" }, // list_pull_requests
  { key: "pulls/get", method: "get", path: "/repos/{owner}/{repo}/pulls/{pull_number}", example: "default" }, // pull_request_read get
  { key: "pulls/list-files", method: "get", path: "/repos/{owner}/{repo}/pulls/{pull_number}/files", example: "default" }, // pull_request_read get_files
  { key: "pulls/list-reviews", method: "get", path: "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", example: "default" }, // pull_request_read get_reviews
  { key: "pulls/list-commits", method: "get", path: "/repos/{owner}/{repo}/pulls/{pull_number}/commits", example: "default" }, // pull_request_read get_commits
  { key: "repos/get-combined-status-for-ref", method: "get", path: "/repos/{owner}/{repo}/commits/{ref}/status", example: "default" }, // pull_request_read get_status
  { key: "repos/list-commits", method: "get", path: "/repos/{owner}/{repo}/commits", example: "default" }, // list_commits
  { key: "repos/get-commit", method: "get", path: "/repos/{owner}/{repo}/commits/{ref}", example: "default" }, // get_commit
  { key: "repos/list-branches", method: "get", path: "/repos/{owner}/{repo}/branches", example: "default" }, // list_branches
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface OpenApi {
  info: { version: string };
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, Json> }>>;
  components: Record<string, Record<string, Json>>;
}

function resolveRef(doc: OpenApi, ref: string): Json {
  const m = /^#\/components\/([^/]+)\/(.+)$/.exec(ref);
  const found = m ? doc.components[m[1]!]?.[m[2]!] : undefined;
  if (found === undefined) throw new Error(`${DESCRIPTION}: unresolvable $ref ${ref}`);
  return found;
}

/** Follows $ref wherever it appears (some examples wrap one inside `value`). */
function deref(doc: OpenApi, node: Json): Json {
  if (Array.isArray(node)) return node.map((n) => deref(doc, n));
  if (node && typeof node === "object") {
    if (typeof node.$ref === "string") return deref(doc, resolveRef(doc, node.$ref));
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(doc, v)]));
  }
  return node;
}

function exampleOf(doc: OpenApi, wanted: Wanted): Json {
  const op = doc.paths[wanted.path]?.[wanted.method];
  if (!op) throw new Error(`${DESCRIPTION}: no operation ${wanted.method.toUpperCase()} ${wanted.path}`);
  const response = derefTop(doc, op.responses?.["200"] ?? null) as { content?: Record<string, { examples?: Record<string, Json> }> } | null;
  let example = response?.content?.["application/json"]?.examples?.[wanted.example];
  if (example === undefined)
    throw new Error(`${DESCRIPTION}: ${wanted.method.toUpperCase()} ${wanted.path} has no 200 application/json example "${wanted.example}"`);
  // An Example Object is a $ref to components/examples, or has one as its `value` (issues/get):
  // either way the payload is the referenced Example Object's `value`.
  example = derefTop(doc, example) as { value?: Json };
  const value = (example as { value?: Json }).value;
  const inner =
    value && typeof value === "object" && !Array.isArray(value) && typeof value.$ref === "string" ? (derefTop(doc, value) as { value?: Json }).value : value;
  if (inner === undefined) throw new Error(`${DESCRIPTION}: example "${wanted.example}" of ${wanted.path} has no value`);
  return deref(doc, inner);
}

/** Resolves a $ref at the top of `node` only. */
function derefTop(doc: OpenApi, node: Json): Json {
  while (node && typeof node === "object" && !Array.isArray(node) && typeof node.$ref === "string") node = resolveRef(doc, node.$ref);
  return node;
}

export interface GithubExamples {
  source: string;
  operations: Record<string, { method: string; path: string; example: string; value: Json }>;
}

export function generateGithubExamples(descriptionDir = path.join(PROJECT_ROOT, "node_modules", "@octokit", "openapi")): GithubExamples {
  const pkg = JSON.parse(readFileSync(path.join(descriptionDir, "package.json"), "utf8")) as { version: string };
  const doc = JSON.parse(readFileSync(path.join(descriptionDir, "generated", DESCRIPTION), "utf8")) as OpenApi;
  const operations: GithubExamples["operations"] = {};
  for (const wanted of WANTED) {
    const value = exampleOf(doc, wanted);
    operations[wanted.key] = {
      method: wanted.method.toUpperCase(),
      path: wanted.path,
      example: wanted.example,
      value,
    };
  }
  return { source: `examples of @octokit/openapi ${pkg.version}, generated/${DESCRIPTION}`, operations };
}

export function serialise(examples: GithubExamples): string {
  return `${JSON.stringify(examples, null, 1)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  writeFileSync(TARGET, serialise(generateGithubExamples()));
  console.log(`wrote ${path.relative(process.cwd(), TARGET)}`);
}
