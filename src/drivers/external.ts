/**
 * Load drivers other than the harness's own SDK driver: tools SREs already
 * trust (autocannon, k6) speaking MCP Streamable HTTP to the same endpoints.
 * Each lives in its own file and only emits samples into the Recorder, the
 * same histograms the SDK driver fills, so every driver gets the same SLO
 * evaluation. Loaded on demand: a run that does not use k6 never loads it.
 */
import type { Scenario } from "../config/load-scenario.js";
import type { Phase, Recorder } from "../metrics/recorder.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import type { PhaseStats } from "./sdk-driver.js";

export type ExternalDriverName = "autocannon" | "k6";

export interface ExternalPhaseContext {
  scenario: Scenario;
  phase: Phase;
  durationMs: number | undefined;
  count: number | undefined;
  /** server name -> MCP Streamable HTTP URL the driver must use (through Toxiproxy when proxied) */
  urls: ReadonlyMap<string, string>;
  recorder: Recorder;
  /** for the driver's own processes and files: everything is cleaned up with the run */
  registry: ResourceRegistry;
  runId: string;
  signal: AbortSignal;
  onTick?: (elapsedMs: number) => void;
}

export interface ExternalDriver {
  readonly name: ExternalDriverName;
  /** Runs one phase (warm-up or measurement) and reports the generator's own health. */
  runPhase(ctx: ExternalPhaseContext): Promise<PhaseStats>;
}

const LOADERS: Record<ExternalDriverName, () => Promise<ExternalDriver>> = {
  autocannon: async () => (await import("./autocannon-driver.js")).autocannonDriver,
  k6: async () => (await import("./k6-driver.js")).k6Driver,
};

export function loadExternalDriver(name: ExternalDriverName): Promise<ExternalDriver> {
  return LOADERS[name]();
}
