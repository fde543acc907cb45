/**
 * The Memory writer's count of lost writes, checked against what the Memory server itself sees.
 * Four agents and the writer each hold their own Memory server process, all on one graph file, as
 * agents sharing a memory would; every process rewrites the whole file on every change, so
 * concurrent writes overwrite each other. Whatever the race does, the writer's read-back must be
 * exactly what the server would answer, and every acknowledged write it lacks must count as lost.
 * (Here rather than beside src/faults/writers.ts: it proves nothing is left with the CLI tests' helper.)
 */
import { afterAll, describe, expect, it } from "vitest";
import { findServer } from "../src/catalog/servers.js";
import { startSession, type McpSession } from "../src/stack/mcp-session.js";
import { ResourceRegistry } from "../src/stack/resource-registry.js";
import { sleep } from "../src/util/sleep.js";
import { expectNothingLeft } from "./support/cli.js";
import { measureLoss } from "../src/faults/rpo.js";
import { makeWriter } from "../src/faults/writers.js";
import { startLocalTestStack } from "../src/testing/local-stack.js";

const runId = `memory-writer-${process.pid}`;
const registry = new ResourceRegistry({ runId });
afterAll(() => registry.disposeAll());

describe("the Memory RPO writer with concurrent agents and no fault", () => {
  it("counts as lost exactly the acknowledged writes the server no longer has", async () => {
    const def = findServer("memory")!;
    const stack = await startLocalTestStack(registry, [def], { proxied: false });
    const open = (agent: number) => startSession({ def, agent, endpoints: stack.endpoints, registry, timeoutMs: 30_000 });
    const agents: McpSession[] = [];
    for (let i = 0; i < 4; i++) agents.push(await open(i));
    const writerSession = await open(-2);
    const writer = makeWriter("memory", {
      runId,
      intervalMs: 0,
      timeoutMs: 5000,
      now: () => performance.now(),
      session: () => writerSession,
      sandbox: stack.endpoints.sandbox,
      workdir: stack.endpoints.workdir,
      durability: {},
    });

    const stop = new AbortController();
    // Bounded by count and by the stop signal.
    const agentLoops = agents.map(async (s, i) => {
      for (let n = 0; n < 5000 && !stop.signal.aborted; n++) {
        await s.client
          .callTool({ name: "create_entities", arguments: { entities: [{ name: `agent-${i}-${n}`, entityType: "note", observations: [] }] } }, undefined, {
            timeout: 5000,
          })
          .catch(() => undefined);
      }
    });
    const writing = writer.run(stop.signal);
    await sleep(4000);
    stop.abort();
    await Promise.all([...agentLoops, writing]);

    const present = await writer.readBack();
    // What the writer's own server process answers now: it reads the same file on every call.
    const graph = (await writerSession.client.callTool({ name: "read_graph", arguments: {} })).structuredContent as { entities: { name: string }[] };
    const prefix = `rpo-${runId}-`;
    const seen = new Set(graph.entities.filter((e) => e.name.startsWith(prefix)).map((e) => Number(e.name.slice(prefix.length))));
    expect([...present].sort((a, b) => a - b)).toEqual([...seen].sort((a, b) => a - b));

    const loss = measureLoss(writer.log, present, []);
    const ackedAbsent = [...writer.log.acknowledged.keys()].filter((seq) => !seen.has(seq)).length;
    expect(writer.log.acknowledged.size).toBeGreaterThan(20);
    expect(loss.lost).toBe(ackedAbsent);
    expect(loss.lostWithoutFault).toBe(loss.lost);
    expect(loss.present).toBe(seen.size);
    // The race is the point: with four agents rewriting the file back to back, some acknowledged writes are gone.
    expect(loss.lost).toBeGreaterThan(0);
    console.log(
      `memory writer with 4 concurrent agents: ${loss.lost} of ${loss.acknowledged} acknowledged writes lost, ${loss.present} present, ${loss.unacknowledgedPresent} unacknowledged but present`,
    );

    for (const s of [...agents, writerSession]) await s.close();
    await registry.disposeAll();
    await expectNothingLeft(runId);
  }, 90_000);
});
