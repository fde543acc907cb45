/**
 * An MCP Transport over a ManagedProcess's stdin/stdout. The SDK's
 * StdioClientTransport spawns its own child; the harness needs the child to
 * be one of its managed processes (run marker, process group, parent-death
 * signal, stderr tail for error messages) and needs a place where frames pass
 * through, for the stdio fault layer. Frames are parsed and written with the
 * SDK's deserializeMessage and serializeMessage, so the wire format is exactly
 * the SDK's.
 *
 * Lines are split here rather than by the SDK's ReadBuffer because a line that
 * does not parse must be looked at: the SDK only reports it (onerror) and the
 * request it was meant to answer waits for its deadline, so a server that
 * answered with a broken frame would be counted as silent (a timeout) though
 * it did the work. A line that starts like a JSON object ("{") and cannot be
 * parsed or breaks the JSON-RPC schema was an answer: when it names a request
 * in flight (its "id"), or exactly one request is in flight, that request is
 * ended at once with a JSON-RPC error marked UNPARSEABLE_ANSWER, which the
 * driver counts as a protocol error (src/contracts/failure-kind.ts). Any other
 * line (a server logging to stdout, which MCP forbids) is reported and skipped.
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { STDIO_DEFAULT_MAX_BUFFER_SIZE, deserializeMessage, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import { truncateFrame, type FrameFilter } from "../contracts/frame-filter.js";
import { ErrorCode, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { ManagedProcess } from "./managed-process.js";
import { UNPARSEABLE_ANSWER } from "../contracts/failure-kind.js";

type RequestId = string | number;

export class ManagedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private pending: Buffer | undefined;
  private closed = false;
  /** Requests sent to the server and not yet answered (or cancelled): whom a broken answer was for. */
  private readonly awaiting = new Set<RequestId>();

  constructor(
    private readonly proc: ManagedProcess,
    private readonly faults?: FrameFilter,
  ) {}

  async start(): Promise<void> {
    const { stdout, stdin } = this.proc;
    if (!stdout || !stdin) throw new Error(`${this.proc.name}: spawned without stdio pipes`);
    stdout.on("data", (chunk: Buffer) => {
      this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      if (this.pending.length > STDIO_DEFAULT_MAX_BUFFER_SIZE) {
        // The SDK's limit for one frame: beyond it the stream cannot be framed any more.
        this.pending = undefined;
        this.onerror?.(new Error(`${this.proc.name}: a frame longer than ${STDIO_DEFAULT_MAX_BUFFER_SIZE} bytes`));
        return;
      }
      for (let index = this.pending.indexOf(10); index !== -1 && this.pending; index = this.pending.indexOf(10)) {
        const line = this.pending.toString("utf8", 0, index).replace(/\r$/, "");
        this.pending = this.pending.subarray(index + 1);
        let message: JSONRPCMessage;
        try {
          message = deserializeMessage(line);
        } catch (err) {
          // Not a reason to stop reading: the next line may be fine.
          this.unparseable(line, err);
          continue;
        }
        this.deliver(message);
      }
    });
    stdin.on("error", (err) => this.onerror?.(err));
    void this.proc.exited.then(
      () => this.markClosed(),
      () => this.markClosed(),
    );
  }

  /** A line that is not a JSON-RPC message: report it, and end the request it was meant to answer when that is clear. */
  private unparseable(line: string, err: unknown): void {
    this.onerror?.(err instanceof Error ? err : new Error(String(err)));
    const text = line.trim();
    if (!text.startsWith("{")) return;
    let id: RequestId | undefined;
    try {
      const named = (JSON.parse(text) as { id?: unknown }).id;
      if ((typeof named === "string" || typeof named === "number") && this.awaiting.has(named)) id = named;
    } catch {
      // Cut short or not JSON at all: it can only be for the one request in flight, if there is one.
    }
    if (id === undefined && this.awaiting.size === 1) id = [...this.awaiting][0];
    if (id === undefined) return;
    this.awaiting.delete(id);
    const reason = err instanceof SyntaxError ? "not valid JSON" : "not a valid JSON-RPC message";
    this.onmessage?.({
      jsonrpc: "2.0",
      id,
      // The frame itself goes to onerror above; the message stays the same for every such answer, so the report folds them.
      error: { code: ErrorCode.ParseError, message: `the server's answer could not be parsed (${reason})`, data: { reason: UNPARSEABLE_ANSWER } },
    });
  }

  private pass(message: JSONRPCMessage): void {
    if ("id" in message && !("method" in message) && message.id !== undefined) this.awaiting.delete(message.id);
    this.onmessage?.(message);
  }

  private deliver(message: JSONRPCMessage): void {
    const d = this.faults?.decide("from-server") ?? { action: "pass" };
    switch (d.action) {
      case "pass":
        this.pass(message);
        return;
      case "drop":
        return;
      case "delay": {
        setTimeout(() => this.closed || this.pass(message), d.ms);
        return;
      }
      case "truncate": {
        // Parse the cut frame for real, so the client meets exactly what a broken pipe would cause.
        const cut = truncateFrame(JSON.stringify(message));
        try {
          this.pass(deserializeMessage(cut));
        } catch (err) {
          this.unparseable(cut, err);
        }
      }
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.proc.stdin;
    if (this.closed || !stdin || stdin.destroyed) throw new Error(`${this.proc.name}: process has exited`);
    if ("method" in message && "id" in message) this.awaiting.add(message.id);
    // A request the client gave up on (its deadline) is no longer anyone's answer to wait for.
    if ("method" in message && message.method === "notifications/cancelled")
      this.awaiting.delete((message.params as { requestId?: RequestId } | undefined)?.requestId ?? "");
    let frame = serializeMessage(message);
    const d = this.faults?.decide("to-server") ?? { action: "pass" };
    if (d.action === "drop") return;
    if (d.action === "delay") await new Promise((r) => setTimeout(r, d.ms));
    if (d.action === "truncate") frame = `${truncateFrame(frame.trimEnd())}\n`;
    // Like the SDK's own stdio transport: done once the pipe took the frame; wait only under back-pressure.
    // (Waiting for every write's callback would add a turn of the event loop to each call.)
    if (!stdin.write(frame)) await new Promise<void>((resolve) => stdin.once("drain", resolve));
  }

  async close(): Promise<void> {
    this.proc.stdin?.end();
    await this.proc.stop({ graceMs: 2000 });
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = undefined;
    this.awaiting.clear();
    this.onclose?.();
  }
}
