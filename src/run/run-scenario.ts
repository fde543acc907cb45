/**
 * One scenario, start to verdict: backing services, one MCP session per agent
 * and server, warm-up, the measurement window, SLO evaluation, teardown.
 * Whatever happens, everything this scenario started is stopped before it
 * returns; an interrupted scenario still returns what it measured.
 */
import type { Scenario } from "../config/load-scenario.js";
import { HarnessError } from "../errors.js";
import { serverVersion } from "../catalog/servers.js";
import type { BackingService } from "../contracts/server-definition.js";
import { writeServerFiles } from "../stack/mcp-session.js";
import { CallContext, runPhase, type Agent, type PhaseStats } from "../drivers/sdk-driver.js";
import { Recorder } from "../metrics/recorder.js";
import type { LoadSummary, ScenarioResult, ServerInfo } from "../results/types.js";
import { evaluateSlos } from "../slo/evaluate.js";
import { availabilitySummary, recorderMeasurements } from "./measurements.js";
import { AvailabilityProbe, faultProbeCount, type ProbeCount } from "./availability-probe.js";
import { emptyScenarioResult } from "../results/empty.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { FaultExperiment, type FaultsOutcome } from "../faults/experiment.js";
import { stdioLayersFor } from "../faults/injector.js";
import { censoringWarnings } from "../faults/rpo.js";
import { SessionPool } from "./session-pool.js";
import { loadExternalDriver } from "../drivers/external.js";
import { generatorLimit } from "../drivers/generator-health.js";
import { startHttpEndpoints, type HttpEndpoints } from "../stack/http-bridge.js";
import type { Stack, StackProvider } from "../providers/provider.js";
import { prepareCacheAside } from "../workloads/cache-aside.js";
import { prepareCoordination } from "../workloads/coordination.js";
import { prepareMix } from "../workloads/mix.js";
import type { PreparedWorkload, WorkloadEnv } from "../workloads/workload.js";
import { formatMs } from "../contracts/units.js";
import type { RunInstrumentation } from "../telemetry/run-instrumentation.js";
import { runCapacityScenario } from "../capacity/run-capacity.js";
import { runInstallScenario } from "../install/run-install-scenario.js";

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

function prepareWorkload(s: Scenario, env: WorkloadEnv): PreparedWorkload {
  switch (s.workload.kind) {
    case "mix": return prepareMix(s.workload, env);
    case "coordination": return prepareCoordination(s.workload, env);
    case "cache-aside": return prepareCacheAside(s.workload, env);
    case "install": throw new Error("an install scenario runs no workload (src/install/run-install-scenario.ts)");
  }
}

/** Tools the workload will call, per server, to check against what each server really offers. */
function toolsUsed(s: Scenario): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  const add = (server: string, tool: string) => used.set(server, (used.get(server) ?? new Set()).add(tool));
  const w = s.workload;
  if (w.kind === "mix") for (const c of w.calls) add(c.server, c.tool);
  if (w.kind === "coordination") ["get", "set"].forEach((t) => add(w.server, t));
  if (w.kind === "cache-aside") {
    ["get", "set"].forEach((t) => add(w.cache, t));
    add(w.database, "query");
  }
  return used;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
}

