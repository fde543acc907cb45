import { describe, expect, it } from "vitest";
import { MCP_METHODS, declaresMethod } from "./mcp-methods.js";

describe("declaresMethod: a method against the capabilities of an initialize result", () => {
  it("the reference server's declaration covers every method", () => {
    // What @modelcontextprotocol/server-everything declares (its McpServer adds completions for its completable prompt).
    const everything = {
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      logging: {},
      completions: {},
    };
    for (const m of MCP_METHODS) expect(declaresMethod(everything, m), m).toBe(true);
  });

  it("resources without subscribe: reads yes, subscriptions no; no prompts, no completions; ping always", () => {
    const memory = { tools: {}, resources: {} };
    expect(declaresMethod(memory, "resources/read")).toBe(true);
    expect(declaresMethod(memory, "resources/templates/list")).toBe(true);
    expect(declaresMethod(memory, "resources/subscribe")).toBe(false);
    expect(declaresMethod(memory, "prompts/list")).toBe(false);
    expect(declaresMethod(memory, "completion/complete")).toBe(false);
    expect(declaresMethod(memory, "ping")).toBe(true);
    expect(declaresMethod(undefined, "tools/list")).toBe(false);
    expect(declaresMethod(undefined, "ping")).toBe(true);
  });
});
