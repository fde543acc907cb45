/**
 * The threads driver against the null endpoint (a real process answering MCP Streamable HTTP on
 * loopback): real worker threads, real sessions, the run's Recorder filled from them.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenario } from "../config/load-scenario.js";
import type { LoadPlan, Scenario } from "../contracts/plan.js";
import { HarnessError } from "../errors.js";
import { type Phase, Recorder } from "../metrics/recorder.js";
import { NativeHttpServer } from "../stack/http-bridge.js";
import { NULL_ENDPOINT } from "../stack/null-endpoint.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import type { PhaseResult } from "./driver.js";
import { threadsDriver } from "./threads-driver.js";

type Sample = Parameters<Recorder["record"]>[0];

const registry = new ResourceRegistry({ runId: `threads-driver-it-${process.pid}` });
let tmp: string;
let scenario: Scenario;
let endpoint: NativeHttpServer;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "threads-driver-it-"));
  const file = path.join(tmp, "threads.yaml");
  await writeFile(
    file,
    [
      "name: threads-it",
      "servers: [everything]",
      "transport: http",
      "driver: threads",
      "threads: 2",
      "agents: 4",
      "warmup: 0s",
      "duration: 1s",
      "callTimeout: 5s",
      "workload:",
      "  kind: mix",
      '  calls: [{ server: everything, tool: echo, args: { message: "{{agent}} {{seq}}" } }]',
      "slos: []",
      "",
    ].join("\n"),
  );
  scenario = await loadScenario(file, "ci");
  endpoint = await NativeHttpServer.start({ def: NULL_ENDPOINT, endpoints: { sandbox: tmp, workdir: tmp }, registry, timeoutMs: 15_000 });
}, 60_000);

afterAll(async () => {
  await endpoint?.stop();
  await registry.disposeAll();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** One measured phase of `load` for `durationMs`, every sample the Recorder got kept in order. */
async function phase(load: LoadPlan, durationMs: number, url = endpoint.url, signal = new AbortController().signal, name: Phase = "measure") {
  const recorder = new Recorder({ plannedMeasureMs: durationMs, warmupMs: 0, now: performance.now() });
  const samples: Sample[] = [];
  const record = recorder.record.bind(recorder);
  recorder.record = (s) => {
    samples.push(s);
    record(s);
  };
  const agentTallies = Array.from({ length: scenario.agents }, () => ({ ok: 0, failed: 0 }));
  const ready = await threadsDriver.prepare({
    scenario,
    phase: name,
    durationMs,
    count: undefined,
    load,
    recorder,
    workload: { workers: 0, operation: () => Promise.reject(new Error("the threads driver prepares its own workload")) },
    urls: new Map([["everything", url]]),
    registry,
    runId: registry.runId,
    signal,
    agentTallies,
  });
  const t0 = performance.now();
  recorder.startMeasuring(t0);
  const result: PhaseResult = await ready.run(t0);
  recorder.stopMeasuring(result.loadEndedAt ?? performance.now());
  return { recorder, samples, agentTallies, result, t0 };
}

