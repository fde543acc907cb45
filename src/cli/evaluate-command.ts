/**
 * `mcp-slo evaluate --prometheus <url> --from <t> --to <t> <scenario.yaml>`: judges a
 * scenario's SLOs from Prometheus instead of in-process samples, for load that ran
 * elsewhere (k6 under the k6 operator, `-o experimental-prometheus-rw`; see
 * src/slo/prometheus-source.ts). Prints the same verdict lines as `run` and writes the
 * same four outputs. Registered by main.ts; errors go back to main.ts, which alone maps
 * them to exit codes. The exit code is returned through `setExitCode`.
 */
import { emptyScenarioResult } from "../results/empty.js";
import { hostEnvironment } from "../run/environment.js";
import path from "node:path";
import { Command, Option } from "commander";
import { loadScenario } from "../config/load-scenario.js";
import { PROFILE_NAMES } from "../config/scenario-schema.js";
import { EXIT, HarnessError } from "../errors.js";
import { HARNESS_VERSION, PROJECT_ROOT } from "../project-root.js";
import { writeRunOutputs } from "../outputs/write-outputs.js";
import type { RunRecord, ScenarioResult } from "../results/types.js";
import { RUN_NOTES, newRunId } from "../run/run.js";
import { reapLeftovers } from "../run/reap-leftovers.js";
import { overallVerdict } from "../slo/evaluate.js";
import { evaluateFromPrometheus, prometheusMeasurements } from "../slo/prometheus-source.js";

/** An ISO 8601 time, or unix seconds (fractions allowed), as ms since the epoch. */
export function parseTimeArg(text: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const ms = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw new HarnessError("invalid_input", `${flag}: expected an ISO 8601 time (2026-01-31T12:00:00Z) or unix seconds, got ${JSON.stringify(text)}`);
  return ms;
}

function checkUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new HarnessError("invalid_input", `--prometheus: expected a URL such as http://127.0.0.1:9090, got ${JSON.stringify(text)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new HarnessError("invalid_input", `--prometheus: expected an http(s) URL, got ${JSON.stringify(text)}`);
  return text;
}

export interface EvaluateFlags {
  prometheus: string;
  from: string;
  to: string;
  out?: string;
  profile: string;
  failOnInconclusive: boolean;
  latencyMetric: string;
  callsMetric: string;
  matchers?: string;
}

export interface EvaluateOutcome {
  record: RunRecord;
  outDir: string;
  exitCode: number;
}

/** The work of the command, apart from printing: usable from tests. */
export async function evaluateFromPrometheusCommand(file: string, o: EvaluateFlags, command: string[]): Promise<EvaluateOutcome> {
  const url = checkUrl(o.prometheus);
  const fromMs = parseTimeArg(o.from, "--from");
  const toMs = parseTimeArg(o.to, "--to");
  if (toMs <= fromMs) throw new HarnessError("invalid_input", `--to (${new Date(toMs).toISOString()}) must be after --from (${new Date(fromMs).toISOString()})`);
  const scenario = await loadScenario(file, o.profile);
  const measurements = await prometheusMeasurements({ url, fromMs, toMs, latencyMetric: o.latencyMetric, callsMetric: o.callsMetric, matchers: o.matchers });
  const slos = evaluateFromPrometheus(scenario.slos, measurements);
  const runId = newRunId();
  const outDir = o.out ?? path.join(PROJECT_ROOT, "reports", "runs", runId);
  const startedAt = new Date(fromMs).toISOString();
  const endedAt = new Date(toMs).toISOString();
  const result: ScenarioResult = {
    ...emptyScenarioResult({ ...scenario, profile: o.profile, description: `${scenario.description} (judged from Prometheus at ${url}, window ${startedAt} .. ${endedAt})` }, startedAt, endedAt),
    ...(scenario.variant !== undefined && { variant: scenario.variant }),
    slos,
  };
  const { verdict, counts } = overallVerdict(slos);
  const record: RunRecord = {
    schemaVersion: 1,
    runId,
    harness: { name: "mcp-slo-harness", version: HARNESS_VERSION },
    status: "completed",
    verdict,
    startedAt,
    endedAt,
    command,
    profile: o.profile,
    environment: hostEnvironment(),
    counts,
    scenarios: [result],
    notes: [
      ...RUN_NOTES,
      `Measured by the load generator (k6), read back from Prometheus at ${url} for ${startedAt} .. ${endedAt}; the environment above is the evaluating machine's, not the generator's.`,
    ],
  };
  await writeRunOutputs(record, outDir);
  const exitCode = counts.fail > 0 || (o.failOnInconclusive && counts.inconclusive > 0) ? EXIT.sloFailed : EXIT.ok;
  return { record, outDir, exitCode };
}

export function registerEvaluateCommand(program: Command, print: (record: RunRecord, outDir: string) => void, setExitCode: (code: number) => void): void {
  program
    .command("evaluate")
    .description("judge a scenario's SLOs from Prometheus (k6 results sent with -o experimental-prometheus-rw) and write the four outputs")
    .argument("<scenario>", "scenario file whose SLOs to judge")
    .requiredOption("--prometheus <url>", "Prometheus base URL, e.g. http://127.0.0.1:9090")
    .requiredOption("--from <time>", "start of the measurement window: ISO 8601 or unix seconds")
    .requiredOption("--to <time>", "end of the measurement window: ISO 8601 or unix seconds")
    .option("--out <dir>", "write outputs here (default: reports/runs/<run id>)")
    .addOption(new Option("--profile <name>", "profile of the scenario whose SLOs apply").choices(PROFILE_NAMES).default("ci"))
    .option("--fail-on-inconclusive", "exit 1 when any verdict is inconclusive", false)
    .option("--latency-metric <name>", "native histogram of call latency in seconds (k6_http_req_duration_seconds for plain HTTP)", "k6_mcp_call_duration_seconds")
    .option("--calls-metric <name>", "counter of calls, split by an outcome, expected_response or status label (or k6_http_reqs_total)", "k6_mcp_calls_total")
    .option("--matchers <matchers>", 'extra label matchers for every query, e.g. testid="nightly-42"')
    .action(async (file: string, o: EvaluateFlags) => {
      // It starts nothing itself, but it is a command like the others: what killed runs left goes.
      await reapLeftovers();
      const outcome = await evaluateFromPrometheusCommand(file, o, ["mcp-slo", ...process.argv.slice(2)]);
      print(outcome.record, outcome.outDir);
      setExitCode(outcome.exitCode);
    });
}
