/**
 * Telemetry of one `mcp-slo run`, kept out of the run code: a trace (the run,
 * each scenario, each phase, one MCP call in N, faults as events) and, when
 * asked, live Prometheus metrics for the duration of the run. run.ts calls
 * `instrumentRun`, wraps each scenario in `scenario(...)` and calls `stop()`.
 * Here, above telemetry/, because it joins both instruments: the tracer (telemetry/) and the live
 * metrics (this folder's exporter and metrics); telemetry/ itself knows neither Prometheus nor a run.
 */
import path from "node:path";
import type { Scenario } from "../contracts/plan.js";
import type { ScenarioResult } from "../results/types.js";
import { NO_CALL_HOOKS, type CallHooks } from "../telemetry/call-hooks.js";
import { createOtelTelemetry, TRACE_FILE } from "../telemetry/otel-telemetry.js";
import { NOOP_TELEMETRY, type Telemetry } from "../telemetry/telemetry.js";
import { startMetricsExporter, type ExporterListenOptions, type MetricsExporter } from "./exporter.js";
import { McpMetrics } from "./metrics.js";

/** Default: trace one MCP call in this many. */
export const DEFAULT_TRACE_SAMPLE_EVERY = 100;

export interface RunInstrumentationOptions {
  runId: string;
  outDir: string;
  /** Trace one call in N; 0 turns tracing off. Default DEFAULT_TRACE_SAMPLE_EVERY. */
  traceSampleEvery?: number;
  /** Serve live metrics while the run lasts. */
  metrics?: ExporterListenOptions;
  /** Tests inject their own. */
  telemetry?: Telemetry;
  progress: (line: string) => void;
}

export interface RunInstrumentation {
  readonly telemetry: Telemetry;
  readonly hooks: CallHooks;
  readonly metricsUrl: string | undefined;
  /** Runs one scenario inside its span; a scenario's verdicts become metrics. */
  scenario(s: Scenario, run: () => Promise<ScenarioResult>): Promise<ScenarioResult>;
  stop(): Promise<void>;
}

export async function instrumentRun(opts: RunInstrumentationOptions): Promise<RunInstrumentation> {
  const sampleEvery = opts.traceSampleEvery ?? DEFAULT_TRACE_SAMPLE_EVERY;
  const telemetry =
    opts.telemetry ??
    (sampleEvery > 0 ? await createOtelTelemetry({ runId: opts.runId, traceFile: path.join(opts.outDir, TRACE_FILE), sampleEvery }) : NOOP_TELEMETRY);
  let metrics: McpMetrics | undefined;
  let exporter: MetricsExporter | undefined;
  if (opts.metrics) {
    metrics = new McpMetrics();
    try {
      exporter = await startMetricsExporter(metrics, opts.metrics);
    } catch (err) {
      await telemetry.shutdown();
      throw err;
    }
    opts.progress(`serving live metrics on ${exporter.url}`);
    const m = metrics;
    telemetry.onFault((name) => m.faultEvents.inc({ fault: name }));
  }
  const runSpan = telemetry.startSpan("mcp-slo run", { "mcp_slo.run_id": opts.runId });
  if (telemetry.enabled) opts.progress(`tracing one MCP call in ${sampleEvery} to ${telemetry.destination}`);

  const m = metrics;
  const hooks: CallHooks =
    telemetry.enabled || m
      ? {
          sampleCall: telemetry.enabled ? () => telemetry.sampleCall() : NO_CALL_HOOKS.sampleCall,
          startCallSpan: (call) => telemetry.startCallSpan(call),
          // Live metrics count the measurement window only, like the verdicts: warm-up is never judged.
          callEnded: m
            ? (server, tool, outcome, phase, latencyMs) => phase === "measure" && m.observeCall(server, tool, outcome, latencyMs)
            : NO_CALL_HOOKS.callEnded,
        }
      : NO_CALL_HOOKS;

  return {
    telemetry,
    hooks,
    metricsUrl: exporter?.url,
    async scenario(s, runScenario) {
      const span = telemetry.startSpan(`scenario ${s.name}`, {
        "mcp_slo.scenario": s.name,
        "mcp_slo.scenario.file": s.file,
        "mcp_slo.profile": s.profile,
        "mcp_slo.agents": s.agents,
        "mcp_slo.servers": s.servers.map((d) => d.name),
        "mcp_slo.load.model": s.load.model,
      });
      try {
        const result = await runScenario();
        const count = (v: string) => result.slos.filter((x) => x.verdict === v).length;
        span.setAttributes({
          "mcp_slo.status": result.status,
          "mcp_slo.slos.pass": count("pass"),
          "mcp_slo.slos.fail": count("fail"),
          "mcp_slo.slos.inconclusive": count("inconclusive"),
        });
        metrics?.recordVerdicts(result);
        span.end(result.status === "error" ? (result.error ?? "error").split("\n")[0] : undefined);
        return result;
      } catch (err) {
        span.end(err instanceof Error ? err.message : String(err));
        throw err;
      }
    },
    async stop() {
      runSpan.end();
      await telemetry.shutdown();
      await exporter?.stop();
    },
  };
}
