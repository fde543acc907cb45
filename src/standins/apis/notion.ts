/**
 * Stand-in for the Notion API (api.notion.com/v1) as @notionhq/notion-mcp-server calls it.
 *
 * The routes are the operations of the OpenAPI description that server bundles and turns into its
 * tools (scripts/notion-openapi.json, read at import): every tool it lists has a route, whatever
 * version is installed. Each answer starts from that description (`responseExample`): its authored
 * example where it has one (users/me, comments). Most of its 200 responses, though, are a bare
 * `{ "type": "object" }` with neither example nor properties, which would answer `{}`; those get
 * Notion objects written here after developers.notion.com's object reference (page, block, list,
 * data source, database), built around the description's own example user and the ids and
 * values of the request, so a retrieved page has the id that was asked for.
 *
 * Like the real API it refuses a request without `Authorization: Bearer ...` (401), so a test sees
 * that the server's token reached the stand-in.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../project-root.js";
import type { StandInApi, StandInRequest, StandInResponse, StandInRoute } from "../api.js";
import { listOperations, responseExample, type OpenApiDocument, type ResponseExample } from "../openapi-examples.js";

const PACKAGE = "@notionhq/notion-mcp-server";
const PACKAGE_DIR = path.join(PROJECT_ROOT, "node_modules", ...PACKAGE.split("/"));
const SPEC_FILE = "scripts/notion-openapi.json";
const SPEC = JSON.parse(readFileSync(path.join(PACKAGE_DIR, SPEC_FILE), "utf8")) as OpenApiDocument;
const VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as { version: string }).version;
/** The Notion-Version the description is written for ("Notion API 2025-09-03 - Data Source Edition"). */
const API_VERSION = /\d{4}-\d{2}-\d{2}/.exec(String((SPEC.info as Record<string, unknown> | undefined)?.description ?? ""))?.[0] ?? "version unknown";

/** Every route lives under /v1, as in the description's paths. */
const BASE_PATH = "/v1";

/** One fixed instant: answers repeat from run to run. */
const TIME = "2026-01-15T09:30:00.000Z";
/** Ids the stand-in's own objects carry (a page that was not asked for by id, the workspace's data source). */
const IDS = {
  page: "59833787-2cf9-4fdf-8782-e53db20768a5",
  dataSource: "2f26ee68-df30-4251-aad4-8ddc420cba3d",
  database: "248104cd-477e-80fd-b757-e945d38000bd",
  block: "c02fc1d3-db8b-45c5-a222-27595b15aea7",
  request: "standin-0000-notion",
};

type Json = Record<string, unknown>;

/** A `:name` segment of the route (always there when the route matched). */
function param(req: StandInRequest, name: string): string {
  return req.params[name] ?? "";
}

function specExample(operationId: string): unknown {
  return responseExample(SPEC, { operationId }).body;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "object" && Object.keys(value).length === 0);
}

// The description's example bot (GET /v1/users/me) and the person who owns it: the workspace's users.
const SELF = specExample("get-self") as Json;
const PERSON = (((SELF.bot as Json | undefined)?.owner as Json | undefined)?.user as Json | undefined) ?? {
  object: "user",
  id: "5389a034-eb5c-47b5-8a9e-f79c99ef166c",
  name: "Stand-in Person",
  avatar_url: null,
  type: "person",
  person: { email: "person@example.com" },
};
const PARTIAL_USER = { object: "user", id: PERSON.id };

function richText(content: string): Json {
  return {
    type: "text",
    text: { content, link: null },
    annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: "default" },
    plain_text: content,
    href: null,
  };
}

function notionUrl(title: string, id: string): string {
  return `https://www.notion.so/${title.replace(/\W+/g, "-")}-${id.replace(/-/g, "")}`;
}

/** A request's `parent` as the API echoes it (with its `type`), or the stand-in's data source. */
function parentOf(requested: unknown): Json {
  const p = requested && typeof requested === "object" ? (requested as Json) : undefined;
  if (typeof p?.page_id === "string") return { type: "page_id", page_id: p.page_id };
  if (typeof p?.data_source_id === "string") return { type: "data_source_id", data_source_id: p.data_source_id, database_id: IDS.database };
  if (typeof p?.database_id === "string") return { type: "database_id", database_id: p.database_id };
  if (p?.type === "workspace") return { type: "workspace", workspace: true };
  return { type: "data_source_id", data_source_id: IDS.dataSource, database_id: IDS.database };
}

