/**
 * Stand-in for the Firecrawl API (api.firecrawl.dev/v2) as firecrawl-mcp calls it through the
 * `firecrawl` SDK: scrape, map, search, crawl (start and status) and the team's credit usage.
 *
 * Firecrawl publishes an OpenAPI description, but no npm package carries it: neither firecrawl-mcp
 * nor its SDK (`firecrawl`, formerly @mendable/firecrawl-js) ships one. The payloads here are
 * therefore written by hand to the SDK's own TypeScript types (node_modules/firecrawl/src/v2/types.ts:
 * Document, DocumentMetadata, SearchData, SearchResultWeb/News, CrawlJob) and the response
 * envelopes its methods read (`{ success, data }`, `{ success, links }`, `{ success, id, url }`).
 * They echo the request (the scraped URL, the query, the mapped site), so a result can be traced
 * to the call that asked for it.
 *
 * Not covered: extract (firecrawl-mcp 3.x answers `firecrawl_extract` itself with a deprecation
 * error and never calls the API), agent, interact, monitors, research and parse (long-running
 * or hosted-only features with nothing cheap to stand in for).
 *
 * Like the real API it refuses a request without `Authorization: Bearer ...` (401).
 */
import type { StandInApi, StandInRequest, StandInResponse, StandInRoute } from "../api.js";

type Json = Record<string, unknown>;

/** A `:name` segment of the route (always there when the route matched). */
function param(req: StandInRequest, name: string): string {
  return req.params[name] ?? "";
}

const EXPIRES = "2026-01-16T09:30:00.000Z";

function body(req: StandInRequest): Json {
  return req.body && typeof req.body === "object" ? (req.body as Json) : {};
}

/** A deterministic v4-shaped UUID from a counter: ids differ per call and repeat per run. */
function counterUuid(prefix: string, n: number): string {
  const hex = n.toString(16).padStart(12, "0").slice(-12);
  return `${prefix}-0000-4000-8000-${hex}`;
}

function siteOf(url: string): { origin: string; host: string } {
  try {
    const u = new URL(url);
    return { origin: u.origin, host: u.host };
  } catch {
    return { origin: "https://example.com", host: "example.com" };
  }
}

let scrapes = 0;

/** A scraped page as the API returns it: the formats asked for (markdown by default) and metadata. */
function document(url: string, formats: unknown, title = "Stand-in page"): Json {
  const { origin, host } = siteOf(url);
  const wanted = new Set(
    (Array.isArray(formats) ? formats : ["markdown"]).map((f) =>
      typeof f === "string" ? f : typeof f === "object" && f !== null ? String((f as Json).type) : "",
    ),
  );
  const markdown = `# ${title}\n\nContent of ${url} as served by the Firecrawl stand-in.\n\n- [Pricing](${origin}/pricing)\n- [Docs](${origin}/docs)\n`;
  const doc: Json = {};
  if (wanted.has("markdown") || wanted.size === 0) doc.markdown = markdown;
  if (wanted.has("html")) doc.html = `<h1>${title}</h1><p>Content of ${url} as served by the Firecrawl stand-in.</p>`;
  if (wanted.has("rawHtml")) doc.rawHtml = `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`;
  if (wanted.has("links")) doc.links = [`${origin}/pricing`, `${origin}/docs`];
  if (wanted.has("summary")) doc.summary = `A stand-in page of ${host}.`;
  if (wanted.has("json")) doc.json = { title, url, site: host };
  doc.metadata = {
    title,
    description: `Stand-in copy of ${host}`,
    language: "en",
    ogSiteName: host,
    sourceURL: url,
    url,
    statusCode: 200,
    contentType: "text/html; charset=utf-8",
    scrapeId: counterUuid("5c7a9e10", ++scrapes),
    proxyUsed: "basic",
    cacheState: "miss",
    creditsUsed: 1,
  };
  return doc;
}

/** Crawls started here, by id: the start URL, for the status answer. Bounded: a long run starts many. */
const crawls = new Map<string, string>();
const MAX_CRAWLS = 10_000;
let crawlCount = 0;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const UNAUTHORIZED: StandInResponse = { status: 401, body: { success: false, error: "Unauthorized: Invalid token" } };

/** Every route checks the bearer token first, as the API does. */
function authed(method: StandInRoute["method"], path: string, respond: (req: StandInRequest) => StandInResponse): StandInRoute {
  return {
    method,
    path,
    respond: (req) => (/^Bearer \S+/.test(String(req.headers.authorization ?? "")) ? respond(req) : UNAUTHORIZED),
  };
}

