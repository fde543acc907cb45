/**
 * mcp-slo: the command line. Only this file turns errors into exit codes:
 * 0 every SLO met, 1 an SLO failed, 2 invalid input, 3 the harness or the
 * environment failed, 130 interrupted.
 */
import { Command, CommanderError } from "commander";
import { EXIT, HarnessError } from "../errors.js";
import { HARNESS_VERSION } from "../project-root.js";
import { SERVER_CATALOG } from "../catalog/servers.js";
import { makeProgress } from "./progress.js";
import { printable } from "../util/control-chars.js";
import { registerSecret, registerSecretsFromEnvironment } from "../telemetry/redact.js";
import { guardStreams } from "./terminal.js";
import { addExamples } from "./examples.js";
import { printVerdicts } from "./verdicts.js";

/** What a command's registration may need from the program around it. */
interface CommandDeps {
  argv: readonly string[];
  setExitCode: (code: number) => void;
  makeProgress: () => ReturnType<typeof makeProgress>;
}

/**
 * Every command, in the order help lists them, each loaded only when asked for: a command's module
 * pulls in what its action needs (the run's machinery, the container engine's client, the report's
 * renderer...), and `mcp-slo validate` should not pay a second of start-up for the others. Help, no
 * command or an unknown one loads them all, so the listing and commander's suggestions stay whole.
 */
const COMMANDS: readonly [name: string, register: (program: Command, deps: CommandDeps) => Promise<void>][] = [
  ["run", async (p, d) => (await import("./run-command.js")).registerRunCommand(p, d)],
  ["validate", async (p) => (await import("./validate-command.js")).registerValidateCommand(p)],
  ["servers", async (p) => (await import("./servers-command.js")).registerServersCommand(p)],
  ["report", async (p) => (await import("./report-command.js")).registerReportCommand(p)],
  ["init", async (p) => (await import("./init-command.js")).registerInitCommand(p)],
  ["slos", async (p) => (await import("./slos-command.js")).registerSlosCommand(p)],
  ["monitor", async (p) => (await import("./monitor-command.js")).registerMonitorCommand(p)],
  ["history", async (p) => (await import("./history-command.js")).registerHistoryCommand(p)],
  ["bridge", async (p) => (await import("./bridge-command.js")).registerBridgeCommand(p)],
  ["trend", async (p) => (await import("./trend-command.js")).registerTrendCommand(p)],
  ["evaluate", async (p, d) => (await import("./evaluate-command.js")).registerEvaluateCommand(p, printVerdicts, d.setExitCode)],
  ["compare", async (p, d) => (await import("./compare-command.js")).registerCompareCommand(p, d.setExitCode)],
  [
    "scan",
    async (p, d) =>
      (await import("./scan-command.js")).registerScanCommand(p, d.argv as string[], {
        printVerdicts,
        setExitCode: d.setExitCode,
        makeProgress: d.makeProgress,
      }),
  ],
];

/** The commands to load for argv: the one its first word names, none for --version, else all (the program itself has only --help and --version). */
function commandsFor(argv: readonly string[]): typeof COMMANDS {
  if (argv[0] === "--version" || argv[0] === "-V") return [];
  const asked = COMMANDS.find(([name]) => name === argv[0]);
  return asked ? [asked] : COMMANDS;
}

function printError(err: HarnessError): void {
  // Input quoted back (a file name, a flag's value) is shown with its control characters escaped.
  const lines = [`mcp-slo: ${err.message}`, ...err.details.map((d) => `  ${d}`)];
  if (err.hint) lines.push(`hint: ${err.hint}`);
  process.stderr.write(`${lines.map((l) => l.split("\n").map(printable).join("\n")).join("\n")}\n`);
}

function exitCodeOf(err: HarnessError): number {
  switch (err.code) {
    case "invalid_input":
      return EXIT.invalidInput;
    case "interrupted":
      return EXIT.interrupted;
    case "environment":
    case "internal":
      return EXIT.harnessFailed;
  }
}

async function main(argv: string[]): Promise<number> {
  let code = EXIT.ok as number;
  const deps: CommandDeps = {
    argv,
    setExitCode: (c) => {
      code = c;
    },
    makeProgress: () => makeProgress(process.stderr, rawWrites.get(process.stderr)),
  };
  const program = new Command("mcp-slo")
    .description("Runs real MCP server stacks under load and judges them against the guide's SLOs.")
    .version(HARNESS_VERSION)
    .exitOverride()
    // commander quotes the arguments it refuses: their control characters are shown escaped, never sent to the terminal.
    .configureOutput({ writeErr: (s) => process.stderr.write(s.split("\n").map(printable).join("\n")) });
  try {
    for (const [, register] of commandsFor(argv)) await register(program, deps);
    addExamples(program);
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
    if (err instanceof HarnessError) {
      printError(err);
      return exitCodeOf(err);
    }
    process.stderr.write(`mcp-slo: harness error (a bug; please report it):\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.harnessFailed;
  }
}

// `mcp-slo slos | head` closes the pipe early: that is the reader's choice, not a harness crash.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

// One choke point for every line the harness prints (progress, verdicts, errors quoting a server's
// stderr): tokens of this run never reach a terminal or a CI log, and escape sequences a server wrote
// are shown, not obeyed (terminal.ts). Catalog servers' token variables and any variable named like a
// credential are registered before anything runs.
registerSecretsFromEnvironment();
for (const def of SERVER_CATALOG) for (const secret of def.secrets ?? []) registerSecret(process.env[secret.env]);
const rawWrites = guardStreams([process.stdout, process.stderr]);

process.exitCode = await main(process.argv.slice(2));
