/**
 * Telemetry on OpenTelemetry (@opentelemetry/sdk-node). Spans go over OTLP
 * (http/protobuf) when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is
 * set, otherwise into a JSON-lines trace file in the run directory.
 *
 * Parents are passed explicitly (never through the async context), so the
 * parent of a span is always the scope that was open when it started, however
 * the workload interleaves its promises. MCP call spans follow the OTel MCP
 * semantic conventions (development status): span name "tools/call {tool}",
 * kind CLIENT, mcp.method.name, gen_ai.tool.name, gen_ai.operation.name,
 * network.transport=pipe (stdio), error.type, rpc.response.status_code.
 * stdio has no MCP session id (mcp.session.id is an HTTP-transport header),
 * so the harness names its session in mcp_slo.session instead.
 *
 * Every attribute and event passes through redactAttributes: tool arguments
 * are never recorded, and a secret-looking key or value never leaves the process.
 */
import path from "node:path";
import type { Span, Tracer } from "@opentelemetry/api";
import { HARNESS_VERSION } from "../project-root.js";
import { redactAttributes, redactValue, type Attributes } from "./redact.js";
import type { CallSpan, CallSpanEnd, CallSpanStart, SpanHandle, Telemetry } from "./telemetry.js";
import { TraceFileExporter } from "./trace-file-exporter.js";

/** Name of the trace file in a run directory. */
export const TRACE_FILE = "traces.jsonl";

export interface OtelTelemetryOptions {
  runId: string;
  /** Trace file to write when no OTLP endpoint is configured. */
  traceFile: string;
  /** Trace one MCP call in this many (>= 1). */
  sampleEvery: number;
  /** Defaults to process.env; tests pass their own. */
  env?: NodeJS.ProcessEnv;
  serviceName?: string;
}

/** The OTLP endpoint the standard environment variables configure, if any. */
export function otlpTracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const own = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (own) return own;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined;
}

// MCP semantic-convention names, from @opentelemetry/semantic-conventions/incubating (1.45).
// Spelled out rather than imported: the incubating entry point is a 16k-export module that
// would cost every traced run its load time for six strings; semconv.test.ts checks them.
export const SEMCONV = {
  mcpMethodName: "mcp.method.name",
  mcpMethodToolsCall: "tools/call",
  genAiToolName: "gen_ai.tool.name",
  genAiOperationName: "gen_ai.operation.name",
  genAiOperationExecuteTool: "execute_tool",
  networkTransport: "network.transport",
  networkTransportPipe: "pipe",
  jsonrpcProtocolVersion: "jsonrpc.protocol.version",
  errorType: "error.type",
  rpcResponseStatusCode: "rpc.response.status_code",
} as const;

export async function createOtelTelemetry(opts: OtelTelemetryOptions): Promise<Telemetry> {
  if (!Number.isInteger(opts.sampleEvery) || opts.sampleEvery < 1)
    throw new Error(`createOtelTelemetry: sampleEvery must be an integer >= 1, got ${opts.sampleEvery}`);
  const env = opts.env ?? process.env;
  // Loaded only when tracing is on: the SDK costs a quarter of a second to import.
  const [{ NodeSDK, tracing, resources, api }, { OTLPTraceExporter }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/exporter-trace-otlp-proto"),
  ]);
  const endpoint = otlpTracesEndpoint(env);
  const exporter = endpoint !== undefined ? new OTLPTraceExporter({ url: endpoint }) : new TraceFileExporter(opts.traceFile);
  const sdk = new NodeSDK({
    resource: resources.resourceFromAttributes({
      "service.name": opts.serviceName ?? "mcp-slo-harness",
      "service.version": HARNESS_VERSION,
      "mcp_slo.run_id": opts.runId,
    }),
    autoDetectResources: false,
    spanProcessors: [new tracing.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
    instrumentations: [],
    // The run passes parents explicitly; no propagation into the MCP servers (stdio has no headers).
    textMapPropagator: null,
  });
  sdk.start();
  const tracer = api.trace.getTracer("mcp-slo-harness", HARNESS_VERSION);
  const destination = endpoint ?? path.relative(process.cwd(), opts.traceFile) ?? opts.traceFile;
  return new OtelTelemetry(tracer, api, sdk, opts.sampleEvery, destination);
}

type Api = typeof import("@opentelemetry/api");

class OtelScope implements SpanHandle {
  #ended = false;
  constructor(
    readonly span: Span,
    private readonly onEnd: (scope: OtelScope) => void,
    private readonly api: Api,
  ) {}

  setAttributes(attrs: Attributes): void {
    if (!this.#ended) this.span.setAttributes(redactAttributes(attrs));
  }

  event(name: string, attrs: Attributes = {}): void {
    if (!this.#ended) this.span.addEvent(name, redactAttributes(attrs));
  }

  end(error?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    // The error of a scenario may quote a server's stderr: redacted like any attribute (also for OTLP).
    if (error !== undefined) this.span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: redactValue(error) });
    this.span.end();
    this.onEnd(this);
  }
}