function page(id: string, opts: { title?: string; parent?: unknown; properties?: unknown } = {}): Json {
  const title = opts.title ?? "Stand-in roadmap";
  const given = opts.properties && typeof opts.properties === "object" ? (opts.properties as Json) : undefined;
  return {
    object: "page",
    id,
    created_time: TIME,
    last_edited_time: TIME,
    created_by: PARTIAL_USER,
    last_edited_by: PARTIAL_USER,
    cover: null,
    icon: { type: "emoji", emoji: "🗺️" },
    parent: parentOf(opts.parent),
    archived: false,
    in_trash: false,
    is_locked: false,
    // Given properties come back as given (the API answers with their full values; close enough for a client).
    properties: given ?? {
      Name: { id: "title", type: "title", title: [richText(title)] },
      Status: { id: "s%7Bx%3F", type: "status", status: { id: "d4b2", name: "In progress", color: "blue" } },
      Owner: { id: "Kz%5Dq", type: "people", people: [PARTIAL_USER] },
    },
    url: notionUrl(title, id),
    public_url: null,
    request_id: IDS.request,
  };
}

function paragraph(id: string, text: string, parentPage: string): Json {
  return {
    object: "block",
    id,
    parent: { type: "page_id", page_id: parentPage },
    created_time: TIME,
    last_edited_time: TIME,
    created_by: PARTIAL_USER,
    last_edited_by: PARTIAL_USER,
    has_children: false,
    archived: false,
    in_trash: false,
    type: "paragraph",
    paragraph: { rich_text: [richText(text)], color: "default" },
  };
}

function heading(id: string, text: string, parentPage: string): Json {
  return {
    ...paragraph(id, text, parentPage),
    type: "heading_2",
    paragraph: undefined,
    heading_2: { rich_text: [richText(text)], is_toggleable: false, color: "default" },
  };
}

function list(results: unknown[], type: string): Json {
  return { object: "list", results, next_cursor: null, has_more: false, type, [type]: {}, request_id: IDS.request };
}

function dataSource(id: string): Json {
  return {
    object: "data_source",
    id,
    created_time: TIME,
    last_edited_time: TIME,
    created_by: PARTIAL_USER,
    last_edited_by: PARTIAL_USER,
    title: [richText("Stand-in projects")],
    description: [richText("Projects tracked by the stand-in workspace")],
    icon: { type: "emoji", emoji: "📋" },
    cover: null,
    properties: {
      Name: { id: "title", name: "Name", type: "title", title: {} },
      Status: {
        id: "s%7Bx%3F",
        name: "Status",
        type: "status",
        status: {
          options: [
            { id: "d4b2", name: "In progress", color: "blue" },
            { id: "e7c1", name: "Done", color: "green" },
          ],
          groups: [],
        },
      },
      Owner: { id: "Kz%5Dq", name: "Owner", type: "people", people: {} },
    },
    parent: { type: "database_id", database_id: IDS.database },
    database_parent: { type: "page_id", page_id: IDS.page },
    is_inline: false,
    archived: false,
    in_trash: false,
    url: notionUrl("Stand-in projects", id),
    public_url: null,
    request_id: IDS.request,
  };
}

function database(id: string): Json {
  return {
    object: "database",
    id,
    title: [richText("Stand-in projects")],
    description: [],
    parent: { type: "page_id", page_id: IDS.page },
    is_inline: false,
    in_trash: false,
    is_locked: false,
    created_time: TIME,
    last_edited_time: TIME,
    data_sources: [{ id: IDS.dataSource, name: "Stand-in projects" }],
    icon: { type: "emoji", emoji: "📋" },
    cover: null,
    url: notionUrl("Stand-in projects", id),
    public_url: null,
    request_id: IDS.request,
  };
}

function body(req: StandInRequest): Json {
  return req.body && typeof req.body === "object" ? (req.body as Json) : {};
}

/**
 * Answers for operations whose description says no more than "an object". Keyed by operationId;
 * an operation missing here answers the description's example or schema sample as it is.
 */
