/**
 * Soak memory (issue 16, item 4): does anything the harness keeps per call grow with the run?
 *
 * Drives BENCH_SOAK_CALLS (10^6) tool calls through the harness's real per-call path: sessions from
 * startSession (managed processes of the everything server over the harness's stdio transport),
 * CallContext.call inside runPhase (closed model), one Recorder for the whole run (phase "measure",
 * its timeline, notifications, the message meter's sizes), and the run's instrumentation (one call
 * in 100 traced to a trace file, live Prometheus metrics), as a count-bounded run without a planned
 * duration would have them. The everything server's simulated logging is turned on in every session,
 * so notifications arrive all along.
 *
 * Memory is sampled after every BENCH_SOAK_FIRST (10^5) calls, each time with no call in flight and
 * after a forced full GC: RSS, V8 heap used, and external memory (array buffers included). The goal is
 * growth <= 10 % from 10^5 to 10^6 calls, on the least-squares line through all the samples (RSS moves by
 * +-10 % between samples by itself); that line's growth per call also gives a linear extrapolation to
 * 10^7 calls (an extrapolation, not a measurement). Calls stop by themselves: a bounded count, and
 * every phase is bounded in time (BENCH_SOAK_MAX_MS, 20 min for all of them).
 *
 * Run: node --import tsx bench/soak-memory.ts (BENCH_SOAK_CALLS, BENCH_SOAK_FIRST, BENCH_SOAK_AGENTS,
 * BENCH_SOAK_SESSIONS, BENCH_SOAK_WARMUP, BENCH_SOAK_MAX_MS, BENCH_SOAK_TELEMETRY=0).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { findServer, packageVersion } from "../src/catalog/servers.js";
import type { LoadPlan } from "../src/contracts/plan.js";
import type { ServerDefinition } from "../src/contracts/server-definition.js";
import { type Agent, CallContext, runPhase } from "../src/drivers/sdk-driver.js";
import { Recorder } from "../src/metrics/recorder.js";
import { instrumentRun } from "../src/monitoring/run-instrumentation.js";
import { type McpSession, startSession } from "../src/stack/mcp-session.js";
import { ResourceRegistry } from "../src/stack/resource-registry.js";
import { startLocalTestStack } from "../src/testing/local-stack.js";

const CALLS = Number(process.env.BENCH_SOAK_CALLS ?? 1_000_000);
const FIRST = Math.min(CALLS, Number(process.env.BENCH_SOAK_FIRST ?? Math.round(CALLS / 10)));
const WARMUP_CALLS = Number(process.env.BENCH_SOAK_WARMUP ?? 10_000);
/** Server processes (sessions); the agents share them round-robin. */
const SESSIONS = Number(process.env.BENCH_SOAK_SESSIONS ?? 2);
const AGENTS = Number(process.env.BENCH_SOAK_AGENTS ?? 16);
/** Bound on the whole soak's calls, in time, whatever the machine's speed. */
const MAX_MS = Number(process.env.BENCH_SOAK_MAX_MS ?? 20 * 60_000);
/** BENCH_SOAK_TELEMETRY=0: without the traced calls and live metrics (to tell their share apart). */
const TELEMETRY = process.env.BENCH_SOAK_TELEMETRY !== "0";
const GOAL_GROWTH = 0.1;
const EXTRAPOLATE_TO = 10_000_000;

const SERVER = "everything";
const TOOL = "echo";
const ARGS = { message: "soak" };

/** A full GC on demand, without asking whoever runs the bench for --expose-gc. */
function forcedGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

interface Memory {
  calls: number;
  rss: number;
  /** V8's young generation as committed now: it grows and shrinks with the allocation rate, and RSS with it. */
  young: number;
  heapUsed: number;
  external: number;
}

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const pct = (a: number, b: number) => `${b >= a ? "+" : ""}${(((b - a) / a) * 100).toFixed(1)} %`;
const power = (n: number) => {
  const e = Math.log10(n);
  return Number.isInteger(e) ? `10^${e}` : String(n);
};

