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
 * only the ratios mean anything (goal: p50 ratio <= 1.05).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { findServer, packageVersion } from "../src/catalog/servers.js";
import type { ServerDefinition } from "../src/contracts/server-definition.js";
import { CallContext } from "../src/drivers/sdk-driver.js";
import { newHistogram, percentileMs, recordMs } from "../src/metrics/histogram.js";
import { Recorder } from "../src/metrics/recorder.js";
import { expandServerTemplate, startSession } from "../src/stack/mcp-session.js";
import { ResourceRegistry } from "../src/stack/resource-registry.js";
import { startLocalTestStack } from "../src/testing/local-stack.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CALLS_PER_ROUND = Number(process.env.BENCH_CALLS ?? 300);
const GOAL_P50_RATIO = 1.05;

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
  await bare.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: def.args.map((a) => expandServerTemplate(a, def, stack.endpoints)),
      env: { ...(process.env as Record<string, string>), ...def.env },
      stderr: "ignore",
    }),
  );
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
      `  ratio harness/bare: p50 ${r50.toFixed(3)}  p99 ${r99.toFixed(3)}  (goal p50 <= ${GOAL_P50_RATIO}: ${r50 <= GOAL_P50_RATIO ? "met" : "MISSED"})`,
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
} finally {
  await registry.disposeAll();
}
