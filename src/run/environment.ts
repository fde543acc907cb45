import os from "node:os";
import type { RunRecord } from "../results/types.js";

/** The machine a run's numbers come from, as the run record states it. */
export function hostEnvironment(): RunRecord["environment"] {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    hostname: os.hostname(),
  };
}
