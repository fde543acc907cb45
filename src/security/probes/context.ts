/**
 * What a live probe needs (ProbeContext, filled by the scan) and the one way probes talk to the
 * server (ProbeSession): every call bounded in time, every answer's text kept (the secrets probe
 * scans them all for the canaries), and a server that died or stopped answering noticed, recorded
 * (the death is the finding, src/security/probes/robustness.ts) and restarted, so the probes after
 * it still run.
 */
import { randomBytes } from "node:crypto";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ServerDefinition } from "../../contracts/server-definition.js";
import type { McpSession, StackEndpoints } from "../../stack/mcp-session.js";
import type { ResourceRegistry } from "../../stack/resource-registry.js";
import type { ServerDefinitions } from "../collect-definitions.js";
import type { ProbeOutcome } from "../model.js";

/** A value handed to the server that must never come back: a token of its catalog `secrets`, a custom server's env value. */
export interface ProbeSecret {
  /** Where it was handed: the environment variable's name (never the value). */
  name: string;
  value: string;
}

export interface ProbeContext {
  server: ServerDefinition;
  /** The session to probe (startSession of src/stack/mcp-session.ts). */
  session: McpSession;
  /** What the session listed (collectDefinitions): tools with inputSchema and annotations. */
  definitions: ServerDefinitions;
  /** The stack the server runs on: sandbox, workdir, Redis and PostgreSQL URLs (the harness's own, throwaway). */
  endpoints: StackEndpoints;
  /** Owns what the probes create (the canary dirs beside the sandbox); everything is also removed by the probes themselves. */
  registry: ResourceRegistry;
  /** Stops the probes between calls (SIGINT, the scan's deadline). */
  signal: AbortSignal;
  /** The values handed to the server (see withProbeCanaries): none may appear in what it answers. */
  secrets: readonly ProbeSecret[];
  /** Starts a fresh session after the server died or hung; the old one is already closed. */
  restartSession: () => Promise<McpSession>;
  /** Deadline of one tool call (default 15 s: the machine is loaded, and a probe must not wait forever). */
  callTimeoutMs?: number;
  /** Deadline of the ping that tells a live server from a dead or hung one (default 10 s). */
  pingTimeoutMs?: number;
}

/** A random token for this run: file names, file contents, table names (lowercase hex, safe everywhere). */
export function newCanary(): string {
  return randomBytes(6).toString("hex");
}

/** What one call gave, as the probes judge it. */
export interface CallRecord {
  probe: string;
  tool: string;
  args: Record<string, unknown>;
  /** The server answered (a result, isError or not, or a JSON-RPC error). */
  answered: boolean;
  isError: boolean;
  /** Every text of the answer: content texts, embedded resource texts, structuredContent as JSON, a JSON-RPC error's message and data. */
  text: string;
  /** The server process exited during the call. */
  died?: string;
  /** No answer by the deadline and no answer to a ping afterwards. */
  hung?: boolean;
  /** No answer by the deadline, but the server still answers ping. */
  timedOut?: boolean;
}

/** A death or a hang seen during any probe: robustness.ts turns them into findings. */
export interface LivenessEvent {
  kind: "crash" | "hang";
  probe: string;
  /** What was sent: "tools/call read_file {...}" or "stdin: <line>". */
  input: string;
  detail: string;
}

/** Texts longer than this are cut in evidence (an oversized answer must not become an oversized report). */
const EVIDENCE_CHARS = 300;

