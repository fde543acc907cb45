/**
 * `mcp-slo slos`: the SLO catalog, or a scenario's SLOs (--scenario), as text, JSON (--json: stable
 * fields for scripts) or OpenSLO v1 documents (--format openslo; src/slo/openslo.ts says how each
 * objective is mapped). Registered by main.ts, which alone maps errors to exit codes.
 */
import { type Command, Option } from "commander";
import { findServer } from "../catalog/servers.js";
import { loadScenario } from "../config/load-scenario.js";
import type { ResolvedSlo } from "../contracts/plan.js";
import { HarnessError } from "../errors.js";
import { HARNESS_VERSION } from "../project-root.js";
import { openSloYaml, resolvedCatalog, toOpenSlo } from "../slo/openslo.js";

export const SLOS_FORMATS = ["text", "json", "openslo"] as const;
type SlosFormat = (typeof SLOS_FORMATS)[number];

/** The version of --json's shape: a field is only ever added; a removal or a change of meaning raises it. */
export const SLOS_JSON_VERSION = 1;

function textOf(slos: readonly ResolvedSlo[]): string {
  return slos
    .map((s) => {
      const scope = s.scope.server ? ` (server ${s.scope.server}${s.scope.tool ? `, tool ${s.scope.tool}` : ""})` : "";
      return `${s.id}\n  ${s.metricName} ${s.objectiveText}${scope}\n  ${s.source.document} line ${s.source.lines}: "${s.source.quote ?? ""}"\n`;
    })
    .join("");
}

function jsonOf(slos: readonly ResolvedSlo[], from: string, skipped: ReadonlyMap<string, string>): string {
  const rows = slos.map((s) => ({
    id: s.id,
    title: s.title,
    metric: s.metricName,
    objective: s.objectiveText,
    threshold: { op: s.threshold.op, value: s.threshold.value, unit: s.threshold.unit },
    scope: { ...(s.scope.server !== undefined && { server: s.scope.server }), ...(s.scope.tool !== undefined && { tool: s.scope.tool }) },
    source: { document: s.source.document, lines: s.source.lines, ...(s.source.quote !== undefined && { quote: s.source.quote }) },
    openslo: skipped.has(s.id) ? { exported: false, reason: skipped.get(s.id) } : { exported: true },
  }));
  return `${JSON.stringify({ version: SLOS_JSON_VERSION, from, slos: rows }, null, 2)}\n`;
}

/** Groups of the catalog: one Service per server an SLO judges, one for the stack as a whole. */
function catalogService(slo: ResolvedSlo) {
  const server = slo.scope.server;
  if (server === undefined) return { name: "mcp-stack", displayName: "The MCP stack", description: "SLOs of the whole MCP stack (all servers together)." };
  if (server === "*") return { name: "each-mcp-server", displayName: "Each MCP server", description: "SLOs judged once per MCP server of a scenario." };
  return { name: server, displayName: findServer(server)?.title ?? server, description: `SLOs of the ${server} MCP server.` };
}

export function registerSlosCommand(program: Command): void {
  program
    .command("slos")
    .description("list the SLO catalog (or a scenario's SLOs) with the source of every target; as text, JSON or OpenSLO v1")
    .addOption(new Option("--format <format>", "text, json (stable fields) or openslo (OpenSLO v1 YAML documents)").choices(SLOS_FORMATS).default("text"))
    .option("--json", "the same as --format json", false)
    .option("--scenario <file>", "the SLOs of this scenario (its own, catalog references and OpenSLO imports) instead of the catalog")
    .addHelpText(
      "after",
      "\nExamples:\n  mcp-slo slos --format openslo > catalog.openslo.yaml\n  mcp-slo slos --format openslo --scenario scenarios/coordination.yaml\n  mcp-slo slos --json | jq '.slos[].id'\n",
    )
    .action(async (flags: { format: SlosFormat; json: boolean; scenario?: string }, cmd: Command) => {
      if (flags.json && cmd.getOptionValueSource("format") === "cli" && flags.format !== "json")
        throw new HarnessError("invalid_input", `--json and --format ${flags.format} ask for two formats: give one`);
      const format: SlosFormat = flags.json ? "json" : flags.format;
      // The scenario as the default profile runs it (its SLOs do not change with a profile's scale).
      const scenario = flags.scenario === undefined ? undefined : await loadScenario(flags.scenario, "ci");
      const slos = scenario ? scenario.slos : resolvedCatalog();
      const from = scenario ? scenario.file : "catalog";
      const exported = toOpenSlo(
        slos,
        scenario
          ? () => ({ name: scenario.name, displayName: scenario.name, description: scenario.description || `SLOs of scenario ${scenario.name}.` })
          : catalogService,
      );
      const skipped = new Map(exported.skipped.map((s) => [s.id, s.reason]));
      if (format === "text") process.stdout.write(textOf(slos));
      else if (format === "json") process.stdout.write(jsonOf(slos, from, skipped));
      else {
        const header = `OpenSLO v1 documents written by mcp-slo-harness ${HARNESS_VERSION} (mcp-slo slos --format openslo) from ${from === "catalog" ? "the SLO catalog" : from}.\nA scenario reads them back with  openslo: [<this file>]`;
        process.stdout.write(openSloYaml(exported.documents, header));
        // Never dropped silently: what OpenSLO cannot carry, or the harness does not measure, is said.
        for (const s of exported.skipped) process.stderr.write(`note: ${s.id} is not written as OpenSLO: ${s.reason}\n`);
      }
    });
}
