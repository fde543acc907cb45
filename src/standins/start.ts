/**
 * Starts a stand-in API (src/standins/main.ts) as a managed process of the run: loopback, a free
 * port, stopped with the run (also on SIGINT or a crash, like every process of the registry).
 */
import { fileURLToPath } from "node:url";
import { HarnessError } from "../errors.js";
import { spawnManaged, type ManagedProcess } from "../stack/managed-process.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import type { StandInStats, StartedStandIn } from "../stack/started.js";
import { deadline } from "../util/race.js";
import { CONTROL_PREFIX, READY_PREFIX, type StandInBehaviour } from "./serve.js";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

/** How a provider starts one stand-in (src/providers/provider.ts StackBackends.standIn): startStandIn below, or a container. */
export type StandInStarter = (opts: { api: string; registry: ResourceRegistry; behaviour: StandInBehaviour }) => Promise<StartedStandIn>;

/** A stand-in process of the run: the started handle every provider gives, and its port and process. */
export interface LocalStandIn extends StartedStandIn {
  readonly port: number;
  readonly process: ManagedProcess;
}

export function standInArgs(api: string, behaviour: StandInBehaviour): string[] {
  const args = [api];
  if (behaviour.latency) args.push("--latency-median", String(behaviour.latency.medianMs), "--latency-p95", String(behaviour.latency.p95Ms));
  if (behaviour.errorRate !== undefined) args.push("--error-rate", String(behaviour.errorRate));
  if (behaviour.errorStatus !== undefined) args.push("--error-status", String(behaviour.errorStatus));
  if (behaviour.seed !== undefined) args.push("--seed", String(behaviour.seed));
  if (behaviour.reflectCredentials) args.push("--reflect-credentials");
  return args;
}

export async function startStandIn(opts: { api: string; registry: ResourceRegistry; behaviour?: StandInBehaviour; timeoutMs?: number }): Promise<LocalStandIn> {
  const { api, registry } = opts;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const proc = spawnManaged({
    name: `stand-in ${api}`,
    command: process.execPath,
    args: ["--import", "tsx", MAIN, ...standInArgs(api, opts.behaviour ?? {}), "--host", "127.0.0.1", "--port", "0"],
    registry,
  });
  const notListening = deadline(timeoutMs, () => new Error(`was not listening within ${timeoutMs / 1000} s`));
  let off: (() => void) | undefined;
  try {
    const ready = await Promise.race([
      new Promise<{ port: number; title: string; payloads: string }>((resolve) => {
        off = proc.onLine((line) => {
          if (line.startsWith(READY_PREFIX)) resolve(JSON.parse(line.slice(READY_PREFIX.length)) as { port: number; title: string; payloads: string });
        });
      }),
      proc.exited.then((e) => Promise.reject(new Error(`exited (${e.signal ?? `code ${e.code}`}) before listening`))),
      notListening.promise,
    ]);
    const url = `http://127.0.0.1:${ready.port}`;
    const stop = () => proc.stop({ graceMs: 2000 });
    return {
      api,
      title: ready.title,
      payloads: ready.payloads,
      port: ready.port,
      url,
      upstream: `127.0.0.1:${ready.port}`,
      process: proc,
      isRunning: () => proc.isRunning(),
      stats: async () => (await (await fetch(`${url}${CONTROL_PREFIX}/stats`)).json()) as StandInStats,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await proc.stop({ graceMs: 500 });
    const tail = proc.stderrTail(10);
    throw new HarnessError("environment", `stand-in of the ${api} API could not start: ${(err as Error).message}`, {
      details: tail.length ? ["last output lines:", ...tail.map((l) => `  ${l}`)] : [],
      cause: err,
    });
  } finally {
    notListening.dispose();
    off?.();
  }
}
