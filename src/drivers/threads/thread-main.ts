/**
 * One worker thread of the threads driver (../threads-driver.ts): it opens its agents' MCP sessions
 * over Streamable HTTP and runs their share of each phase with the sdk driver's own code (runPhase,
 * CallContext, the mix workload), so a call is sent, timed and classified exactly as the sdk driver
 * does it on the main thread.
 *
 * What it records goes to the main thread's Recorder: every recorder call, in order, in batches
 * (every FLUSH_MS, or MAX_BATCH calls), its instants moved onto the main thread's clock. The run's
 * availability, timeline, open calls and live halting therefore see the same samples they would from
 * the sdk driver, up to FLUSH_MS late. Merging per-thread histograms at the end would lose all of
 * those but the latency.
 *
 * Its generator health is its own: late and dropped sends of its schedule, its event-loop delay, and
 * its CPU time, read from /proc/thread-self (process.cpuUsage() in a worker counts the whole process).
 */
import { parentPort } from "node:worker_threads";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Operation } from "../../contracts/workload-env.js";
import type { SampleSink } from "../../metrics/recorder.js";
import { HARNESS_VERSION } from "../../project-root.js";
import { AGENT_HEADER } from "../../stack/http-endpoint.js";
import { LeanStreamableHttpTransport } from "../../stack/lean-http-transport.js";
import { preparePreciseWait } from "../../util/precise-wait.js";
import { CLOCK_TICKS, procStat } from "../../util/proc-stat.js";
import { deadline } from "../../util/race.js";
import { prepareMix } from "../../workloads/mix.js";
import { type Agent, CallContext, type CallSession, runPhase } from "../sdk-driver.js";
import { clockOffsetMs, type FromThread, type RecorderOp, type ThreadJob, type ThreadRun, type ThreadStats, type ToThread } from "./messages.js";

/** How often a running phase sends its recorder calls over: the main thread's live view lags by at most this. */
const FLUSH_MS = 50;
/** A batch is sent at once when it holds this many calls, so a fast thread's batches stay small. */
const MAX_BATCH = 2000;
/** sysconf(_SC_CLK_TCK), as src/util/proc-stat.ts's readers use it. */

const port = parentPort;
if (!port) throw new Error("thread-main.ts runs as a worker thread of the threads driver");
const post = (m: FromThread) => port.postMessage(m);

/** The Recorder's calls, forwarded: instants go over on the main thread's clock. */
class ForwardingRecorder implements SampleSink {
  private ops: RecorderOp[] = [];
  private lastId = 0;

  constructor(private readonly offsetMs: number) {}

  private push(op: RecorderOp): void {
    this.ops.push(op);
    if (this.ops.length >= MAX_BATCH) this.flush();
  }

  callStarted(server: string, call?: { tool: string; method?: string; startedAt: number }): number {
    const id = ++this.lastId;
    this.push({ op: "started", server, id, call: call && { ...call, startedAt: call.startedAt - this.offsetMs } });
    return id;
  }

  callEnded(server: string, id?: number): void {
    this.push({ op: "ended", server, id });
  }

  record(sample: Parameters<SampleSink["record"]>[0]): void {
    this.push({ op: "record", sample: { ...sample, startedAt: sample.startedAt - this.offsetMs, endedAt: sample.endedAt - this.offsetMs } });
  }

  recordBackoff(wait: Parameters<SampleSink["recordBackoff"]>[0]): void {
    this.push({ op: "backoff", wait });
  }

  recordNotification(note: Parameters<SampleSink["recordNotification"]>[0]): void {
    this.push({ op: "notification", note });
  }

  flush(): void {
    if (this.ops.length === 0) return;
    const ops = this.ops;
    this.ops = [];
    post({ type: "ops", ops });
  }
}

interface Opened {
  job: ThreadJob;
  offsetMs: number;
  agents: Agent<CallSession>[];
  clients: Client[];
}

let opened: Opened | undefined;
let stopPhase: AbortController | undefined;

async function openSession(url: string, agent: number, timeoutMs: number): Promise<Client> {
  const client = new Client({ name: "mcp-slo-harness", version: HARNESS_VERSION });
  const transport = new LeanStreamableHttpTransport(new URL(url), { headers: { [AGENT_HEADER]: String(agent) } });
  const timeout = deadline(timeoutMs, () => new Error(`did not answer initialize within ${timeoutMs / 1000} s`));
  try {
    await Promise.race([client.connect(transport), timeout.promise]);
    return client;
  } catch (err) {
    await closeClient(client);
    throw new Error(`agent ${agent}'s session at ${url}: ${(err as Error).message}`);
  } finally {
    timeout.dispose();
  }
}

