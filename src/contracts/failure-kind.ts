/**
 * What kind of failure a failed MCP call was (../shared/measurement.md): the
 * server refused (tool error), its answer broke the protocol (protocol error:
 * the call may have taken effect), or no answer came (transport failure or
 * timeout). The SDK client reports all three by rejecting `callTool`, so they
 * are told apart by what it rejects with (read from
 * @modelcontextprotocol/sdk 1.32, dist/esm/shared/protocol.js and client/index.js):
 *  - a JSON-RPC error response becomes `McpError(code, message)` with the server's code;
 *  - a result that fails the CallToolResult schema rejects with the zod error itself
 *    (`safeParse(resultSchema, ...)` in Protocol.request), a `$ZodError`;
 *  - structured content that breaks the tool's declared output schema is an McpError the
 *    client makes itself (callTool), recognised by its fixed wording;
 *  - the deadline is `McpError(RequestTimeout)`; a closed connection `McpError(ConnectionClosed,
 *    "Connection closed")`; a session already closed rejects with a plain `Error("Not connected")`;
 *    a transport's own failures (a dead process, an HTTP error) are plain errors too.
 *  - src/stack/stdio-transport.ts ends a request whose answer frame could not be parsed with a
 *    JSON-RPC error carrying UNPARSEABLE_ANSWER in its data.
 * A contract between the stack (which marks an unparseable answer) and the drivers (which classify
 * every failed call), so it sits below both.
 */
import { $ZodError } from "zod/v4/core";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { FailureKind } from "../results/types.js";

/** Marks the error src/stack/stdio-transport.ts puts in place of an answer it could not parse. */
export const UNPARSEABLE_ANSWER = "mcp-slo:unparseable-answer";

/** The client's own complaints about structured content (client/index.js, callTool). */
const OUTPUT_SCHEMA_BREACH =
  /(has an output schema but did not return structured content|Structured content does not match the tool's output schema|Failed to validate structured content)/;

/** The SDK's own ConnectionClosed errors, as opposed to a server that answers with code -32000. */
const CONNECTION_LOST = /: (Connection closed|Request was cancelled)$/;

export interface ClassifiedFailure {
  outcome: "error" | "timeout";
  kind: FailureKind;
  message: string;
}

export function classifyCallError(err: unknown, timeoutMs: number): ClassifiedFailure {
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout) return { outcome: "timeout", kind: "transport", message: `no answer within ${timeoutMs} ms` };
    const data = err.data as { reason?: unknown } | undefined;
    if (data?.reason === UNPARSEABLE_ANSWER) return { outcome: "error", kind: "protocol", message: `protocol error: ${err.message}` };
    if (OUTPUT_SCHEMA_BREACH.test(err.message)) return { outcome: "error", kind: "protocol", message: `protocol error: ${err.message}` };
    if (err.code === ErrorCode.ConnectionClosed && CONNECTION_LOST.test(err.message)) return { outcome: "error", kind: "transport", message: err.message };
    return { outcome: "error", kind: "tool", message: err.message };
  }
  if (err instanceof $ZodError) {
    const first = err.issues[0];
    const where = first?.path.length ? ` at ${first.path.join(".")}` : "";
    return { outcome: "error", kind: "protocol", message: `protocol error: the answer breaks the MCP result schema${where}: ${first?.message ?? "invalid"}` };
  }
  return { outcome: "error", kind: "transport", message: err instanceof Error ? err.message : String(err) };
}
