/**
 * An MCP server the harness did not start, reached by URL: a scenario's `url:` target (staging
 * behind TLS and a token) or an endpoint a compose stack publishes. The harness owns no process of
 * it (processFor gives nothing, ensureRunning does nothing, stop only closes the client's
 * connections), so process faults cannot act on it; the client-side Toxiproxy hop
 * `client-><server>` in front of it keeps the network faults working as for the harness's own
 * HTTP endpoints.
 *
 * Why the hop is taken by the fetch and not by rewriting the URL (as http-bridge.ts does for its
 * own endpoints): a deployed server is addressed by its name. Rewriting `https://staging/mcp` to
 * `https://127.0.0.1:<hop>/mcp` would change the Host header (virtual hosts, a reverse proxy's
 * routing), the TLS server name and the name the certificate is checked against. So the URL stays
 * the target's and only the TCP connection is made to the hop (undici's connector with another
 * address): TLS runs end to end through Toxiproxy, which sees bytes only.
 */
import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { Agent, buildConnector, fetch as undiciFetch } from "undici";
import { registerSecret } from "../telemetry/redact.js";
import type { HttpClientSetup, HttpEndpoint } from "./http-endpoint.js";
import type { StartedToxiproxy } from "./started.js";

/** TLS material for a remote target, already read from its files (the scenario loader reads them, exit 2 if it cannot). */
export interface RemoteTls {
  /** PEM: the CA(s) the server's certificate must chain to (instead of the system's). */
  ca?: string;
  /** PEM: client certificate and its private key, for mutual TLS. */
  cert?: string;
  key?: string;
  /** The name the server's certificate is checked against and sent as SNI, when not the URL's host. */
  servername?: string;
}

/** How the harness's client reaches a remote target: the values, not where they came from. */
export interface RemoteClientOptions {
  protocol: "streamable-http" | "sse";
  /** Sent with every request (after the harness's own, before Authorization from `bearerToken`). */
  headers?: Record<string, string>;
  /** `Authorization: Bearer <token>` on every request. Registered for redaction here. */
  bearerToken?: string;
  /** OAuth 2 client credentials: the SDK finds the authorization server from the target's metadata. Secret registered for redaction here. */
  oauth?: { clientId: string; clientSecret: string; scope?: string; issuer?: string };
  tls?: RemoteTls;
}

/** host:port of a URL, with the scheme's default port when it names none. */
export function hostPortOf(url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.hostname}:${port}`;
}

/** The URL as it may appear in outputs: no userinfo, query or fragment (where tokens are put). */
export function displayUrl(url: string | URL): string {
  const u = new URL(String(url));
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  return u.toString();
}

/** Keeps every secret of a remote target's options out of every output. */
export function registerRemoteSecrets(client: RemoteClientOptions): void {
  if (client.bearerToken) registerSecret(client.bearerToken);
  if (client.oauth) registerSecret(client.oauth.clientSecret);
  const key = client.tls?.key;
  if (key) {
    registerSecret(key);
    registerSecret(key.trim());
    // A key quoted in part (one line of an error message) is still the key: every base64 line too.
    for (const line of key.split(/\r?\n/)) if (!line.startsWith("-----") && line.trim().length >= 16) registerSecret(line.trim());
  }
}

/**
 * The endpoint a stack's `endpoints.http(server)` returns for a server at `url` that the harness did
 * not start: every request of the harness's MCP client carries `client.headers` (and the bearer
 * token), uses `client.tls`, and, when `toxiproxy` is given, connects through a new hop
 * `client-><server>` to the target's host:port. Requests to other origins (an OAuth authorization
 * server) go straight, with the same TLS trust.
 */
export async function remoteHttpEndpoint(opts: {
  server: string;
  url: string;
  client: RemoteClientOptions;
  toxiproxy?: StartedToxiproxy | undefined;
  /** Connect timeout of one TCP/TLS connection (ms); the session's start timeout bounds the rest. */
  connectTimeoutMs?: number;
}): Promise<HttpEndpoint> {
  const { server, client } = opts;
  const target = new URL(opts.url);
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`remote endpoint ${displayUrl(target)}: only http and https URLs`);
  registerRemoteSecrets(client);
  const tls = {
    ...(client.tls?.ca !== undefined && { ca: client.tls.ca }),
    ...(client.tls?.cert !== undefined && { cert: client.tls.cert }),
    ...(client.tls?.key !== undefined && { key: client.tls.key }),
    ...(client.tls?.servername !== undefined && { servername: client.tls.servername }),
  };
  const timeout = opts.connectTimeoutMs ?? 10_000;
  const hop = opts.toxiproxy ? await opts.toxiproxy.createHop(`client->${server}`, hostPortOf(target)) : undefined;
  const base = buildConnector({ ...tls, timeout });
  const viaHop: buildConnector.connector = hop
    ? (o, cb) => {
        const listen = new URL(`http://${hop.listen}`);
        // `host` stays the target's: undici derives the TLS server name from it (connect.js), so the certificate is checked against the target's name.
        base({ ...o, hostname: listen.hostname, port: listen.port }, cb);
      }
    : base;
  const toTarget = new Agent({ connect: viaHop });
  const elsewhere = new Agent({ connect: { ...tls, timeout } });
  const fetch: FetchLike = (url, init) => {
    const u = new URL(String(url));
    const dispatcher = u.origin === target.origin ? toTarget : elsewhere;
    // undici's own fetch (its Agent is not the one inside Node's global fetch); its Response is the web one.
    return undiciFetch(u, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;
  };
  const headers: Record<string, string> = { ...(client.headers ?? {}) };
  if (client.bearerToken) headers.authorization = `Bearer ${client.bearerToken}`;
  const setup: HttpClientSetup = {
    protocol: client.protocol,
    headers,
    fetch,
    ...(client.oauth && {
      authProvider: new ClientCredentialsProvider({
        clientId: client.oauth.clientId,
        clientSecret: client.oauth.clientSecret,
        ...(client.oauth.scope !== undefined && { scope: client.oauth.scope }),
        // With an issuer, the SDK presents the credentials to that authorization server only, whatever the target advertises.
        ...(client.oauth.issuer !== undefined && { expectedIssuer: client.oauth.issuer }),
      }),
    }),
  };
  return {
    server,
    kind: "remote",
    url: target.toString(),
    directUrl: target.toString(),
    client: setup,
    processFor: () => undefined,
    ensureRunning: async () => undefined,
    stop: async () => {
      // The hop is the stack's Toxiproxy's, removed with it; the connections are ours.
      await Promise.allSettled([toTarget.destroy(), elsewhere.destroy()]);
    },
  };
}
