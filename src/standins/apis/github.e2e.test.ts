// The real github-mcp-server (.tools/bin, built by scripts/setup.sh) against the GitHub stand-in,
// started the way a run starts it: its catalog entry (src/catalog/servers/github.ts), the stand-in from
// startUpstreams behind a Toxiproxy hop, a stdio session from startSession. The server is given a
// GHES host name that resolves nowhere and reaches the stand-in through HTTP_PROXY, because it drops
// the port of GITHUB_HOST (pkg/utils/api.go): a call that succeeds went through the hop.
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerDefinition } from "../../contracts/server-definition.js";
import { TOOLS_DIR } from "../../project-root.js";
import { findProcessesOfRun } from "../../stack/leftovers.js";
import { startToxiproxy } from "../../stack/local/toxiproxy.js";
import { startSession, type McpSession, type StackEndpoints } from "../../stack/mcp-session.js";
import { ResourceRegistry } from "../../stack/resource-registry.js";
import { startUpstreams, type StartedUpstreams } from "../upstreams.js";
import { GITHUB_STAND_IN_HOST, githubServer } from "../../catalog/servers/github.js";

const BINARY = path.join(TOOLS_DIR, "bin", "github-mcp-server");
const OWNER = "mcp-slo";
const REPO = "stand-in-repo";

let registry: ResourceRegistry;
let upstreams: StartedUpstreams;
let endpoints: StackEndpoints;

function open(def: ServerDefinition = githubServer): Promise<McpSession> {
  return startSession({ def, agent: 0, endpoints, registry, timeoutMs: 20_000 });
}

function text(result: unknown): string {
  return ((result as { content?: { type: string; text?: string; resource?: { text?: string } }[] }).content ?? [])
    .map((c) => c.text ?? c.resource?.text ?? "")
    .join("\n");
}

