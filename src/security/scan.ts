/**
 * A security scan of a set of servers (issue 14): for each, the supply chain (what is installed,
 * against its registry), the sources policy, its tool definitions (offline rules and pins), the
 * live probes and the conformance suite against it running on the stack the harness starts
 * anyway, then checks and a score (./score.ts). Servers are scanned one after another: probes
 * watch the stores for side effects, and two servers probed at once would blame each other.
 *
 * One server that cannot be scanned (it does not start) gets its checks "not measured" with why,
 * and an `error`; the others are still scanned. What cannot be measured is never a pass.
 */
import { execFile } from "node:child_process";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { HarnessError } from "../errors.js";
import type { SecurityCheck, SecurityFinding, SecurityScanResult, ServerSecurity } from "../results/types.js";
import { serverVersion } from "../catalog/servers.js";
import type { Stack, StackProvider, StackStartOptions } from "../providers/provider.js";
import { startSession, writeServerFiles, type McpSession, type StackEndpoints } from "../stack/mcp-session.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";
import { printable } from "../util/control-chars.js";
import { collectDefinitions, type ServerDefinitions } from "./collect-definitions.js";
import { type ConformanceOutcome, type ProbeOutcome, SCORE_CAPS, SECURITY_CHECKS, type SecurityCheckId } from "./model.js";
import { policyChecks, type SourcesPolicy } from "./policy.js";
import { conformanceCheck, definitionChecks, inSeverityOrder, inTableOrder, probeChecks, scoreServer, supplyChecks, unmeasured } from "./score.js";
import { npmRegistry, realIo, scanSupplyChain, type SupplyChainIo } from "./supply-chain.js";
import { checkToolDefinitions } from "./tool-definitions.js";
import { type ProbeSecret, withProbeCanaries } from "./probes/index.js";
import { registerSecret } from "../telemetry/redact.js";
import { comparePins, definitionHash, readPinFile, updatePins, writePinFile, type PinComparison, type PinFile } from "./tool-pins.js";

/** What the live parts get for one running server. */
export interface LiveTarget {
  def: ServerDefinition;
  session: McpSession;
  definitions: ServerDefinitions;
  endpoints: StackEndpoints;
  registry: ResourceRegistry;
  signal: AbortSignal;
  /** The secret values handed to the server (canary tokens, a custom server's env), to look for in what it answers. */
  secrets: ProbeSecret[];
  /** A fresh session to the same server, after a probe killed or wedged the last one. */
  restart(): Promise<McpSession>;
  timeoutMs: number;
}

/** The live parts of a scan, given by the caller (so each can be run and tested on its own). */
export interface LiveParts {
  probes?: (target: LiveTarget) => Promise<ProbeOutcome[]>;
  /** Conformance and the HTTP checks; `probe.http` outcomes come back with it. */
  conformance?: (target: LiveTarget) => Promise<{ conformance: ConformanceOutcome; http: ProbeOutcome[] }>;
  /** Which suite and Node the conformance part ran, for the record. */
  conformanceInfo?: () => SecurityScanResult["conformance"];
}

export interface SecurityScanOptions {
  servers: readonly ServerDefinition[];
  provider: StackProvider;
  stackOptions: Omit<StackStartOptions, "servers" | "registry" | "extraNeeds" | "seedRows" | "proxied">;
  registry: ResourceRegistry;
  signal: AbortSignal;
  say: (line: string) => void;
  /** The project root: package.json, the lock, node_modules, scripts/setup.sh, .tools. */
  root: string;
  /** The pin file, or null to neither compare nor write pins. */
  pinsFile: string | null;
  /** Write the definitions seen as the new pins (approve them). A missing pin file is always written (trust on first use, said). */
  updatePins: boolean;
  policy: SourcesPolicy;
  supplyChain: boolean;
  live: LiveParts;
  startTimeoutMs: number;
  /** Servers with a SaaS API talk to the real one (live mode): no probe is sent to them (hostile input against a real account with a real token). */
  liveUpstream: boolean;
  io?: SupplyChainIo;
  /** Told of the stack once it started (the record's backends and stand-ins). */
  onStack?: (stack: Stack) => Promise<void>;
}

