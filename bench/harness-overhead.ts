/**
 * npm run bench: the harness's own overhead, as ratios measured side by side.
 *
 * A = the harness path: a session from startSession (managed process, the
 *     harness's stdio transport) driven by CallContext.call, latency as the
 *     Recorder reports it.
 * B = a bare SDK loop: the SDK's own StdioClientTransport to another process
 *     of the same server package, timed with performance.now() around callTool.
 *
 * Rounds alternate A B A B in one process so machine noise hits both alike;
 * only the ratios mean anything (goals: p50 ratio <= 1.05, p99 ratio <= 1.10).
 *
 * Then the client's own cost per call over each transport, against the null endpoint, as a run
 * measures it for results.json (src/drivers/client-cost.ts).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import os from "node:os";
import { findServer, packageVersion } from "../src/catalog/servers.js";
import type { ServerDefinition } from "../src/contracts/server-definition.js";
import { measureClientCost } from "../src/drivers/client-cost.js";
import { CallContext } from "../src/drivers/sdk-driver.js";
import { newHistogram, percentileMs, recordMs } from "../src/metrics/histogram.js";
import { Recorder } from "../src/metrics/recorder.js";
import { expandServerTemplate, startSession } from "../src/stack/mcp-session.js";
import { stackPriority } from "../src/stack/managed-process.js";
import { ResourceRegistry } from "../src/stack/resource-registry.js";
import { startLocalTestStack } from "../src/testing/local-stack.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CALLS_PER_ROUND = Number(process.env.BENCH_CALLS ?? 300);
const GOAL_P50_RATIO = 1.05;
const GOAL_P99_RATIO = 1.1;
/** More than a run's 1000: the bench may take its time for a steadier p99. */
const CLIENT_COST_BENCH_CALLS = Number(process.env.BENCH_CLIENT_COST_CALLS ?? 5000);

interface Case {
  server: string;
  tool: string;
  args: Record<string, unknown>;
}

const CASES: Case[] = [
  { server: "everything", tool: "echo", args: { message: "bench" } },
  { server: "redis", tool: "get", args: { key: "bench:key" } },
];

async function benchCase(c: Case, registry: ResourceRegistry): Promise<string> {
  const def = findServer(c.server) as ServerDefinition;
  // No proxy: what is measured is the harness's own overhead, not Toxiproxy's.
  const stack = await startLocalTestStack(registry, [def], { proxied: false });
  const session = await startSession({ def, agent: 0, endpoints: stack.endpoints, registry, timeoutMs: 30_000 });
  const bare = new Client({ name: "bare-sdk-loop", version: "0" });
  const bareTransport = new StdioClientTransport({
    command: process.execPath,
    args: def.args.map((a) => expandServerTemplate(a, def, stack.endpoints)),
    env: { ...(process.env as Record<string, string>), ...def.env },
    stderr: "ignore",
  });
  await bare.connect(bareTransport);
  // The harness's server runs at the stack's lower priority (src/stack/managed-process.ts): the bare loop's
  // must too, or a busy machine would slow the harness's server alone and the ratio would measure the nice value.
  if (bareTransport.pid !== null) os.setPriority(bareTransport.pid, stackPriority().stackNice);
  const recorder = new Recorder({ plannedMeasureMs: undefined, warmupMs: 0, now: performance.now() });
  const calls = new CallContext(recorder, [{ id: 0, sessions: new Map([[c.server, session]]) }], 5000);
  calls.phase = "measure";
  const bareHistogram = newHistogram();
  try {
    // Warm both paths (JIT, server caches) before anything counts.
    for (let i = 0; i < 200; i++) {
      await calls.call(0, c.server, c.tool, c.args);
      await bare.callTool({ name: c.tool, arguments: c.args });
    }
    const warm = recorder.count({}, ["ok", "error", "timeout"]);
    const harnessHistogram = newHistogram();
    for (let round = 0; round < ROUNDS; round++) {
      const before = recorder.select({}, ["ok"]);
      for (let i = 0; i < CALLS_PER_ROUND; i++) await calls.call(0, c.server, c.tool, c.args);
      const after = recorder.select({}, ["ok"]);
      after.subtract(before);
      harnessHistogram.add(after);
      for (let i = 0; i < CALLS_PER_ROUND; i++) {
        const t0 = performance.now();
        await bare.callTool({ name: c.tool, arguments: c.args });
        recordMs(bareHistogram, performance.now() - t0);
      }
    }
    const failed = recorder.count({}, ["error", "timeout"]);
    const p = (h: typeof bareHistogram, q: number) => percentileMs(h, q);
    const r50 = p(harnessHistogram, 50) / p(bareHistogram, 50);
    const r99 = p(harnessHistogram, 99) / p(bareHistogram, 99);
    return [
      `${c.server}/${c.tool}: ${ROUNDS} interleaved rounds x ${CALLS_PER_ROUND} calls each side, concurrency 1 (${warm} warm-up calls, ${failed} failed)`,
      `  harness p50 ${p(harnessHistogram, 50).toFixed(3)} ms  p99 ${p(harnessHistogram, 99).toFixed(3)} ms`,
      `  bare SDK p50 ${p(bareHistogram, 50).toFixed(3)} ms  p99 ${p(bareHistogram, 99).toFixed(3)} ms`,
      `  stdio overhead ${c.server}/${c.tool}, harness/bare SDK p50 ratio ${r50.toFixed(3)}, goal <= ${GOAL_P50_RATIO}: ${r50 <= GOAL_P50_RATIO ? "met" : "MISSED"}`,
      `  stdio overhead ${c.server}/${c.tool}, harness/bare SDK p99 ratio ${r99.toFixed(3)}, goal <= ${GOAL_P99_RATIO}: ${r99 <= GOAL_P99_RATIO ? "met" : "MISSED"}`,
    ].join("\n");
  } finally {
    await bare.close();
    await session.close();
    await stack.stop();
  }
}

const registry = new ResourceRegistry({ runId: `bench-${process.pid}` });
process.on("exit", () => registry.killAllSync());
try {
  console.log(`harness overhead benchmark (MCP SDK ${packageVersion("@modelcontextprotocol/sdk")}, Node ${process.version})`);
  for (const c of CASES) console.log(await benchCase(c, registry));
  // The harness's own cost per call, as a run measures it (src/drivers/client-cost.ts), on this machine now.
  for (const transport of ["stdio", "http"] as const) {
    const cost = await measureClientCost({ transport, registry, calls: CLIENT_COST_BENCH_CALLS });
    console.log(
      `client's own cost per call over ${transport} (null endpoint, ${cost.calls} calls one at a time): p50 ${cost.p50Ms.toFixed(3)} ms, p90 ${cost.p90Ms.toFixed(3)} ms, p99 ${cost.p99Ms.toFixed(3)} ms, max ${cost.maxMs.toFixed(3)} ms, harness CPU ${cost.cpuUsPerCall.toFixed(0)} us per call`,
    );
  }
} finally {
  await registry.disposeAll();
}