export const api: StandInApi = {
  name: "firecrawl",
  title: "Firecrawl API v2",
  payloads: "hand-written to the TypeScript types of the firecrawl SDK 4.42.0 (firecrawl-mcp's dependency; no OpenAPI description ships on npm)",
  basePath: "/v2",
  routes: [
    authed("POST", "/scrape", (req) => {
      const b = body(req);
      const url = typeof b.url === "string" ? b.url : "https://example.com/";
      return { body: { success: true, data: document(url, b.formats) } };
    }),
    authed("POST", "/map", (req) => {
      const b = body(req);
      const { origin } = siteOf(typeof b.url === "string" ? b.url : "https://example.com/");
      const pages = ["", "/pricing", "/docs", "/docs/getting-started", "/blog", "/blog/stand-in-release", "/about", "/careers"];
      const search = typeof b.search === "string" ? b.search.toLowerCase() : "";
      let links = pages.map((p) => ({
        url: `${origin}${p}`,
        title: p ? p.split("/").pop()!.replace(/-/g, " ") : "Home",
        description: `Stand-in page ${p || "/"}`,
      }));
      if (search) links = links.filter((l) => l.url.toLowerCase().includes(search) || l.title.toLowerCase().includes(search));
      if (typeof b.limit === "number") links = links.slice(0, b.limit);
      return { body: { success: true, id: counterUuid("3a8d2f64", ++scrapes), links } };
    }),
    authed("POST", "/search", (req) => {
      const b = body(req);
      const query = typeof b.query === "string" ? b.query : "";
      const limit = typeof b.limit === "number" ? Math.min(b.limit, 10) : 5;
      const sources = (Array.isArray(b.sources) ? b.sources : ["web"]).map((s) => (typeof s === "string" ? s : String((s as Json).type)));
      const slug = query.toLowerCase().replace(/\W+/g, "-").replace(/^-|-$/g, "") || "query";
      const data: Json = {};
      if (sources.includes("web") || sources.length === 0) {
        data.web = Array.from({ length: limit }, (_, i) => ({
          url: `https://example.com/${slug}/${i + 1}`,
          title: `${query} — stand-in result ${i + 1}`,
          description: `Stand-in search result ${i + 1} for "${query}".`,
          position: i + 1,
        }));
      }
      if (sources.includes("news")) {
        data.news = [
          {
            title: `${query} in the news`,
            url: `https://news.example.com/${slug}`,
            snippet: `Stand-in news about "${query}".`,
            date: "2 days ago",
            position: 1,
          },
        ];
      }
      if (sources.includes("images")) {
        data.images = [
          {
            title: query,
            imageUrl: `https://images.example.com/${slug}.png`,
            imageWidth: 800,
            imageHeight: 600,
            url: `https://example.com/${slug}`,
            position: 1,
          },
        ];
      }
      return { body: { success: true, data, creditsUsed: 2, id: counterUuid("9e4b1c07", ++scrapes) } };
    }),
    authed("POST", "/crawl", (req) => {
      const b = body(req);
      const id = counterUuid("c4a7f2e9", ++crawlCount);
      if (crawls.size >= MAX_CRAWLS) crawls.delete(crawls.keys().next().value as string);
      crawls.set(id, typeof b.url === "string" ? b.url : "https://example.com/");
      const origin = `http://${String(req.headers.host ?? "127.0.0.1")}`;
      return { body: { success: true, id, url: `${origin}/v2/crawl/${id}` } };
    }),
    authed("GET", "/crawl/:id", (req) => {
      const id = param(req, "id");
      if (!UUID.test(id)) return { status: 400, body: { success: false, error: "Invalid job ID format" } };
      // An id the stand-in did not start (a scenario's fixed id) is a finished crawl of example.com.
      const start = crawls.get(id) ?? "https://example.com/";
      const { origin } = siteOf(start);
      const data = [document(start, ["markdown"], "Stand-in home"), document(`${origin}/docs`, ["markdown"], "Stand-in docs")];
      // Done at the first look: the MCP server polls until a terminal state, at least 1 s apart.
      return {
        body: {
          success: true,
          status: "completed",
          completed: data.length,
          total: data.length,
          creditsUsed: data.length,
          expiresAt: EXPIRES,
          next: null,
          data,
        },
      };
    }),
    authed("GET", "/team/credit-usage", () => ({
      body: {
        success: true,
        data: { remainingCredits: 99_000, planCredits: 100_000, billingPeriodStart: "2026-01-01T00:00:00.000Z", billingPeriodEnd: "2026-02-01T00:00:00.000Z" },
      },
    })),
    authed("GET", "/team/credit-usage/historical", () => ({
      body: {
        success: true,
        periods: [
          { startDate: "2025-12-01T00:00:00.000Z", endDate: "2026-01-01T00:00:00.000Z", creditsUsed: 1200 },
          { startDate: "2026-01-01T00:00:00.000Z", endDate: null, creditsUsed: 1000 },
        ],
      },
    })),
  ],
};
