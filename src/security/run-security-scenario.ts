/**
 * The security run mode (src/run/run-scenario.ts): a scenario whose workload is `kind: security`
 * scans each of its servers (./scan.ts) and judges security.score per server (design module line
 * 487). No load, no window. A server that cannot be scanned is recorded with its error and its
 * checks not measured; the score of a scan that could not measure everything is inconclusive, never
 * a pass (../shared/measurement.md, "Security score").
 */
import path from "node:path";
import type { Scenario } from "../contracts/plan.js";
import { HarnessError } from "../errors.js";
import { PROJECT_ROOT } from "../project-root.js";
import type { ScenarioResult, SecurityScanResult, ServerInfo } from "../results/types.js";
import { evaluateSlos, noCallMeasurements, type Measurements } from "../slo/evaluate.js";
import type { StackProvider } from "../providers/provider.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { DEFAULT_POLICY, readPolicyFile } from "./policy.js";
import { runSecurityScan, type LiveParts } from "./scan.js";
import { readPinFile } from "./tool-pins.js";

/** Beside the run history: a pin is what earlier runs saw. */
export const DEFAULT_PINS_FILE = path.join(PROJECT_ROOT, "reports", "security-pins.json");

/** The evaluator's view of a scan: a score per server, nothing called under load. */
export function securityMeasurements(servers: readonly string[], scan: SecurityScanResult): Measurements {
  return {
    ...noCallMeasurements(servers),
    securityScore: (server) => {
      const s = scan.servers.find((x) => x.server === server);
      if (!s) return undefined;
      return {
        lower: s.score.lower,
        upper: s.score.upper,
        measuredShare: s.score.measuredShare,
        checks: s.checks.filter((c) => c.status !== "not_applicable").length,
        ...(s.score.cap && { cap: `at ${s.score.cap.value} by a ${s.score.cap.severity} finding (${s.score.cap.because})` }),
        ...(s.error !== undefined && s.checks.every((c) => c.status !== "pass" && c.status !== "fail") && { error: s.error }),
      };
    },
  };
}

/** The scenario's pin file and policy file, resolved (relative to the scenario file), checked readable before anything starts. */
export async function securityInputs(s: Scenario): Promise<{ pinsFile: string | null; policy: Awaited<ReturnType<typeof readPolicyFile>> }> {
  const plan = s.workload.security;
  if (!plan) throw new HarnessError("internal", `securityInputs: ${s.name} is a ${s.workload.kind} scenario`);
  const dir = path.dirname(path.resolve(s.file));
  const pinsFile = plan.pinsFile === null ? null : plan.pinsFile === undefined ? DEFAULT_PINS_FILE : path.resolve(dir, plan.pinsFile);
  // A pin file that exists but is broken is refused now (exit 2 naming it), not after minutes of scanning.
  if (pinsFile !== null) await readPinFile(pinsFile, { optional: true });
  const policy = plan.policyFile === undefined ? DEFAULT_POLICY : await readPolicyFile(path.resolve(dir, plan.policyFile));
  return { pinsFile, policy };
}

export async function runSecurityMode(run: {
  scenario: Scenario;
  base: ScenarioResult;
  registry: ResourceRegistry;
  provider: StackProvider;
  signal: AbortSignal;
  say: (line: string) => void;
  live: LiveParts;
}): Promise<void> {
  const { scenario: s, base, say } = run;
  const plan = s.workload.security;
  if (!plan) throw new HarnessError("internal", `runSecurityMode: ${s.name} is a ${s.workload.kind} scenario`);
  const { pinsFile, policy } = await securityInputs(s);
  const scan = await runSecurityScan({
    servers: s.servers,
    provider: run.provider,
    stackOptions: { redis: s.backends.redis, postgres: s.backends.postgres, upstream: s.upstream, transport: "stdio" },
    registry: run.registry,
    signal: run.signal,
    say,
    root: PROJECT_ROOT,
    pinsFile,
    updatePins: plan.updatePins,
    policy,
    supplyChain: plan.supplyChain,
    live: {
      ...(plan.probes && run.live.probes && { probes: run.live.probes }),
      ...(plan.conformance && run.live.conformance && { conformance: run.live.conformance }),
      ...(plan.conformance && run.live.conformanceInfo && { conformanceInfo: run.live.conformanceInfo }),
    },
    startTimeoutMs: s.startTimeoutMs,
    liveUpstream: s.upstream.mode === "live",
    onStack: async (stack) => {
      base.backends = stack.backends;
      const upstreams = await stack.upstreams?.();
      if (upstreams?.length) {
        base.upstreams = upstreams;
        for (const u of upstreams)
          say(`${u.api} API: ${u.mode === "live" ? "the real API (live mode)" : `stand-in (${u.payloads})`} for ${u.servers.join(", ")}`);
      }
    },
  });
  base.security = scan;
  base.servers = scan.servers.map(
    (x): ServerInfo => ({
      name: x.server,
      package: x.package,
      version: x.version,
      transport: "stdio",
      startToReadyMs: { p50: 0, max: 0, sessions: 0 },
      upstream: s.servers.find((d) => d.name === x.server)?.upstream ? (s.upstream.mode === "live" ? "live" : "stand-in") : "none",
      tools: x.tools.map((t) => t.name),
    }),
  );
  for (const x of scan.servers)
    say(
      `${x.server}: score ${x.score.lower === x.score.upper ? x.score.lower : `${x.score.lower}-${x.score.upper}`}/10, ${Math.round(x.score.measuredShare * 100)} % measured, ${x.findings.length} finding(s)${x.error ? ` (${x.error})` : ""}`,
    );
  base.slos = evaluateSlos(
    s.slos,
    securityMeasurements(
      s.servers.map((d) => d.name),
      scan,
    ),
  );
}
