/**
 * One scenario, start to verdict, in one of three run modes: a measurement window under load
 * (backing services, one MCP session per agent and server, warm-up, the window, SLO evaluation),
 * a capacity search (the same stack, rising rates, src/capacity), or cold installs (no stack,
 * src/install). Whatever happens, everything this scenario started is stopped before it returns;
 * an interrupted scenario still returns what it measured, and one error mapper says how any
 * failure ends it.
 */
import type { Scenario } from "../contracts/plan.js";
import { capabilityNeeded, declaresMethod } from "../contracts/mcp-methods.js";
import { HarnessError } from "../errors.js";
import { serverVersion } from "../catalog/servers.js";
import type { McpSession, StackEndpoints } from "../stack/mcp-session.js";
import { formatPath } from "../config/problems.js";
import { CallContext } from "../drivers/sdk-driver.js";
import { SessionChurn } from "../drivers/session-churn.js";
import { SessionStarts } from "../metrics/session-starts.js";
import { DEFAULT_DRIVER, driverNamed } from "../drivers/index.js";
import type { DriverPhase, LiveCounts } from "../drivers/driver.js";
import { Recorder } from "../metrics/recorder.js";
import type { LoadSummary, ScenarioResult, ServerInfo } from "../results/types.js";
import { evaluateSlos } from "../slo/evaluate.js";
import { availabilitySummary, recorderMeasurements, type ProbeCount } from "../window/measurements.js";
import { AvailabilityProbe, faultProbeCount } from "./availability-probe.js";
import { emptyScenarioResult } from "../results/empty.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { FaultExperiment, type FaultsOutcome } from "../faults/experiment.js";
import { censoringWarnings } from "../faults/rpo.js";
import type { SessionPool } from "./session-pool.js";
import { RunStack } from "./run-stack.js";
import { generatorLimit } from "../drivers/generator-health.js";
import type { HttpEndpoints } from "../stack/http-bridge.js";
import { isLoopbackHost } from "../util/loopback.js";
import { displayUrl } from "../stack/remote-endpoint.js";
import type { Stack, StackProvider } from "../providers/provider.js";
import { formatMs } from "../contracts/units.js";
import { flatShape, plannedPerBucket, shapeSummary, warmupBucketStarts } from "../contracts/load-shape.js";
import type { RunInstrumentation } from "../monitoring/run-instrumentation.js";
import type { SpanHandle } from "../telemetry/telemetry.js";
import { runCapacityScenario } from "../capacity/run-capacity.js";
import { runInstallMode } from "../install/run-install-scenario.js";
import { runSecurityMode } from "../security/run-security-scenario.js";
import type { LiveParts } from "../security/scan.js";
import { conformanceAndHttp, conformanceInfo } from "../security/conformance-live.js";
import { runProbes } from "../security/probes/index.js";

/** The live parts of a security scan: probes (src/security/probes) and conformance with the HTTP checks (src/security/conformance-live.ts). */
const SECURITY_LIVE_PARTS: LiveParts = {
  probes: (t) =>
    runProbes({
      server: t.def,
      session: t.session,
      definitions: t.definitions,
      endpoints: t.endpoints,
      registry: t.registry,
      signal: t.signal,
      secrets: t.secrets,
      restartSession: t.restart,
    }),
  conformance: conformanceAndHttp,
  conformanceInfo,
};
import { measureWindow, unjudgedLoad, type WindowResult } from "../window/measure-window.js";
import { HaltMonitor, haltCondition, type HaltTrip } from "../window/halt-monitor.js";
import { burnText, haltedText, judgeHalted } from "../slo/burn-rate.js";
import type { HaltedResult } from "../results/types.js";
import { ResilienceRun } from "../resilience/run.js";
import { watchOutsideLoad, type OutsideLoad } from "../util/machine-load.js";
import { median } from "../util/stats.js";

