/**
 * A whole `mcp-slo run`: load every scenario first (all problems at once),
 * run them one after another, write the outputs, decide the exit code.
 * SIGINT/SIGTERM stop the run cleanly: the current scenario ends with what it
 * measured, everything started is stopped, and results.json says
 * "interrupted". A second signal, or a crash, kills everything at once.
 */
import { securityInputs } from "../security/run-security-scenario.js";
import { registerSecret } from "../telemetry/redact.js";
import { registerWrittenValues } from "../stack/handed-values.js";
import { hostEnvironment } from "./environment.js";
import { lstat, rm, symlink, rename } from "node:fs/promises";
import path from "node:path";
import { loadAll } from "../config/load-scenario.js";
import { liveDrivers } from "../config/halt-checks.js";
import type { Scenario } from "../contracts/plan.js";
import { prepareOutDir } from "../outputs/out-dir.js";
import { scenarioLabel } from "../outputs/format.js";
import { DEFAULT_DRIVER, driverNamed, unmetNeeds } from "../drivers/index.js";
import { threadsDriver } from "../drivers/threads-driver.js";
import { ownSessionsRefusal, processFault } from "../faults/kinds/process.js";
import { newRunId } from "./run-id.js";
import { compareRuns, NOISE_RUNS } from "../compare/compare.js";
import { EXIT, HarnessError } from "../errors.js";
import { HARNESS_VERSION } from "../project-root.js";
import type { ClientCost, RunRecord, ScenarioResult } from "../results/types.js";
import { measureClientCost } from "../drivers/client-cost.js";
import { overallVerdict } from "../slo/evaluate.js";
import { autogroupsNotLowered } from "../stack/managed-process.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { writeResultsJsonSync, writeRunOutputs } from "../outputs/write-outputs.js";
import { publishToCi } from "../outputs/github-actions.js";
import type { StackProvider } from "../providers/provider.js";
import { runScenario } from "./run-scenario.js";
import { reapLeftovers } from "./reap-leftovers.js";
import { instrumentRun } from "../monitoring/run-instrumentation.js";
import type { Telemetry } from "../telemetry/telemetry.js";
import type { ExporterListenOptions } from "../monitoring/exporter.js";
import { collectIdentity, scenarioHash } from "./identity.js";
import { noiseRuns, openHistory, resolveRef } from "../history/index.js";
import type { RunHistory } from "../history/types.js";

export const RUN_NOTES = [
  "Samples taken one after another are not independent; the 95 % intervals behind each verdict are an honest approximation, not an exact bound.",
  "Latency SLOs judge ok and timed-out calls (a timeout counts at its deadline); failed calls count against success rate instead, and against availability as bad time.",
  "Availability is time-based (good time / observed time, from the load and from an always-on probe); success and error rates use corrected counts in the closed model; latency verdicts allow for the harness's own event-loop delay. The rules are stated at the end of the report.",
  "A percentile objective (p99 < T) is judged on the share of samples under T with a Wilson interval, so a small run can only be inconclusive, never a pass.",
  "Warm-up calls are recorded apart and never judged.",
  "[REDACTED] stands for a secret: an API token, or a value of a custom server's env or args its scenario did not mark public. Control characters a server wrote (escape sequences in its stderr, tool names or errors) are shown as escapes such as \\x1b in summary.md and on the terminal.",
];

/**
 * The harness's own cost per call, over each transport a scenario of its own driver uses, before any
 * stack starts (the machine is quiet then). A failure to measure it is said and leaves it out: it
 * describes the tool, it judges nothing.
 */
async function clientCosts(
  scenarios: readonly Scenario[],
  registry: ResourceRegistry,
  signal: AbortSignal,
  progress: (line: string) => void,
): Promise<ClientCost[] | undefined> {
  const transports = [...new Set(scenarios.filter((s) => s.driver === DEFAULT_DRIVER).map((s) => s.transport))].sort();
  const costs: ClientCost[] = [];
  for (const transport of transports) {
    if (signal.aborted) break;
    try {
      const cost = await measureClientCost({ transport, registry, signal });
      costs.push(cost);
      progress(`the harness's own cost per call (${transport}, null endpoint): p50 ${cost.p50Ms.toFixed(3)} ms, p99 ${cost.p99Ms.toFixed(3)} ms`);
    } catch (err) {
      if (!signal.aborted) progress(`warning: the harness's own cost per call (${transport}) was not measured: ${(err as Error).message}`);
    }
  }
  return costs.length > 0 ? costs : undefined;
}

