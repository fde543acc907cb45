/**
 * A real Prometheus for integration tests: Debian's package, on a free loopback port, with its
 * config and storage in a temp dir of the registry (so registry.disposeAll() stops it and removes both).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { spawnManaged, type ManagedProcess } from "../stack/managed-process.js";
import { freeLoopbackPort } from "../stack/ports.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { StopWaiting, waitFor } from "../util/wait-for.js";

export interface PrometheusOptions {
  registry: ResourceRegistry;
  /** prometheus.yml, or a function of its own listen address (host:port), e.g. for a job scraping itself; default a global section only. */
  config?: string | ((listen: string) => string);
  /** Flags besides config, storage, listen address and consoles, e.g. "--web.enable-remote-write-receiver". */
  args?: string[];
  /** How long /-/ready may take (default 30 s). */
  readyWithinMs?: number;
}

export interface RunningPrometheus {
  /** http://127.0.0.1:port, the base of the HTTP API. */
  url: string;
  /** Holds prometheus.yml and the TSDB (data/). */
  dir: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts Prometheus and resolves once /-/ready answers. */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const { registry } = opts;
  const dir = await registry.makeTempDir("prometheus");
  const port = await freeLoopbackPort();
  const configFile = path.join(dir, "prometheus.yml");
  const listen = `127.0.0.1:${port}`;
  const config = typeof opts.config === "function" ? opts.config(listen) : opts.config;
  await writeFile(configFile, config ?? "global: { scrape_interval: 15s }\n");
  const proc = spawnManaged({
    name: "prometheus",
    command: "prometheus",
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=${listen}`,
      ...(opts.args ?? []),
      "--web.console.templates=/nonexistent",
      "--web.console.libraries=/nonexistent",
    ],
    cwd: dir,
    registry,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (proc.exitInfo) throw new StopWaiting(new Error(`prometheus exited (${JSON.stringify(proc.exitInfo)}):\n${proc.stderrTail(30).join("\n")}`));
        return (await fetch(`${url}/-/ready`)).ok;
      },
      { what: "prometheus ready", timeoutMs: opts.readyWithinMs ?? 30_000, intervalMs: 200 },
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url, dir, process: proc, stop: () => proc.stop() };
}
