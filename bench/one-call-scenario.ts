/**
 * What the driver benches share: a temp dir holding a scenario of one tool call over Streamable HTTP,
 * loaded through the project's own validation (so the bench runs what a user's file would), and
 * removed afterwards whatever happens.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadScenario } from "../src/config/load-scenario.js";
import type { Scenario } from "../src/contracts/plan.js";

export interface OneCallScenario {
  name: string;
  /** a catalog server's name: the scenario's checks need one, even when the bench points it elsewhere */
  server: string;
  tool: string;
  args: Record<string, unknown>;
  driver: string;
  agents: number;
  durationMs: number;
}

/** Runs `body` with the loaded scenario and the temp dir it lives in (a sandbox for the run). */
export async function withOneCallScenario<T>(spec: OneCallScenario, body: (scenario: Scenario, tmp: string) => Promise<T>): Promise<T> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), `${spec.name}-`));
  try {
    const file = path.join(tmp, `${spec.name}.yaml`);
    await writeFile(
      file,
      [
        `name: ${spec.name}`,
        `description: ${spec.name} bench`,
        `servers: [${spec.server}]`,
        "transport: http",
        `driver: ${spec.driver}`,
        `agents: ${spec.agents}`,
        "warmup: 0s",
        `duration: ${spec.durationMs}ms`,
        "callTimeout: 5s",
        "workload:",
        "  kind: mix",
        `  calls: [{ server: ${spec.server}, tool: ${spec.tool}, weight: 1, args: ${JSON.stringify(spec.args)} }]`,
        "slos: []",
        "",
      ].join("\n"),
    );
    return await body(await loadScenario(file, "ci"), tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
