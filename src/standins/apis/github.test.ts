import { readFileSync } from "node:fs";
import { request } from "node:http";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateGithubExamples, serialise, TARGET } from "../../../scripts/generate-github-standin.js";
import { createStandInServer, listenStandIn } from "../serve.js";
import { api, TOKEN_SCOPES } from "./github.js";

describe("github-examples.json", () => {
  it("is what scripts/generate-github-standin.ts makes from @octokit/openapi now (npm run standins:github)", () => {
    expect(readFileSync(TARGET, "utf8")).toBe(serialise(generateGithubExamples()));
  });

  it("holds a file example whose content decodes as strict base64", () => {
    const file = generateGithubExamples().operations["licenses/get-for-repo"]!.value as { content: string; size: number };
    const compact = file.content.replace(/\n/g, "");
    expect(compact).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(compact, "base64").length).toBe(file.size);
  });
});

describe("the GitHub stand-in, asked the way github-mcp-server asks (through HTTP_PROXY)", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createStandInServer(api, {}, () => undefined).server;
    port = await listenStandIn(server, "127.0.0.1", 0);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** A proxied request: absolute URI in the request line, as Go sends it to an HTTP proxy. */
  function viaProxy(
    method: string,
    url: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method, path: url, headers: { host: new URL(url).host, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }
  const auth = { authorization: "Bearer ghp_x" };

  it("answers the token scope check (HEAD on the REST root) with every scope", async () => {
    const res = await viaProxy("HEAD", "http://github.stand-in.invalid/api/v3/", auth);
    expect(res.status).toBe(200);
    expect(String(res.headers["x-oauth-scopes"]).split(", ")).toEqual(TOKEN_SCOPES);
  });

  it("refuses a request without a token, like the API", async () => {
    expect((await viaProxy("GET", "http://github.stand-in.invalid/api/v3/user")).status).toBe(401);
  });

  it("puts the requested repository and number into the example issue", async () => {
    const res = await viaProxy("GET", "http://github.stand-in.invalid/api/v3/repos/acme/widgets/issues/9", auth);
    const issue = JSON.parse(res.text) as { number: number; url: string; title: string };
    expect(issue).toMatchObject({ number: 9, url: "https://api.github.com/repos/acme/widgets/issues/9", title: "Found a bug" });
  });

  it("answers list_issues' GraphQL query in GraphQL's shape, and other queries with a GraphQL error", async () => {
    const ask = async (query: string) =>
      JSON.parse(
        (await viaProxy("POST", "http://github.stand-in.invalid/api/graphql", { ...auth, "content-type": "application/json" }, JSON.stringify({ query }))).text,
      ) as { data: unknown; errors?: unknown[] };
    const issues = await ask("query($owner:String!){repository(owner:$owner,name:$repo){issues(first:$first){nodes{number}}}}");
    expect(issues.data).toMatchObject({ repository: { issues: { nodes: [{ number: 1347, title: "Found a bug", state: "OPEN" }], totalCount: 1 } } });
    const other = await ask('query{node(id:"x"){id}}');
    expect(other.data).toBeNull();
    expect(other.errors).toHaveLength(1);
  });

  it("says 'no subdomain isolation' to the raw.<host>/_ping probe", async () => {
    expect((await viaProxy("GET", "http://raw.github.stand-in.invalid/_ping")).status).toBe(404);
  });
});
