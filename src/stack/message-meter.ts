/**
 * Sizes of the JSON-RPC messages of one MCP client session, measured at its transport: what a
 * request weighed on the way out and what its response weighed on the way in, and which
 * notifications arrived (issue 19: payload size as a measured figure; subscriptions' updates).
 *
 * How a message is measured: the UTF-8 length of JSON.stringify(message), the serialization the
 * SDK's transports put on the wire (stdio: that text and a newline; Streamable HTTP: that text as the
 * POST body or an SSE event's data). Framing is not counted: the newline, HTTP headers, SSE's
 * "event:"/"data:" lines. An incoming message is measured as the SDK parsed it, serialized again,
 * so whitespace a server puts in its JSON is not counted (the SDK's servers write none).
 *
 * Why at the transport and by request id: the SDK's Client returns parsed results, not messages,
 * and runs many requests on one session at once (the open model). The Protocol sends a request
 * synchronously inside the client method's call (Protocol.request: `transport.send` in the promise
 * executor), so the caller arms the meter, calls, and disarms: the one request sent meanwhile is its
 * own, and its id finds the response whichever order answers arrive in. If an SDK ever sends after an
 * await, nothing is captured and the call is counted as unmetered, never given another call's size.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

type Id = string | number;

/** Most responses awaited at once per session before the oldest are forgotten (a call that timed out leaves its id behind). */
const MAX_PENDING = 10_000;

export function messageBytes(message: unknown): number {
  return Buffer.byteLength(JSON.stringify(message), "utf8");
}

export interface Metered {
  /** Size of the request sent; undefined when the meter saw no request (see the module's comment). */
  requestBytes: number | undefined;
  /** Size of the response (result or JSON-RPC error); undefined when none arrived (a timeout, a lost session). */
  responseBytes: number | undefined;
}

export class MessageMeter {
  private armed: { id?: Id; message?: unknown } | undefined;
  /**
   * Requests sent, by id, and their response once it arrived. Messages are kept, not measured, until
   * take(): serializing a large payload inside the call would add its cost to the latency measured.
   */
  private readonly pending = new Map<Id, { request: unknown; response?: unknown }>();
  /** Called for every notification the server sends on this session, by method. */
  onNotification: ((method: string) => void) | undefined;

  constructor(transport: Transport) {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      const armed = this.armed;
      if (armed && armed.id === undefined && "method" in message && "id" in message) {
        armed.id = message.id;
        armed.message = message;
      }
      return send(message, options);
    };
    // Wrapped after the Client connected (it set onmessage then); the transports read the property at each message.
    const receive = transport.onmessage;
    transport.onmessage = (message: JSONRPCMessage, extra?: unknown) => {
      if ("id" in message && !("method" in message)) {
        // A response or a JSON-RPC error; an error to a request that could not be read may carry no id.
        const id = (message as { id?: Id }).id;
        const p = id === undefined ? undefined : this.pending.get(id);
        if (p) p.response = message;
      } else if ("method" in message && !("id" in message)) this.onNotification?.(message.method);
      (receive as ((m: JSONRPCMessage, e?: unknown) => void) | undefined)?.(message, extra);
    };
  }

  /**
   * Runs `send` (a Client method's call) and returns its promise with the id of the request it sent
   * synchronously, if any. Call `take(id)` once the promise settled.
   */
  measure<T>(send: () => Promise<T>): { promise: Promise<T>; id: Id | undefined } {
    const armed: { id?: Id; message?: unknown } = {};
    this.armed = armed;
    let promise: Promise<T>;
    try {
      promise = send();
    } finally {
      this.armed = undefined;
    }
    if (armed.id !== undefined) {
      if (this.pending.size >= MAX_PENDING) {
        const oldest = this.pending.keys().next();
        if (!oldest.done) this.pending.delete(oldest.value);
      }
      this.pending.set(armed.id, { request: armed.message });
    }
    return { promise, id: armed.id };
  }

  /** The sizes of the request `id` and its response, forgetting both. */
  take(id: Id | undefined): Metered {
    if (id === undefined) return { requestBytes: undefined, responseBytes: undefined };
    const p = this.pending.get(id);
    this.pending.delete(id);
    return {
      requestBytes: p === undefined ? undefined : messageBytes(p.request),
      responseBytes: p?.response === undefined ? undefined : messageBytes(p.response),
    };
  }
}

const meters = new WeakMap<Client, MessageMeter>();

/**
 * The meter of a connected client, installed on first use: sessions are made in one place
 * (src/stack/mcp-session.ts) and swapped by supervisors, and each new client gets its own here.
 * undefined when the client has no transport (closed).
 */
export function meterOf(client: Client): MessageMeter | undefined {
  let meter = meters.get(client);
  if (meter) return meter;
  const transport = client.transport;
  if (!transport) return undefined;
  meter = new MessageMeter(transport);
  meters.set(client, meter);
  return meter;
}