export interface RunOptions {
  files: string[];
  profile: string;
  /** --profile was given by name: a file that does not define that profile is invalid input. */
  requireProfile?: boolean;
  /** `files` already loaded under `profile` (loadAll), e.g. by the CLI before it loaded the run's machinery. */
  scenarios?: Scenario[];
  /** Run every scenario with this load driver (a name of src/drivers) instead of its own (same scenario, another tool). */
  driver?: string;
  /** --threads: the threads driver's worker threads for every scenario ("auto": one per two cores). */
  threads?: number | "auto";
  /** --live: servers that call a SaaS API talk to the real one, with tokens from the environment. */
  live?: boolean;
  outDir: string | undefined;
  reportsRoot: string;
  provider: StackProvider;
  failOnInconclusive: boolean;
  progress: (line: string) => void;
  command: string[];
  /** Trace one MCP call in N into traces.jsonl (or OTLP); 0: no trace. Default 100. */
  traceSampleEvery?: number;
  /** Serve live Prometheus metrics while the run lasts. */
  metrics?: ExporterListenOptions;
  /** Injected by tests; otherwise made from traceSampleEvery and the OTEL_* environment. */
  telemetry?: Telemetry;
  /** --tag key=value, recorded in the run's identity (already checked: src/cli/history-flags.ts). */
  tags?: Record<string, string>;
  /**
   * --history: a directory, a postgres:// URL or "none". Undefined: a run in the default output
   * directory is recorded in the reports root's history; a run with --out is not recorded (tests and
   * ad-hoc runs stay out of a team's history).
   */
  history?: string;
  /** --baseline: compare the finished run with this run before the outputs are written. */
  baseline?: BaselineOptions;
}

/** run --baseline <ref> (issue 13). */
export interface BaselineOptions {
  /** A run directory, a results.json, or a reference into the history (latest, latest-pass, main~1, tag:k=v, a run id). */
  ref: string;
  force: boolean;
  /** Exit 1 on a significant, material regression even when every SLO passed. */
  failOnRegression: boolean;
}

export interface RunOutcome {
  record: RunRecord;
  exitCode: number;
  outDir: string;
}

// In their own modules so commands that only need an id, or only check files, do not load the run's machinery.
export { loadAll, newRunId };

/**
 * Applies --live (or a scenario's own `upstream: live`): every token a live server needs must be in
 * the environment before anything starts, and each one is registered for redaction from every output.
 */
export function withLiveUpstreams(scenarios: Scenario[], live: boolean): Scenario[] {
  const out = live ? scenarios.map((s) => ({ ...s, upstream: { ...s.upstream, mode: "live" as const } })) : scenarios;
  const missing = new Set<string>();
  for (const s of out) {
    if (s.upstream.mode !== "live") continue;
    for (const def of s.servers) {
      if (!def.upstream) continue;
      for (const secret of def.secrets ?? []) {
        const value = process.env[secret.env];
        if (!value) missing.add(`${secret.env} (server ${def.name}, scenario ${s.file})`);
        registerSecret(value);
      }
    }
  }
  if (missing.size) {
    throw new HarnessError("invalid_input", "live mode needs the API tokens of its servers in the environment", {
      details: [...missing].map((m) => `not set: ${m}`),
      hint: "export the tokens, or run without --live to use the local stand-ins",
    });
  }
  return out;
}

