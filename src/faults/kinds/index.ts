/**
 * The registry of fault kinds: one module each in this folder, listed here once. The scenario
 * schema's union of faults, the JSON schema, the checks and the injection all derive from it; a
 * new fault kind is its module and its line below.
 */
import { z } from "zod";
import { findKind, schemasOf } from "../../contracts/registry.js";
import type { FaultKind } from "../fault-kind.js";
import { hopDownFault } from "./hop-down.js";
import { processFault } from "./process.js";
import { stdioFault } from "./stdio.js";
import { toxicFault } from "./toxic.js";

export const FAULT_KINDS = [toxicFault, hopDownFault, processFault, stdioFault] as const;

/** A fault of the scenario file, compiled to the plan's FaultPlan given its id. */
export const FaultSpec = z.union(schemasOf(FAULT_KINDS));

/** The kind a fault of the file names (`kind:` as written), or undefined. */
export function faultKind(name: unknown): FaultKind | undefined {
  return findKind<FaultKind>(FAULT_KINDS, name);
}
