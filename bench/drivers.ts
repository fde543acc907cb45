/**
 * npm run bench (second part): the three load drivers side by side on the same endpoint.
 *
 * Endpoint: the native everything server's `echo` over MCP Streamable HTTP, straight on loopback:
 * a `transport: http` scenario puts a Toxiproxy hop in front of it, left out here so that nothing but
 * the clients differs (the hop adds 0.1-0.6 ms to every driver, and would make the ratios look
 * closer to 1 than the clients are). Every driver asks for the same MCP protocol version (the
 * SDK's latest): the server answers versions by different paths. Every driver fills its own Recorder
 * through its real code path:
 *  - harness = the SDK driver (runPhase + CallContext over the SDK's Streamable HTTP client),
 *  - k6      = loadExternalDriver("k6"),
 *  - autocannon = loadExternalDriver("autocannon").
 *
 * 1. Throughput, closed model, same concurrency (BENCH_CONCURRENCY, 8): ok calls per second.
 * 2. p50 latency in the open model at a fixed rate (BENCH_RATE, 200/s).
 * Rounds interleave the drivers (A B C A B C ...) so machine noise hits all alike; only the ratios
 * and the side-by-side p50s mean anything.
 */
import { findServer, packageVersion } from "../src/catalog/servers.js";
import type { ServerDefinition } from "../src/contracts/server-definition.js";
import type { Scenario } from "../src/contracts/plan.js";
import { driverNamed } from "../src/drivers/index.js";
import type { LoadDriver } from "../src/drivers/driver.js";
import type { PhaseStats } from "../src/drivers/generator-health.js";
import { CallContext, runPhase } from "../src/drivers/sdk-driver.js";
import { newHistogram, percentileMs, type Histogram } from "../src/metrics/histogram.js";
import { Recorder } from "../src/metrics/recorder.js";
import { startHttpEndpoints } from "../src/stack/http-bridge.js";
import { raiseHarnessPriority } from "../src/stack/managed-process.js";
import { startSession, type McpSession } from "../src/stack/mcp-session.js";
import { ResourceRegistry } from "../src/stack/resource-registry.js";
import { preparePreciseWait } from "../src/util/precise-wait.js";
import { startLocalTestStack } from "../src/testing/local-stack.js";
import { withOneCallScenario } from "./one-call-scenario.js";

