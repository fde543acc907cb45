/**
 * What an MCP session over Streamable HTTP needs to know of the endpoint it talks to. Its own
 * module, below both sides: mcp-session.ts connects to an HttpEndpoint, http-bridge.ts implements
 * it (and launches servers with mcp-session's serverLaunch).
 */
import type { ManagedProcess } from "./managed-process.js";

/** Header the harness's client sends on initialize: the agent id, for the child's name and {{agent}}. */
export const AGENT_HEADER = "x-mcp-slo-agent";

/** Where a server answers MCP over Streamable HTTP, and which process serves a given session. */
export interface HttpEndpoint {
  readonly server: string;
  readonly kind: "bridge" | "native";
  /** The URL clients use: through Toxiproxy's `client->${server}` hop when proxied. */
  url: string;
  /** The endpoint itself, 127.0.0.1, not proxied. */
  readonly directUrl: string;
  /** The process behind an MCP session: its own child (bridge) or the shared server (native). */
  processFor(sessionId: string): ManagedProcess | undefined;
  /** A native server that died (a fault) is started again on the same port; a no-op for the bridge. */
  ensureRunning(): Promise<void>;
  stop(): Promise<void>;
}
