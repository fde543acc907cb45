/**
 * `mcp-slo scan [servers...]`: the security scan (issue 14) of catalog servers, or of the servers a
 * scenario file defines (--servers-of, custom ones included). It runs scenarios/security.yaml (a
 * `kind: security` scenario judging security.score) with its servers replaced, through the same run
 * as `mcp-slo run`: the same outputs (plus security.sarif), history, exit codes. Registered by
 * main.ts, which alone maps errors to exit codes; the exit code comes back through `setExitCode`.
 */
import path from "node:path";
import { type Command, Option } from "commander";
import { findServer, SERVER_CATALOG } from "../catalog/servers.js";
import { loadAll, loadScenario } from "../config/load-scenario.js";
import type { Scenario } from "../contracts/plan.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { HarnessError } from "../errors.js";
import { PROJECT_ROOT } from "../project-root.js";
import { checkOutDir } from "../outputs/out-dir.js";
import { DEFAULT_PROVIDER, loadProvider, PROVIDER_NAMES, type ProviderName } from "../providers/registry.js";
import type { RunRecord } from "../results/types.js";
import { shown } from "./flags.js";
import { addHistoryOption, addTagOption, commandWithoutPasswords, parseTags } from "./history-flags.js";
import { runTelemetryOptions, type RunTelemetryFlags } from "./flags.js";

export const SECURITY_SCENARIO = path.join(PROJECT_ROOT, "scenarios", "security.yaml");

interface ScanFlags extends RunTelemetryFlags {
  serversOf?: string;
  pins: string | false | undefined;
  updatePins: boolean;
  policy?: string;
  out?: string;
  provider: ProviderName;
  live: boolean;
  failOnInconclusive: boolean;
  probes: boolean;
  conformance: boolean;
  supplyChain: boolean;
  history?: string;
  tag: string[];
}

/** The servers named on the command line, each once, each in the catalog (exit 2 naming the first unknown ones). */
export function namedServers(names: readonly string[]): ServerDefinition[] {
  const unknown = names.filter((n) => findServer(n) === undefined);
  if (unknown.length > 0)
    throw new HarnessError("invalid_input", `unknown server${unknown.length > 1 ? "s" : ""} ${unknown.map(shown).join(", ")}`, {
      hint: `catalog servers: ${SERVER_CATALOG.map((d) => d.name).join(", ")} (mcp-slo servers); a custom server: --servers-of <scenario.yaml>`,
    });
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length > 0) throw new HarnessError("invalid_input", `server ${shown(twice[0]!)} named twice`);
  return names.map((n) => findServer(n)!);
}

/** scenarios/security.yaml with the servers and the flags of this command. */
export async function scanScenario(servers: readonly string[], flags: ScanFlags): Promise<Scenario> {
  const [base] = await loadAll([SECURITY_SCENARIO], "nightly");
  if (!base?.workload.security) throw new HarnessError("internal", `${SECURITY_SCENARIO} is not a security scenario`);
  let defs: ServerDefinition[];
  if (flags.serversOf !== undefined) {
    if (servers.length > 0) throw new HarnessError("invalid_input", "name servers or give --servers-of, not both");
    defs = (await loadScenario(flags.serversOf, "ci")).servers;
    // Its probes write to stdin, pin packages and read a process's files: none of it applies to a server reached by URL, and none of it is tested so.
    const remote = defs.filter((d) => d.remote !== undefined).map((d) => d.name);
    if (remote.length > 0)
      throw new HarnessError(
        "invalid_input",
        `${flags.serversOf}: the security scan does not take url servers (${remote.join(", ")}): it scans servers the harness starts`,
        {
          hint: "judge a url server with mcp-slo run; scan the package it deploys by name or as a custom server",
        },
      );
  } else defs = servers.length > 0 ? namedServers(servers) : base.servers;
  const cwd = process.cwd();
  return {
    ...base,
    servers: defs,
    workload: {
      ...base.workload,
      security: {
        ...base.workload.security,
        // Flags are paths as typed, from the current directory; absolute paths stay so whatever the scenario's directory.
        pinsFile: flags.pins === false ? null : flags.pins === undefined ? undefined : path.resolve(cwd, flags.pins),
        updatePins: flags.updatePins,
        policyFile: flags.policy === undefined ? undefined : path.resolve(cwd, flags.policy),
        probes: flags.probes,
        conformance: flags.conformance,
        supplyChain: flags.supplyChain,
      },
    },
  };
}