export interface ScenarioRunOptions {
  scenario: Scenario;
  runId: string;
  registry: ResourceRegistry;
  provider: StackProvider;
  signal: AbortSignal;
  progress: (line: string) => void;
  /** Spans for the phases and hooks for sampled calls; none when absent. */
  instrumentation?: Pick<RunInstrumentation, "telemetry" | "hooks">;
}

/** One scenario as it runs: what every run mode reads and fills. */
interface ScenarioRun {
  opts: ScenarioRunOptions;
  scenario: Scenario;
  base: ScenarioResult;
  registry: ResourceRegistry;
  signal: AbortSignal;
  say: (line: string) => void;
}

/** A run mode that needs the stack: it finds the stack, the sessions and the endpoints started. */
interface StackRun extends ScenarioRun {
  stack: Stack;
  pool: SessionPool;
  endpoints: StackEndpoints;
  httpEndpoints: HttpEndpoints | undefined;
  experiment: FaultExperiment | undefined;
  /** Where server exits are dated from: the window's start once it opened, before that the agents' start. */
  windowStart: number | undefined;
  /** Stopped (with what it counted) before the stack is. */
  availabilityProbe: AvailabilityProbe | undefined;
}

type RunModeName = "window" | "capacity" | "install" | "security";

/** The run modes: how a scenario is measured, chosen from what the plan asks for. */
const RUN_MODES: Record<RunModeName, (run: ScenarioRun) => Promise<void>> = {
  window: (run) => withStack(run, runWindow),
  // Capacity search (src/capacity): rising rates, each step judged; replaces the single window.
  capacity: (run) =>
    withStack(run, (r) =>
      runCapacityScenario({
        scenario: r.scenario,
        base: r.base,
        agents: r.pool.agents,
        runId: r.opts.runId,
        registry: r.registry,
        signal: r.signal,
        say: r.say,
        sandbox: r.endpoints.sandbox,
        ...(r.stack.redisInfo && { redisInfo: r.stack.redisInfo }),
        ...(r.opts.instrumentation && { hooks: r.opts.instrumentation.hooks }),
      }),
    ),
  // Install scenarios time cold installs instead of load: no stack, no sessions (src/install).
  install: runInstallMode,
  // Security scans start their own stack, one server at a time (src/security).
  security: (run) =>
    runSecurityMode({
      scenario: run.scenario,
      base: run.base,
      registry: run.registry,
      provider: run.opts.provider,
      signal: run.signal,
      say: run.say,
      live: SECURITY_LIVE_PARTS,
    }),
};

function runModeOf(s: Scenario): RunModeName {
  if (s.workload.install) return "install";
  if (s.workload.security) return "security";
  return s.capacity ? "capacity" : "window";
}

/**
 * How a failure ends a scenario, whatever the mode: interrupted; invalid input, rethrown (the whole
 * run is refused); anything else an error the result says, with what the harness knows of it.
 */
