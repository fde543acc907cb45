/**
 * `kind: install`: no load; every server of the scenario is installed cold from its registry and
 * timed (src/install/run-install-scenario.ts runs it, as its own run mode).
 */
import { z } from "zod";
import { DURATION_BOUNDS, duration } from "../contracts/scenario-fields.js";
import { defineWorkloadKind } from "./workload-kind.js";

export const installWorkload = defineWorkloadKind({
  name: "install",
  schema: z
    .strictObject({
      kind: z.literal("install"),
      limit: duration(
        DURATION_BOUNDS.installLimit,
        "An install still running after this long is stopped and counted as not finished (a miss of any objective at or under it).",
      ).prefault("15m"),
      startToReady: z
        .boolean()
        .default(true)
        .describe(
          "Start each freshly installed copy once and time spawn to a completed MCP initialize (servers that need no backing service or upstream API).",
        ),
    })
    .describe(
      "No load: a cold install of every server of the scenario from its registry (npm, PyPI, the Go module proxy) into empty temp dirs and caches, one after another. The time includes the registry download, so it depends on the network; an install that fails (e.g. no network) is an environment error, not a failed SLO.",
    ),
  plainCalls: false,
  // Each install takes what it takes (up to its limit).
  window: false,
  crossCheck(_w, ctx) {
    for (const [i, x] of ctx.servers.entries())
      if (x.custom) ctx.issue(["servers", i], "an install scenario installs catalog servers; a custom server has no registry package to install");
  },
  plan(w) {
    return {
      kind: "install",
      calls: undefined,
      toolsUsed: new Map(),
      seedRows: 0,
      pingOnly: [],
      install: { limitMs: w.limit.ms, startToReady: w.startToReady },
      prepare: () => {
        throw new Error("an install scenario runs no workload (src/install/run-install-scenario.ts)");
      },
    };
  },
});
