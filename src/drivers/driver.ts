/**
 * The contract of a load driver: one module of this folder exporting a LoadDriver, listed once in
 * ./index.ts (the scenario schema's `driver` choices, `--driver` and the checks derive from it).
 *
 * A driver only emits samples into the Recorder, the same histograms whatever drives the load, so
 * every driver gets the same SLO evaluation. Each phase (warm-up, measurement window, a capacity
 * step) runs in two steps, so that the orchestrator alone owns t=0:
 *  1. prepare(): whatever must happen before the load (k6 starts and opens its agents' sessions,
 *     autocannon opens one MCP session per connection); no call is timed yet;
 *  2. run(t0): the load, from t0. t0 is the orchestrator's (performance.now()): in the measurement
 *     window the same instant the Recorder's window and the fault experiment's clock start at, so a
 *     driver's own start-up never shifts the window against the faults. A driver whose samples carry
 *     another clock (k6's wall clock) maps them onto this one.
 */
import type { LoadPlan, Scenario } from "../contracts/plan.js";
import type { Phase, PreparedWorkload } from "../contracts/workload-env.js";
import type { Recorder } from "../metrics/recorder.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import type { PhaseStats } from "./generator-health.js";

export interface DriverPhase {
  scenario: Scenario;
  phase: Phase;
  durationMs: number | undefined;
  count: number | undefined;
  /** The load model of this phase: the scenario's, or a capacity step's rate. */
  load: LoadPlan;
  recorder: Recorder;
  /** The workload's operation (the sdk driver schedules it; drivers that send plain calls read scenario.workload.calls). */
  workload: PreparedWorkload;
  /** server name -> MCP Streamable HTTP URL (through Toxiproxy when proxied); empty with transport stdio */
  urls: ReadonlyMap<string, string>;
  /** for the driver's own processes and files: everything is cleaned up with the run */
  registry: ResourceRegistry;
  runId: string;
  signal: AbortSignal;
  /**
   * Once a second while the phase runs. `live`: calls counted so far, from a driver whose samples
   * reach the recorder only after its load ended (k6); without it the progress reads the recorder.
   */
  onTick?: (elapsedMs: number, live?: LiveCounts) => void;
  /**
   * A closed load shape turned this worker off between its operations (session churn per join: its
   * agent leaves). Only a driver whose workers are the harness's agents calls it (sdk).
   */
  onWorkerLeaves?: (worker: number) => void;
  /**
   * Per agent, the measurement window's ok and failed calls (the concurrent-agents SLO): a driver
   * whose calls are counted elsewhere than the run's CallContext adds its own into them (threads).
   */
  agentTallies?: { ok: number; failed: number }[];
  /** The filesystem server's sandbox, for a mix's {{sandbox}}; "" when there is none. */
  sandbox?: string;
}

/** Calls of the phase counted while it runs, for the progress line only (never judged). */
export interface LiveCounts {
  ok: number;
  failed: number;
}

export interface PhaseResult extends PhaseStats {
  /**
   * When the load ended, on performance.now(), when the driver knows it better than "when run()
   * returned" (k6: its last call's end, not the time it took to read its points back).
   */
  loadEndedAt?: number;
}

export interface ReadyPhase {
  /** The load, from `t0` (performance.now()); resolves when the phase is over and its samples recorded. */
  run(t0: number): Promise<PhaseResult>;
  /** Releases what prepare() started, when run() will not be called (interrupted, or a failure in between). */
  dispose(): Promise<void>;
}

export interface LoadDriver {
  /** The scenario's `driver:` and `--driver`. */
  readonly name: string;
  /** How the scenario schema's description names it, e.g. "autocannon (raw JSON-RPC over HTTP)". */
  readonly title: string;
  /** What the scenario must offer it: MCP Streamable HTTP endpoints, a workload of plain calls. */
  readonly needs: { http: boolean; plainCalls: boolean };
  /** It says which agent sent each call: per-agent availability, the closed model's count correction, concurrent agents. */
  readonly knowsAgents: boolean;
  /** The harness's event loop times its calls (the harness's delay bounds their error). */
  readonly harnessTimed: boolean;
  /**
   * Its calls are timed on the harness's worker threads, not the main thread's event loop (threads):
   * the phase's delay is the worst thread's, and the main thread's delay per window would explain nothing.
   */
  readonly timedOffMainThread?: boolean;
  /** It opens its agents' sessions itself; the harness then keeps one control session per server. */
  readonly ownSessions: boolean;
  /**
   * Its calls go through the sdk driver's own client and mix (threads): every MCP method a mix step
   * may name, and a mix's setup steps. The other drivers of plain calls write tools/call only.
   */
  readonly everyMethod?: boolean;
  /** It can run a capacity search's rising arrival rates. */
  readonly capacitySearch: boolean;
  /**
   * It can run a load shape (scenario `load.stages`: ramping rates or agents); undefined: it can.
   * A string: it cannot, and why, in a clause the refusal quotes ("autocannon sends ...").
   */
  readonly noStages?: string;
  /**
   * Its samples reach the recorder only after its load ended (k6 reads its points back): nothing can
   * watch the window live, so an SLO's halt condition (src/window/halt-monitor.ts) cannot apply.
   */
  readonly recordsAfterLoad?: boolean;
  prepare(phase: DriverPhase): Promise<ReadyPhase>;
}