const ROUNDS = Number(process.env.BENCH_DRIVER_ROUNDS ?? 3);
const ROUND_MS = Number(process.env.BENCH_DRIVER_ROUND_MS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SERVER = "everything";
/** Issue 16's goals: the harness's client must not be what limits or slows a measurement. */
const GOAL_CLOSED_VS_K6 = 1.0;
const GOAL_CLOSED_VS_AUTOCANNON = 0.9;
const GOAL_OPEN_P50_VS_K6 = 1.2;
const TOOL = "echo";
const ARGS = { message: "bench {{seq}}" };

type DriverName = "harness" | "k6" | "autocannon";

interface Tally {
  ok: number;
  failed: number;
  ms: number;
  closed: Histogram;
  open: Histogram;
  /** open model: sends the generator made, and how many were late (>10 ms) or dropped */
  offered: number;
  lateOrDropped: number;
  note: string | undefined;
}

async function main(): Promise<void> {
  const runId = `bench-drivers-${process.pid}`;
  const registry = new ResourceRegistry({ runId });
  process.on("exit", () => registry.killAllSync());
  try {
    const spec = { name: "bench-drivers", server: SERVER, tool: TOOL, args: ARGS, driver: "autocannon", agents: CONCURRENCY, durationMs: ROUND_MS };
    await withOneCallScenario(spec, async (closedScenario) => {
      const openScenario: Scenario = { ...closedScenario, load: { model: "open", rate: RATE, maxInFlight: 1000 } };

      const def = findServer(SERVER) as ServerDefinition;
      const stack = await startLocalTestStack(registry, [def], { proxied: false });
      const http = await startHttpEndpoints({ servers: [def], endpoints: stack.endpoints, registry, toxiproxy: stack.toxiproxy, timeoutMs: 30_000 });
      const url = http.get(SERVER)!.url;
      const sessions: McpSession[] = [];
      try {
        const endpoints = { ...stack.endpoints, http: http.get };
        for (let agent = 0; agent < CONCURRENCY; agent++) sessions.push(await startSession({ def, agent, endpoints, registry, timeoutMs: 30_000 }));
        const agents = sessions.map((s, id) => ({ id, sessions: new Map([[SERVER, s]]) }));

        const phaseOf = async (recorder: Recorder, scenario: Scenario, driver: LoadDriver) => {
          // The drivers that send calls themselves never use the prepared workload: one that would fail loudly.
          const workload = { workers: 0, operation: () => Promise.reject(new Error("not the sdk driver")) };
          const ready = await driver.prepare({
            scenario,
            phase: "measure",
            durationMs: ROUND_MS,
            count: undefined,
            load: scenario.load,
            recorder,
            workload,
            urls: new Map([[SERVER, url]]),
            registry,
            runId,
            signal: new AbortController().signal,
          });
          return ready.run(performance.now());
        };
        // As `mcp-slo run` does: the open model's precise waker runs, and the harness is raised above the stack
        // where the machine allows it (autocannon runs in this process; k6 keeps the harness's nice, not its class).
        await preparePreciseWait();
        const policy = raiseHarnessPriority();
        const sdkPhase = (recorder: Recorder, scenario: Scenario): Promise<PhaseStats> => {
          const calls = new CallContext(recorder, agents, scenario.callTimeoutMs);
          calls.phase = "measure";
          return runPhase({
            load: scenario.load,
            workers: CONCURRENCY,
            operation: async (worker, seq, intendedAt) => void (await calls.call(worker, SERVER, TOOL, { message: `bench ${seq}` }, intendedAt)),
            durationMs: ROUND_MS,
            count: undefined,
            signal: new AbortController().signal,
          });
        };

        const drivers = new Map<DriverName, ((r: Recorder, s: Scenario) => Promise<PhaseStats>) | undefined>();
        drivers.set("harness", sdkPhase);
        for (const name of ["k6", "autocannon"] as const) {
          const d = driverNamed(name);
          drivers.set(name, (r, s) => phaseOf(r, s, d));
        }
        const tallies = new Map<DriverName, Tally>(
          [...drivers.keys()].map((n) => [
            n,
            { ok: 0, failed: 0, ms: 0, closed: newHistogram(), open: newHistogram(), offered: 0, lateOrDropped: 0, note: undefined },
          ]),
        );

        const round = async (name: DriverName, scenario: Scenario, into: "closed" | "open", warm: boolean) => {
          const run = drivers.get(name);
          const t = tallies.get(name)!;
          if (!run || t.note) return;
          const recorder = new Recorder({ plannedMeasureMs: ROUND_MS, warmupMs: 0, now: performance.now() });
          try {
            const stats = await run(recorder, scenario);
            if (warm) return;
            t[into].add(recorder.select({}, ["ok"]));
            if (into === "closed") {
              t.ok += recorder.count({}, ["ok"]);
              t.failed += recorder.count({}, ["error", "timeout"]);
              t.ms += stats.elapsedMs;
            } else {
              t.offered += stats.offered;
              t.lateOrDropped += stats.lateSends + stats.dropped;
            }
          } catch (err) {
            t.note = err instanceof Error ? err.message.split("\n")[0]! : String(err);
          }
        };

        const names = [...drivers.keys()];
        console.log(
          `driver benchmark: ${SERVER}/${TOOL} over MCP Streamable HTTP straight on loopback (MCP SDK ${packageVersion("@modelcontextprotocol/sdk")}, Node ${process.version}; harness at ${policy === "realtime" ? "real-time priority" : "normal priority"}, k6 at normal, the stack below both)`,
        );
        // One short warm round each (JIT, connections, server caches), not counted.
        for (const n of names) await round(n, closedScenario, "closed", true);
        for (let r = 0; r < ROUNDS; r++) for (const n of names) await round(n, closedScenario, "closed", false);
        // And one of the open model each: the open path's own code warms, and the server's heap settles after the
        // closed rounds' load (seen without it: the everything server's major GC, its main thread and four GC
        // threads busy for about 200 ms, held up every answer at the start of the first open round, p99 190 ms).
        for (const n of names) await round(n, openScenario, "open", true);
        for (let r = 0; r < ROUNDS; r++) for (const n of names) await round(n, openScenario, "open", false);

        const tput = (n: DriverName) => {
          const t = tallies.get(n)!;
          return t.note || t.ms === 0 ? undefined : (t.ok * 1000) / t.ms;
        };
        const lines: string[] = [`closed model, concurrency ${CONCURRENCY}, ${ROUNDS} interleaved rounds x ${ROUND_MS} ms per driver:`];
        for (const n of names) {
          const t = tallies.get(n)!;
          lines.push(
            t.note
              ? `  ${n}: not available (${t.note})`
              : `  ${n}: ${tput(n)!.toFixed(0)} ok calls/s (${t.ok} ok, ${t.failed} failed), p50 ${percentileMs(t.closed, 50).toFixed(2)} ms`,
          );
        }
        const h = tput("harness");
        for (const [other, goal] of [
          ["k6", GOAL_CLOSED_VS_K6],
          ["autocannon", GOAL_CLOSED_VS_AUTOCANNON],
        ] as const) {
          const o = tput(other);
          lines.push(
            h !== undefined && o !== undefined
              ? `  closed model throughput harness/${other} ${(h / o).toFixed(3)}, goal >= ${goal}: ${h / o >= goal ? "met" : "MISSED"}`
              : `  closed model throughput harness/${other}: not measured (${other} not available): MISSED`,
          );
        }
        lines.push(`open model at ${RATE}/s, ${ROUNDS} interleaved rounds x ${ROUND_MS} ms per driver, p50 of ok calls:`);
        for (const n of names) {
          const t = tallies.get(n)!;
          lines.push(
            t.note
              ? `  ${n}: not available (${t.note})`
              : `  ${n}: p50 ${percentileMs(t.open, 50).toFixed(2)} ms  p99 ${percentileMs(t.open, 99).toFixed(2)} ms  (n=${t.open.totalCount}; ${t.offered} sent, ${t.lateOrDropped} late or dropped)`,
          );
        }
        const harnessOpen = tallies.get("harness")!;
        const k6Open = tallies.get("k6")!;
        if (harnessOpen.note || k6Open.note || k6Open.open.totalCount === 0) lines.push(`  open model p50 harness/k6: not measured: MISSED`);
        else {
          const r = percentileMs(harnessOpen.open, 50) / percentileMs(k6Open.open, 50);
          lines.push(
            `  open model at ${RATE}/s p50 harness/k6 ${r.toFixed(3)}, goal <= ${GOAL_OPEN_P50_VS_K6}: ${r <= GOAL_OPEN_P50_VS_K6 ? "met" : "MISSED"}`,
          );
        }
        console.log(lines.join("\n"));
      } finally {
        await Promise.allSettled(sessions.map((s) => s.close()));
        await http.stop();
        await stack.stop();
      }
    });
  } finally {
    await registry.disposeAll();
  }
}

await main();