export function preview(value: unknown, max = 160): string {
  const text =
    typeof value === "string"
      ? value
      : JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" && v.length > 200 ? `${v.slice(0, 40)}...(${v.length} chars)` : v));
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

export function cut(text: string, max = EVIDENCE_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** All the text an answer carries, for the canary searches. */
export function answerText(result: unknown): string {
  const parts: string[] = [];
  const r = result as { content?: unknown[]; structuredContent?: unknown; toolResult?: unknown };
  for (const item of Array.isArray(r.content) ? r.content : []) {
    const c = item as { type?: string; text?: unknown; resource?: { text?: unknown; blob?: unknown }; data?: unknown };
    if (typeof c.text === "string") parts.push(c.text);
    if (c.resource && typeof c.resource.text === "string") parts.push(c.resource.text);
    // Base64 payloads (images, blobs) are decoded: a canary inside an image's bytes is still a leak.
    for (const b64 of [c.data, c.resource?.blob]) if (typeof b64 === "string") parts.push(Buffer.from(b64, "base64").toString("latin1"));
  }
  if (r.structuredContent !== undefined) parts.push(JSON.stringify(r.structuredContent));
  if (r.toolResult !== undefined) parts.push(JSON.stringify(r.toolResult));
  return parts.join("\n");
}

/**
 * The probes' handle on the server: calls with a deadline, liveness checks, restarts. Not
 * concurrent: one call at a time, so a raw line written to stdin never meets a request in flight.
 */
export class ProbeSession {
  #session: McpSession;
  readonly calls: CallRecord[] = [];
  readonly events: LivenessEvent[] = [];
  /** Extra texts the server wrote that the probes saw (answers to raw stdin lines, stderr of a session that died). */
  readonly otherTexts: { probe: string; text: string }[] = [];
  /** Contents of files outside the root the probes planted (confinement): they must appear in no answer at all. */
  readonly fileCanaries: string[] = [];
  readonly callTimeoutMs: number;
  readonly pingTimeoutMs: number;

  constructor(readonly ctx: ProbeContext) {
    this.#session = ctx.session;
    this.callTimeoutMs = ctx.callTimeoutMs ?? 15_000;
    this.pingTimeoutMs = ctx.pingTimeoutMs ?? 10_000;
  }

  get session(): McpSession {
    return this.#session;
  }

  get client(): Client {
    return this.#session.client;
  }

  /** Set once a restart failed: every later call fails at once with it (each probe then reports not_measured). */
  #broken: Error | undefined;

  throwIfAborted(): void {
    this.ctx.signal.throwIfAborted();
    if (this.#broken) throw this.#broken;
  }

  /** Calls a tool; a death or a hang is recorded as an event and the session restarted. Never throws but for an abort. */
  async call(probe: string, tool: string, args: Record<string, unknown>): Promise<CallRecord> {
    this.throwIfAborted();
    const proc = this.#session.process;
    const record: CallRecord = { probe, tool, args, answered: false, isError: false, text: "" };
    let exitWatch: (() => void) | undefined;
    const died = new Promise<"died">((resolve) => {
      exitWatch = () => resolve("died");
      // A url target has no process of the harness: it cannot be seen dying, only not answering (a hang).
      proc?.exited.then(exitWatch, exitWatch);
    });
    try {
      const answer = await Promise.race([
        this.client.callTool({ name: tool, arguments: args }, undefined, { timeout: this.callTimeoutMs, signal: this.#callSignal() }),
        died,
      ]);
      if (answer === "died") {
        record.died = this.#exitText();
      } else {
        record.answered = true;
        record.isError = answer.isError === true;
        record.text = answerText(answer);
      }
    } catch (err) {
      this.throwIfAborted();
      const e = err as { code?: number; message?: string; data?: unknown };
      if (proc && (!proc.isRunning() || proc.exitInfo)) {
        record.died = this.#exitText();
      } else if (e.code === -32001 /* SDK RequestTimeout */) {
        if (await this.alive()) record.timedOut = true;
        else record.hung = true;
      } else {
        // A JSON-RPC error is an answer too: its message is scanned like any text.
        record.answered = true;
        record.isError = true;
        record.text = [e.message ?? String(err), e.data === undefined ? "" : JSON.stringify(e.data)].join("\n");
      }
    }
    this.calls.push(record);
    if (record.died || record.hung) {
      const input = `tools/call ${tool} ${preview(args)}`;
      this.events.push({
        kind: record.died ? "crash" : "hang",
        probe,
        input,
        detail: record.died ?? `no answer within ${this.callTimeoutMs / 1000} s and no answer to ping within ${this.pingTimeoutMs / 1000} s`,
      });
      await this.restart();
    }
    return record;
  }

  /** Answers ping before the deadline. */
  async alive(): Promise<boolean> {
    const proc = this.#session.process;
    if (proc && !proc.isRunning()) return false;
    try {
      await this.client.ping({ timeout: this.pingTimeoutMs, signal: this.#callSignal() });
      return true;
    } catch {
      this.throwIfAborted();
      return false;
    }
  }

  /** Writes one raw line to a stdio server's stdin (malformed JSON-RPC); false when the session is not on stdio. */
  async writeRaw(line: string): Promise<boolean> {
    // No stdin to write to: an HTTP session, or a url target with no process of the harness (the probe says it skipped).
    const stdin = this.#session.process?.stdin;
    if (!stdin || stdin.destroyed || this.ctx.endpoints.http?.(this.ctx.server.name)) return false;
    await new Promise<void>((resolve) => stdin.write(`${line}\n`, () => resolve()));
    return true;
  }

  /** After a raw line: is the server still there and answering? A death or hang is recorded and the session restarted. */
  async checkAfterRaw(probe: string, input: string): Promise<"alive" | "crash" | "hang"> {
    const proc = this.#session.process;
    // A server that dies on the line does so at once; a moment for its exit to be seen.
    await Promise.race([proc?.exited.catch(() => undefined), new Promise((r) => setTimeout(r, 300))]);
    const running = () => proc === undefined || proc.isRunning();
    let verdict: "alive" | "crash" | "hang";
    if (!running()) verdict = "crash";
    else verdict = (await this.alive()) ? "alive" : running() ? "hang" : "crash";
    if (verdict !== "alive") {
      this.events.push({
        kind: verdict,
        probe,
        input: `stdin: ${preview(input)}`,
        detail: verdict === "crash" ? this.#exitText() : `still running but no answer to ping within ${this.pingTimeoutMs / 1000} s`,
      });
      await this.restart();
    }
    return verdict;
  }

  /** A signal of its own per request: the SDK adds an abort listener to the signal of every request and never removes it. */
  #callSignal(): AbortSignal {
    return AbortSignal.any([this.ctx.signal]);
  }

  #exitText(): string {
    const exit = this.#session.process?.exitInfo;
    const tail = this.#session.process?.stderrTail(40) ?? [];
    if (tail.length) this.otherTexts.push({ probe: "stderr of the server that died", text: tail.join("\n") });
    // The line that says why, when there is one (a Go server prints its usage after the error).
    const why = [...tail].reverse().find((l) => /error|exception|fatal|panic/i.test(l));
    return `the server process exited (${exit ? (exit.signal ?? `code ${exit.code}`) : "exit not reported"})${why ? `; its stderr: ${cut(why.trim(), 200)}` : ""}`;
  }

  async restart(): Promise<void> {
    this.throwIfAborted();
    await this.#session.close().catch(() => undefined);
    try {
      this.#session = await this.ctx.restartSession();
    } catch (err) {
      this.#broken = new Error(`the server could not be restarted after it died or hung: ${(err as Error).message}`);
      throw this.#broken;
    }
  }
}

/** `text` with every handed value (in each form it may take) replaced by <its name>: evidence quotes answers, never the secrets in them. */
export function maskSecrets(text: string, secrets: readonly ProbeSecret[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of [
      secret.value,
      JSON.stringify(secret.value).slice(1, -1),
      encodeURIComponent(secret.value),
      Buffer.from(secret.value).toString("base64"),
    ]) {
      if (form.length >= 6) out = out.split(form).join(`<${secret.name}>`);
    }
  }
  return out;
}

/** The outcome with every text field masked (maskSecrets). */
export function maskOutcome(o: ProbeOutcome, secrets: readonly ProbeSecret[]): ProbeOutcome {
  const m = (t: string) => maskSecrets(t, secrets);
  if (!o.finding) return { ...o, detail: m(o.detail) };
  const f = o.finding;
  return {
    ...o,
    detail: m(o.detail),
    finding: { ...f, title: m(f.title), message: m(f.message), evidence: m(f.evidence), ...(f.reproduce !== undefined && { reproduce: m(f.reproduce) }) },
  };
}

/** An outcome with no finding: a pass, or why the probe does not apply or could not run. */
export function outcome(check: ProbeOutcome["check"], probe: string, status: Exclude<ProbeOutcome["status"], "fail">, detail: string): ProbeOutcome {
  return { probe, check, status, detail };
}
