/**
 * `kind: security`: no load; every server of the scenario is scanned (supply chain, sources policy,
 * tool definitions and pins, live probes, conformance) and scored out of 10 (src/security, run as
 * its own run mode like an install). `mcp-slo scan` runs scenarios/security.yaml this way.
 */
import { z } from "zod";
import { defineWorkloadKind } from "./workload-kind.js";

export const securityWorkload = defineWorkloadKind({
  name: "security",
  schema: z
    .strictObject({
      kind: z.literal("security"),
      pins: z
        .string()
        .min(1)
        .nullable()
        .optional()
        .describe(
          "The pin file of tool definitions (relative to this file). Absent: reports/security-pins.json of the project, beside the run history; null: no pins. A server the file does not know is pinned on its first scan (said in the report); a changed definition is a finding.",
        ),
      updatePins: z
        .boolean()
        .default(false)
        .describe("Write the definitions seen as the new pins: approves every change this scan finds (it is still reported)."),
      policy: z
        .string()
        .min(1)
        .optional()
        .describe(
          "A sources policy file (YAML: registries, publishers, servers) relative to this file; absent: the design module's approved sources (lines 478-479).",
        ),
      supplyChain: z
        .boolean()
        .default(true)
        .describe("Check each server's package against its registry (needs the registries; unreachable ones are not measured)."),
      probes: z.boolean().default(true).describe("Run the live attack probes against each running server (loopback, throwaway stores only)."),
      conformance: z.boolean().default(true).describe("Run the MCP conformance suite's generic scenarios against each server."),
    })
    .describe(
      "No load: a security scan of every server of the scenario, scored out of 10 with published weights (judge it with the catalog SLO security.score). Servers are scanned one after another.",
    ),
  plainCalls: false,
  window: false,
  plan(w) {
    return {
      kind: "security",
      calls: undefined,
      toolsUsed: new Map(),
      seedRows: 0,
      pingOnly: [],
      install: undefined,
      security: {
        pinsFile: w.pins,
        updatePins: w.updatePins,
        policyFile: w.policy,
        supplyChain: w.supplyChain,
        probes: w.probes,
        conformance: w.conformance,
      },
      prepare: () => {
        throw new Error("a security scenario runs no workload (src/security/run-security-scenario.ts)");
      },
    };
  },
});
