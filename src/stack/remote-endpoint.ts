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
import { readFileSync } from "node:fs";
import net, { isIP } from "node:net";
import tls from "node:tls";
import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import type { OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { Agent, buildConnector, fetch as undiciFetch } from "undici";
import type { RemoteTarget } from "../contracts/server-definition.js";
import { HarnessError } from "../errors.js";
import { registerSecret } from "../telemetry/redact.js";
import type { HttpClientSetup, HttpEndpoint } from "./http-endpoint.js";
import type { StartedToxiproxy } from "./started.js";
import { isLoopbackHost } from "../util/loopback.js";

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

/**
 * The values a `url:` server's definition names: its secrets from the environment, its TLS files
 * read. The scenario loader checked all of it (exit 2 at validation); this says it again, as
 * invalid input, for what changed since (a variable unset, a file removed) and registers every
 * secret before anything could print it.
 */
export function readRemoteClient(server: string, remote: RemoteTarget): RemoteClientOptions {
  const env = (name: string, what: string): string => {
    const value = process.env[name];
    if (value === undefined || value === "")
      throw new HarnessError("invalid_input", `server "${server}": the environment variable ${name} (${what}) is not set`, {
        hint: `export ${name}=... before the run`,
      });
    return value;
  };
  const file = (f: string | undefined, what: string): string | undefined => {
    if (f === undefined) return undefined;
    try {
      return readFileSync(f, "utf8");
    } catch (err) {
      throw new HarnessError(
        "invalid_input",
        `server "${server}": cannot read its ${what} ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  };
  const client: RemoteClientOptions = {
    protocol: remote.transport,
    headers: remote.headers,
    ...(remote.bearerEnv !== undefined && { bearerToken: env(remote.bearerEnv, "its bearer token") }),
    ...(remote.oauth && {
      oauth: {
        clientId: env(remote.oauth.clientIdEnv, "its OAuth client id"),
        clientSecret: env(remote.oauth.clientSecretEnv, "its OAuth client secret"),
        ...(remote.oauth.scope !== undefined && { scope: remote.oauth.scope }),
        ...(remote.oauth.issuer !== undefined && { issuer: remote.oauth.issuer }),
      },
    }),
  };
  const t = remote.tls;
  if (t) {
    const ca = file(t.ca, "tls.ca");
    const cert = file(t.cert, "tls.cert");
    const key = file(t.key, "tls.key");
    client.tls = {
      ...(ca !== undefined && { ca }),
      ...(cert !== undefined && { cert }),
      ...(key !== undefined && { key }),
      ...(t.servername !== undefined && { servername: t.servername }),
    };
  }
  registerRemoteSecrets(client);
  return client;
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
  // Header values are where API keys go (x-api-key): all of them, like a custom server's env.
  for (const v of Object.values(client.headers ?? {})) registerSecret(v);
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
 * One connection to `connectTo` (the hop or the target) as the client makes them, watched: what a
 * request's "other side closed" hides. Under TLS 1.3 a server that refuses the client certificate
 * does so after the client's handshake completed, by closing: the client sees no alert, only the
 * close, so "handshake completed, then closed at once" is the sign.
 */
function diagnoseClose(
  connectTo: { host: string; port: number },
  target: URL,
  tlsOptions: tls.ConnectionOptions,
  timeoutMs: number,
): Promise<string | undefined> {
  const https = target.protocol === "https:";
  const where = hostPortOf(target);
  return new Promise((resolve) => {
    let shook = false;
    let settled = false;
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    // Open this long after the handshake (or connect): the server keeps it, so a close was about the requests.
    const quiet = Math.min(1000, timeoutMs);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const socket = https
      ? tls.connect({
          ...tlsOptions,
          host: connectTo.host,
          port: connectTo.port,
          ...(tlsOptions.servername === undefined && !isIP(target.hostname) && { servername: target.hostname }),
        })
      : net.connect({ host: connectTo.host, port: connectTo.port });
    socket.on(https ? "secureConnect" : "connect", () => {
      shook = true;
      setTimeout(() => done(undefined), quiet).unref();
    });
    socket.on("error", (err: NodeJS.ErrnoException) =>
      done(`${shook ? "after" : "during"} the ${https ? "TLS handshake" : "connection"}: ${err.code ?? ""} ${err.message}`.trim()),
    );
    socket.on("close", () =>
      done(
        shook
          ? https
            ? tlsOptions.cert
              ? "the TLS handshake completed and the server closed the connection at once: under TLS 1.3 that is how a server refuses a client certificate (check tls.cert and tls.key against the CA it trusts)"
              : "the TLS handshake completed and the server closed the connection at once: it may require a client certificate (tls.cert and tls.key)"
            : `the connection was closed at once, before anything was sent: nothing listening at ${where}? (through Toxiproxy's hop a refused connection reads as a close)`
          : `the connection was closed before ${https ? "the TLS handshake" : "any answer"}: nothing listening at ${where}? (through Toxiproxy's hop a refused connection reads as a close)`,
      ),
    );
  });
}

/** Client credentials whose access tokens, once issued, are kept out of every output like the secret that got them. */
class RedactingClientCredentials extends ClientCredentialsProvider {
  override saveTokens(tokens: OAuthTokens): void {
    registerSecret(tokens.access_token);
    if (tokens.refresh_token) registerSecret(tokens.refresh_token);
    super.saveTokens(tokens);
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
  // A token in the query (?key=...) is a token too: outputs show the URL without its query, and any other text loses these values.
  for (const [, v] of target.searchParams) registerSecret(v);
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
  const issuer = client.oauth?.issuer === undefined ? undefined : new URL(client.oauth.issuer).origin;
  const fetch: FetchLike = async (url, init) => {
    const u = new URL(String(url));
    const own = u.origin === target.origin;
    // The target's metadata may point anywhere (its authorization server): off loopback, only where the scenario said (its issuer, checked against --allow-hosts).
    if (!own && !isLoopbackHost(u.hostname) && u.origin !== issuer)
      throw new Error(
        `refusing to send a request to ${u.origin} (the server pointed there): it is off loopback and not the scenario's auth.oauth.issuer; name it as the issuer and allow its host with --allow-hosts`,
      );
    const dispatcher = own ? toTarget : elsewhere;
    // undici's own fetch: Node's global fetch is a bundled undici whose Agent is not exported.
    const res = await undiciFetch(u, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1]);
    // Handed on as the global Response: the SDK tells a Response from a string by `instanceof Response`
    // (its OAuth error parsing read "[object Response]" from undici's own class). The body stream is the same.
    const headers = new Headers();
    res.headers.forEach((value, name) => {
      headers.append(name, value);
    });
    const nullBody = res.status === 101 || res.status === 204 || res.status === 205 || res.status === 304;
    return new Response(nullBody ? null : (res.body as ReadableStream<Uint8Array> | null), { status: res.status, statusText: res.statusText, headers });
  };
  const headers: Record<string, string> = { ...(client.headers ?? {}) };
  if (client.bearerToken) headers.authorization = `Bearer ${client.bearerToken}`;
  const setup: HttpClientSetup = {
    protocol: client.protocol,
    headers,
    fetch,
    ...(hop && { hop: hop.name }),
    diagnose: (ms) => {
      const via = hop ? new URL(`http://${hop.listen}`) : undefined;
      const port = via ? Number(via.port) : Number(hostPortOf(target).split(":").pop());
      return diagnoseClose({ host: via?.hostname ?? target.hostname.replace(/^\[(.*)\]$/, "$1"), port }, target, tls, ms);
    },
    ...(client.oauth && {
      authProvider: new RedactingClientCredentials({
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