export function registerScanCommand(
  program: Command,
  argv: readonly string[],
  hooks: {
    printVerdicts: (record: RunRecord, outDir: string) => void;
    setExitCode: (code: number) => void;
    makeProgress: () => { line: (text: string) => void; done: () => void };
  },
): void {
  const cmd = program
    .command("scan")
    .description(
      "scan MCP servers' security (supply chain, sources, tool definitions and pins, live probes, conformance) and score each out of 10; writes the run's outputs and security.sarif",
    )
    .argument("[server...]", "catalog servers (default: every server of scenarios/security.yaml)")
    .option("--servers-of <scenario>", "scan the servers a scenario file defines (custom servers included)")
    .option("--pins <file>", "pin file of tool definitions (default: reports/security-pins.json)")
    .option("--no-pins", "neither compare nor write pins")
    .option("--update-pins", "write the definitions seen as the new pins (approve the changes this scan reports)", false)
    .option("--policy <file>", "sources policy (YAML: registries, publishers, servers); default: the design module's approved sources")
    .option("--no-probes", "skip the live attack probes (their checks are not measured)")
    .option("--no-conformance", "skip the MCP conformance suite (its check is not measured)")
    .option("--no-supply-chain", "skip the registry checks (their checks are not measured)")
    .option("--out <dir>", "write outputs here (default: reports/runs/<run id>, with reports/latest pointing at it)")
    .addOption(new Option("--provider <name>", "where the stack runs").choices(PROVIDER_NAMES).default(DEFAULT_PROVIDER))
    .option("--live", "servers that call a SaaS API use the real one (tokens from the environment) instead of local stand-ins", false)
    .option("--fail-on-inconclusive", "exit 1 when a score is inconclusive (not everything could be measured)", false)
    .option(
      "--metrics-port <port>",
      "serve live Prometheus metrics (mcp_security_validation_score, mcp_vulnerability_count, ...) on this port while the scan lasts",
    )
    .option("--metrics-host <address>", "address for --metrics-port; loopback only unless --allow-non-loopback", "127.0.0.1")
    .option("--allow-non-loopback", "allow --metrics-host to be a non-loopback address (the metrics have no authentication)", false)
    .option("--trace-sample <n>", "trace one MCP call in n (0: no trace)", "0");
  addTagOption(addHistoryOption(cmd));
  cmd.action(async (servers: string[], flags: ScanFlags) => {
    const telemetryOptions = runTelemetryOptions(flags);
    if (flags.out !== undefined) await checkOutDir(flags.out);
    const scenario = await scanScenario(servers, flags);
    const [{ run }, provider] = await Promise.all([import("../run/run.js"), loadProvider(flags.provider)]);
    const progress = hooks.makeProgress();
    try {
      const outcome = await run({
        files: [SECURITY_SCENARIO],
        profile: "nightly",
        scenarios: [scenario],
        outDir: flags.out,
        reportsRoot: path.join(PROJECT_ROOT, "reports"),
        provider,
        failOnInconclusive: flags.failOnInconclusive,
        live: flags.live,
        progress: progress.line,
        command: ["mcp-slo", ...commandWithoutPasswords(argv)],
        tags: parseTags(flags.tag),
        ...(flags.history !== undefined && { history: flags.history }),
        ...telemetryOptions,
      });
      progress.done();
      hooks.printVerdicts(outcome.record, outcome.outDir);
      hooks.setExitCode(outcome.exitCode);
    } finally {
      progress.done();
    }
  });
}