const LIVE_CHECKS = SECURITY_CHECKS.filter((c) => c.id.startsWith("probe.") || c.id === "conformance").map((c) => c.id as SecurityCheckId);
const DEFINITION_CHECKS: SecurityCheckId[] = ["definitions.poisoning", "definitions.shadowing", "definitions.schemas", "definitions.pinned"];

interface ServerScan {
  def: ServerDefinition;
  checks: SecurityCheck[];
  findings: SecurityFinding[];
  definitions?: ServerDefinitions;
  error?: string;
}

function registryKind(def: ServerDefinition): ServerSecurity["registry"] {
  return def.package === "custom" ? "custom" : (def.registry ?? "npm");
}

/** Where this machine installs packages of each registry kind from, as the package managers are configured. */
async function registryUrls(io: SupplyChainIo, root: string): Promise<Record<"npm" | "pypi" | "go", string>> {
  const goproxy = await new Promise<string>((resolve) =>
    execFile("go", ["env", "GOPROXY"], { timeout: 30_000 }, (err, stdout) => resolve(err ? "https://proxy.golang.org" : stdout.trim())),
  );
  return {
    npm: await npmRegistry(io, root),
    pypi: pipIndexOrigin(process.env.PIP_INDEX_URL),
    go: goproxy.split(/[,|]/)[0] ?? "https://proxy.golang.org",
  };
}

/** Where pip installs from: PIP_INDEX_URL's origin when it is a URL (credentials dropped with the path), else PyPI. */
export function pipIndexOrigin(value: string | undefined): string {
  if (!value) return "https://pypi.org";
  try {
    return new URL(value).origin;
  } catch {
    return `an unreadable PIP_INDEX_URL`;
  }
}

export async function runSecurityScan(opts: SecurityScanOptions): Promise<SecurityScanResult> {
  const { servers, registry, signal, say } = opts;
  const io = opts.io ?? { ...realIo, makeTempDir: (prefix: string) => registry.makeTempDir(prefix) };
  const scans = new Map<string, ServerScan>(servers.map((def) => [def.name, { def, checks: [], findings: [] }]));
  const interrupted = () => {
    if (signal.aborted) throw new HarnessError("interrupted", "interrupted during the security scan");
  };

  // 1. Supply chain and sources: no server needs to run for these.
  const urls = await registryUrls(io, opts.root);
  for (const def of servers) {
    interrupted();
    const scan = scans.get(def.name)!;
    const kind = registryKind(def);
    scan.checks.push(...policyChecks(def, kind === "custom" ? undefined : urls[kind], opts.policy));
    if (!opts.supplyChain) {
      scan.checks.push(
        ...unmeasured(
          SECURITY_CHECKS.filter((c) => c.id.startsWith("supply.")).map((c) => c.id),
          "supply-chain checks switched off for this scan",
        ),
      );
      continue;
    }
    say(`${def.name}: supply chain (${def.package})`);
    try {
      const report = await scanSupplyChain(def, { root: opts.root, io });
      const r = supplyChecks(report);
      scan.checks.push(...r.checks);
      scan.findings.push(...r.findings);
    } catch (err) {
      const why = err instanceof HarnessError ? [err.message, ...(err.hint ? [`hint: ${err.hint}`] : [])].join("; ") : String(err);
      scan.checks.push(
        ...unmeasured(
          SECURITY_CHECKS.filter((c) => c.id.startsWith("supply.")).map((c) => c.id),
          `supply-chain scan failed: ${why}`,
        ),
      );
    }
  }

  // 2. The servers running: definitions, probes, conformance, one server at a time.
  interrupted();
  let stack: Stack | undefined;
  try {
    say(`starting the stack for ${servers.map((d) => d.name).join(", ")}`);
    stack = await opts.provider.start({ ...opts.stackOptions, servers, registry, extraNeeds: [], seedRows: 10, proxied: false });
    await opts.onStack?.(stack);
    await writeServerFiles(servers, stack.endpoints);
    for (const def of servers) {
      interrupted();
      await scanLive(scans.get(def.name)!, stack.endpoints, opts);
    }
  } finally {
    await stack?.stop();
  }

  // 3. Definitions across servers (shadowing needs them together), and pins.
  const scanned = [...scans.values()].flatMap((s) => (s.definitions ? [s.definitions] : []));
  const tdFindings = checkToolDefinitions(scanned);
  const pins = await comparePinsOf(scanned, opts);
  for (const scan of scans.values()) {
    if (!scan.definitions) {
      scan.checks.push(...unmeasured(DEFINITION_CHECKS, `no definitions: ${scan.error ?? "the server was not reached"}`));
      continue;
    }
    const d = definitionChecks(scan.def.name, tdFindings, pins.comparisons.get(scan.def.name) ?? { notCompared: pins.note });
    scan.checks.push(...d.checks);
    scan.findings.push(...d.findings);
  }

  return {
    weights: SECURITY_CHECKS.map((c) => ({ id: c.id, category: c.category, title: c.title, weight: c.weight })),
    caps: [...SCORE_CAPS],
    servers: [...scans.values()].map((s) => serverResult(s)),
    pins: { file: opts.pinsFile, state: pins.state, note: pins.note },
    policy: { file: opts.policy.file, registries: opts.policy.registries, publishers: opts.policy.publishers },
    conformance: opts.live.conformanceInfo?.() ?? { tool: "@modelcontextprotocol/conformance", node: null, note: "not run in this scan" },
  };
}