async function closeClient(client: Client): Promise<void> {
  const transport = client.transport;
  if (transport instanceof LeanStreamableHttpTransport && transport.sessionId !== undefined) await transport.terminateSession().catch(() => undefined);
  await client.close().catch(() => undefined);
}

async function open(job: ThreadJob): Promise<void> {
  const offsetMs = clockOffsetMs(job.clock);
  const agents: Agent<CallSession>[] = Array.from({ length: job.totalAgents }, (_, id) => ({ id, sessions: new Map() }));
  const clients: Client[] = [];
  opened = { job, offsetMs, agents, clients };
  const starts = job.agents.flatMap((agent) =>
    Object.entries(job.urls).map(async ([server, url]) => {
      const client = await openSession(url, agent, job.startTimeoutMs);
      clients.push(client);
      (agents[agent]!.sessions as Map<string, CallSession>).set(server, { client });
    }),
  );
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  // Before t0, as the sdk driver's prepare does: the open model's arrivals are woken by the precise waker.
  if (job.open) await preparePreciseWait();
}

/** This thread's CPU time so far, in ms; undefined without /proc. */
function threadCpuMs(): number | undefined {
  const stat = procStat("thread-self");
  if (!stat || !Number.isFinite(stat.utimeTicks + stat.stimeTicks)) return undefined;
  return ((stat.utimeTicks + stat.stimeTicks) * 1000) / CLOCK_TICKS;
}

async function run(r: ThreadRun): Promise<ThreadStats> {
  if (!opened) throw new Error("a phase was asked for before the thread's sessions were opened");
  const { job, offsetMs, agents } = opened;
  const recorder = new ForwardingRecorder(offsetMs);
  const calls = new CallContext(recorder, agents, job.callTimeoutMs, { backoff: job.backoff });
  stopPhase = new AbortController();
  calls.signal = stopPhase.signal;
  calls.phase = r.phase;
  const workload = prepareMix(job.calls, { calls, runId: job.runId, seed: job.seed, agents: job.totalAgents, sandbox: job.sandbox }, job.setup);
  // Loop i of this thread sends as its i-th agent. A template's {{seq}} stays unique across the
  // run's threads: this thread's n-th operation is the run's (n x threads + thread)-th.
  const operation: Operation = (worker, seq, intendedAt) => workload.operation(job.agents[worker]!, seq * job.threads + job.thread, intendedAt);
  const flusher = setInterval(() => recorder.flush(), FLUSH_MS);
  const cpu0 = threadCpuMs();
  try {
    const stats = await runPhase({
      load: r.load,
      workers: job.agents.length,
      operation,
      durationMs: r.durationMs,
      count: r.count,
      signal: stopPhase.signal,
      t0: r.t0 + offsetMs,
      agents: job.agents.length,
    });
    const cpu1 = threadCpuMs();
    const cpu = cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / Math.max(1, stats.elapsedMs) : stats.cpu;
    return {
      thread: job.thread,
      agents: job.agents.length,
      offered: stats.offered,
      completed: stats.completed,
      lateSends: stats.lateSends,
      dropped: stats.dropped,
      cpu,
      eventLoopDelayP99Ms: stats.eventLoopDelayP99Ms,
      elapsedMs: stats.elapsedMs,
      tallies: job.agents.map((agent) => ({ agent, ...calls.tallies[agent]! })),
    };
  } finally {
    clearInterval(flusher);
    recorder.flush();
    stopPhase = undefined;
  }
}

async function close(): Promise<void> {
  const clients = opened?.clients ?? [];
  opened = undefined;
  await Promise.all(clients.map(closeClient));
}

port.on("message", (m: ToThread) => {
  switch (m.type) {
    case "open":
      open(m.job).then(
        () => post({ type: "ready" }),
        (err: unknown) => post({ type: "failed", message: err instanceof Error ? err.message : String(err) }),
      );
      return;
    case "run":
      run(m.run).then(
        (stats) => post({ type: "done", stats }),
        (err: unknown) => post({ type: "failed", message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
      return;
    case "stop":
      stopPhase?.abort();
      return;
    case "close":
      stopPhase?.abort();
      void close().finally(() => post({ type: "closed" }));
      return;
  }
});
