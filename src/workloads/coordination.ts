/**
 * Coordination latency as ../shared/measurement.md defines it: agent A writes
 * a unique record through the Redis MCP server; agent B, in its own MCP
 * session, reads back-to-back until it sees the record (`kind: coordination`). The sample runs from
 * the start of A's write to B's first answer that holds the record. Its
 * resolution is one read round trip, reported beside it.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DURATION_BOUNDS, duration } from "../contracts/scenario-fields.js";
import type { PreparedWorkload, WorkloadEnv } from "../contracts/workload-env.js";
import { encodeHistogram, meanMs, newHistogram, percentileMs, recordMs } from "../metrics/histogram.js";
import { defineWorkloadKind, toolsByServer } from "./workload-kind.js";

export const COORDINATION_DEFINITION =
  "Agent A writes a coordination record (a unique key and value) through the Redis MCP server (set). Agent B, in another MCP session, reads the key back-to-back (get) until the value is visible. " +
  "Coordination latency = time of B's first answer that holds the record - start time of A's write call. B starts reading just before A writes. Resolution: one read round trip (mean read latency shown beside). " +
  "A sample whose record B has not seen within the read timeout counts as a timeout and is recorded at that timeout.";

export function prepareCoordination(w: { server: string; readTimeoutMs: number }, env: WorkloadEnv): PreparedWorkload {
  const pairs = Math.floor(env.agents / 2);
  const histogram = newHistogram();
  let timeouts = 0;
  let reads = 0;
  let readMsTotal = 0;
  return {
    workers: pairs,
    operation: async (pair, seq, intendedAt) => {
      const writer = 2 * pair;
      const reader = 2 * pair + 1;
      const key = `coord:${env.runId}:${pair}:${seq}`;
      const value = `${seq}:${randomUUID()}`;
      const measuring = env.calls.phase === "measure";
      let observedAt: number | undefined;
      let writeStart = Number.POSITIVE_INFINITY;
      const deadline = () => writeStart + w.readTimeoutMs;
      const readLoop = (async () => {
        // Bounded by the read timeout measured from the write's start (and by the call deadline of each read).
        for (let i = 0; i < 1_000_000; i++) {
          const r = await env.calls.call(reader, w.server, "get", { key });
          if (measuring) {
            reads++;
            readMsTotal += r.endedAt - r.startedAt;
          }
          if (r.outcome === "ok" && r.text === value) {
            observedAt = r.endedAt;
            return;
          }
          if (performance.now() > deadline()) return;
        }
      })();
      writeStart = intendedAt ?? performance.now();
      const written = await env.calls.call(writer, w.server, "set", { key, value }, intendedAt);
      writeStart = written.startedAt;
      await readLoop;
      if (!measuring) return;
      if (observedAt === undefined) {
        timeouts++;
        recordMs(histogram, w.readTimeoutMs);
      } else {
        recordMs(histogram, observedAt - writeStart);
      }
    },
    coordination: () => ({
      histogram,
      summary: {
        definition: COORDINATION_DEFINITION,
        samples: histogram.totalCount,
        timeouts,
        p50: percentileMs(histogram, 50),
        p95: percentileMs(histogram, 95),
        p99: percentileMs(histogram, 99),
        mean: meanMs(histogram),
        meanReadLatencyMs: reads > 0 ? readMsTotal / reads : 0,
        histogram: encodeHistogram(histogram),
      },
    }),
  };
}

export const coordinationWorkload = defineWorkloadKind({
  name: "coordination",
  schema: z.strictObject({
    kind: z.literal("coordination"),
    server: z.string().default("redis").describe("The Redis MCP server the agents coordinate through."),
    readTimeout: duration(DURATION_BOUNDS.readTimeout, "How long reader B polls before the sample counts as a timeout.").prefault("2s"),
  }),
  plainCalls: false,
  crossCheck(w, ctx) {
    ctx.checkServer(w.server, ["workload", "server"]);
    if (ctx.agents < 2) ctx.issue(["agents"], "coordination needs at least 2 agents (a writer and a reader)");
  },
  plan(w) {
    const settings = { server: w.server, readTimeoutMs: w.readTimeout.ms };
    return {
      kind: "coordination",
      calls: undefined,
      toolsUsed: toolsByServer([
        [w.server, "get"],
        [w.server, "set"],
      ]),
      seedRows: 0,
      pingOnly: [],
      install: undefined,
      prepare: (env) => prepareCoordination(settings, env),
    };
  },
});