function serverResult(s: ServerScan): ServerSecurity {
  const checks = inTableOrder(s.checks);
  const findings = inSeverityOrder(s.findings);
  return {
    server: s.def.name,
    package: s.def.package,
    version: s.def.package === "custom" ? "" : serverVersion(s.def),
    registry: registryKind(s.def),
    checks,
    findings,
    score: scoreServer(checks, findings),
    tools: (s.definitions?.tools ?? []).map((t) => ({ name: t.name, hash: definitionHash(t) })),
    ...(s.error !== undefined && { error: s.error }),
  };
}

async function scanLive(scan: ServerScan, endpoints: StackEndpoints, opts: SecurityScanOptions): Promise<void> {
  const { def } = scan;
  // Started with canary tokens (the stand-ins take any token), so a token in an answer is recognised
  // as this run's; each is redacted from every output like any other secret.
  const canaried = withProbeCanaries(def);
  for (const secret of canaried.secrets) registerSecret(secret.value);
  const start = () => startSession({ def: canaried.def, agent: 0, endpoints, registry: opts.registry, timeoutMs: opts.startTimeoutMs });
  let session: McpSession | undefined;
  try {
    opts.say(`${def.name}: definitions`);
    session = await start();
    scan.definitions = await collectDefinitions(def.name, session.client);
  } catch (err) {
    scan.error = `${def.name} could not be started or listed: ${printable(err instanceof Error ? err.message : String(err))}`;
    scan.checks.push(...unmeasured(LIVE_CHECKS, scan.error));
    await session?.close().catch(() => undefined);
    return;
  }
  const target: LiveTarget = {
    def: canaried.def,
    session,
    definitions: scan.definitions,
    endpoints,
    registry: opts.registry,
    signal: opts.signal,
    secrets: canaried.secrets,
    timeoutMs: opts.startTimeoutMs,
    restart: async () => {
      await target.session.close().catch(() => undefined);
      target.session = await start();
      return target.session;
    },
  };
  try {
    let outcomes: ProbeOutcome[] = [];
    const probes = opts.live.probes;
    if (probes && opts.liveUpstream && def.upstream) {
      scan.checks.push(
        ...unmeasured(
          LIVE_CHECKS.filter((id) => id.startsWith("probe.") && id !== "probe.http"),
          `live mode: ${def.name} talks to the real ${def.upstream.api} API with a real token, and the probes send hostile input; they run against the stand-in only`,
        ),
      );
    } else if (probes) {
      opts.say(`${def.name}: live probes`);
      outcomes = await probes(target).catch((err: unknown) => {
        scan.checks.push(
          ...unmeasured(
            LIVE_CHECKS.filter((id) => id.startsWith("probe.") && id !== "probe.http"),
            `the probes stopped: ${describe(err)}`,
          ),
        );
        return [];
      });
    }
    let conformance: ConformanceOutcome | undefined;
    if (opts.live.conformance) {
      opts.say(`${def.name}: conformance and HTTP checks`);
      try {
        const r = await opts.live.conformance(target);
        conformance = r.conformance;
        outcomes.push(...r.http);
      } catch (err) {
        conformance = { status: "not_measured", scenarios: [], detail: `the conformance suite could not run: ${describe(err)}`, findings: [] };
      }
    }
    const have = new Set(scan.checks.map((c) => c.id));
    const probeIds = LIVE_CHECKS.filter((id) => id.startsWith("probe.") && !have.has(id));
    const ranProbes = opts.live.probes ? probeIds : probeIds.filter((id) => id === "probe.http");
    const p = probeChecks(outcomes, opts.live.conformance ? ranProbes : ranProbes.filter((id) => id !== "probe.http"));
    scan.checks.push(...p.checks);
    scan.findings.push(...p.findings);
    const skipped = probeIds.filter((id) => !p.checks.some((c) => c.id === id));
    scan.checks.push(...unmeasured(skipped, "not run in this scan"));
    if (conformance) {
      const c = conformanceCheck(conformance);
      scan.checks.push(...c.checks);
      scan.findings.push(...c.findings);
    } else scan.checks.push(...unmeasured(["conformance"], "the conformance suite was not run in this scan"));
  } finally {
    await target.session.close().catch(() => undefined);
  }
}

