/** The run command: loads the scenarios, then the run's machinery (only then: refusing input needs none of it). */
import path from "node:path";
import { type Command, Option } from "commander";
import { HarnessError } from "../errors.js";
import { PROJECT_ROOT } from "../project-root.js";
import { DRIVER_NAMES } from "../drivers/index.js";
import { DEFAULT_PROVIDER, loadProvider, PROVIDER_NAMES, type ProviderName } from "../providers/registry.js";
import { checkOutDir } from "../outputs/out-dir.js";
import { headline } from "../compare/render.js";
import { ALLOW_HOSTS_HELP, parseAllowHosts, profileFlag, runTelemetryOptions, threadsFlag, type RunTelemetryFlags } from "./flags.js";
import { addHistoryOption, addTagOption, collect, commandWithoutPasswords, parseTags } from "./history-flags.js";
import type { makeProgress } from "./progress.js";
import { checkNamedOnce, runSuggestion, suiteFiles, type NamedFile } from "./suites.js";
import { printVerdicts } from "./verdicts.js";

const SUITES_FILE = path.join(PROJECT_ROOT, "scenarios", "suites.yaml");

export function registerRunCommand(
  program: Command,
  deps: { argv: readonly string[]; setExitCode: (code: number) => void; makeProgress: () => ReturnType<typeof makeProgress> },
): void {
  const runCommand = program
    .command("run")
    .description("run scenarios and write results.json, junit.xml, summary.md and report.html")
    .argument("[scenario...]", "scenario files")
    .option("--suite <name>", "run a named suite from scenarios/suites.yaml (or --suite-file)")
    // Issue 17: --suite-file is the name; --suites-file, its first spelling, still works (hidden).
    .option("--suite-file <file>", "the suites file --suite looks the suite up in", path.relative(process.cwd(), SUITES_FILE) || SUITES_FILE)
    .addOption(new Option("--suites-file <file>").hideHelp())
    .option("--profile <name>", "scale of the run: any profile the scenario files define (smoke, ci, nightly, soak, ...)", "ci")
    .option("--out <dir>", "write outputs here (default: reports/runs/<run id>, with reports/latest pointing at it)")
    .addOption(new Option("--provider <name>", "where the stack runs").choices(PROVIDER_NAMES).default(DEFAULT_PROVIDER))
    .addOption(
      new Option(
        "--target <target>",
        "judge a running stack instead of starting one: compose = the stack docker-compose.yml runs (its catalog servers over HTTP, faults through its Toxiproxy)",
      ).choices(["compose"]),
    )
    .option(
      "--compose-project <name>",
      "with --target compose: the compose project to judge (default: COMPOSE_PROJECT_NAME, else this checkout's directory name)",
    )
    .option(
      "--live",
      "servers that call a SaaS API (GitHub, Notion, Firecrawl, ShadCN) use the real API, with tokens from the environment, instead of local stand-ins",
      false,
    )
    .option("--fail-on-inconclusive", "exit 1 when any verdict is inconclusive (what a release gate usually wants)", false)
    .addOption(new Option("--driver <name>", "run every scenario with this load driver instead of its own").choices(DRIVER_NAMES))
    .option(
      "--variant <key=value>",
      "run only the matrix cells with this setting, e.g. resilience=true; several settings joined by commas must all hold (repeatable: any of them)",
      collect,
      [],
    )
    .option("--threads <n>", "worker threads of the threads driver for every scenario (1-64, or auto: one per two cores); only with driver threads")
    .option("--metrics-port <port>", "serve live Prometheus metrics on this port while the run lasts")
    .option("--metrics-host <address>", "address for --metrics-port; loopback only unless --allow-non-loopback", "127.0.0.1")
    .option("--allow-non-loopback", "allow --metrics-host to be a non-loopback address (the metrics have no authentication)", false)
    .option("--trace-sample <n>", "trace one MCP call in n into traces.jsonl, or to OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (0: no trace)", "100")
    // Compare as it runs (src/compare/): the ref is checked before anything starts, resolved after the run.
    .option(
      "--baseline <ref>",
      "compare the run with a baseline: a run directory, its results.json, or a history reference (latest, latest-pass, <branch>~N, tag:k=v, a run id); report, summary and JUnit gain the comparison",
    )
    .option("--fail-on-regression", "with --baseline: exit 1 when a metric regressed (significant and material), even when every SLO passed", false)
    .option("--allow-hosts <hosts>", ALLOW_HOSTS_HELP)
    .option("--force", "with --baseline: compare even when the baseline is not comparable (other scenarios, profile or provider)", false);
  // History (issue 13): where the run is recorded, and its tags.
  addTagOption(addHistoryOption(runCommand));
  runCommand.action(
    async (
      files: string[],
      flags: {
        suite?: string;
        suiteFile: string;
        suitesFile?: string;
        profile: string;
        out?: string;
        provider: ProviderName;
        target?: "compose";
        composeProject?: string;
        failOnInconclusive: boolean;
        live: boolean;
        driver?: string;
        threads?: string;
        variant: string[];
        history?: string;
        tag: string[];
        baseline?: string;
        failOnRegression: boolean;
        force: boolean;
        allowHosts?: string;
      } & RunTelemetryFlags,
      cmd: Command,
    ) => {
      // Issue 17: the suites file by either spelling, the profile by any name, a suggestion of files that exist.
      const suitesFile = flags.suitesFile ?? flags.suiteFile;
      profileFlag(flags.profile);
      const named: NamedFile[] = [
        ...(flags.suite !== undefined ? await suiteFiles(suitesFile, flags.suite) : []),
        ...files.map((file) => ({ file, origin: "the command line" })),
      ];
      if (named.length === 0)
        throw new HarnessError("invalid_input", "no scenario given", { hint: await runSuggestion(suitesFile, path.join(PROJECT_ROOT, "scenarios")) });
      checkNamedOnce(named);
      const tags = parseTags(flags.tag);
      const command = ["mcp-slo", ...commandWithoutPasswords(deps.argv)];
      const telemetryOptions = runTelemetryOptions(flags);
      if (flags.out !== undefined) await checkOutDir(flags.out);
      // The default profile runs files that lack it as written; one asked for by name must exist.
      if (flags.target === undefined && flags.composeProject !== undefined)
        throw new HarnessError("invalid_input", "--compose-project: only with --target compose");
      if (flags.target !== undefined && cmd.getOptionValueSource("provider") === "cli")
        throw new HarnessError("invalid_input", `--target ${flags.target} judges a running stack; --provider ${flags.provider} starts one: give one of them`);
      const { loadAll, selectVariants } = await import("../config/load-scenario.js");
      const loaded = selectVariants(
        await loadAll(
          named.map((n) => n.file),
          flags.profile,
          { requireProfile: cmd.getOptionValueSource("profile") === "cli", allowHosts: parseAllowHosts(flags.allowHosts) },
        ),
        flags.variant,
      );
      const compose = flags.target === "compose" ? await import("../providers/compose/index.js") : undefined;
      const scenarios = compose ? compose.forComposeTarget(loaded) : loaded;
      // Loaded only now: refusing input needs none of the run's machinery, and is quicker without it.
      const [{ run }, provider] = await Promise.all([
        import("../run/run.js"),
        compose ? compose.composeProvider({ project: flags.composeProject ?? compose.defaultProjectName() }) : loadProvider(flags.provider),
      ]);
      const progress = deps.makeProgress();
      // The harness over its stack: the open model's waker thread first, so that it is raised with the others.
      const { preparePreciseWait } = await import("../util/precise-wait.js");
      await preparePreciseWait();
      const { raiseHarnessPriority } = await import("../stack/managed-process.js");
      raiseHarnessPriority();
      try {
        const outcome = await run({
          ...telemetryOptions,
          files: named.map((n) => n.file),
          profile: flags.profile,
          scenarios,
          outDir: flags.out,
          reportsRoot: path.join(PROJECT_ROOT, "reports"),
          provider,
          failOnInconclusive: flags.failOnInconclusive,
          live: flags.live,
          ...(flags.driver !== undefined && { driver: flags.driver }),
          ...(flags.threads !== undefined && { threads: threadsFlag(flags.threads) }),
          progress: progress.line,
          command,
          tags,
          ...(flags.history !== undefined && { history: flags.history }),
          ...(flags.baseline !== undefined && { baseline: { ref: flags.baseline, force: flags.force, failOnRegression: flags.failOnRegression } }),
        });
        progress.done();
        printVerdicts(outcome.record, outcome.outDir);
        if (outcome.record.comparison) process.stdout.write(`${headline(outcome.record.comparison)}\n`);
        deps.setExitCode(outcome.exitCode);
      } finally {
        progress.done();
      }
    },
  );
}
