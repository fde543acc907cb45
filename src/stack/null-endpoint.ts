/**
 * The null endpoint (./null-mcp-server.mjs): an MCP server that answers at once with a canned
 * result, started as its own process on loopback or stdio. A session to it goes through exactly
 * the harness's session code (startSession, the native HTTP endpoint, the lean HTTP transport, the
 * managed stdio transport), so a call's latency against it is what the harness's own client adds to
 * every sample, plus the loopback hop and the cheapest answer a server can give.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { NativeHttpServer } from "./http-bridge.js";
import { startSession, type McpSession } from "./mcp-session.js";
import type { ResourceRegistry } from "./resource-registry.js";

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "null-mcp-server.mjs");

/** The tool the null endpoint offers, and its arguments (ignored). */
export const NULL_TOOL = "echo";

export const NULL_ENDPOINT: ServerDefinition = {
  name: "null-endpoint",
  title: "null endpoint (a canned answer, for the client's own cost)",
  package: "custom",
  command: "node",
  args: [SCRIPT, "stdio"],
  env: {},
  needs: [],
  transport: "stdio",
  http: { args: [SCRIPT, "http"], portEnv: "MCP_SLO_NULL_PORT", path: "/mcp" },
  tools: [NULL_TOOL],
  // Nothing secret is handed to it: its script path and mode may be shown.
  public: { env: true, args: true },
};

export interface NullSession {
  session: McpSession;
  stop(): Promise<void>;
}

/** One session to a fresh null endpoint over `transport`; `workdir` is its working directory. */
export async function startNullSession(opts: {
  transport: "stdio" | "http";
  registry: ResourceRegistry;
  workdir: string;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<NullSession> {
  const base = { sandbox: opts.workdir, workdir: opts.workdir };
  if (opts.transport === "stdio") {
    const session = await startSession({
      def: NULL_ENDPOINT,
      agent: 0,
      endpoints: base,
      registry: opts.registry,
      timeoutMs: opts.timeoutMs,
      ...(opts.signal && { signal: opts.signal }),
    });
    return { session, stop: () => session.close() };
  }
  const endpoint = await NativeHttpServer.start({ def: NULL_ENDPOINT, endpoints: base, registry: opts.registry, timeoutMs: opts.timeoutMs });
  try {
    const session = await startSession({
      def: NULL_ENDPOINT,
      agent: 0,
      endpoints: { ...base, http: (server) => (server === NULL_ENDPOINT.name ? endpoint : undefined) },
      registry: opts.registry,
      timeoutMs: opts.timeoutMs,
      ...(opts.signal && { signal: opts.signal }),
    });
    return {
      session,
      stop: async () => {
        await session.close();
        await endpoint.stop();
      },
    };
  } catch (err) {
    await endpoint.stop();
    throw err;
  }
}