/** Applies --driver: every scenario runs with that driver, if it offers what the driver needs (src/drivers: unmetNeeds). */
export function withDriver(scenarios: Scenario[], name: RunOptions["driver"]): Scenario[] {
  if (name === undefined) return scenarios;
  const driver = driverNamed(name);
  const problems = scenarios.flatMap((s) =>
    unmetNeeds(driver, { transport: s.transport, workloadPlainCalls: s.workload.calls !== undefined }).map((unmet) =>
      unmet === "transport"
        ? `${s.file}: --driver ${driver.name} speaks MCP Streamable HTTP, but this scenario has transport: ${s.transport}`
        : `${s.file}: --driver ${driver.name} runs a mix of tool calls; the ${s.workload.kind} workload needs the sdk driver`,
    ),
  );
  // k6 and autocannon write tools/call requests themselves; other MCP methods are the sdk client's.
  if (driver.needs.plainCalls && !driver.everyMethod)
    for (const s of scenarios) {
      const i = s.workload.calls?.findIndex((c) => c.method !== undefined) ?? -1;
      if (i >= 0)
        problems.push(
          `${s.file}: --driver ${driver.name} sends tools/call only; workload.calls[${i}] sends ${s.workload.calls![i]!.method}, which needs the sdk driver`,
        );
      if (s.workload.setup?.length) problems.push(`${s.file}: --driver ${driver.name} sends the mix's calls only; workload.setup needs the sdk driver`);
    }
  if (driver.ownSessions)
    for (const s of scenarios)
      for (const f of s.faults)
        if (f.kind === processFault.name && f.target.startsWith("server:"))
          problems.push(`${s.file}: fault ${f.id} (${f.description}): ${ownSessionsRefusal(driver.name, f.target.slice("server:".length))}`);
  if (driver.noStages !== undefined)
    for (const s of scenarios) if (s.load.shape) problems.push(`${s.file}: load.stages: --driver ${driver.name} cannot run a load shape (${driver.noStages})`);
  // The agents' resilience policies and version switches live in front of the sdk driver's calls (src/resilience).
  if (driver.name !== DEFAULT_DRIVER)
    for (const s of scenarios)
      if (s.resilience.length > 0 || s.versionSwitch)
        problems.push(`${s.file}: --driver ${driver.name} sends the calls itself; this scenario's resilience policies or version switch need the sdk driver`);
  if (driver.ownSessions)
    for (const s of scenarios)
      if (s.sessions) problems.push(`${s.file}: --driver ${driver.name} opens its own sessions; this scenario's sessions.churn needs the sdk driver`);
  if (driver.ownSessions)
    for (const s of scenarios)
      for (const d of s.servers)
        if (d.remote)
          problems.push(
            `${s.file}: --driver ${driver.name} writes its own requests and cannot reach the url server "${d.name}" (its headers, token, TLS, hop); it needs the sdk driver`,
          );
  // A halt watches the window's samples as they come: a driver that hands them over after its load cannot feed it.
  if (driver.recordsAfterLoad)
    for (const s of scenarios)
      for (const slo of s.slos)
        if (slo.halt)
          problems.push(
            `${s.file}: --driver ${driver.name} hands its samples over only after its load ended; the halt condition of SLO "${slo.id}" needs the ${liveDrivers()} driver`,
          );
  if (problems.length) throw new HarnessError("invalid_input", `--driver ${driver.name} cannot run every scenario given`, { details: problems });
  return scenarios.map((s) => ({ ...s, driver: driver.name }));
}

/** Applies --threads: every scenario's threads driver runs on that many threads; a scenario of another driver is refused. */
export function withThreads(scenarios: Scenario[], threads: RunOptions["threads"]): Scenario[] {
  if (threads === undefined) return scenarios;
  const others = scenarios.filter((s) => s.driver !== threadsDriver.name);
  if (others.length > 0)
    throw new HarnessError("invalid_input", `--threads sets the worker threads of the ${threadsDriver.name} driver; these scenarios use another driver`, {
      details: others.map((s) => `${s.file}: driver ${s.driver}`),
      hint: `add --driver ${threadsDriver.name}, or set driver: ${threadsDriver.name} in the scenario`,
    });
  return scenarios.map((s) => {
    const { threads: _, ...rest } = s;
    return threads === "auto" ? rest : { ...rest, threads };
  });
}

/**
 * --baseline: the baseline is looked up now that the run's own scenario hashes are known (`latest`
 * means the newest earlier run comparable with this one), and the history's earlier comparable runs
 * give the noise. A baseline that cannot be used is said in the record's notes and is exit 2; the
 * outputs are written all the same.
 */