function recordFailure(base: ScenarioResult, err: unknown): void {
  if (err instanceof HarnessError && err.code === "interrupted") base.status = "interrupted";
  else if (err instanceof HarnessError && err.code === "invalid_input") throw err;
  else {
    base.status = "error";
    base.error =
      err instanceof HarnessError
        ? [err.message, ...err.details, ...(err.hint ? [`hint: ${err.hint}`] : [])].join("\n")
        : `harness error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  }
}

export async function runScenario(opts: ScenarioRunOptions): Promise<ScenarioResult> {
  const s = opts.scenario;
  const base: ScenarioResult = emptyScenarioResult(s, new Date().toISOString());
  if (s.variant) base.variant = s.variant;
  const run: ScenarioRun = {
    opts,
    scenario: s,
    base,
    registry: opts.registry,
    signal: opts.signal,
    say: (line) => opts.progress(`[${s.name}${s.variant ? `[${s.variant}]` : ""}] ${line}`),
  };
  try {
    await RUN_MODES[runModeOf(s)](run);
    if (opts.signal.aborted && base.status === "completed") base.status = "interrupted";
  } catch (err) {
    recordFailure(base, err);
  } finally {
    base.endedAt = new Date().toISOString();
  }
  return base;
}

/** Starts the backing services, the HTTP endpoints and every session (src/run/run-stack.ts), runs `mode`, and stops all of it. */
async function withStack(run: ScenarioRun, mode: (run: StackRun) => Promise<void>): Promise<void> {
  const { scenario: s, registry, signal, say, base } = run;
  // A driver that opens its agents' sessions itself (k6, autocannon): the harness keeps one
  // control session per server, for tools/list and the start time.
  const started = new RunStack({
    scenario: s,
    registry,
    provider: run.opts.provider,
    signal,
    say,
    sessionsPerServer: driverNamed(s.driver).ownSessions ? 1 : s.agents,
  });
  const pool = started.pool;
  let stacked: StackRun | undefined;
  try {
    // Load sent off this machine (--allow-hosts): marked in results.json and the report before anything is sent.
    const offLoopback = [
      ...new Set(s.servers.flatMap((d) => (d.remote && !isLoopbackHost(new URL(d.remote.url).hostname) ? [new URL(d.remote.url).hostname] : []))),
    ];
    if (offLoopback.length > 0) base.offLoopback = { hosts: offLoopback };
    try {
      await started.start();
    } finally {
      // What the report says of the stack, also when a session could not start.
      if (started.stack) base.backends = started.stack.backends;
      if (started.upstreams?.length) base.upstreams = started.upstreams;
    }
    const stack = started.stack!;
    const endpoints = started.endpoints!;
    for (const u of base.upstreams ?? [])
      say(`${u.api} API: ${u.mode === "live" ? "the real API (live mode)" : `stand-in (${u.payloads})`} for ${u.servers.join(", ")}`);
    const httpEndpoints = started.httpEndpoints;
    stacked = { ...run, stack, pool, endpoints, httpEndpoints, experiment: undefined, windowStart: performance.now(), availabilityProbe: undefined };
    const sessions = pool.sessions;
    for (const [server, tools] of toolsNeeded(s)) {
      const offered = sessions.find((x) => x.server.name === server)?.tools ?? [];
      const missing = [...tools].filter((t) => !offered.includes(t));
      if (missing.length) {
        const why = fallbackOf(s, server);
        throw new HarnessError("invalid_input", `${s.file}: server "${server}" does not offer tool(s) ${missing.join(", ")}${why}`, {
          details: [`tools/list answered: ${offered.join(", ")}`],
        });
      }
    }
    checkMethodsDeclared(s, sessions);
    await checkAnswerReads(s, sessions);
    base.servers = s.servers.map((def): ServerInfo => {
      const own = sessions.filter((x) => x.server.name === def.name);
      const times = own.map((x) => x.startToReadyMs);
      return {
        name: def.name,
        package: def.package,
        version: def.package === "custom" ? (own[0]?.serverVersion ?? "unknown") : serverVersion(def),
        // A url target is spoken to over HTTP whatever the scenario's transport is for the servers it starts.
        transport: def.remote ? "http" : s.transport,
        // The stack knows where it ran a server (containers, a compose service); else the harness's own children.
        runsOn: def.remote ? { kind: "url" as const, url: displayUrl(def.remote.url) } : (stack.runsOn?.(def.name) ?? { kind: "host-process" as const }),
        startToReadyMs: { p50: median(times) ?? 0, max: Math.max(...times), sessions: times.length },
        upstream: stack.endpoints.upstream?.(def.name)?.mode ?? "none",
        tools: own[0]?.tools ?? [],
      };
    });
    // Faults, or RPO writers alone (a consistency check: every acknowledged write must be read back).
    if (s.recovery || s.rpo) {
      if (s.recovery) pool.supervisor = s.recovery.supervisor;
      const telemetry = run.opts.instrumentation?.telemetry;
      stacked.experiment = new FaultExperiment({
        scenario: s,
        stack,
        pool,
        runId: run.opts.runId,
        signal,
        say,
        ...(telemetry && { onFaultEvent: (name, attrs) => telemetry.faultEvent(name, attrs) }),
      });
      await stacked.experiment.prepare();
    }
    await mode(stacked);
  } finally {
    say("stopping");
    await stacked?.availabilityProbe?.stop();
    if (pool.exits.length > 0 || pool.exitsNotKept > 0) {
      const from = stacked?.windowStart ?? performance.now();
      base.serverExits = pool.exits.map((x) => ({
        server: x.server,
        session: `${x.server}#${x.agent}`,
        atMs: x.at - from,
        code: x.code,
        signal: x.signal,
        stderr: x.stderr,
      }));
      if (pool.exitsNotKept > 0) say(`${pool.exitsNotKept} further server process exits not kept`);
    }
    const upstreamsNow = started.stack?.upstreams;
    if (base.upstreams && upstreamsNow) base.upstreams = await upstreamsNow().catch(() => base.upstreams);
    await stacked?.experiment?.rollback();
    await started.stop();
  }
}