describe("threads driver", () => {
  it("closed model on 2 threads: every agent's calls reach the one Recorder, on its clock, each counted once", async () => {
    const { recorder, samples, agentTallies, result, t0 } = await phase({ model: "closed", thinkTimeMs: 0 }, 1000);
    expect(samples.length).toBeGreaterThan(100);
    expect(recorder.count({}, ["error", "timeout"]), JSON.stringify(recorder.errorSummaries())).toBe(0);
    // The threads' instants are on this thread's clock: inside the window, each answer after its send.
    for (const s of samples) {
      expect(s.startedAt).toBeGreaterThanOrEqual(t0);
      expect(s.endedAt).toBeLessThanOrEqual(result.loadEndedAt!);
      expect(s.endedAt).toBeGreaterThanOrEqual(s.startedAt);
    }
    // Both threads, two agents each; every agent sent, and its tally is its own samples.
    expect(result.threads?.map((t) => t.agents)).toEqual([2, 2]);
    expect([...new Set(samples.map((s) => s.agent))].sort()).toEqual([0, 1, 2, 3]);
    for (const [agent, tally] of agentTallies.entries()) expect(tally.ok).toBe(samples.filter((s) => s.agent === agent && s.outcome === "ok").length);
    // One operation, one call: the sends counted per thread are the samples recorded.
    expect(result.offered).toBe(samples.length);
    expect(result.threads!.reduce((n, t) => n + t.offered, 0)).toBe(result.offered);
    // Every call the threads started has ended: nothing left open in the Recorder.
    expect([...recorder.openCalls()]).toEqual([]);
    // Each thread's CPU is its own (a share of one core), not the whole process's.
    for (const t of result.threads!) expect(t.cpu).toBeLessThanOrEqual(1.05);
  }, 60_000);

  it("open model: each thread sends its share of the rate, from the window's t0 on the main clock", async () => {
    const rate = 100;
    const { samples, result, t0 } = await phase({ model: "open", rate, maxInFlight: 100 }, 2000);
    // 100/s for 2 s: 200 arrivals, 100 per thread (one every 20 ms each, thread 1's 10 ms after thread 0's).
    expect(result.offered + result.dropped).toBe(200);
    expect(result.threads!.map((t) => t.offered + t.dropped)).toEqual([100, 100]);
    // Latency counts from the schedule, and the schedule starts at t0: the intended times are t0 +
    // k x 10 ms to within the clock mapping's error (far under a millisecond), one thread after the other.
    const intended = samples.map((s) => s.startedAt - t0).sort((a, b) => a - b);
    for (const [k, at] of intended.entries()) expect(Math.abs(at - k * 10), `arrival ${k} at ${at.toFixed(3)} ms`).toBeLessThan(1);
  }, 60_000);

  it("a warm-up's threads and sessions carry on into the measurement: the window opens no new session; after it they are closed", async () => {
    // A relay in front of the endpoint counts the sessions opened through it (initialize requests).
    const INITIALIZE = '"method":"initialize"';
    let initializes = 0;
    const relay = net.createServer((client) => {
      const upstream = net.connect(Number(new URL(endpoint.url).port), "127.0.0.1");
      let tail = "";
      client.on("data", (chunk: Buffer) => {
        // With the end of the last chunk, so that a request split across two is counted once.
        const text = tail + chunk.toString("latin1");
        initializes += text.split(INITIALIZE).length - 1;
        tail = text.slice(-(INITIALIZE.length - 1));
      });
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    const url = new URL(endpoint.url);
    url.port = String((relay.address() as net.AddressInfo).port);
    const closed: LoadPlan = { model: "closed", thinkTimeMs: 0 };
    const signal = new AbortController().signal;
    try {
      const warm = await phase(closed, 300, url.toString(), signal, "warmup");
      expect(warm.samples.length).toBeGreaterThan(0);
      expect(initializes).toBe(scenario.agents);
      const measured = await phase(closed, 300, url.toString(), signal, "measure");
      expect(measured.samples.length).toBeGreaterThan(0);
      expect(measured.recorder.count({}, ["error", "timeout"])).toBe(0);
      expect(initializes, "sessions opened for the measurement window").toBe(scenario.agents);
      // The measurement's crew is not kept: the next phase opens its own sessions on new threads.
      await phase(closed, 300, url.toString(), signal, "measure");
      expect(initializes).toBe(2 * scenario.agents);
    } finally {
      relay.close();
    }
  }, 60_000);

  it("an endpoint that is not there fails the phase before its t0, naming the sessions", async () => {
    const gone = await NativeHttpServer.start({ def: NULL_ENDPOINT, endpoints: { sandbox: tmp, workdir: tmp }, registry, timeoutMs: 15_000 });
    const url = gone.url;
    await gone.stop();
    const err = await phase({ model: "closed", thinkTimeMs: 0 }, 500, url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect((err as HarnessError).code).toBe("environment");
    expect((err as Error).message).toMatch(/the threads driver could not open its agents' sessions: load thread \d: agent \d's session at http/);
  }, 60_000);

  it("an interruption while sessions are still opening ends the phase at once, not after the start timeout", async () => {
    // Accepts the connection, never answers: each session would wait out its start timeout (30 s).
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const started = performance.now();
    try {
      const err = await phase(
        { model: "closed", thinkTimeMs: 0 },
        500,
        `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/mcp`,
        stop.signal,
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HarnessError);
      expect((err as HarnessError).code).toBe("interrupted");
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  }, 60_000);
});
