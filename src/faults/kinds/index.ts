/**
 * The registry of fault kinds: one module each in this folder, listed here once. The scenario
 * schema's union of faults, the JSON schema, the checks and the injection all derive from it; a
 * new fault kind is its module and its line below.
 */
import { z } from "zod";
import { findKind, schemasOf } from "../../contracts/registry.js";
import type { FaultPlan } from "../../contracts/plan.js";
import type { FaultKind } from "../fault-kind.js";
import { hopDownFault } from "./hop-down.js";
import { processFault } from "./process.js";
import { stdioFault } from "./stdio.js";
import { toxicFault } from "./toxic.js";

export const FAULT_KINDS = [toxicFault, hopDownFault, processFault, stdioFault] as const;

/** A fault of the scenario file as written (compileFault makes it the plan's FaultPlan). */
export const FaultSpec = z.union(schemasOf(FAULT_KINDS, "schema"));
export type FaultSpec = z.output<typeof FaultSpec>;

/** A fault the schema parsed, compiled by its kind to the plan's FaultPlan given its id. */
export function compileFault(spec: FaultSpec): (id: string) => FaultPlan {
  for (const kind of FAULT_KINDS) {
    const compiled = kind.compile(spec);
    if (compiled) return compiled;
  }
  throw new Error(`no fault kind "${spec.kind}" in the registry, though the schema parsed it`);
}

/** The kind a fault of the file names (`kind:` as written), or undefined. */
export function faultKind(name: unknown): FaultKind | undefined {
  return findKind<FaultKind>(FAULT_KINDS, name);
}