/** The window run mode: warm-up, then one measurement window, judged. */
async function runWindow(run: StackRun): Promise<void> {
  const { scenario: s, base, pool, registry, signal, say, experiment, opts } = run;
  const driver = driverNamed(s.driver);
  if (s.availabilityProbe) {
    run.availabilityProbe = new AvailabilityProbe({
      scenario: s,
      pool,
      runId: opts.runId,
      sandbox: run.endpoints.sandbox,
      ...s.availabilityProbe,
      // One probe per server: where the fault experiment probes, its points are counted instead.
      probedElsewhere: new Set(s.recovery ? [s.recovery.probe.server] : []),
    });
    await run.availabilityProbe.prepare();
  }
  const availabilityProbe = run.availabilityProbe;
  // The count correction needs each agent's pace: only a driver that says which agent sent a call.
  const correctCounts = s.load.model === "closed" && driver.knowsAgents;
  const recorder = new Recorder({ plannedMeasureMs: s.durationMs, warmupMs: s.warmupMs, now: performance.now(), correctCounts });
  const calls = new CallContext(recorder, pool.agents, s.callTimeoutMs, { backoff: s.load.model === "closed" });
  calls.signal = signal;
  // Per agent, the window's ok and failed calls: the run's CallContext counts them, unless the driver
  // sends as every agent on sessions of its own (threads), which adds its counts in here.
  const agentTallies = driver.ownSessions ? Array.from({ length: s.agents }, () => ({ ok: 0, failed: 0 })) : calls.tallies;
  const churn = s.sessions
    ? new SessionChurn(s.sessions.churn, pool.agents, pool, new SessionStarts(), { startTimeoutMs: s.startTimeoutMs, signal })
    : undefined;
  calls.sessions = churn;
  if (opts.instrumentation) calls.hooks = opts.instrumentation.hooks;
  const resilience = s.resilience.length > 0 || s.versionSwitch ? new ResilienceRun(s, calls) : undefined;
  const telemetry = opts.instrumentation?.telemetry;
  if (resilience && telemetry)
    resilience.calls.onEvent = (e) => telemetry.faultEvent(`resilience.${e.kind}`, { "mcp_slo.server": e.server, "mcp_slo.detail": e.detail });
  const workload = s.workload.prepare({
    calls: resilience?.calls ?? calls,
    runId: opts.runId,
    seed: s.seed,
    agents: s.agents,
    sandbox: run.endpoints.sandbox,
    ...(run.stack.redisInfo && { redisInfo: run.stack.redisInfo }),
  });
  // A driver that records only after its load ended (k6) gives its own live counts; the others fill the recorder as they go.
  const tick = (phase: string, totalMs: number | undefined) => (elapsed: number, live?: LiveCounts) => {
    const ok = live?.ok ?? recorder.count({}, ["ok"]);
    const failed = live?.failed ?? recorder.count({}, ["error", "timeout"]);
    say(
      `${phase} ${(elapsed / 1000).toFixed(0)}${totalMs ? `/${(totalMs / 1000).toFixed(0)}` : ""} s${phase === "measure" ? `, ${ok} ok, ${failed} failed` : ""}`,
    );
  };
  const warnings = censoringWarnings(s);
  if (warnings.length) {
    base.warnings = warnings;
    for (const w of warnings) say(`warning: ${w}`);
  }
  // The probe and the RPO writers start before the warm-up: the steady state is judged before the window, writers have a history.
  experiment?.startBeforeWindow();
  await experiment?.lead(s.warmupMs);
  const urls = new Map(
    s.transport === "http"
      ? s.servers.flatMap((d) => {
          const url = run.endpoints.http?.(d.name)?.url;
          return url === undefined ? [] : [[d.name, url] as const];
        })
      : [],
  );
  const phase = (
    name: "warmup" | "measure",
    durationMs: number | undefined,
    count: number | undefined,
    onTick: (elapsed: number, live?: LiveCounts) => void,
    phaseSignal: AbortSignal = signal,
  ): DriverPhase => ({
    scenario: s,
    phase: name,
    durationMs,
    count,
    // A load shape's warm-up runs flat at its first target.
    load: name === "warmup" && s.load.shape && durationMs !== undefined ? { ...s.load, shape: flatShape(s.load.shape.start, durationMs) } : s.load,
    recorder,
    workload,
    urls,
    registry,
    runId: opts.runId,
    signal: phaseSignal,
    onTick,
    // Churn per join: a worker the shape turns off is its agent leaving (the scenario checked the workload's workers are its agents).
    ...(churn?.policy.kind === "join" && { onWorkerLeaves: (worker: number) => churn.leave(worker) }),
    agentTallies,
    sandbox: run.endpoints.sandbox,
  });

  if (s.warmupMs > 0 && !signal.aborted) {
    say(`warm-up ${formatMs(s.warmupMs)}${driver.name === DEFAULT_DRIVER ? "" : ` (${driver.name})`}`);
    calls.phase = "warmup";
    const warmupSpan = opts.instrumentation?.telemetry.startSpan("phase warm-up", { "mcp_slo.phase": "warmup" });
    await unjudgedLoad(driver, phase("warmup", s.warmupMs, undefined, tick("warm-up", s.warmupMs)));
    warmupSpan?.end();
  }
  let stats: WindowResult | undefined;
  let faultsOutcome: FaultsOutcome | undefined;
  let outsideLoad: OutsideLoad | undefined;
  // Halt on burn (scenario `slos[].halt`): a trip stops the window's load (not the run: the scenario ends cleanly) and heals the faults.
  const halting = new AbortController();
  const measureSignal = AbortSignal.any([signal, halting.signal]);
  const monitor = new HaltMonitor({
    slos: s.slos,
    servers: s.servers.map((d) => d.name),
    recorder,
    onTrip: (trip) => {
      say(
        `HALT ${((trip.reading.at - trip.t0) / 1000).toFixed(1)} s into the window: ${trip.sloId} burns its error budget at ${burnText(trip.reading.burnRate)} (${trip.reading.bad} of ${trip.reading.samples} calls bad over the last ${formatMs(trip.plan.windowMs)}); stopping the load${experiment ? " and healing the faults" : ""}`,
      );
      halting.abort();
      experiment?.halt(`${trip.sloId} burned its error budget at ${burnText(trip.reading.burnRate)}`);
    },
  });
  if (!signal.aborted) {
    say(`measuring ${s.durationMs !== undefined ? formatMs(s.durationMs) : ""}${s.count !== undefined ? ` (at most ${s.count} operations)` : ""}`);
    let measureSpan: SpanHandle | undefined;
    let outside: Awaited<ReturnType<typeof watchOutsideLoad>> | undefined;
    // Backoff waits end at a halt too: the load is over.
    calls.signal = measureSignal;
    try {
      stats = await measureWindow(driver, phase("measure", s.durationMs, s.count, tick("measure", s.durationMs), measureSignal), {
        before: async () => {
          await workload.beforeMeasure?.();
          // The steady state is checked on the probes sent so far, right before the window opens.
          await experiment?.beforeWindow();
          // Read before t0: walking /proc (and asking the engine for container PIDs) must not delay the first sends.
          outside = await watchOutsideLoad(run.stack.processRoots);
        },
        open: async (t0) => {
          // Every fault due at 0 s is injected before the window's first call; later ones run on their timeline from t0.
          await experiment?.openWindow(t0);
          calls.phase = "measure";
          resilience?.open(t0, signal);
          measureSpan = opts.instrumentation?.telemetry.startSpan("phase measure", { "mcp_slo.phase": "measure" });
          // The availability probe runs through the measurement window, from its first call.
          availabilityProbe?.start();
          monitor.start(t0);
        },
      });
    } finally {
      // Its timers must not outlive the window, whatever ended it.
      monitor.stop();
      calls.signal = signal;
    }
    run.windowStart = recorder.windowStart;
    outsideLoad = await outside?.stop();
    await availabilityProbe?.stop();
    if (experiment) {
      say("waiting for recovery, then reading back what was written");
      faultsOutcome = await experiment.finish();
    }
    measureSpan?.end();
    calls.phase = "warmup";
    await workload.afterMeasure?.();
  }
  if (signal.aborted) base.status = "interrupted";

  const measuredMs = recorder.measuredMs;
  const load: LoadSummary = {
    model: s.load.model,
    agents: s.agents,
    ...(s.load.model === "open" && { rate: s.load.rate }),
    ...(s.load.shape && { shape: shapeSummary(s.load.model, s.load.shape) }),
    warmupMs: s.warmupMs,
    durationMs: s.durationMs ?? null,
    measuredMs,
    offered: stats?.offered ?? 0,
    completed: stats?.completed ?? 0,
    lateSends: stats?.lateSends ?? 0,
    dropped: stats?.dropped ?? 0,
    lateThresholdMs: 10,
    throughput: measuredMs > 0 ? (recorder.count({}, ["ok"]) * 1000) / measuredMs : 0,
    generatorCpu: stats?.cpu ?? 0,
    eventLoopDelayP99Ms: stats?.eventLoopDelayP99Ms ?? 0,
    harnessTimed: driver.harnessTimed,
    ...(stats?.threads && { threads: stats.threads }),
    ...(outsideLoad && { outsideCpu: { cores: outsideLoad.cores, cpus: outsideLoad.cpus } }),
  };
  base.load = load;
  base.latency = recorder.latencySummaries();
  // Per method only when the workload sent other methods than tools/call: otherwise it is the latency table again.
  if (recorder.usedOtherMethods) base.methods = recorder.methodSummaries();
  const payload = recorder.payloadSummaries();
  if (payload.length > 0) base.payload = payload;
  const notifications = recorder.notificationCounts();
  // A subscription that brought nothing is a figure too (0), not a missing one.
  if (notifications.length > 0 || s.workload.methodsUsed?.some((m) => m.method === "resources/subscribe")) base.notifications = notifications;
  base.timeline = recorder.timelinePoints();
  // The harness's event-loop delay per window, beside the calls of the same windows.
  if (stats?.harnessDelay) base.timeline.harnessDelay = stats.harnessDelay;
  if (s.load.shape) {
    // The planned shape per bucket, up to where the window really ended (an interrupted run stops early).
    const end = Math.min(measuredMs, s.durationMs ?? measuredMs);
    base.timeline.planned = plannedPerBucket(s.load.shape, s.load.model, base.timeline.intervalMs, end, warmupBucketStarts(base.timeline.points));
  }
  base.errors = recorder.errorSummaries();
  const coordination = workload.coordination?.();
  if (coordination) base.coordination = coordination.summary;
  const cache = workload.cache?.();
  if (cache) base.cache = cache;
  const script = workload.script?.();
  if (script) {
    base.script = script;
    const sum = (k: "failed" | "broken" | "unexpected") => script.steps.reduce((n, st) => n + st[k], 0);
    say(
      `agent tasks: ${script.tasks.completed} of ${script.tasks.started} completed; stopped by ${sum("failed")} failed call(s), ${sum("broken")} broken chain(s), ${sum("unexpected")} unmet expect(s)`,
    );
  }
  if (faultsOutcome) {
    // Steady state and recovery belong to runs that inject faults; RPO writers alone report their loss only.
    if (s.faults.length > 0) base.faults = faultsOutcome.faults;
    if (faultsOutcome.rpo.length > 0) base.rpo = faultsOutcome.rpo;
    if (faultsOutcome.steadyState.length > 0) base.steadyState = faultsOutcome.steadyState;
    if (faultsOutcome.probe) base.probe = faultsOutcome.probe;
  }

  const probes: ProbeCount[] = availabilityProbe
    ? [...availabilityProbe.counts(), ...(faultsOutcome?.probe ? [faultProbeCount(faultsOutcome.probe, measuredMs)] : [])]
    : [];
  base.calls = recorder.callSummaries();
  if (churn)
    base.sessions = churn.summary({
      windowCalls: recorder.count({}, ["ok", "error", "timeout"]),
      peakOpen: pool.peakAgentSessions,
      firstSessions: s.agents * s.servers.length,
    });
  base.availability = availabilitySummary({
    servers: s.servers.map((d) => d.name),
    recorder,
    probes,
    probe: s.availabilityProbe ?? null,
    correctionNote: correctCounts
      ? "closed model: a timed-out call and a backoff after a lost session also count the calls the agent would have sent meanwhile at its recent pace (missed, counted as failed)"
      : s.load.model === "open"
        ? "open model: calls are sent on schedule whatever the answers, so the raw counts already hold every intended call"
        : `closed model with the ${s.driver} driver, which does not say which agent sent a call: raw counts, not corrected`,
  });
  const limit = generatorLimit(stats, { droppedIsBacklog: false });
  const harnessDelayMs = load.harnessTimed === false ? undefined : load.eventLoopDelayP99Ms;
  if (resilience && recorder.windowStart !== undefined) {
    base.resilience = await resilience.finish({
      windowStart: recorder.windowStart,
      windowEnd: recorder.windowStart + measuredMs,
      interrupted: signal.aborted,
      faults: faultsOutcome?.faults ?? [],
      servers: base.servers,
      harnessDelayMs,
    });
  }
  const measurements = recorderMeasurements({
    scenario: s,
    recorder,
    agentTallies,
    knowsAgents: driver.knowsAgents,
    servers: base.servers,
    measuredMs,
    generatorLimit: limit,
    coordination,
    cache,
    faults: faultsOutcome,
    probes,
    harnessDelayMs,
    fallbacks: base.resilience?.fallbacks,
    sessionStarts: churn?.starts,
  });
  base.slos = evaluateSlos(s.slos, measurements);
  if (monitor.armed) base.haltWatch = monitor.watched();
  const trip = monitor.tripped;
  if (trip) {
    base.halted = haltedResult(trip, s.durationMs, measuredMs);
    base.slos = judgeHalted(base.slos, base.halted);
  }
}

