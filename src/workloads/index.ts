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
import { scriptWorkload } from "./script.js";
import { securityWorkload } from "./security.js";
import type { WorkloadPlan } from "../contracts/plan.js";
import type { WorkloadKind } from "./workload-kind.js";

export const WORKLOAD_KINDS = [mixWorkload, coordinationWorkload, cacheAsideWorkload, installWorkload, securityWorkload, scriptWorkload] as const;

/** The workload of the scenario file as written (workloadKindOf gives its cross-field checks and its plan). */
export const Workload = z.discriminatedUnion("kind", schemasOf(WORKLOAD_KINDS, "schema"));
export type Workload = z.output<typeof Workload>;

/** The kind of a workload the schema parsed. */
export function workloadKindOf(spec: Workload): WorkloadKind {
  const kind = workloadKind(spec.kind);
  if (!kind) throw new Error(`no workload kind "${spec.kind}" in the registry, though the schema parsed it`);
  return kind;
}

/** A workload the schema parsed, compiled by its kind to the plan's WorkloadPlan. */
export function compileWorkload(spec: Workload): WorkloadPlan {
  const plan = workloadKindOf(spec).plan(spec);
  if (!plan) throw new Error(`the ${spec.kind} workload kind did not compile a workload of its own kind`);
  return plan;
}

/** The kinds whose operation is an agent task (session churn per task needs one). */
export function taskKinds(): string[] {
  return WORKLOAD_KINDS.filter((k) => k.tasks).map((k) => k.name);
}

/** The kinds whose workers are the agents (session churn per join needs one). */
export function agentWorkerKinds(): string[] {
  return WORKLOAD_KINDS.filter((k) => k.agentWorkers).map((k) => k.name);
}

/** The kind a workload of the file names (`kind:` as written), or undefined. */
export function workloadKind(name: unknown): WorkloadKind | undefined {
  return findKind<WorkloadKind>(WORKLOAD_KINDS, name);
}