function describe(err: unknown): string {
  return printable(err instanceof Error ? err.message : String(err));
}

async function comparePinsOf(
  scanned: readonly ServerDefinitions[],
  opts: SecurityScanOptions,
): Promise<{ comparisons: Map<string, PinComparison>; state: SecurityScanResult["pins"]["state"]; note: string }> {
  const comparisons = new Map<string, PinComparison>();
  if (opts.pinsFile === null) return { comparisons, state: "none", note: "no pin file: definitions not compared with earlier scans" };
  const pins: PinFile | undefined = await readPinFile(opts.pinsFile, { optional: true });
  for (const defs of scanned) if (pins?.servers[defs.server]) comparisons.set(defs.server, comparePins(pins, defs));
  const unpinned = scanned.filter((d) => !pins?.servers[d.server]);
  // Trust on first use: servers the file does not know are pinned now (and said so); known ones only with --update-pins (an approval).
  const toWrite = opts.updatePins ? scanned : unpinned;
  if (toWrite.length > 0 && scanned.length > 0) {
    const versions = Object.fromEntries(opts.servers.filter((d) => d.package !== "custom").map((d) => [d.name, serverVersion(d)]));
    await writePinFile(opts.pinsFile, updatePins(pins, toWrite, { versions }));
    const what = opts.updatePins
      ? `pins of ${toWrite.map((d) => d.server).join(", ")} written (approved as seen now)`
      : `first scan of ${unpinned.map((d) => d.server).join(", ")}: pinned now, nothing to compare yet`;
    return { comparisons, state: "written", note: `${what}; ${comparisons.size} server(s) compared with ${opts.pinsFile}` };
  }
  return { comparisons, state: "compared", note: `${comparisons.size} server(s) compared with ${opts.pinsFile}` };
}
