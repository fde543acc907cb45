/**
 * `mcp-slo init [file]`: writes a commented starter scenario that validates and runs as it is (the
 * Memory MCP server, which needs no backing service, for 10 s), for a first run and as a template.
 * An existing file is never overwritten (exit 2); the file is created exclusively, so two inits
 * racing for one name cannot both write it.
 */
import { type FileHandle, open, rm } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { HarnessError } from "../errors.js";
import { PROJECT_ROOT } from "../project-root.js";
import { printable } from "../util/control-chars.js";

export const DEFAULT_INIT_FILE = "my-scenario.yaml";

/** The scenario's name from its file name (the schema's rule: lower-case letters, digits, - and _). */
function scenarioName(file: string): string {
  const base = path
    .basename(file)
    .replace(/\.ya?ml$/i, "")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[^a-z0-9]+|-+$/g, "");
  return base || "my-scenario";
}

export function starterScenario(file: string): string {
  const schema = path.relative(path.dirname(path.resolve(file)), path.join(PROJECT_ROOT, "scenarios", "scenario.schema.json"));
  return `# yaml-language-server: $schema=${schema}
# A starter scenario written by \`mcp-slo init\`. Check it with \`mcp-slo validate ${file}\`,
# run it with \`mcp-slo run ${file}\` (--profile smoke: 3 s). The README's "Scenario files" section
# lists every field; scenarios/*.yaml are fuller examples.
name: ${scenarioName(file)}
description: Two agents reading and writing the knowledge-graph memory of the Memory MCP server.
# Catalog names (\`mcp-slo servers\` lists them) or a custom stdio server (name, command, args).
servers: [memory]
# Concurrent agents; each holds its own MCP session to every server.
agents: 2
# closed: an agent sends its next call when the last one answered. { model: open, rate: 200,
# maxInFlight: 100 } sends on a fixed schedule instead, whatever the answers.
load: { model: closed, thinkTime: 0ms }
# Recorded apart, never judged: caches and JITs warm up first.
warmup: 2s
# The measurement window (and/or \`count: 5000\` operations).
duration: 10s
# A call without an answer by then is a failure, recorded at its deadline.
callTimeout: 5s
workload:
  kind: mix
  # Each agent picks its next call by weight. Placeholders: {{agent}}, {{seq}}, {{uuid}},
  # {{rand A B}}, {{zipf N S}}, {{pick a|b|c}}; random choices follow the scenario's seed.
  calls:
    - { server: memory, tool: create_entities, weight: 1, args: { entities: [{ name: "agent-{{agent}}-{{seq}}", entityType: "note", observations: ["{{uuid}}"] }] } }
    - { server: memory, tool: search_nodes, weight: 2, args: { query: "agent-{{agent}}" } }
slos:
  # An SLO of the built-in catalog (\`mcp-slo slos\`), judged with the source of its target.
  - ref: memory.latency.p50
  # Your own: metric, objective and scope; its source is this file and line.
  - id: starter-p95
    metric: latency.p95
    objective: "< 1s"
    scope: { server: memory }
  - id: starter-success
    metric: success_rate
    objective: ">= 99%"
# --profile <name> scales the same scenario (deep merge; lists replace). Any name will do.
profiles:
  smoke: { warmup: 1s, duration: 3s }
  soak: { agents: 4, duration: 30m }
`;
}

export async function writeStarter(file: string): Promise<void> {
  let handle: FileHandle;
  try {
    // "wx": created here or refused, never truncated.
    handle = await open(file, "wx", 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST"
        ? "it exists already; init never overwrites a file"
        : code === "ENOENT"
          ? "its directory does not exist"
          : code === "EACCES" || code === "EROFS"
            ? "cannot be written there (permission denied)"
            : code === "ENOTDIR"
              ? "a part of its path is not a directory"
              : (err as Error).message;
    throw new HarnessError(
      "invalid_input",
      `init ${printable(file)}: ${why}`,
      code === "EEXIST" ? { hint: `choose another name: mcp-slo init other.yaml` } : {},
    );
  }
  try {
    await handle.writeFile(starterScenario(file), "utf8");
    await handle.close();
  } catch (err) {
    // Never half a starter: what was created is taken back.
    await handle.close().catch(() => undefined);
    await rm(file, { force: true });
    throw err;
  }
}

export function registerInitCommand(program: Command): void {
  program
    .command("init")
    .description("write a commented starter scenario that validates and runs as it is (never overwrites a file)")
    .argument("[file]", "the scenario file to write", DEFAULT_INIT_FILE)
    .action(async (file: string) => {
      await writeStarter(file);
      process.stdout.write(`wrote ${file}\nnext: mcp-slo validate ${file} && mcp-slo run ${file} --profile smoke\n`);
    });
}
