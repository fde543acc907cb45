/**
 * The per-call path of an MCP session over Streamable HTTP, lean enough that the latency measured is
 * the server's, not the client's (issue 16: on the SDK's own transport about 2 ms of every sample at
 * 200 calls/s was the client: WHATWG fetch, Headers objects, and its answer piped through
 * TextDecoderStream and EventSourceParserStream web streams, then every message checked against the
 * full JSON-RPC union schema).
 *
 * What stays the SDK's: the Client and its Protocol (request ids, the deadline, cancellation, the
 * result's schema check, output-schema validation, notifications to handlers), and this class is the
 * SDK's StreamableHTTPClientTransport for everything but a request's POST: initialize (it learns
 * the session id and protocol version), notifications, the standalone GET event stream, resumption,
 * DELETE at close. A request on an established session is sent here instead:
 *  - one keep-alive connection pool (undici's dispatcher API, Node streams, no fetch) per origin,
 *    shared by every session of the process, as k6 and autocannon keep theirs;
 *  - the headers the SDK would send (session id, protocol version, the endpoint's own headers);
 *  - an answer of application/json parsed once; text/event-stream parsed with eventsource-parser's
 *    callback parser only then, each event's message handed to the Protocol as it arrives (progress
 *    and log notifications before the result, as on the SDK's path);
 *  - a message is checked for the JSON-RPC shape the Protocol routes by (a request, notification,
 *    result or error), not against the SDK's whole zod union: the Protocol checks the result it
 *    waits for against its method's own schema anyway, so a broken answer is still a protocol error.
 * Failures read as they do on the SDK's path: an HTTP error status is the SDK's StreamableHTTPError
 * with the status and the body's text, a refused or closed connection is the socket's own error, and
 * the Protocol turns a rejected send into the call's failure.
 *
 * Used only where the SDK's transport would use plain fetch: an endpoint with its own fetch (TLS
 * options, a client-side hop) or an OAuth provider keeps the SDK's path (src/stack/mcp-session.ts).
 */
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { setMaxListeners } from "node:events";
import { StringDecoder } from "node:string_decoder";
import { createParser } from "eventsource-parser";
import { Agent, type Dispatcher } from "undici";

/**
 * One pool for every lean session of the process: keep-alive connections are reused across calls and
 * sessions, one per call in flight (no pipelining: an MCP answer may be a long event stream).
 * Never closed explicitly: its idle sockets close after keepAliveTimeout and are unref'd.
 */
let sharedDispatcher: Agent | undefined;
function dispatcher(): Agent {
  sharedDispatcher ??= new Agent({ pipelining: 1, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 });
  return sharedDispatcher;
}

/** A parsed value that has the shape of a JSON-RPC 2.0 message the Protocol can route. */
function isJsonRpcMessage(v: unknown): v is JSONRPCMessage {
  if (typeof v !== "object" || v === null) return false;
  const m = v as { jsonrpc?: unknown; id?: unknown; method?: unknown; result?: unknown; error?: unknown };
  if (m.jsonrpc !== "2.0") return false;
  if (typeof m.method === "string") return true;
  const id = typeof m.id === "string" || typeof m.id === "number";
  // An error to a request the server could not read may carry no id.
  return (id && typeof m.result === "object" && m.result !== null) || (typeof m.error === "object" && m.error !== null);
}

export class LeanStreamableHttpTransport extends StreamableHTTPClientTransport {
  private readonly leanUrl: URL;
  private readonly origin: string;
  private readonly path: string;
  private readonly extraHeaders: Record<string, string>;
  /** Aborts the POSTs in flight when the session closes. */
  private readonly inFlight = new AbortController();

  constructor(url: URL, opts: { headers: Record<string, string> }) {
    super(url, { requestInit: { headers: opts.headers } });
    // Each POST in flight listens for the close; the open model may have thousands in flight on one session.
    setMaxListeners(0, this.inFlight.signal);
    this.leanUrl = url;
    this.origin = url.origin;
    this.path = `${url.pathname}${url.search}`;
    // Lower-case names: header names are case-insensitive, and the SDK's own would win over a duplicate.
    this.extraHeaders = Object.fromEntries(Object.entries(opts.headers).map(([k, v]) => [k.toLowerCase(), v]));
  }

  override async send(message: JSONRPCMessage | JSONRPCMessage[], options?: TransportSendOptions): Promise<void> {
    const sessionId = this.sessionId;
    // Initialize (no session yet), notifications, answers to the server's requests, batches and resumption: the SDK's path.
    if (sessionId === undefined || Array.isArray(message) || !("method" in message) || !("id" in message) || options?.resumptionToken) {
      return super.send(message, options);
    }
    try {
      await this.post(message, sessionId);
    } catch (err) {
      this.onerror?.(err as Error);
      throw err;
    }
  }

  override async close(): Promise<void> {
    this.inFlight.abort();
    await super.close();
  }

  private async post(message: JSONRPCMessage, sessionId: string): Promise<void> {
    const headers: Record<string, string> = {
      ...this.extraHeaders,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
    };
    const version = this.protocolVersion;
    if (version !== undefined) headers["mcp-protocol-version"] = version;
    const res = await dispatcher().request({
      origin: this.origin,
      path: this.path,
      method: "POST",
      headers,
      body: JSON.stringify(message),
      signal: this.inFlight.signal,
      // The Protocol's deadline ends the call; these only bound a socket nobody waits on any more.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    if (res.statusCode < 200 || res.statusCode > 299) {
      const text = await res.body.text().catch(() => "");
      throw new StreamableHTTPError(res.statusCode, `Error POSTing to endpoint: ${text}`);
    }
    if (res.statusCode === 202) {
      await res.body.dump();
      return;
    }
    const type = mediaType(res.headers["content-type"]);
    if (type === "application/json") {
      const data: unknown = JSON.parse(await res.body.text());
      for (const m of Array.isArray(data) ? data : [data]) this.deliver(m);
    } else if (type === "text/event-stream") {
      // Not awaited, as on the SDK's path: send() resolves once the answer started; its messages follow.
      void this.readEvents(res.body);
    } else {
      await res.body.dump();
      throw new StreamableHTTPError(-1, `Unexpected content type: ${String(res.headers["content-type"])}`);
    }
  }

  private async readEvents(body: Dispatcher.ResponseData["body"]): Promise<void> {
    const parser = createParser({
      onEvent: (event) => {
        if (event.event !== undefined && event.event !== "message") return;
        if (event.data === "") return;
        try {
          this.deliver(JSON.parse(event.data));
        } catch (err) {
          this.onerror?.(new Error(`SSE message from ${this.leanUrl.href} is not JSON: ${(err as Error).message}`));
        }
      },
    });
    try {
      // Decoded here, not by setEncoding (undici's body stream ignores it); a character split across chunks waits for the next.
      const decoder = new StringDecoder("utf8");
      for await (const chunk of body) parser.feed(decoder.write(chunk as Buffer));
    } catch (err) {
      // The stream broke before its answer: the Protocol's deadline (or close) ends the call, as on the SDK's path.
      if (!this.inFlight.signal.aborted) this.onerror?.(new Error(`SSE stream disconnected: ${(err as Error).message}`));
    }
  }

  private deliver(m: unknown): void {
    if (isJsonRpcMessage(m)) this.onmessage?.(m);
    else this.onerror?.(new Error(`not a JSON-RPC message from ${this.leanUrl.href}: ${JSON.stringify(m).slice(0, 200)}`));
  }
}

/** "text/event-stream; charset=utf-8" -> "text/event-stream". */
function mediaType(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? "").split(";")[0]!.trim().toLowerCase();
}
