/**
 * collectDefinitions against real SDK servers linked in memory (no child process: a unit test):
 * every page read, the lists a server does not declare left out, a cursor that never ends stopped.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  type ServerCapabilities,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { collectDefinitions, MAX_LIST_PAGES } from "./collect-definitions.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

async function connect(capabilities: ServerCapabilities, setup: (s: Server) => void, instructions?: string): Promise<Client> {
  const server = new Server({ name: "t", version: "1" }, { capabilities, ...(instructions !== undefined && { instructions }) });
  setup(server);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "c", version: "1" });
  await client.connect(b);
  open.push(client, server);
  return client;
}

const tool = (name: string): Tool => ({ name, inputSchema: { type: "object" } });

describe("collectDefinitions", () => {
  it("reads every page of tools/list, and the instructions", async () => {
    const pages: Record<string, { tools: Tool[]; nextCursor?: string }> = {
      "": { tools: [tool("a"), tool("b")], nextCursor: "p2" },
      p2: { tools: [tool("c")], nextCursor: "p3" },
      p3: { tools: [tool("d")] },
    };
    const client = await connect(
      { tools: {} },
      (s) => s.setRequestHandler(ListToolsRequestSchema, async (req) => pages[req.params?.cursor ?? ""]!),
      "Be nice.",
    );
    const defs = await collectDefinitions("paged", client);
    expect(defs).toEqual({ server: "paged", instructions: "Be nice.", tools: [tool("a"), tool("b"), tool("c"), tool("d")] });
  });

  it("lists prompts and resources only when declared; a server without templates answers method-not-found, which leaves them out", async () => {
    const client = await connect({ tools: {}, prompts: {}, resources: {} }, (s) => {
      s.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [tool("a")] }));
      s.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: [{ name: "p", description: "a prompt" }] }));
      s.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: [{ uri: "x://1", name: "one" }] }));
    });
    const defs = await collectDefinitions("s", client);
    expect(defs).toEqual({ server: "s", tools: [tool("a")], prompts: [{ name: "p", description: "a prompt" }], resources: [{ uri: "x://1", name: "one" }] });

    const withTemplates = await connect({ tools: {}, resources: {} }, (s) => {
      s.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [] }));
      s.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: [] }));
      s.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: [{ uriTemplate: "x://{id}", name: "x" }] }));
    });
    expect((await collectDefinitions("s", withTemplates)).resourceTemplates).toEqual([{ uriTemplate: "x://{id}", name: "x" }]);

    const toolsOnly = await connect({ tools: {} }, (s) => s.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [] })));
    expect(await collectDefinitions("s", toolsOnly)).toEqual({ server: "s", tools: [] });
  });

  it("stops a cursor that never ends, and one that repeats, with an error saying so", async () => {
    let served = 0;
    const endless = await connect({ tools: {} }, (s) =>
      s.setRequestHandler(ListToolsRequestSchema, async () => {
        served++;
        return { tools: [tool(`t${served}`)], nextCursor: `c${served}` };
      }),
    );
    await expect(collectDefinitions("s", endless)).rejects.toThrow(`tools/list: still more pages after ${MAX_LIST_PAGES}`);
    expect(served).toBe(MAX_LIST_PAGES);

    const repeating = await connect({ tools: {} }, (s) => s.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [], nextCursor: "same" })));
    await expect(collectDefinitions("s", repeating)).rejects.toThrow('tools/list: the server returned the same cursor twice ("same")');
  });
});
