/**
 * The registry of workload kinds: one module each in this folder, listed here once. The scenario
 * schema's union of workloads, the JSON schema and the checks derive from it; a new workload kind
 * is its module and its line below.
 */
import { z } from "zod";
import { findKind, schemasOf } from "../contracts/registry.js";
import { cacheAsideWorkload } from "./cache-aside.js";
import { coordinationWorkload } from "./coordination.js";
import { installWorkload } from "./install.js";
import { mixWorkload } from "./mix.js";
import type { WorkloadKind } from "./workload-kind.js";

export const WORKLOAD_KINDS = [mixWorkload, coordinationWorkload, cacheAsideWorkload, installWorkload] as const;

/** The workload of the scenario file, compiled to the plan's WorkloadPlan (and its cross-field checks). */
export const Workload = z.discriminatedUnion("kind", schemasOf(WORKLOAD_KINDS));

/** The kind a workload of the file names (`kind:` as written), or undefined. */
export function workloadKind(name: unknown): WorkloadKind | undefined {
  return findKind<WorkloadKind>(WORKLOAD_KINDS, name);
}
