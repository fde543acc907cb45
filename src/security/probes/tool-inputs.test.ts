import { readFileSync } from "node:fs";
import path from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../project-root.js";
import {
  buildArguments,
  claimsReadOnly,
  pathProperties,
  pickTools,
  sampleValue,
  sqlProperties,
  stringProperties,
  urlProperties,
  writes,
  wrongTypeValue,
} from "./tool-inputs.js";

const tool = (name: string, inputSchema: Record<string, unknown>, annotations?: Tool["annotations"]): Tool =>
  ({ name, inputSchema: { type: "object", ...inputSchema }, ...(annotations && { annotations }) }) as Tool;
/** A catalog server's tools as captured (test/fixtures/tool-definitions, scripts/capture-tool-definitions.ts). */
const tools = (server: string) =>
  (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "test", "fixtures", "tool-definitions", `${server}.json`), "utf8")) as { definitions: { tools: Tool[] } })
    .definitions.tools;
const byName = (list: Tool[], name: string) => list.find((t) => t.name === name)!;

describe("what the probes read from a tool definition", () => {
  it("finds path properties by name, strings and arrays of strings alike, in the captured filesystem tools", () => {
    const fs = tools("filesystem");
    expect(pathProperties(byName(fs, "read_text_file"))).toEqual(["path"]);
    expect(pathProperties(byName(fs, "read_multiple_files"))).toEqual(["paths"]);
    expect(pathProperties(byName(fs, "move_file"))).toEqual(["source", "destination"]);
    expect(pathProperties(byName(fs, "list_allowed_directories"))).toEqual([]);
    // excludePatterns is an array of strings but not a path
    expect(pathProperties(byName(fs, "search_files"))).toEqual(["path"]);
  });

  it("takes SQL from sql properties, and from `query` only when the tool speaks of SQL", () => {
    expect(sqlProperties(byName(tools("postgres"), "query"))).toEqual(["sql"]);
    expect(sqlProperties(byName(tools("github"), "search_code"))).toEqual([]);
    expect(sqlProperties(tool("run", { properties: { query: { type: "string" } } }))).toEqual([]);
    expect(sqlProperties({ ...tool("run", { properties: { query: { type: "string" } } }), description: "Runs a SQL query" })).toEqual(["query"]);
  });

  it("finds URL properties by format or name, in the captured catalog tools", () => {
    expect(urlProperties(byName(tools("everything"), "gzip-file-as-resource"))).toEqual(["data"]);
    expect(urlProperties(byName(tools("firecrawl"), "firecrawl_scrape"))).toEqual(["url"]);
    expect(urlProperties(byName(tools("firecrawl"), "firecrawl_find_tools"))).toEqual(["urls"]);
    expect(urlProperties(byName(tools("firecrawl"), "firecrawl_monitor_create"))).toEqual(["webhookUrl"]);
    // a boolean about URLs is not one
    expect(urlProperties(byName(tools("firecrawl"), "firecrawl_crawl"))).toEqual(["url"]);
    expect(urlProperties(byName(tools("filesystem"), "read_text_file"))).toEqual([]);
  });

  it("judges writing by the annotation first, then by the name", () => {
    const fs = tools("filesystem");
    expect(writes(byName(fs, "write_file"))).toBe(true);
    expect(writes(byName(fs, "read_file"))).toBe(false);
    expect(claimsReadOnly(byName(fs, "read_file"))).toBe(true);
    expect(writes(tool("create_thing", {}))).toBe(true);
    expect(writes(tool("fetch", {}))).toBe(false);
    // an annotation wins over the name
    expect(writes(tool("update_view", {}, { readOnlyHint: true }))).toBe(false);
  });

  it("free-text properties leave out enums, numbers and arrays of objects", () => {
    const t = tool("t", {
      properties: {
        a: { type: "string" },
        b: { type: "string", enum: ["x"] },
        c: { type: "number" },
        d: { type: "array", items: { type: "string" } },
        e: { type: "array", items: { type: "object" } },
      },
    });
    expect(stringProperties(t)).toEqual(["a", "d"]);
  });

  it("builds arguments the schema accepts: required ones always, the probe's values where it says", () => {
    const t = tool("t", {
      properties: {
        path: { type: "string" },
        head: { type: "number" },
        mode: { type: "string", enum: ["fast", "slow"] },
        edits: { type: "array", items: { type: "object", properties: { oldText: { type: "string" } }, required: ["oldText"] } },
        flag: { anyOf: [{ type: "null" }, { type: "boolean" }] },
        optional: { type: "string" },
      },
      required: ["path", "head", "mode", "edits", "flag"],
    });
    expect(buildArguments(t, (name) => (name === "path" ? "../x" : undefined))).toEqual({
      path: "../x",
      head: 1,
      mode: "fast",
      edits: [{ oldText: "mcp-slo-probe" }],
      flag: false,
    });
    expect(sampleValue({ type: "integer", minimum: 5 }, 0)).toBe(5);
    expect(sampleValue({ type: "string", default: "d" }, 0)).toBe("d");
  });

  it("gives every JSON type a value of another type", () => {
    for (const type of ["string", "number", "integer", "boolean", "array", "object"]) {
      const wrong = wrongTypeValue({ type });
      const actual = Array.isArray(wrong) ? "array" : typeof wrong === "number" ? (type === "integer" ? "x" : "number") : typeof wrong;
      expect(actual, type).not.toBe(type);
    }
  });

  it("picks at most n tools, the most promising first, ties by name", () => {
    const list = [tool("b", {}), tool("a", {}), tool("c", {})];
    const score = (t: Tool) => ({ a: 1, b: 1, c: 2 })[t.name as "a"];
    expect(pickTools(list, score, 2).map((t) => t.name)).toEqual(["c", "a"]);
    expect(pickTools(list, () => 0, 5)).toEqual([]);
  });
});