class OtelTelemetry implements Telemetry {
  readonly enabled = true;
  readonly #scopes: OtelScope[] = [];
  readonly #faultListeners: ((name: string, attrs: Attributes) => void)[] = [];
  #untilSample: number;

  constructor(
    private readonly tracer: Tracer,
    private readonly api: Api,
    private readonly sdk: { shutdown(): Promise<void> },
    private readonly sampleEvery: number,
    readonly destination: string,
  ) {
    // The first call is always traced, so even a short run has a call span to look at.
    this.#untilSample = 1;
  }

  #parentContext() {
    const parent = this.#scopes.at(-1);
    return parent ? this.api.trace.setSpan(this.api.ROOT_CONTEXT, parent.span) : this.api.ROOT_CONTEXT;
  }

  startSpan(name: string, attrs: Attributes = {}): SpanHandle {
    const span = this.tracer.startSpan(name, { attributes: redactAttributes(attrs) }, this.#parentContext());
    const scope = new OtelScope(
      span,
      (s) => {
        const i = this.#scopes.lastIndexOf(s);
        if (i >= 0) this.#scopes.splice(i, 1);
      },
      this.api,
    );
    this.#scopes.push(scope);
    return scope;
  }

  sampleCall(): boolean {
    if (--this.#untilSample > 0) return false;
    this.#untilSample = this.sampleEvery;
    return true;
  }

  startCallSpan(call: CallSpanStart): CallSpan {
    const span = this.tracer.startSpan(
      `${SEMCONV.mcpMethodToolsCall} ${call.tool}`,
      {
        kind: this.api.SpanKind.CLIENT,
        // A performance.now() time, not timeOrigin + it: the SDK maps it onto Date.now() by the span's own
        // offset, as it times every other span (phase, scenario). timeOrigin + performance.now() drifts
        // from Date.now() as a process lives (CI: a call span 27 ms before the phase span it belongs to).
        // Capped at now because the SDK reads a number above performance.now() as epoch milliseconds: a
        // time from another clock, or a rounding past now, would put the span in 1970.
        startTime: Math.min(call.startedAt, performance.now()),
        attributes: redactAttributes({
          [SEMCONV.mcpMethodName]: SEMCONV.mcpMethodToolsCall,
          [SEMCONV.genAiToolName]: call.tool,
          [SEMCONV.genAiOperationName]: SEMCONV.genAiOperationExecuteTool,
          [SEMCONV.networkTransport]: SEMCONV.networkTransportPipe,
          [SEMCONV.jsonrpcProtocolVersion]: "2.0",
          "mcp_slo.server": call.server,
          "mcp_slo.agent": call.agent,
          "mcp_slo.session": `${call.server}#${call.agent}`,
          "mcp_slo.phase": call.phase,
        }),
      },
      this.#parentContext(),
    );
    const api = this.api;
    return {
      end(result: CallSpanEnd) {
        span.setAttribute("mcp_slo.outcome", result.outcome);
        if (result.outcome !== "ok") {
          const type = result.rpcCode !== undefined ? String(result.rpcCode) : result.outcome === "timeout" ? "timeout" : "tool_error";
          span.setAttributes(
            redactAttributes({ [SEMCONV.errorType]: type, ...(result.rpcCode !== undefined && { [SEMCONV.rpcResponseStatusCode]: String(result.rpcCode) }) }),
          );
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: (redactAttributes({ m: result.error ?? result.outcome }).m as string).slice(0, 300) });
        }
        // Capped at now for the same reason as the start time.
        span.end(Math.min(result.endedAt, performance.now()));
      },
    };
  }

  faultEvent(name: string, attrs: Attributes = {}): void {
    const safe = redactAttributes({ ...attrs, "mcp_slo.fault": name });
    const scope = this.#scopes.at(-1);
    if (scope) scope.span.addEvent(`fault ${name}`, safe);
    else {
      // No scope open (before or after a run): the fault still gets a span of its own.
      const span = this.tracer.startSpan(`fault ${name}`, { attributes: safe });
      span.addEvent(`fault ${name}`, safe);
      span.end();
    }
    for (const listener of this.#faultListeners) listener(name, safe);
  }

  onFault(listener: (name: string, attrs: Attributes) => void): void {
    this.#faultListeners.push(listener);
  }

  async shutdown(): Promise<void> {
    for (const scope of [...this.#scopes].reverse()) {
      scope.span.setAttribute("mcp_slo.ended_by", "shutdown");
      scope.end();
    }
    await this.sdk.shutdown();
    // NodeSDK installed itself as the global provider; release it so the next run in this
    // process (tests, the monitor) can install its own.
    this.api.trace.disable();
    this.api.context.disable();
    this.api.propagation.disable();
  }
}
