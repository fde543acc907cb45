/**
 * End to end: the real Notion, Firecrawl and ShadCN MCP servers (the npm packages, started from
 * their catalog entries by the harness's own startSession) against their stand-ins, served by
 * src/standins/serve.ts on loopback. Each covered tool is called once; its answer must carry the
 * stand-in's data (not an error the server turned into a normal result, as Notion's does), and
 * the stand-in must have seen exactly the requests those tools make.
 *
 * "Nothing went to the real SaaS" is checked twice: the stand-in saw the calls, and a preload in
 * the server process (NODE_OPTIONS=--require) reports every outgoing TCP connection, which must
 * all go to the stand-in's loopback port.
 */
import { writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { registriesPerTest } from "../../testing/registry.js";
import type { ServerDefinition } from "../../contracts/server-definition.js";
import { startSession, type McpSession } from "../../stack/mcp-session.js";
import type { ResourceRegistry } from "../../stack/resource-registry.js";
import type { StandInApi } from "../api.js";
import { createStandInServer, listenStandIn } from "../serve.js";
import type { StandInStats } from "../../stack/started.js";
import { firecrawlServer } from "../../catalog/servers/firecrawl.js";
import { notionServer } from "../../catalog/servers/notion.js";
import { shadcnServer } from "../../catalog/servers/shadcn.js";
import { loadStandInApi } from "./index.js";

const newRegistry = registriesPerTest();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const NET_PREFIX = "MCP-SLO-NET ";

/**
 * Preloaded into the MCP server: one stderr line per outgoing TCP connection (tls.connect and
 * undici's fetch go through net.Socket#connect too). Written with fs.writeSync to fd 2 so it can
 * never interleave with the MCP frames on stdout.
 */
const NET_WATCH = `"use strict";
const net = require("node:net");
const fs = require("node:fs");
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // net.connect() passes its normalised [options, callback] array as the first argument.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let target;
  if (first && typeof first === "object") target = typeof first.path === "string" ? "unix:" + first.path : (first.host ?? "localhost") + ":" + first.port;
  else target = (typeof args[1] === "string" ? args[1] : "localhost") + ":" + first;
  fs.writeSync(2, ${JSON.stringify(NET_PREFIX)} + target + "\\n");
  return connect.apply(this, args);
};
`;

interface Harnessed {
  session: McpSession;
  standIn: { url: string; port: number; stats: () => StandInStats; routesHit: string[] };
  /** host:port of every connection the server opened so far. */
  connections: () => string[];
  call: (name: string, args?: Record<string, unknown>) => Promise<{ text: string; isError: boolean; structured: unknown }>;
}

/** Serves `api` on loopback, recording which routes answered. */
async function serveStandIn(api: StandInApi): Promise<Harnessed["standIn"]> {
  const routesHit: string[] = [];
  const recorded: StandInApi = {
    ...api,
    routes: api.routes.map((r) => ({
      ...r,
      respond: (req) => {
        routesHit.push(`${r.method} ${r.path}`);
        return r.respond(req);
      },
    })),
  };
  const { server, stats } = createStandInServer(recorded, {}, () => undefined);
  servers.push(server);
  const port = await listenStandIn(server, "127.0.0.1", 0);
  return { url: `http://127.0.0.1:${port}`, port, stats, routesHit };
}

/** The catalog entry as the harness starts it (files written into its workdir, placeholders expanded by startSession). */
async function start(registry: ResourceRegistry, def: ServerDefinition): Promise<Harnessed> {
  const standIn = await serveStandIn(await loadStandInApi(def.upstream!.api));
  const workdir = await registry.makeTempDir(def.name);
  // run-scenario.ts writes a server's `files` the same way before its sessions start.
  for (const [name, content] of Object.entries(def.files ?? {})) await writeFile(path.join(workdir, name), content);
  const watchDir = await registry.makeTempDir(`${def.name}-netwatch`);
  const watch = path.join(watchDir, "net-watch.cjs");
  await writeFile(watch, NET_WATCH);
  const watched: ServerDefinition = { ...def, env: { ...def.env, NODE_OPTIONS: `--require ${watch}` } };
  const session = await startSession({
    def: watched,
    agent: 0,
    endpoints: { sandbox: workdir, workdir, upstream: (name) => (name === def.name ? { url: standIn.url, proxy: "", mode: "stand-in" } : undefined) },
    registry,
    timeoutMs: 60_000,
  });
  const lines: string[] = session.process!.stderrTail(50).filter((l) => l.startsWith(NET_PREFIX));
  session.process!.onLine((l) => {
    if (l.startsWith(NET_PREFIX)) lines.push(l);
  });
  const call: Harnessed["call"] = async (name, args = {}) => {
    const result = (await session.client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as {
      content?: { type: string; text?: string }[];
      isError?: boolean;
      structuredContent?: unknown;
    };
    return { text: (result.content ?? []).map((c) => c.text ?? "").join(""), isError: result.isError === true, structured: result.structuredContent };
  };
  return { session, standIn, connections: () => lines.map((l) => l.slice(NET_PREFIX.length)), call };
}

/** A successful call whose answer contains every one of `expected`. */
async function expectAnswer(h: Harnessed, tool: string, args: Record<string, unknown>, ...expected: string[]): Promise<string> {
  const r = await h.call(tool, args);
  expect(r.isError, `${tool}: ${r.text.slice(0, 300)}`).toBe(false);
  for (const e of expected) expect(r.text, tool).toContain(e);
  return r.text;
}

function expectOnlyStandInTraffic(h: Harnessed): void {
  const connections = h.connections();
  // At least one: otherwise the watch itself is broken and the next line proves nothing.
  expect(connections.length).toBeGreaterThan(0);
  for (const c of connections) expect(c).toMatch(new RegExp(`^(127\\.0\\.0\\.1|localhost|::1):${h.standIn.port}$`));
  const stats = h.standIn.stats();
  expect(stats.unmatched).toEqual([]);
  expect(Object.keys(stats.byStatus)).toEqual(["200"]);
}

describe("SaaS MCP servers against their stand-ins", () => {
  it("notion: @notionhq/notion-mcp-server answers from the OpenAPI-derived stand-in", async () => {
    const h = await start(newRegistry(), notionServer);
    try {
      expect(h.session.tools).toEqual(expect.arrayContaining(notionServer.tools!));
      const page = "59833787-2cf9-4fdf-8782-e53db20768a5";
      const dataSource = "2f26ee68-df30-4251-aad4-8ddc420cba3d";
      const answers = [
        // The two authored examples of the bundled description, as they are there.
        await expectAnswer(h, "API-get-self", {}, '"name":"pied piper"', '"type":"bot"'),
        await expectAnswer(h, "API-retrieve-a-comment", { block_id: page }, '"plain_text":"Single comment"'),
        await expectAnswer(h, "API-get-users", {}, '"object":"list"', "christine makenotion"),
        await expectAnswer(h, "API-post-search", { query: "roadmap" }, '"object":"list"', "Stand-in roadmap", '"object":"data_source"'),
        await expectAnswer(h, "API-retrieve-a-page", { page_id: page }, `"id":"${page}"`, '"object":"page"'),
        await expectAnswer(h, "API-get-block-children", { block_id: page }, "Ship the stand-in harness by Friday."),
        await expectAnswer(h, "API-retrieve-a-data-source", { data_source_id: dataSource }, `"id":"${dataSource}"`, "Stand-in projects"),
        await expectAnswer(h, "API-query-data-source", { data_source_id: dataSource }, "Stand-in launch checklist"),
        await expectAnswer(h, "API-retrieve-a-database", { database_id: "248104cd-477e-80fd-b757-e945d38000bd" }, '"object":"database"'),
        await expectAnswer(h, "API-retrieve-page-markdown", { page_id: page }, "## Milestones"),
        // Creation: the stand-in echoes what was sent, so the request body really reached it.
        await expectAnswer(
          h,
          "API-post-page",
          { parent: { page_id: page }, properties: { title: [{ text: { content: "Load test page" } }] } },
          '"object":"page"',
          "Load test page",
        ),
      ];
      // The server turns an API error into a normal result; none of these may be one.
      for (const a of answers) expect(a).not.toContain('"status":"error"');
      const probe = notionServer.probe!;
      await expectAnswer(h, probe.tool, probe.args, '"object":"user"');

      expect(h.standIn.stats().requests).toBe(answers.length + 1);
      expect(new Set(h.standIn.routesHit)).toEqual(
        new Set([
          "GET /users/me",
          "GET /comments",
          "GET /users",
          "POST /search",
          "GET /pages/:page_id",
          "GET /blocks/:block_id/children",
          "GET /data_sources/:data_source_id",
          "POST /data_sources/:data_source_id/query",
          "GET /databases/:database_id",
          "GET /pages/:page_id/markdown",
          "POST /pages",
        ]),
      );
      expectOnlyStandInTraffic(h);
      // And the token got there: like Notion, the stand-in refuses a request without one.
      const bare = await fetch(`${h.standIn.url}/v1/users/me`);
      expect(bare.status).toBe(401);
    } finally {
      await h.session.close();
    }
  });

  it("firecrawl: firecrawl-mcp scrapes, maps, searches and crawls through the stand-in (on this Node)", async () => {
    const h = await start(newRegistry(), firecrawlServer);
    try {
      expect(h.session.tools).toEqual(expect.arrayContaining(firecrawlServer.tools!));
      await expectAnswer(
        h,
        "firecrawl_scrape",
        { url: "https://docs.example.org/guide" },
        "Content of https://docs.example.org/guide as served by the Firecrawl stand-in",
        '"sourceURL": "https://docs.example.org/guide"',
      );
      await expectAnswer(h, "firecrawl_map", { url: "https://docs.example.org" }, '"url": "https://docs.example.org/pricing"');
      await expectAnswer(h, "firecrawl_search", { query: "mcp slo harness", limit: 3 }, "mcp slo harness — stand-in result 3");
      const crawl = await h.call("firecrawl_crawl", { url: "https://docs.example.org", limit: 2 });
      expect(crawl.isError, crawl.text).toBe(false);
      const crawled = crawl.structured as { id: string; status: string; data: { metadata: { sourceURL: string } }[] };
      expect(crawled.status).toBe("completed");
      expect(crawled.data.map((d) => d.metadata.sourceURL)).toEqual(["https://docs.example.org", "https://docs.example.org/docs"]);
      await expectAnswer(
        h,
        "firecrawl_check_crawl_status",
        { id: crawled.id },
        `"id": "${crawled.id}"`,
        '"status": "completed"',
        "https://docs.example.org/docs",
      );
      const probe = firecrawlServer.probe!;
      await expectAnswer(h, probe.tool, probe.args, '"remainingCredits": 99000');

      // extract is deprecated in firecrawl-mcp 3.x: answered by the server itself, never sent upstream.
      const before = h.standIn.stats().requests;
      const extract = await h.call("firecrawl_extract", { urls: ["https://docs.example.org"] });
      expect(extract.isError).toBe(true);
      expect(extract.text).toContain("deprecated");
      expect(h.standIn.stats().requests).toBe(before);

      // crawl: start + one status poll (the stand-in's crawl is complete at the first look).
      expect(h.standIn.routesHit).toEqual([
        "POST /scrape",
        "POST /map",
        "POST /search",
        "POST /crawl",
        "GET /crawl/:id",
        "GET /crawl/:id",
        "GET /team/credit-usage",
      ]);
      expectOnlyStandInTraffic(h);
      expect((await fetch(`${h.standIn.url}/v2/team/credit-usage`)).status).toBe(401);
    } finally {
      await h.session.close();
    }
  });

  it("shadcn: the shadcn CLI's mcp command reads the stand-in registry from the project its entry writes", async () => {
    const h = await start(newRegistry(), shadcnServer);
    try {
      expect(h.session.tools).toEqual(expect.arrayContaining(shadcnServer.tools!));
      // Read from the components.json the entry's `files` put into the working directory.
      await expectAnswer(h, "get_project_registries", {}, "- @shadcn");
      await expectAnswer(h, "list_items_in_registries", { registries: ["@shadcn"] }, "Found 7 items", "button (registry:ui)", "card-demo (registry:example)");
      await expectAnswer(h, "search_items_in_registries", { query: "badge", registries: ["@shadcn"] }, "badge (registry:ui)");
      await expectAnswer(h, "view_items_in_registries", { items: ["@shadcn/button", "@shadcn/card"] }, "## button", "@radix-ui/react-slot", "## card");
      await expectAnswer(h, "get_item_examples_from_registries", { query: "card-demo", registries: ["@shadcn"] }, "export default function CardDemo()");
      // These two answer from the CLI alone.
      await expectAnswer(h, "get_add_command_for_items", { items: ["@shadcn/card"] }, "add @shadcn/card");
      await expectAnswer(h, "get_audit_checklist", {}, "Component Audit Checklist");
      const probe = shadcnServer.probe!;
      await expectAnswer(h, probe.tool, probe.args, "Found 7 items");

      const index = "GET /styles/:style/:file";
      // list, search, examples (index + item), view (two items), probe.
      expect(h.standIn.routesHit).toEqual([index, index, index, index, index, index, index]);
      expectOnlyStandInTraffic(h);
      // Unknown items are a 404 like the real static registry, and the CLI says so.
      const missing = await h.call("view_items_in_registries", { items: ["@shadcn/no-such-item"] });
      expect(missing.isError).toBe(true);
      expect(missing.text).toContain("not found");
    } finally {
      await h.session.close();
    }
  });
});
