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
 *  - one keep-alive connection pool (undici's dispatch handler API: no fetch, no body stream) per origin,
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
  /** The POSTs in flight (their answers included), aborted when the session closes. */
  private readonly requests = new Set<Dispatcher.DispatchController>();
  private closing = false;

  constructor(url: URL, opts: { headers: Record<string, string> }) {
    super(url, { requestInit: { headers: opts.headers } });
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
    this.closing = true;
    const closed = new Error("the session was closed");
    for (const c of this.requests) c.abort(closed);
    this.requests.clear();
    await super.close();
  }

  /**
   * One POST on undici's dispatch handler API: the answer's bytes come straight to the handler, with
   * no Readable body stream, async iterator or AbortSignal listener per call (measured on the null
   * endpoint, old and new interleaved: median client CPU per call 299 -> 253 us against request() and its body stream).
   * Resolves once an event stream's headers arrived (its messages are delivered as they are parsed)
   * or once a JSON answer was delivered; rejects on an error status, an unreadable answer or a
   * broken connection before the answer started.
   */
  private post(message: JSONRPCMessage, sessionId: string): Promise<void> {
    const headers: Record<string, string> = {
      ...this.extraHeaders,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
    };
    const version = this.protocolVersion;
    if (version !== undefined) headers["mcp-protocol-version"] = version;
    if (this.closing) return Promise.reject(new Error("the session was closed"));
    return new Promise<void>((resolve, reject) => {
      dispatcher().dispatch(
        {
          origin: this.origin,
          path: this.path,
          method: "POST",
          headers,
          body: JSON.stringify(message),
          // The Protocol's deadline ends the call; these only bound a socket nobody waits on any more.
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        new PostAnswer(this, resolve, reject),
      );
    });
  }

  /** Whether close() was called: a POST that waited for a connection meanwhile ends at once (PostAnswer). */
  get isClosing(): boolean {
    return this.closing;
  }

  /** A POST went out (PostAnswer): close() aborts it until its answer ended. */
  track(c: Dispatcher.DispatchController): void {
    this.requests.add(c);
  }

  /** A POST's answer ended, or broke off (PostAnswer). */
  untrack(c: Dispatcher.DispatchController): void {
    this.requests.delete(c);
  }

  /** An event stream's parser: each message event's data, parsed as JSON, is delivered as it completes. */
  eventReader(): EventReader {
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
    // A character split across chunks waits for the next.
    const decoder = new StringDecoder("utf8");
    return {
      feed: (chunk) => parser.feed(decoder.write(chunk)),
      end: () => parser.feed(decoder.end()),
    };
  }

  /** One parsed message of an answer, to the Protocol if it has a JSON-RPC message's shape. */
  deliver(m: unknown): void {
    if (isJsonRpcMessage(m)) this.onmessage?.(m);
    else this.onerror?.(new Error(`not a JSON-RPC message from ${this.leanUrl.href}: ${JSON.stringify(m).slice(0, 200)}`));
  }
}

type EventReader = { feed: (chunk: Buffer) => void; end: () => void };

/**
 * One POST's answer, as undici's dispatch handler: it resolves or rejects the transport's send.
 * A class, not an object literal of arrow functions: the harness runs its TypeScript through tsx,
 * whose esbuild keeps function names by wrapping every named arrow function in a defineProperty call
 * when it is made, six for each POST's handler; a class's methods are named once, when the module
 * loads (measured on the null endpoint, 5 runs of 5000 calls each, old and new interleaved: median
 * harness CPU per call 329 -> 298 us, p50 0.263 -> 0.248 ms).
 */
class PostAnswer implements Dispatcher.DispatchHandler {
  private status = 0;
  private answer: "error" | "accepted" | "json" | "events" | "other" = "other";
  private contentType: string | string[] | undefined;
  private readonly body: Buffer[] = [];
  private events: EventReader | undefined;
  private controller: Dispatcher.DispatchController | undefined;

  constructor(
    private readonly transport: LeanStreamableHttpTransport,
    private readonly resolve: () => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.controller = c;
    // A POST that waited for a connection while the session closed ends now.
    if (this.transport.isClosing) c.abort(new Error("the session was closed"));
    else this.transport.track(c);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, responseHeaders: Record<string, string | string[] | undefined>): void {
    this.status = statusCode;
    this.contentType = responseHeaders["content-type"];
    const type = mediaType(this.contentType);
    if (statusCode < 200 || statusCode > 299) this.answer = "error";
    else if (statusCode === 202) this.answer = "accepted";
    else if (type === "application/json") this.answer = "json";
    else if (type === "text/event-stream") {
      this.answer = "events";
      this.events = this.transport.eventReader();
      // As on the SDK's path: send() resolves once the answer started; its messages follow.
      this.resolve();
    }
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.answer === "events") this.events!.feed(chunk);
    else if (this.answer === "json" || this.answer === "error") this.body.push(chunk);
  }

  onResponseEnd(): void {
    if (this.controller) this.transport.untrack(this.controller);
    switch (this.answer) {
      case "events":
        this.events!.end();
        return;
      case "accepted":
        this.resolve();
        return;
      case "error":
        this.reject(new StreamableHTTPError(this.status, `Error POSTing to endpoint: ${this.text()}`));
        return;
      case "json": {
        let data: unknown;
        try {
          data = JSON.parse(this.text());
        } catch (err) {
          this.reject(err);
          return;
        }
        for (const m of Array.isArray(data) ? data : [data]) this.transport.deliver(m);
        this.resolve();
        return;
      }
      case "other":
        this.reject(new StreamableHTTPError(-1, `Unexpected content type: ${String(this.contentType)}`));
        return;
    }
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.controller) this.transport.untrack(this.controller);
    // The stream broke after its answer started: the Protocol's deadline (or close) ends the call, as on the SDK's path.
    if (this.answer === "events") {
      if (!this.transport.isClosing) this.transport.onerror?.(new Error(`SSE stream disconnected: ${err.message}`));
    } else this.reject(err);
  }

  /** The answer's body, decoded whole, not chunk by chunk: a character split across chunks stays whole. */
  private text(): string {
    return Buffer.concat(this.body).toString("utf8");
  }
}

/** "text/event-stream; charset=utf-8" -> "text/event-stream". */
function mediaType(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? "").split(";")[0]!.trim().toLowerCase();
}
