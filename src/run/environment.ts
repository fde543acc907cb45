import os from "node:os";
import type { RunRecord } from "../results/types.js";
import { stackPriority } from "../stack/managed-process.js";

/** The machine a run's numbers come from, as the run record states it, and the priority its stack ran at. */
export function hostEnvironment(): RunRecord["environment"] {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    hostname: os.hostname(),
    priority: stackPriority(),
  };
}
