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
import type { Command } from "commander";
import { loadScenario } from "../config/load-scenario.js";
import { EXIT, HarnessError } from "../errors.js";
import { HARNESS_VERSION, PROJECT_ROOT } from "../project-root.js";
import { writeRunOutputs } from "../outputs/write-outputs.js";
import { publishToCi } from "../outputs/github-actions.js";
import type { RunRecord, ScenarioResult } from "../results/types.js";
import { newRunId } from "../run/run-id.js";
import { checkOutDir, prepareOutDir } from "../outputs/out-dir.js";
import { profileFlag, shown } from "./flags.js";
import { reapLeftovers } from "../run/reap-leftovers.js";
import { overallVerdict } from "../slo/evaluate.js";
import { evaluateFromPrometheus, prometheusMeasurements } from "../slo/prometheus-source.js";

/** An ISO 8601 time, or unix seconds (fractions allowed), as ms since the epoch. */
/** Latest time accepted: the end of year 9999, the last a four-digit ISO 8601 date can write. */
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

export function parseTimeArg(text: string, flag: string): number {
  const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  // 400 digits of unix seconds read as Infinity, which no Date can show: refused like any other non-time.
  if (!Number.isFinite(ms) || ms > MAX_TIME_MS)
    throw new HarnessError(
      "invalid_input",
      `${flag}: expected an ISO 8601 time (2026-01-31T12:00:00Z) or unix seconds (up to the year 9999), got ${shown(text)}`,
    );
  return ms;
}

/** Prometheus metric names: [a-zA-Z_:][a-zA-Z0-9_:]* (anything else would break the PromQL built from it). */
function checkMetricName(text: string, flag: string): void {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(text))
    throw new HarnessError("invalid_input", `${flag}: expected a Prometheus metric name such as k6_mcp_calls_total, got ${shown(text)}`);
}

/** A comma-separated list of PromQL label matchers, each `label op "value"`; added inside every selector. */
const LABEL_MATCHER = String.raw`\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\x60[^\x60]*\x60)\s*`;
const MATCHERS_RE = new RegExp(`^${LABEL_MATCHER}(,${LABEL_MATCHER})*,?\\s*$`);

function checkMatchers(text: string): void {
  if (!MATCHERS_RE.test(text))
    throw new HarnessError(
      "invalid_input",
      `--matchers: expected label matchers such as testid="nightly-42" (comma-separated, values quoted), got ${shown(text)}`,
    );
}

function checkUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new HarnessError("invalid_input", `--prometheus: expected a URL such as http://127.0.0.1:9090, got ${shown(text)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new HarnessError("invalid_input", `--prometheus: expected an http(s) URL, got ${shown(text)}`);
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
  /** What breaks the counts read (src/slo/prometheus-integrity.ts), one line per kind, naming the series; also in the record's notes. */
  warnings: string[];
}

/** The work of the command, apart from printing: usable from tests. */
export async function evaluateFromPrometheusCommand(
  file: string,
  evaluateFlags: EvaluateFlags,
  command: string[],
  opts: { requireProfile?: boolean } = {},
): Promise<EvaluateOutcome> {
  const url = checkUrl(evaluateFlags.prometheus);
  const fromMs = parseTimeArg(evaluateFlags.from, "--from");
  const toMs = parseTimeArg(evaluateFlags.to, "--to");
  if (toMs <= fromMs)
    throw new HarnessError("invalid_input", `--to (${new Date(toMs).toISOString()}) must be after --from (${new Date(fromMs).toISOString()})`);
  checkMetricName(evaluateFlags.latencyMetric, "--latency-metric");
  checkMetricName(evaluateFlags.callsMetric, "--calls-metric");
  if (evaluateFlags.matchers !== undefined) checkMatchers(evaluateFlags.matchers);
  if (evaluateFlags.out !== undefined) await checkOutDir(evaluateFlags.out);
  const scenario = await loadScenario(file, evaluateFlags.profile, opts);
  const { RUN_NOTES } = await import("../run/run.js");
  const measurements = await prometheusMeasurements({
    url,
    fromMs,
    toMs,
    latencyMetric: evaluateFlags.latencyMetric,
    callsMetric: evaluateFlags.callsMetric,
    matchers: evaluateFlags.matchers,
  });
  const slos = evaluateFromPrometheus(scenario.slos, measurements);
  const warnings = measurements.warnings();
  const runId = newRunId();
  const outDir = evaluateFlags.out ?? path.join(PROJECT_ROOT, "reports", "runs", runId);
  const startedAt = new Date(fromMs).toISOString();
  const endedAt = new Date(toMs).toISOString();
  const result: ScenarioResult = {
    ...emptyScenarioResult(
      {
        ...scenario,
        profile: evaluateFlags.profile,
        description: `${scenario.description} (judged from Prometheus at ${url}, window ${startedAt} .. ${endedAt})`,
      },
      startedAt,
      endedAt,
    ),
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
    profile: evaluateFlags.profile,
    environment: hostEnvironment(),
    counts,
    scenarios: [result],
    ...(evaluateFlags.failOnInconclusive && { failOnInconclusive: true }),
    notes: [
      ...RUN_NOTES,
      `Measured by the load generator (k6), read back from Prometheus at ${url} for ${startedAt} .. ${endedAt}; the environment above is the evaluating machine's, not the generator's.`,
      ...warnings.map((w) => `Warning: ${w}`),
    ],
  };
  // Checked before Prometheus was asked; created only now, so a failed query leaves no empty directory.
  await prepareOutDir(outDir, evaluateFlags.out === undefined ? "output directory" : "--out");
  await writeRunOutputs(record, outDir);
  // On a CI job page (issue 17): summary.md appended to $GITHUB_STEP_SUMMARY, ::error/::warning annotations.
  await publishToCi(record, outDir, {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    warn: (line) => process.stderr.write(`mcp-slo: warning: ${line}\n`),
  });
  const exitCode = counts.fail > 0 || (evaluateFlags.failOnInconclusive && counts.inconclusive > 0) ? EXIT.sloFailed : EXIT.ok;
  return { record, outDir, exitCode, warnings };
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
    .option("--profile <name>", "profile of the scenario whose SLOs apply (any profile the file defines)", "ci")
    .option("--fail-on-inconclusive", "exit 1 when any verdict is inconclusive", false)
    .option(
      "--latency-metric <name>",
      "native histogram of call latency in seconds (k6_http_req_duration_seconds for plain HTTP)",
      "k6_mcp_call_duration_seconds",
    )
    .option("--calls-metric <name>", "counter of calls, split by an outcome, expected_response or status label (or k6_http_reqs_total)", "k6_mcp_calls_total")
    .option("--matchers <matchers>", 'extra label matchers for every query, e.g. testid="nightly-42"')
    .action(async (file: string, evaluateFlags: EvaluateFlags, cmd: Command) => {
      // A profile asked for by name must exist in the file (see `run`); any name a file may define is a valid flag.
      profileFlag(evaluateFlags.profile);
      // It starts nothing itself, but it is a command like the others: what killed runs left goes.
      await reapLeftovers();
      const outcome = await evaluateFromPrometheusCommand(file, evaluateFlags, ["mcp-slo", ...process.argv.slice(2)], {
        requireProfile: cmd.getOptionValueSource("profile") === "cli",
      });
      for (const w of outcome.warnings) process.stderr.write(`mcp-slo: warning: ${w}\n`);
      print(outcome.record, outcome.outDir);
      setExitCode(outcome.exitCode);
    });
}
