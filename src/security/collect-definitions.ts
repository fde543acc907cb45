/**
 * What a server tells an agent about itself, as the agent's model reads it: the `instructions` of
 * its initialize answer, every page of tools/list, and prompts/list, resources/list and
 * resources/templates/list when its capabilities declare them. These texts go into the model's
 * context unchecked, which is why tool-definitions.ts inspects them and pins them.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ErrorCode, McpError, type Prompt, type Resource, type ResourceTemplate, type Tool } from "@modelcontextprotocol/sdk/types.js";

/** One server's self-description, as listed (the SDK's shapes, nothing dropped). */
export interface ServerDefinitions {
  server: string;
  /** `instructions` of the initialize answer, when given. */
  instructions?: string;
  tools: Tool[];
  /** Absent when the server does not declare the capability (not the same as an empty list). */
  prompts?: Prompt[];
  resources?: Resource[];
  resourceTemplates?: ResourceTemplate[];
}

/**
 * Most pages followed for one list: a server whose cursors never end must not keep the scan
 * forever. Catalog servers answer in one page; GitHub's is the longest at about 40 tools.
 */
export const MAX_LIST_PAGES = 50;

/** Deadline of each list request. */
const LIST_TIMEOUT_MS = 20_000;

async function allPages<T>(what: string, list: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const answer = await list(cursor);
    items.push(...answer.items);
    if (answer.nextCursor === undefined || answer.nextCursor === "") return items;
    if (answer.nextCursor === cursor) throw new Error(`${what}: the server returned the same cursor twice (${JSON.stringify(cursor)})`);
    cursor = answer.nextCursor;
  }
  throw new Error(`${what}: still more pages after ${MAX_LIST_PAGES}; the list is not read to its end`);
}

/** The definitions `client` (connected to `server`) is offered. */
export async function collectDefinitions(server: string, client: Client): Promise<ServerDefinitions> {
  const options = { timeout: LIST_TIMEOUT_MS };
  const capabilities = client.getServerCapabilities() ?? {};
  const instructions = client.getInstructions();
  const tools = await allPages("tools/list", async (cursor) => {
    const r = await client.listTools(cursor === undefined ? {} : { cursor }, options);
    return { items: r.tools, nextCursor: r.nextCursor };
  });
  const result: ServerDefinitions = { server, ...(instructions !== undefined && { instructions }), tools };
  if (capabilities.prompts) {
    result.prompts = await allPages("prompts/list", async (cursor) => {
      const r = await client.listPrompts(cursor === undefined ? {} : { cursor }, options);
      return { items: r.prompts, nextCursor: r.nextCursor };
    });
  }
  if (capabilities.resources) {
    result.resources = await allPages("resources/list", async (cursor) => {
      const r = await client.listResources(cursor === undefined ? {} : { cursor }, options);
      return { items: r.resources, nextCursor: r.nextCursor };
    });
    // The capability does not say whether templates are served; a server without them answers "method not found".
    try {
      result.resourceTemplates = await allPages("resources/templates/list", async (cursor) => {
        const r = await client.listResourceTemplates(cursor === undefined ? {} : { cursor }, options);
        return { items: r.resourceTemplates, nextCursor: r.nextCursor };
      });
    } catch (err) {
      if (!(err instanceof McpError && err.code === ErrorCode.MethodNotFound)) throw err;
    }
  }
  return result;
}