async function main(): Promise<void> {
  const gc = forcedGc();
  const runId = `bench-soak-${process.pid}`;
  const registry = new ResourceRegistry({ runId });
  process.on("exit", () => registry.killAllSync());
  const outDir = await mkdtemp(path.join(os.tmpdir(), "bench-soak-"));
  const ac = new AbortController();
  const interrupt = () => ac.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  const instrumentation = await instrumentRun({
    runId,
    outDir,
    traceSampleEvery: 100,
    metrics: { host: "127.0.0.1", port: 0, allowNonLoopback: false },
    progress: () => undefined,
  });
  try {
    const def = findServer(SERVER) as ServerDefinition;
    const stack = await startLocalTestStack(registry, [def], { proxied: false });
    const sessions: McpSession[] = [];
    try {
      for (let i = 0; i < SESSIONS; i++) sessions.push(await startSession({ def, agent: i, endpoints: stack.endpoints, registry, timeoutMs: 30_000 }));
      const agents: Agent[] = Array.from({ length: AGENTS }, (_, id) => ({ id, sessions: new Map([[SERVER, sessions[id % SESSIONS]!]]) }));
      const recorder = new Recorder({ plannedMeasureMs: undefined, warmupMs: 0, now: performance.now(), correctCounts: true });
      const calls = new CallContext(recorder, agents, 5000, { backoff: true });
      calls.signal = ac.signal;
      if (TELEMETRY) calls.hooks = instrumentation.hooks;
      const load: LoadPlan = { model: "closed", thinkTimeMs: 0 };
      const operation = async (worker: number) => {
        await calls.call(worker, SERVER, TOOL, ARGS);
        calls.taskDone(worker);
      };
      const deadline = performance.now() + MAX_MS;
      const phase = async (count: number) => {
        const started = performance.now();
        const stats = await runPhase({ load, workers: AGENTS, operation, durationMs: Math.max(1, deadline - performance.now()), count, signal: ac.signal });
        return { stats, ms: performance.now() - started };
      };
      const sample = (n: number): Memory => {
        gc();
        gc();
        const m = process.memoryUsage();
        // external already holds the array buffers (Node's Buffers among them): not added twice.
        const young = v8.getHeapSpaceStatistics().find((x) => x.space_name === "new_space")?.space_size ?? 0;
        return { calls: n, rss: m.rss, young, heapUsed: m.heapUsed, external: m.external };
      };

      console.log(
        `soak memory benchmark (MCP SDK ${packageVersion("@modelcontextprotocol/sdk")}, Node ${process.version}): ${SERVER}/${TOOL} over stdio, ` +
          `${AGENTS} agents on ${SESSIONS} server processes, closed model, think time 0, ${TELEMETRY ? "tracing 1 call in 100, live metrics on" : "no tracing, no live metrics"}`,
      );
      // Warm-up: the simulated logging (a notification every 5 s per session) and the JIT, before anything counts.
      calls.phase = "warmup";
      for (let i = 0; i < SESSIONS; i++) await calls.call(i, SERVER, "toggle-simulated-logging", {});
      await phase(WARMUP_CALLS);
      recorder.startMeasuring(performance.now());
      calls.phase = "measure";
      const span = instrumentation.telemetry.startSpan("phase measure", { "mcp_slo.phase": "measure" });

      // Calls in steps of FIRST, memory sampled (no call in flight, after a full GC) at the end of each.
      const samples: Memory[] = [];
      let ms = 0;
      let firstMs = 0;
      while (!ac.signal.aborted && performance.now() < deadline) {
        const done = recorder.count({}, ["ok", "error", "timeout"]);
        if (done >= CALLS) break;
        const step = await phase(Math.min(FIRST, CALLS - done));
        ms += step.ms;
        samples.push(sample(recorder.count({}, ["ok", "error", "timeout"])));
        if (samples.length === 1) firstMs = ms;
      }
      span.end();
      recorder.stopMeasuring(performance.now());
      const m1 = samples[0]!;
      const m2 = samples.at(-1)!;
      const failed = recorder.count({}, ["error", "timeout"]);
      console.log(
        `  ${m2.calls} calls in ${(ms / 1000).toFixed(1)} s (${Math.round(m1.calls / (firstMs / 1000))} calls/s to the first sample, ` +
          `${Math.round((m2.calls - m1.calls) / ((ms - firstMs) / 1000))} calls/s after it), ${failed} failed` +
          (m2.calls < CALLS ? ` -- stopped early (${ac.signal.aborted ? "interrupted" : `BENCH_SOAK_MAX_MS ${MAX_MS} ms`})` : ""),
      );
      const notes = recorder.notificationCounts().reduce((n, c) => n + c.count, 0);
      const payload = recorder.payloadSummaries()[0];
      const timeline = recorder.timelinePoints();
      console.log(
        `  recorded: ${recorder.latencySummaries().length} latency series, ${timeline.points.length} timeline cells of ${timeline.intervalMs / 1000} s, ` +
          `${recorder.errorSummaries().length} error kinds, ${notes} notifications, ${payload?.request.count ?? 0} metered requests, ${calls.lostSessions} lost sessions`,
      );
      const row = (what: string, pick: (m: Memory) => number) =>
        `    ${what.padEnd(10)} ${samples.map((m) => (pick(m) / MB).toFixed(1).padStart(6)).join(" ")}`;
      console.log(`  memory after each ${power(FIRST)} calls (MB, after a full GC):`);
      console.log(row("RSS", (m) => m.rss));
      console.log(row("young gen", (m) => m.young));
      console.log(row("heap used", (m) => m.heapUsed));
      console.log(row("external", (m) => m.external));

      // RSS after a full GC still moves by +-10 % from one sample to the next (pages the allocators keep or return), so
      // two samples alone could meet or miss the goal by chance: the growth is judged on the least-squares line
      // through all the samples, from 10^5 to 10^6 calls, and the raw samples are printed beside it.
      const trend = (pick: (m: Memory) => number) => {
        const n = samples.length;
        const mx = samples.reduce((t, m) => t + m.calls, 0) / n;
        const my = samples.reduce((t, m) => t + pick(m), 0) / n;
        const sxx = samples.reduce((t, m) => t + (m.calls - mx) ** 2, 0);
        const slope = sxx > 0 ? samples.reduce((t, m) => t + (m.calls - mx) * (pick(m) - my), 0) / sxx : 0;
        return { slope, at: (calls: number) => my + slope * (calls - mx) };
      };
      const line = (what: string, pick: (m: Memory) => number, goal: boolean) => {
        const f = trend(pick);
        const a = f.at(m1.calls);
        const b = f.at(m2.calls);
        return (
          `  soak ${what} ${power(m1.calls)} -> ${power(m2.calls)} calls: ${mb(a)} -> ${mb(b)} (${pct(a, b)}; fitted line through the ${samples.length} samples, ` +
          `the samples themselves ${mb(pick(m1))} -> ${mb(pick(m2))})` +
          (goal ? `, goal <= ${GOAL_GROWTH * 100} %: ${(b - a) / a <= GOAL_GROWTH ? "met" : "MISSED"}` : "")
        );
      };
      console.log(line("RSS", (m) => m.rss, true));
      console.log(line("heap used", (m) => m.heapUsed, true));
      console.log(line("external (array buffers included)", (m) => m.external, false));
      // Linear in the fitted growth per call; a shrink extrapolates as flat.
      const extrapolated = (what: string, pick: (m: Memory) => number) => {
        const f = trend(pick);
        const perCall = Math.max(0, f.slope);
        return `${what} ${mb(f.at(m2.calls) + perCall * (EXTRAPOLATE_TO - m2.calls))} (${perCall.toFixed(2)} B/call)`;
      };
      console.log(
        `  extrapolation to ${power(EXTRAPOLATE_TO)} calls (an extrapolation, not measured: linear in the fitted growth per call): ` +
          `${extrapolated("RSS", (m) => m.rss)}, ${extrapolated("heap used", (m) => m.heapUsed)}, ${extrapolated("external", (m) => m.external)}`,
      );
    } finally {
      await Promise.allSettled(sessions.map((s) => s.close()));
      await stack.stop();
    }
  } finally {
    await instrumentation.stop();
    await registry.disposeAll();
    await rm(outDir, { recursive: true, force: true });
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

await main();