beforeAll(async () => {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run bash scripts/setup.sh`);
  registry = new ResourceRegistry({ runId: `gh${process.pid}-${Date.now().toString(36)}` });
  const toxiproxy = await startToxiproxy({ registry });
  upstreams = await startUpstreams({ servers: [githubServer], registry, options: { mode: "stand-in", behaviour: {} }, toxiproxy });
  const workdir = await registry.makeTempDir("github");
  endpoints = { sandbox: workdir, workdir, upstream: upstreams.endpoint };
});

afterAll(async () => {
  await registry.disposeAll();
  expect(await findProcessesOfRun(registry.runId)).toEqual([]);
});

it("points the server at the made-up GHES host and the stand-in's Toxiproxy hop", () => {
  const upstream = upstreams.endpoint("github")!;
  expect(upstream.url).toBe(GITHUB_STAND_IN_HOST);
  expect(upstream.proxy).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(upstream.proxy).not.toBe(upstreams.standIns[0]!.url);
});

describe("github-mcp-server against the GitHub stand-in", () => {
  let session: McpSession;
  beforeAll(async () => {
    session = await open();
  });
  afterAll(async () => {
    await session.close();
  });

  it("offers every tool the catalog lists, read-only", () => {
    expect([...session.tools].sort()).toEqual([...githubServer.tools!].sort());
  });

  // Each call must succeed and carry something only the stand-in's example payloads hold.
  const calls: { tool: string; args: Record<string, unknown>; expect: string[] }[] = [
    { tool: "get_me", args: {}, expect: ['"login":"octocat"'] },
    { tool: "search_repositories", args: { query: "tetris" }, expect: ["dtrupenn/Tetris"] },
    {
      tool: "get_file_contents",
      args: { owner: OWNER, repo: REPO, path: "docs/LICENSE" },
      expect: ["successfully downloaded text file", "The MIT License (MIT)", "Copyright (c) 2013 Ben Balter"],
    },
    { tool: "get_file_contents", args: { owner: OWNER, repo: REPO, path: "/" }, expect: ["lib/octokit.rb"] },
    { tool: "list_issues", args: { owner: OWNER, repo: REPO }, expect: ["Found a bug", '"totalCount":1'] },
    {
      tool: "issue_read",
      args: { method: "get", owner: OWNER, repo: REPO, issue_number: 42 },
      expect: ['"number":42', "Found a bug", `${OWNER}/${REPO}/issues/42`],
    },
    { tool: "issue_read", args: { method: "get_comments", owner: OWNER, repo: REPO, issue_number: 42 }, expect: ["Me too"] },
    { tool: "list_pull_requests", args: { owner: OWNER, repo: REPO }, expect: ["Amazing new feature", `${OWNER}/${REPO}/pull/1347`] },
    { tool: "pull_request_read", args: { method: "get", owner: OWNER, repo: REPO, pullNumber: 7 }, expect: ['"number":7', "Amazing new feature"] },
    { tool: "pull_request_read", args: { method: "get_files", owner: OWNER, repo: REPO, pullNumber: 7 }, expect: ["file1.txt"] },
    { tool: "pull_request_read", args: { method: "get_reviews", owner: OWNER, repo: REPO, pullNumber: 7 }, expect: ["Here is the body for the review."] },
    { tool: "pull_request_read", args: { method: "get_commits", owner: OWNER, repo: REPO, pullNumber: 7 }, expect: ["Fix all the bugs"] },
    { tool: "pull_request_read", args: { method: "get_status", owner: OWNER, repo: REPO, pullNumber: 7 }, expect: ["continuous-integration/jenkins"] },
    { tool: "list_commits", args: { owner: OWNER, repo: REPO }, expect: ["6dcb09b5b57875f334f61aebed695e2e4193db5e", "Fix all the bugs"] },
    { tool: "get_commit", args: { owner: OWNER, repo: REPO, sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e" }, expect: ["Fix all the bugs", "file1.txt"] },
    { tool: "list_branches", args: { owner: OWNER, repo: REPO }, expect: ['"name":"master"', "c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc"] },
    { tool: "search_code", args: { query: "addClass repo:jquery/jquery" }, expect: ["classes.js"] },
    { tool: "search_issues", args: { query: "bug", owner: OWNER, repo: REPO }, expect: ["Line Number Indexes Beyond 20 Not Displayed", '"total_count":280'] },
  ];
  for (const call of calls) {
    it(`${call.tool} ${JSON.stringify(call.args)} answers with the stand-in's data`, async () => {
      const result = await session.client.callTool({ name: call.tool, arguments: call.args });
      const body = text(result);
      expect(result.isError, body).toBeFalsy();
      for (const e of call.expect) expect(body).toContain(e);
    });
  }

  it("reads a repository file resource from the raw host's path (/raw/...)", async () => {
    const read = await session.client.readResource({ uri: `repo://${OWNER}/${REPO}/contents/docs/LICENSE` });
    expect(read.contents[0]?.uri).toBe(`repo://${OWNER}/${REPO}/contents/docs/LICENSE`);
    expect((read.contents[0] as { text?: string }).text).toContain("The MIT License (MIT)");
  });

  it("the catalog's probe call succeeds", async () => {
    const result = await session.client.callTool({ name: githubServer.probe!.tool, arguments: githubServer.probe!.args });
    expect(result.isError, text(result)).toBeFalsy();
  });

  it("checked the ghp_ token's scopes against the stand-in and hid no tool", () => {
    const check = session.process!.stderrTail(50).find((l) => l.includes("token scopes fetched for filtering"));
    expect(check, session.process!.stderrTail(50).join("\n")).toContain("repo");
  });

  it("every request reached a route of the stand-in", async () => {
    const stats = await upstreams.standIns[0]!.stats();
    expect(stats.unmatched).toEqual([]);
    expect(stats.byStatus["200"]).toBeGreaterThanOrEqual(calls.length);
    // The only non-200 answer is the 404 of the subdomain-isolation probe (raw.<host>/_ping).
    expect(Object.keys(stats.byStatus).sort()).toEqual(["200", "404"]);
  });
});

describe("a token of another kind (no scope check)", () => {
  it("starts with the same tools and answers", async () => {
    const other = await open({ ...githubServer, secrets: [{ env: "GITHUB_PERSONAL_ACCESS_TOKEN", standIn: "github_pat_standin" }] });
    try {
      expect(other.process!.stderrTail(50).some((l) => l.includes("token scopes fetched"))).toBe(false);
      expect([...other.tools].sort()).toEqual([...githubServer.tools!].sort());
      const result = await other.client.callTool({ name: "get_me", arguments: {} });
      expect(result.isError, text(result)).toBeFalsy();
    } finally {
      await other.close();
    }
  });
});