async function compareWithBaseline(record: RunRecord, b: BaselineOptions, lookup: RunHistory | null, location: string): Promise<{ exitCode: number }> {
  if (record.status !== "completed") {
    record.notes.push(`not compared with ${b.ref}: the run did not complete`);
    return { exitCode: EXIT.ok };
  }
  try {
    const baseline = await resolveRef(lookup, b.ref, record);
    const history = await noiseRuns(lookup, baseline.record, record, NOISE_RUNS);
    record.comparison = compareRuns(baseline.record, record, {
      history,
      force: b.force,
      baselineRef: { location: baseline.ref.location, ref: b.ref },
      candidateRef: { location },
    });
  } catch (err) {
    if (!(err instanceof HarnessError) || err.code !== "invalid_input") throw err;
    record.notes.push(`not compared with ${b.ref}: ${err.message}${err.details.length ? ` (${err.details.join("; ")})` : ""}`);
    return { exitCode: EXIT.invalidInput };
  }
  return { exitCode: b.failOnRegression && record.comparison.counts.regressed > 0 ? EXIT.sloFailed : EXIT.ok };
}

function exitCodeFor(record: RunRecord, failOnInconclusive: boolean): number {
  if (record.status === "interrupted") return EXIT.interrupted;
  if (record.scenarios.some((s) => s.status === "error")) return EXIT.harnessFailed;
  if (record.counts.fail > 0) return EXIT.sloFailed;
  if (failOnInconclusive && record.counts.inconclusive > 0) return EXIT.sloFailed;
  return EXIT.ok;
}

function buildRecord(base: Omit<RunRecord, "verdict" | "counts" | "endedAt" | "status">, scenarios: ScenarioResult[], interrupted: boolean): RunRecord {
  const { verdict, counts } = overallVerdict(scenarios.flatMap((s) => s.slos));
  const errored = scenarios.some((s) => s.status === "error");
  const halted = scenarios.flatMap((s) =>
    s.halted ? [{ scenario: scenarioLabel(s), slo: s.halted.slo, atMs: s.halted.atMs, burnRate: s.halted.burnRate }] : [],
  );
  return {
    ...base,
    ...(halted.length > 0 && { halted }),
    scenarios,
    status: interrupted ? "interrupted" : errored ? "error" : "completed",
    verdict: interrupted ? "interrupted" : errored ? "error" : verdict,
    counts,
    endedAt: new Date().toISOString(),
  };
}

/**
 * Points reports/latest at the newest run directory: a relative symlink,
 * swapped in by rename so readers never see it missing. A real directory of
 * that name (someone's --out) is never deleted; it is left and reported.
 */
async function pointLatest(reportsRoot: string, runDir: string, progress: (line: string) => void): Promise<void> {
  const link = path.join(reportsRoot, "latest");
  const existing = await lstat(link).catch(() => undefined);
  if (existing && !existing.isSymbolicLink()) {
    progress(`${link} is a directory, not a link: left as it is; this run is in ${runDir}`);
    return;
  }
  const tmp = `${link}.tmp-${process.pid}`;
  await rm(tmp, { force: true });
  await symlink(path.relative(reportsRoot, runDir), tmp);
  await rename(tmp, link);
}