export async function runScenario(opts: ScenarioRunOptions): Promise<ScenarioResult> {
  // Install scenarios time cold installs instead of load: no stack, no sessions (src/install).
  if (opts.scenario.workload.kind === "install") return runInstallScenario(opts);
  const { scenario: s, registry, signal } = opts;
  const startedAt = new Date().toISOString();
  const base: ScenarioResult = emptyScenarioResult(s, startedAt);
  let stack: Stack | undefined;
  let pool: SessionPool | undefined;
  let httpEndpoints: HttpEndpoints | undefined;
  let experiment: FaultExperiment | undefined;
  let availabilityProbe: AvailabilityProbe | undefined;
  /** Where exits are dated from: the window's start once it opened, before that the agents' start. */
  let windowStart: number | undefined;
  const say = (line: string) => opts.progress(`[${s.name}${s.variant ? `[${s.variant}]` : ""}] ${line}`);
  if (s.variant) base.variant = s.variant;
  try {
    const extraNeeds: BackingService[] = s.rpo?.stores.includes("postgres") ? ["postgres"] : [];
    const needs = new Set<BackingService>([...s.servers.flatMap((d) => d.needs), ...extraNeeds]);
    const seedRows = Math.max(1000, s.workload.kind === "cache-aside" ? s.workload.keys : 0);
    say(`starting ${[...needs].join(" and ") || "no backing services"}${s.proxied && needs.size ? " behind Toxiproxy" : ""}`);
    stack = await opts.provider.start({ servers: s.servers, extraNeeds, registry, seedRows, proxied: s.proxied, transport: s.transport, redis: s.backends.redis, postgres: s.backends.postgres, upstream: s.upstream });
    base.backends = stack.backends;
    if (signal.aborted) throw new HarnessError("interrupted", "interrupted while starting the stack");
    const upstreams = await stack.upstreams?.();
    if (upstreams?.length) {
      base.upstreams = upstreams;
      for (const u of upstreams) say(`${u.api} API: ${u.mode === "live" ? "the real API (live mode)" : `stand-in (${u.payloads})`} for ${u.servers.join(", ")}`);
    }
    await writeServerFiles(s.servers, stack.endpoints);

    if (s.transport === "http") {
      say(`starting MCP Streamable HTTP endpoints${stack.toxiproxy ? " behind Toxiproxy" : ""}`);
      httpEndpoints = await startHttpEndpoints({ servers: s.servers, endpoints: stack.endpoints, registry, toxiproxy: stack.toxiproxy, timeoutMs: s.startTimeoutMs, stdioLayer: (server) => pool?.stdioLayers.get(server) });
    }
    say(`starting ${s.agents} agent(s) x ${s.servers.length} server(s): ${s.servers.map((d) => d.name).join(", ")}`);
    const endpoints = httpEndpoints ? { ...stack.endpoints, http: httpEndpoints.get } : stack.endpoints;
    pool = new SessionPool({ registry, endpoints, startTimeoutMs: s.startTimeoutMs, signal });
    for (const [server, layer] of stdioLayersFor(s.faults, s.seed)) pool.stdioLayers.set(server, layer);
    // An external driver (k6, autocannon) opens its agents' sessions itself; the harness keeps one
    // control session per server, for tools/list and the start time.
    await pool.startAgents(s.servers, s.driver === "sdk" ? s.agents : 1);
    windowStart = performance.now();
    const sessions = pool.sessions;
    for (const [server, tools] of toolsUsed(s)) {
      const offered = sessions.find((x) => x.server.name === server)?.tools ?? [];
      const missing = [...tools].filter((t) => !offered.includes(t));
      if (missing.length) {
        throw new HarnessError("invalid_input", `${s.file}: server "${server}" does not offer tool(s) ${missing.join(", ")}`, { details: [`tools/list answered: ${offered.join(", ")}`] });
      }
    }
    base.servers = s.servers.map((def): ServerInfo => {
      const own = sessions.filter((x) => x.server.name === def.name);
      const times = own.map((x) => x.startToReadyMs);
      return {
        name: def.name,
        package: def.package,
        version: def.package === "custom" ? (own[0]?.serverVersion ?? "unknown") : serverVersion(def),
        transport: s.transport,
        startToReadyMs: { p50: median(times), max: Math.max(...times), sessions: times.length },
        upstream: stack!.endpoints.upstream?.(def.name)?.mode ?? "none",
        tools: own[0]?.tools ?? [],
      };
    });
    // Faults, or RPO writers alone (a consistency check: every acknowledged write must be read back).
    if (s.recovery || s.rpo) {
      if (s.recovery) pool.supervisor = s.recovery.supervisor;
      const telemetry = opts.instrumentation?.telemetry;
      experiment = new FaultExperiment({ scenario: s, stack, pool, runId: opts.runId, signal, say, ...(telemetry && { onFaultEvent: (name, attrs) => telemetry.faultEvent(name, attrs) }) });
      await experiment.prepare();
    }

    const agents: Agent[] = pool.agents;
    if (s.capacity) {
      // Capacity search (src/capacity): rising rates, each step judged; replaces the single window.
      await runCapacityScenario({ scenario: s, base, agents, runId: opts.runId, signal, say, sandbox: endpoints.sandbox, ...(stack.redisInfo && { redisInfo: stack.redisInfo }), ...(opts.instrumentation && { hooks: opts.instrumentation.hooks }), prepareWorkload });
      if (signal.aborted) base.status = "interrupted";
      return base;
    }
    if (s.availabilityProbe) {
      availabilityProbe = new AvailabilityProbe({
        scenario: s,
        pool,
        runId: opts.runId,
        sandbox: endpoints.sandbox,
        ...s.availabilityProbe,
        // One probe per server: where the fault experiment probes, its points are counted instead.
        probedElsewhere: new Set(s.recovery ? [s.recovery.probe.server] : []),
      });
      await availabilityProbe.prepare();
    }
    // Only the SDK driver says which agent sent a call: the count correction needs each agent's pace.
    const correctCounts = s.load.model === "closed" && s.driver === "sdk";
    const recorder = new Recorder({ plannedMeasureMs: s.durationMs, warmupMs: s.warmupMs, now: performance.now(), correctCounts });
    const calls = new CallContext(recorder, agents, s.callTimeoutMs, { backoff: s.load.model === "closed" });
    calls.signal = signal;
    if (opts.instrumentation) calls.hooks = opts.instrumentation.hooks;
    const workload = prepareWorkload(s, {
      calls,
      runId: opts.runId,
      seed: s.seed,
      agents: s.agents,
      sandbox: endpoints.sandbox,
      ...(stack.redisInfo && { redisInfo: stack.redisInfo }),
    });
    const tick = (phase: string, totalMs: number | undefined) => (elapsed: number) => {
      const ok = recorder.count({}, ["ok"]);
      const failed = recorder.count({}, ["error", "timeout"]);
      say(`${phase} ${(elapsed / 1000).toFixed(0)}${totalMs ? `/${(totalMs / 1000).toFixed(0)}` : ""} s${phase === "measure" ? `, ${ok} ok, ${failed} failed` : ""}`);
    };

    const external = s.driver === "sdk" ? undefined : await loadExternalDriver(s.driver);
    const warnings = censoringWarnings(s);
    if (warnings.length) {
      base.warnings = warnings;
      for (const w of warnings) say(`warning: ${w}`);
    }
    // The probe and the RPO writers start before the warm-up: the steady state is judged before the window, writers have a history.
    experiment?.startBeforeWindow();
    await experiment?.lead(s.warmupMs);
    const urls = new Map((httpEndpoints?.all() ?? []).map((e) => [e.server, e.url]));
    const loadPhase = (phase: "warmup" | "measure", durationMs: number | undefined, count: number | undefined, onTick: (elapsed: number) => void): Promise<PhaseStats> => {
      // The availability probe runs through the measurement window, from its first call.
      if (phase === "measure") availabilityProbe?.start();
      return external
        ? external.runPhase({ scenario: s, phase, durationMs, count, urls, recorder, registry, runId: opts.runId, signal, onTick })
        : runPhase({ load: s.load, workers: workload.workers, operation: workload.operation, durationMs, count, signal, onTick });
    };

    if (s.warmupMs > 0 && !signal.aborted) {
      say(`warm-up ${formatMs(s.warmupMs)}${external ? ` (${external.name})` : ""}`);
      calls.phase = "warmup";
      const warmupSpan = opts.instrumentation?.telemetry.startSpan("phase warm-up", { "mcp_slo.phase": "warmup" });
      await loadPhase("warmup", s.warmupMs, undefined, tick("warm-up", s.warmupMs));
      warmupSpan?.end();
    }
    let stats: PhaseStats | undefined;
    let faultsOutcome: FaultsOutcome | undefined;
    if (!signal.aborted) {
      await workload.beforeMeasure?.();
      say(`measuring ${s.durationMs !== undefined ? formatMs(s.durationMs) : ""}${s.count !== undefined ? ` (at most ${s.count} operations)` : ""}`);
      // The window opens once the steady state was checked and every fault due at 0 s was injected: the first call meets them.
      const measureStart = experiment ? await experiment.openWindow() : performance.now();
      calls.phase = "measure";
      const measureSpan = opts.instrumentation?.telemetry.startSpan("phase measure", { "mcp_slo.phase": "measure" });
      recorder.startMeasuring(measureStart);
      stats = await loadPhase("measure", s.durationMs, s.count, tick("measure", s.durationMs));
      recorder.stopMeasuring(performance.now());
      // External drivers open the window themselves (after their handshakes): date exits from that.
      windowStart = recorder.windowStart;
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
      // k6 times its calls in its own process: the harness's event loop is not their clock.
      harnessTimed: s.driver !== "k6",
    };
    base.load = load;
    base.latency = recorder.latencySummaries();
    base.timeline = recorder.timelinePoints();
    base.errors = recorder.errorSummaries();
    const coordination = workload.coordination?.();
    if (coordination) base.coordination = coordination.summary;
    const cache = workload.cache?.();
    if (cache) base.cache = cache;
    if (faultsOutcome) {
      // Steady state and recovery belong to runs that inject faults; RPO writers alone report their loss only.
      if (s.faults.length > 0) base.faults = faultsOutcome.faults;
      if (faultsOutcome.rpo.length > 0) base.rpo = faultsOutcome.rpo;
      if (faultsOutcome.steadyState.length > 0) base.steadyState = faultsOutcome.steadyState;
      if (faultsOutcome.probe) base.probe = faultsOutcome.probe;
    }

    const probes: ProbeCount[] = availabilityProbe ? [...availabilityProbe.counts(), ...(faultsOutcome?.probe ? [faultProbeCount(faultsOutcome.probe, measuredMs)] : [])] : [];
    base.calls = recorder.callSummaries();
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
    const measurements = recorderMeasurements({ scenario: s, recorder, calls, servers: base.servers, measuredMs, generatorLimit: limit, coordination, cache, faults: faultsOutcome, probes, harnessDelayMs });
    base.slos = evaluateSlos(s.slos, measurements);
  } catch (err) {
    if (err instanceof HarnessError && err.code === "interrupted") base.status = "interrupted";
    else if (err instanceof HarnessError && err.code === "invalid_input") throw err;
    else {
      base.status = "error";
      base.error = err instanceof HarnessError ? [err.message, ...err.details].join("\n") : err instanceof Error ? (err.stack ?? err.message) : String(err);
      if (!(err instanceof HarnessError)) base.error = `harness error: ${base.error}`;
    }
  } finally {
    say("stopping");
    await availabilityProbe?.stop();
    if (pool && (pool.exits.length > 0 || pool.exitsNotKept > 0)) {
      const from = windowStart ?? performance.now();
      base.serverExits = pool.exits.map((x) => ({ server: x.server, session: `${x.server}#${x.agent}`, atMs: x.at - from, code: x.code, signal: x.signal, stderr: x.stderr }));
      if (pool.exitsNotKept > 0) say(`${pool.exitsNotKept} further server process exits not kept`);
    }
    if (base.upstreams && stack?.upstreams) base.upstreams = await stack.upstreams().catch(() => base.upstreams);
    await experiment?.rollback();
    await pool?.closeAll();
    await httpEndpoints?.stop();
    await stack?.stop();
    base.endedAt = new Date().toISOString();
  }
  return base;
}