function haltedResult(trip: HaltTrip, plannedMs: number | undefined, measuredMs: number): HaltedResult {
  const r = trip.reading;
  const h: Omit<HaltedResult, "text"> = {
    slo: trip.sloId,
    title: trip.title,
    condition: haltCondition(trip.plan),
    budget: trip.budget,
    atMs: r.at - trip.t0,
    overSinceMs: r.overSince - trip.t0,
    burnRate: r.burnRate,
    samples: r.samples,
    bad: r.bad,
    inFlight: r.inFlight,
    plannedMs: plannedMs ?? null,
    measuredMs,
  };
  return { ...h, text: haltedText(h) };
}

/**
 * Every method other than tools/call the workload sends must be one its server declared in its
 * initialize result (the spec's capability negotiation): a server that does not declare it need not
 * answer, so every such request would fail and the figures would measure the refusal, not the method.
 * The server answered, but not what the scenario needs of it: an environment error (exit 3).
 */
function checkMethodsDeclared(s: Scenario, sessions: readonly McpSession[]): void {
  for (const use of s.workload.methodsUsed ?? []) {
    const capabilities = sessions.find((x) => x.server.name === use.server)?.client.getServerCapabilities();
    if (declaresMethod(capabilities, use.method)) continue;
    const need = capabilityNeeded(use.method);
    const wanted = need === undefined ? "" : need.subscribe ? `resources.subscribe` : need.name;
    throw new HarnessError(
      "environment",
      `${s.file}: server "${use.server}" does not declare the ${wanted} capability, so it need not answer ${use.method} (${use.path})`,
      { details: [`its initialize result declared: ${Object.keys(capabilities ?? {}).join(", ") || "no capabilities"}`] },
    );
  }
}