export async function run(opts: RunOptions): Promise<RunOutcome> {
  const loaded = opts.scenarios ?? (await loadAll(opts.files, opts.profile, { requireProfile: opts.requireProfile ?? false }));
  const scenarios = withLiveUpstreams(withThreads(withDriver(loaded, opts.driver), opts.threads), opts.live ?? false);
  // What a scenario hands its custom servers (env, args) is redacted from every output unless public.
  for (const s of scenarios) for (const def of s.servers) registerWrittenValues(def);
  // A security scan's pin and policy files are read now: a broken one is refused (exit 2 naming it) before anything starts or is written.
  for (const s of scenarios) if (s.workload.security) await securityInputs(s);
  // What runs killed outright (SIGKILL, OOM) left behind, before this run adds its own.
  await reapLeftovers();
  // Opened (a database connected and migrated) before anything starts: an unreachable one fails the run at once, with nothing written.
  const history = await openHistory(opts.history ?? (opts.outDir === undefined ? opts.reportsRoot : "none"), opts.reportsRoot, {
    warn: (line) => opts.progress(`warning: ${line}`),
  });
  // --baseline refs are looked up in the run's history, or in the reports root's when the run is not
  // recorded (--out): `latest` still means the newest run kept there. Checked now, so a ref that names
  // nothing is refused before anything starts; resolved for real after the run (comparable with it).
  const lookup =
    opts.baseline === undefined || history !== null || opts.history === "none"
      ? history
      : await openHistory(opts.reportsRoot, opts.reportsRoot, { warn: (line) => opts.progress(`warning: ${line}`) });
  const closeHistories = async () => {
    await history?.close();
    if (lookup !== history) await lookup?.close();
  };
  if (opts.baseline !== undefined) {
    await resolveRef(lookup, opts.baseline.ref).catch(async (err: unknown) => {
      await closeHistories();
      throw err;
    });
  }
  const runId = newRunId();
  const outDir = opts.outDir ?? path.join(opts.reportsRoot, "runs", runId);
  // An unusable --out is invalid input before anything starts; a run refused after this leaves no empty dir.
  const prepared = await prepareOutDir(outDir, opts.outDir === undefined ? "output directory" : "--out").catch(async (err: unknown) => {
    await closeHistories();
    throw err;
  });
  const registry = new ResourceRegistry({ runId });
  const controller = new AbortController();
  const instrumentation = await instrumentRun({
    runId,
    outDir,
    traceSampleEvery: opts.traceSampleEvery,
    metrics: opts.metrics,
    telemetry: opts.telemetry,
    progress: opts.progress,
  }).catch(async (err: unknown) => {
    await prepared.discard();
    await closeHistories();
    throw err;
  });
  const results: ScenarioResult[] = [];
  const identity = await collectIdentity({ provider: opts.provider.name, tags: opts.tags ?? {}, runId });
  const base = {
    schemaVersion: 1 as const,
    runId,
    harness: { name: "mcp-slo-harness" as const, version: HARNESS_VERSION },
    startedAt: new Date().toISOString(),
    command: opts.command,
    profile: opts.profile,
    environment: { ...hostEnvironment(), stack: { provider: opts.provider.name } } as RunRecord["environment"],
    scenarios: [],
    // A copy: a comparison adds its own notes to this run's record.
    notes: [...RUN_NOTES],
    identity,
    // junit.xml and summary.md render an inconclusive verdict as failing the run when it does (issue 17).
    ...(opts.failOnInconclusive && { failOnInconclusive: true }),
  };

  // Which engine ran the stacks (--provider docker) is known once the first one started; which
  // processes' scheduling groups the kernel would not lower, as they start.
  const noteStack = () => {
    const engine = opts.provider.describe?.(registry);
    if (engine !== undefined) base.environment.stack = { provider: opts.provider.name, engine };
    const refused = autogroupsNotLowered();
    if (refused.length > 0 && base.environment.priority) base.environment.priority.autogroupsNotLowered = [...refused];
  };
  // Last resort: whatever way this process ends, no child of the run survives it.
  const onExit = () => registry.killAllSync();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      opts.progress(`${sig}: stopping the run and writing partial results (send it again to stop at once)`);
      controller.abort();
      return;
    }
    registry.killAllSync();
    noteStack();
    try {
      writeResultsJsonSync(buildRecord(base, results, true), outDir);
    } finally {
      process.exit(EXIT.interrupted);
    }
  };
  process.on("exit", onExit);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    base.environment.clientCost = await clientCosts(scenarios, registry, controller.signal, opts.progress);
    for (const scenario of scenarios) {
      if (controller.signal.aborted) break;
      const result = await instrumentation.scenario(scenario, () =>
        runScenario({ scenario, runId, registry, provider: opts.provider, signal: controller.signal, progress: opts.progress, instrumentation }),
      );
      results.push({ ...result, scenarioHash: scenarioHash(scenario) });
    }
  } finally {
    noteStack();
    await registry.disposeAll();
    await instrumentation.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", onExit);
  }
  const record = buildRecord(base, results, controller.signal.aborted);
  try {
    const compared = opts.baseline ? await compareWithBaseline(record, opts.baseline, lookup, outDir) : { exitCode: EXIT.ok };
    await writeRunOutputs(record, outDir);
    // On a CI job page (issue 17): summary.md appended to $GITHUB_STEP_SUMMARY, ::error/::warning annotations.
    await publishToCi(record, outDir, { env: process.env, stdout: (text) => process.stdout.write(text), warn: (line) => opts.progress(`warning: ${line}`) });
    if (opts.outDir === undefined) await pointLatest(opts.reportsRoot, outDir, opts.progress);
    if (history !== null) {
      await history.add(record, outDir);
      opts.progress(`recorded in the history: ${history.description}`);
    }
    const exitCode = exitCodeFor(record, opts.failOnInconclusive);
    return { record, exitCode: exitCode === EXIT.ok ? compared.exitCode : exitCode, outDir };
  } finally {
    await closeHistories();
  }
}
