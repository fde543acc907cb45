import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../project-root.js";
import { findOperation, listOperations, resolveRef, responseExample, sampleFromSchema, type OpenApiDocument } from "./openapi-examples.js";

const json = (schema: unknown, extra: Record<string, unknown> = {}) => ({ content: { "application/json": { schema, ...extra } } });

const DOC: OpenApiDocument = {
  openapi: "3.1.0",
  paths: {
    "/things/{id}": {
      get: {
        operationId: "get-thing",
        responses: {
          "404": json({ type: "object", properties: { message: { type: "string", example: "gone" } } }),
          "200": json({ $ref: "#/components/schemas/Thing" }, { example: { id: "authored" }, examples: { a: { value: { id: "from-examples" } } } }),
        },
      },
      delete: { operationId: "delete-thing", responses: { "204": { description: "No content" } } },
    },
    "/things": {
      get: {
        operationId: "list-things",
        responses: { "200": json({ $ref: "#/components/schemas/Thing" }, { examples: { first: { $ref: "#/components/examples/Listed" } } }) },
      },
      post: { operationId: "create-thing", responses: { "201": { $ref: "#/components/responses/Created" } } },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: "object",
        properties: {
          id: { type: "string", format: "uuid" },
          kind: { type: "string", enum: ["widget", "gadget"] },
          count: { type: "integer", minimum: 3 },
          ratio: { type: "number" },
          ok: { type: "boolean" },
          note: { type: ["string", "null"] },
          owner: { oneOf: [{ type: "null" }, { $ref: "#/components/schemas/Owner" }] },
          tags: { type: "array", items: { type: "string", examples: ["red"] } },
          created: { type: "string", format: "date-time" },
          children: { type: "array", items: { $ref: "#/components/schemas/Thing" } },
          anything: {},
        },
      },
      Owner: {
        allOf: [
          { type: "object", properties: { name: { type: "string", default: "ada" } } },
          { type: "object", properties: { role: { const: "admin" } } },
        ],
      },
    },
    examples: { Listed: { value: [{ id: "listed" }] } },
    responses: { Created: json({ type: "object", properties: { id: { type: "string", example: "new-1" } } }) },
  },
};

describe("responseExample", () => {
  it("prefers the media type's example, then its examples, then a schema sample", () => {
    expect(responseExample(DOC, { operationId: "get-thing" })).toEqual({ status: 200, body: { id: "authored" }, source: "example" });
    expect(responseExample(DOC, { operationId: "list-things" })).toEqual({ status: 200, body: [{ id: "listed" }], source: "examples" });
    expect(responseExample(DOC, { operationId: "create-thing" })).toEqual({ status: 201, body: { id: "new-1" }, source: "schema" });
  });

  it("finds operations by method and path, answers other statuses on request, and says when there is no body", () => {
    expect(responseExample(DOC, { method: "GET", path: "/things/{id}" }, { status: "404" })).toEqual({
      status: 404,
      body: { message: "gone" },
      source: "schema",
    });
    expect(responseExample(DOC, { operationId: "delete-thing" })).toEqual({ status: 204, body: undefined, source: "none" });
    expect(() => findOperation(DOC, { operationId: "nope" })).toThrow(/no operation "nope"/);
    expect(() => resolveRef(DOC, "#/components/schemas/Missing")).toThrow(/leads nowhere/);
    expect(listOperations(DOC).map((o) => `${o.method} ${o.path}`)).toEqual(["get /things/{id}", "delete /things/{id}", "get /things", "post /things"]);
  });
});

describe("sampleFromSchema", () => {
  it("fills every property by type, format, enum, 3.1 type lists, oneOf and allOf, and stops recursion", () => {
    const sample = sampleFromSchema(DOC, { $ref: "#/components/schemas/Thing" }) as Record<string, unknown>;
    expect(sample).toEqual({
      id: "00000000-0000-4000-8000-000000000000",
      kind: "widget",
      count: 3,
      ratio: 0,
      ok: true,
      note: "string",
      owner: { name: "ada", role: "admin" },
      tags: ["red"],
      created: "2026-01-01T00:00:00.000Z",
      // Thing inside Thing: the second visit of the same $ref ends the branch.
      children: [],
      anything: null,
    });
  });

  it("is deterministic", () => {
    expect(sampleFromSchema(DOC, { $ref: "#/components/schemas/Thing" })).toEqual(sampleFromSchema(DOC, { $ref: "#/components/schemas/Thing" }));
  });
});

describe("on the OpenAPI description bundled with @notionhq/notion-mcp-server", () => {
  const spec = JSON.parse(
    readFileSync(path.join(PROJECT_ROOT, "node_modules/@notionhq/notion-mcp-server/scripts/notion-openapi.json"), "utf8"),
  ) as OpenApiDocument;

  it("answers every operation, and users/me with the description's own example", () => {
    const ops = listOperations(spec);
    expect(ops.length).toBeGreaterThan(20);
    for (const op of ops) expect(() => responseExample(spec, { operationId: op.operationId! }), op.operationId).not.toThrow();
    const self = responseExample(spec, { operationId: "get-self" });
    expect(self.source).toBe("examples");
    expect(self.body).toMatchObject({ object: "user", type: "bot", name: "pied piper" });
  });
});