/**
 * A workload's reads of answers (a script's {{steps.<step>.result...}} and expect paths) checked against the
 * output schemas the servers declare in tools/list: one the schema rules out could never be met, so the run
 * stops before the load (exit 3), naming the path of the file. A tool without an output schema is checked
 * per answer instead (broken chains).
 */
async function checkAnswerReads(s: Scenario, sessions: readonly McpSession[]): Promise<void> {
  if (!s.workload.answerProblems) return;
  const schemas = new Map<string, Map<string, unknown>>();
  for (const server of s.workload.toolsUsed.keys()) {
    const session = sessions.find((x) => x.server.name === server);
    if (!session) continue;
    // The sessions listed their tools' names at start; the schemas are asked for here, by the one workload that reads them.
    const own = new Map<string, unknown>();
    let cursor: string | undefined;
    // Page by page, bounded: a server that kept answering with a cursor must not hold the start forever.
    for (let page = 0; page < 100; page++) {
      const listed = await session.client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: s.startTimeoutMs });
      for (const t of listed.tools) if (t.outputSchema !== undefined) own.set(t.name, t.outputSchema);
      cursor = listed.nextCursor;
      if (cursor === undefined) break;
    }
    schemas.set(server, own);
  }
  const problems = s.workload.answerProblems((server, tool) => schemas.get(server)?.get(tool));
  if (problems.length === 0) return;
  throw new HarnessError("environment", `${s.file}: ${problems.length} read(s) of an answer that the server's declared output schema rules out`, {
    details: problems.map((p) => `${formatPath(p.path)}: ${p.message}`),
    hint: "fix the path, or call a tool whose answer has that field",
  });
}

