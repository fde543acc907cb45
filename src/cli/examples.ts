/**
 * Examples at the end of each command's --help (commander's addHelpText("after")), kept in one place
 * so they read alike. `slos` is left to its own file's owner (issue 17's OpenSLO part adds its
 * formats). examples.e2e.test.ts checks that every flag an example uses is one its command has.
 */
import type { Command } from "commander";

/** command name -> [command line after `mcp-slo`, what it does] */
export const EXAMPLES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  run: [
    ["run scenarios/coordination.yaml --profile smoke", "one scenario, small"],
    ["run --suite default", "the suite `npm start` runs (scenarios/suites.yaml)"],
    ["run --suite nightly --suite-file ci/suites.yaml --profile soak", "a suite of another file, a profile its scenarios define"],
    ["run my.yaml --out /tmp/run1 --fail-on-inconclusive", "a CI gate: exit 1 on a failed or inconclusive SLO"],
    ["run my.yaml --driver k6", "the same scenario with k6 (or autocannon) as the load generator"],
    ["run scenarios/failover-redis-crash.yaml --variant redis.persistence=none", "one cell of a scenario's matrix alone"],
    ["run my.yaml --baseline latest --fail-on-regression", "compared with the newest earlier comparable run"],
  ],
  validate: [
    ["validate scenarios/*.yaml", "every scenario, and scenarios/suites.yaml as a suites file"],
    ["validate my.yaml --json", "the problems as JSON, for a script or an editor"],
  ],
  servers: [
    ["servers", "the catalog as a table"],
    ["servers --json", "as JSON: name, package, version, installed, needs, upstream, tools"],
  ],
  report: [
    ["report reports/latest", "render the newest run's report.html, summary.md, junit.xml and verdicts.csv again, in place"],
    ["report ci-artifacts/results.json --out /tmp/report", "from a record copied from CI, into another directory"],
  ],
  init: [
    ["init", "write my-scenario.yaml, a commented starter scenario"],
    ["init load/checkout.yaml", "under another name (an existing file is never overwritten)"],
  ],
  monitor: [
    ["monitor --interval 15s", "probe every server every 15 s; Prometheus metrics on 127.0.0.1:9464"],
    ["monitor probes/default.yaml --duration 1h --port 0", "for an hour, on any free port"],
  ],
  history: [
    ["history", "the runs recorded in reports/"],
    ["history --last 5 --json", "the newest five, as JSON"],
  ],
  bridge: [["bridge --server memory --port 8080", "serve the Memory server's stdio as MCP Streamable HTTP on 127.0.0.1:8080"]],
  trend: [
    ["trend --last 30", "trend.html and trend.md over the newest 30 runs, with change points"],
    ["trend --scenario coordination --since 2026-01-01", "one scenario since a date"],
  ],
  evaluate: [
    [
      "evaluate my.yaml --prometheus http://127.0.0.1:9090 --from 2026-01-31T12:00:00Z --to 2026-01-31T12:30:00Z",
      "judge the scenario's SLOs from k6 results in Prometheus",
    ],
  ],
  compare: [
    ["compare reports/runs/<baseline> reports/runs/<candidate>", "two runs, metric by metric"],
    ["compare tag:build=41 tag:build=42 --format markdown --out pr.md", "two runs of the history, as a pull-request comment"],
  ],
};

function render(examples: readonly (readonly [string, string])[]): string {
  return examples.map(([cmd, what]) => `  $ mcp-slo ${cmd}\n      ${what}`).join("\n");
}

export function examplesText(name: string): string | undefined {
  const examples = EXAMPLES[name];
  return examples?.length ? `\nExamples:\n${render(examples)}\n` : undefined;
}

/** Adds each registered command's examples (and the program's, from every command's first). */
export function addExamples(program: Command): void {
  for (const cmd of program.commands) {
    const text = examplesText(cmd.name());
    if (text) cmd.addHelpText("after", text);
  }
  const firsts = program.commands.map((c) => EXAMPLES[c.name()]?.[0]).filter((e) => e !== undefined);
  program.addHelpText("after", `\nExamples:\n${render(firsts)}\n\nmcp-slo <command> --help shows each command's options and examples.\n`);
}
