/**
 * What an MCP session over HTTP needs to know of the endpoint it talks to. Its own module, below
 * both sides: mcp-session.ts connects to an HttpEndpoint; http-bridge.ts implements it for the
 * servers the harness starts (bridge, native), remote-endpoint.ts for a server it did not start
 * (a scenario's `url:` target, a compose stack's published endpoint).
 */
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { ManagedProcess } from "./managed-process.js";

/** Header the harness's client sends on initialize: the agent id, for the child's name and {{agent}}. */
export const AGENT_HEADER = "x-mcp-slo-agent";

/**
 * How the harness's client speaks to a remote endpoint: the MCP HTTP transport, the headers every
 * request carries (the bearer token among them), the fetch that reaches it (TLS options, the
 * client-side Toxiproxy hop) and an OAuth provider when the server asks for client credentials.
 */
export interface HttpClientSetup {
  /** "streamable-http" (MCP 2025-03-26 and later) or "sse": the older HTTP+SSE transport (2024-11-05). */
  protocol: "streamable-http" | "sse";
  headers: Record<string, string>;
  fetch?: FetchLike;
  authProvider?: OAuthClientProvider;
}

/** Where a server answers MCP over HTTP, and which process serves a given session. */
export interface HttpEndpoint {
  readonly server: string;
  /** bridge, native: started by the harness. remote: the harness started nothing and owns no process of it. */
  readonly kind: "bridge" | "native" | "remote";
  /**
   * The URL clients use: through Toxiproxy's `client->${server}` hop when proxied. For a remote
   * endpoint it is the target's own URL (Host header, TLS server name and certificate check stay the
   * target's); its `client.fetch` is what connects through the hop.
   */
  url: string;
  /** The endpoint itself, not proxied (bridge, native: on 127.0.0.1). */
  readonly directUrl: string;
  /** remote: how to talk to it. Unset: plain Streamable HTTP, no extra headers (the harness's own endpoints). */
  readonly client?: HttpClientSetup;
  /** The process behind an MCP session: its own child (bridge), the shared server (native), none (remote). */
  processFor(sessionId: string): ManagedProcess | undefined;
  /** A native server that died (a fault) is started again on the same port; a no-op for the bridge and a remote. */
  ensureRunning(): Promise<void>;
  stop(): Promise<void>;
}
