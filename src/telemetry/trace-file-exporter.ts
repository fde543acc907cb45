/**
 * A span exporter that appends one JSON object per span to a file (JSON
 * lines), for runs without an OTLP collector: the trace sits beside
 * results.json and can be read with jq or loaded into a test.
 */
import { redactDeep, redactKnownSecrets } from "./redact.js";
import { appendFile } from "node:fs/promises";
import type { core, tracing } from "@opentelemetry/sdk-node";

type ReadableSpan = tracing.ReadableSpan;
type ExportResult = core.ExportResult;

/** One line of the trace file. Times are epoch milliseconds (fractional). */
export interface TraceFileSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: "internal" | "server" | "client" | "producer" | "consumer";
  startTimeMs: number;
  endTimeMs: number;
  durationMs: number;
  status: { code: "unset" | "ok" | "error"; message?: string };
  attributes: Record<string, unknown>;
  events: { name: string; timeMs: number; attributes: Record<string, unknown> }[];
  resource: Record<string, unknown>;
}

const KINDS = ["internal", "server", "client", "producer", "consumer"] as const;
const STATUS = ["unset", "ok", "error"] as const;

const hrMs = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;

export function toTraceFileSpan(span: ReadableSpan): TraceFileSpan {
  const start = hrMs(span.startTime);
  const end = hrMs(span.endTime);
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    name: span.name,
    kind: KINDS[span.kind] ?? "internal",
    startTimeMs: start,
    endTimeMs: end,
    durationMs: end - start,
    status: { code: STATUS[span.status.code] ?? "unset", ...(span.status.message !== undefined && { message: span.status.message }) },
    attributes: { ...span.attributes },
    events: span.events.map((e) => ({ name: e.name, timeMs: hrMs(e.time), attributes: { ...(e.attributes ?? {}) } })),
    resource: { ...span.resource.attributes },
  };
}

export class TraceFileExporter implements tracing.SpanExporter {
  #pending: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    // Attributes were redacted when recorded; this catches a registered token anywhere else in a span.
    const text = redactKnownSecrets(`${spans.map((s) => JSON.stringify(redactDeep(toTraceFileSpan(s)))).join("\n")}\n`);
    // Appends are chained so lines of two batches never interleave.
    this.#pending = this.#pending.then(() => appendFile(this.file, text, "utf8"));
    this.#pending.then(
      () => resultCallback({ code: 0 }),
      (error: unknown) => resultCallback({ code: 1, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    this.#pending = this.#pending.catch(() => undefined);
  }

  async forceFlush(): Promise<void> {
    await this.#pending;
  }

  async shutdown(): Promise<void> {
    await this.#pending;
  }
}