/**
 * Tools each server must offer: the workload's, and what the resilience policies and the version switch
 * send to other servers (a fallback's mapped tools, or the same tools by name; version B gets A's calls).
 */
function toolsNeeded(s: Scenario): Map<string, Set<string>> {
  const need = new Map<string, Set<string>>();
  const add = (server: string, tool: string) => need.set(server, (need.get(server) ?? new Set()).add(tool));
  for (const [server, tools] of s.workload.toolsUsed) for (const t of tools) add(server, t);
  for (const p of s.resilience) {
    if (p.fallback?.kind !== "server") continue;
    for (const t of s.workload.toolsUsed.get(p.server) ?? []) add(p.fallback.server, p.fallback.tools.get(t)?.tool ?? t);
  }
  const sw = s.versionSwitch;
  if (sw)
    for (const t of s.workload.toolsUsed.get(sw.from) ?? []) {
      add(sw.to, t);
      if (sw.baseline !== undefined) add(sw.baseline, t);
    }
  return need;
}

/** Why a server that the workload does not call must offer tools: it is a fallback or a switch's version B. */
function fallbackOf(s: Scenario, server: string): string {
  const p = s.resilience.find((x) => x.fallback?.kind === "server" && x.fallback.server === server);
  if (p) return ` (it is the fallback of "${p.server}": resilience.${p.server}.fallback)`;
  if (s.versionSwitch?.to === server) return ` (it is version B of the switch from "${s.versionSwitch.from}": switch.to)`;
  if (s.versionSwitch?.baseline === server) return ` (it is the baseline of the switch from "${s.versionSwitch.from}": switch.baseline)`;
  return "";
}