const WRITTEN: Record<string, (req: StandInRequest) => unknown> = {
  "get-user": (req) => (param(req, "user_id") === SELF.id ? SELF : { ...PERSON, id: param(req, "user_id") }),
  "get-users": () => list([PERSON, SELF], "user"),
  "post-search": (req) => {
    const b = body(req);
    const only = (b.filter as Json | undefined)?.value;
    const results = only === "data_source" ? [dataSource(IDS.dataSource)] : only === "page" ? [page(IDS.page)] : [page(IDS.page), dataSource(IDS.dataSource)];
    return list(results, "page_or_data_source");
  },
  "get-block-children": (req) =>
    list(
      [
        heading(IDS.block, "Milestones", param(req, "block_id")),
        paragraph("a1e4c6f0-5b7d-4c1e-9f3a-2d8b6e0c4f17", "Ship the stand-in harness by Friday.", param(req, "block_id")),
      ],
      "block",
    ),
  "patch-block-children": (req) => {
    const children = Array.isArray(body(req).children) ? (body(req).children as unknown[]) : [];
    return list(
      children.map((_, i) =>
        paragraph(`b2f5d7e1-6c8e-4d2f-8a4b-3e9c7f1d5a${String(20 + i).padStart(2, "0")}`, "Appended by the stand-in", param(req, "block_id")),
      ),
      "block",
    );
  },
  "retrieve-a-block": (req) => paragraph(param(req, "block_id"), "Ship the stand-in harness by Friday.", IDS.page),
  "update-a-block": (req) => paragraph(param(req, "block_id"), "Updated by the stand-in", IDS.page),
  "delete-a-block": (req) => ({ ...paragraph(param(req, "block_id"), "Deleted by the stand-in", IDS.page), archived: true, in_trash: true }),
  "retrieve-a-page": (req) => page(param(req, "page_id")),
  "patch-page": (req) => page(param(req, "page_id"), { properties: body(req).properties }),
  "post-page": (req) => page("7f9c2e4a-1b3d-4f5e-8a6c-9d0e1f2a3b4c", { parent: body(req).parent, properties: body(req).properties }),
  "move-page": (req) => page(param(req, "page_id"), { parent: body(req).parent }),
  "retrieve-a-page-property": (req) => ({
    object: "property_item",
    id: param(req, "property_id"),
    type: "title",
    title: richText("Stand-in roadmap"),
    request_id: IDS.request,
  }),
  "query-data-source": () =>
    list([page(IDS.page), page("3c1e5a7b-9d2f-4e6a-8b0c-1d3e5f7a9b2c", { title: "Stand-in launch checklist" })], "page_or_data_source"),
  "retrieve-a-data-source": (req) => dataSource(param(req, "data_source_id")),
  "update-a-data-source": (req) => dataSource(param(req, "data_source_id")),
  "create-a-data-source": () => dataSource("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
  "list-data-source-templates": () => ({
    templates: [{ id: "0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a", name: "Project brief", is_default: true }],
    has_more: false,
    next_cursor: null,
  }),
  "retrieve-a-database": (req) => database(param(req, "database_id")),
  "retrieve-page-markdown": (req) => ({
    object: "page_markdown",
    id: param(req, "page_id"),
    markdown: "## Milestones\n\nShip the stand-in harness by Friday.\n",
    truncated: false,
    unknown_block_ids: [],
  }),
  "update-page-markdown": (req) => ({
    object: "page_markdown",
    id: param(req, "page_id"),
    markdown: typeof body(req).markdown === "string" ? body(req).markdown : "",
    truncated: false,
    unknown_block_ids: [],
  }),
};

const UNAUTHORIZED: StandInResponse = {
  status: 401,
  body: { object: "error", status: 401, code: "unauthorized", message: "API token is invalid.", request_id: IDS.request },
};

function routeFor(op: { method: string; path: string; operationId: string | undefined }): StandInRoute {
  const id = op.operationId ?? `${op.method} ${op.path}`;
  const example: ResponseExample = op.operationId ? responseExample(SPEC, { operationId: op.operationId }) : { status: 200, body: undefined, source: "none" };
  const written = op.operationId ? WRITTEN[op.operationId] : undefined;
  return {
    method: op.method.toUpperCase() as StandInRoute["method"],
    // "/v1/pages/{page_id}" -> "/pages/:page_id" (basePath /v1 is stripped before matching)
    path: op.path.slice(BASE_PATH.length).replace(/\{([^}]+)\}/g, ":$1"),
    respond: (req) => {
      if (!/^Bearer \S+/.test(String(req.headers.authorization ?? ""))) return UNAUTHORIZED;
      // The description's own example wins where it has a real one; else the written object.
      if (!isEmpty(example.body) && (example.source !== "schema" || !written)) return { status: example.status, body: example.body };
      if (written) return { status: example.status, body: written(req) };
      return { status: example.status, body: { object: "stand-in", operation: id } };
    },
  };
}

/** Literal segments before parameters: /users/me must win over /users/:user_id. */
function specificity(route: StandInRoute): number {
  return route.path.split("/").filter((s) => s.startsWith(":")).length;
}

export const api: StandInApi = {
  name: "notion",
  title: "Notion API",
  payloads: `${SPEC_FILE} of ${PACKAGE} ${VERSION} (Notion API ${API_VERSION}): its examples where it has them (users/me, comments); its other 200 responses are a bare {type: object}, answered with hand-written Notion objects after developers.notion.com`,
  basePath: BASE_PATH,
  routes: listOperations(SPEC)
    .filter((op) => op.path.startsWith(`${BASE_PATH}/`))
    .map(routeFor)
    .sort((a, b) => specificity(a) - specificity(b)),
};
