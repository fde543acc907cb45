/**
 * An MCP Transport over a ManagedProcess's stdin/stdout. The SDK's
 * StdioClientTransport spawns its own child; the harness needs the child to
 * be one of its managed processes (run marker, process group, parent-death
 * signal, stderr tail for error messages) and needs a place where frames pass
 * through, for the stdio fault layer. Framing reuses the SDK's ReadBuffer and
 * serializeMessage, so the wire format is exactly the SDK's.
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ReadBuffer, deserializeMessage, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import { truncateFrame, type StdioFaultLayer } from "../faults/stdio-fault-layer.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { ManagedProcess } from "./managed-process.js";

export class ManagedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();
  private closed = false;

  constructor(
    private readonly proc: ManagedProcess,
    private readonly faults?: StdioFaultLayer,
  ) {}

  async start(): Promise<void> {
    const { stdout, stdin } = this.proc;
    if (!stdout || !stdin) throw new Error(`${this.proc.name}: spawned without stdio pipes`);
    stdout.on("data", (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = this.buffer.readMessage();
        } catch (err) {
          // A line that is not JSON-RPC (a server logging to stdout) is an error of that server, not a reason to stop reading.
          this.onerror?.(err instanceof Error ? err : new Error(String(err)));
          continue;
        }
        if (message === null) break;
        this.deliver(message);
      }
    });
    stdin.on("error", (err) => this.onerror?.(err));
    void this.proc.exited.then(
      () => this.markClosed(),
      () => this.markClosed(),
    );
  }

  private deliver(message: JSONRPCMessage): void {
    const d = this.faults?.decide("from-server") ?? { action: "pass" };
    switch (d.action) {
      case "pass": return this.onmessage?.(message);
      case "drop": return;
      case "delay": {
        setTimeout(() => this.closed || this.onmessage?.(message), d.ms);
        return;
      }
      case "truncate": {
        // Parse the cut frame for real, so the client meets exactly the error a broken pipe would cause.
        try {
          this.onmessage?.(deserializeMessage(truncateFrame(JSON.stringify(message))));
        } catch (err) {
          this.onerror?.(err instanceof Error ? err : new Error(String(err)));
        }
      }
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.proc.stdin;
    if (this.closed || !stdin || stdin.destroyed) throw new Error(`${this.proc.name}: process has exited`);
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
    this.buffer.clear();
    this.onclose?.();
  }
}
