/**
 * Install time, measured: a COLD install of one catalog server from its registry into empty temp
 * dirs, timed by the wall clock from the start of the install command to its successful end, then
 * (where cheap) the freshly installed copy started once and timed to a completed MCP initialize.
 *
 * Cold means nothing on this machine can shortcut the download: an empty npm cache (--cache), pip
 * with --no-cache-dir into a new virtualenv, Go with empty GOMODCACHE/GOCACHE. So the figure
 * includes the registry download and depends on the network; that is what a person installing a
 * "standard MCP" waits for, which is what the design module's "< 5 minutes" (line 486) is about.
 *
 * The version installed is the one the project runs (its npm dependency, setup's PyPI venv, setup's
 * Go build), so the install that is timed is the install of the server the other scenarios judge.
 * Every temp dir is made by the ResourceRegistry (removed on SIGINT and at exit too) and removed as
 * soon as its install is measured: a Go build cache is hundreds of MB.
 */
import { readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { HarnessError } from "../errors.js";
import { packageVersion, resolvePackage } from "../catalog/servers.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { TOOLS_DIR } from "../project-root.js";
import type { InstallResult } from "../results/types.js";
import { spawnManaged, type ManagedProcess } from "../stack/managed-process.js";
import { startSession } from "../stack/mcp-session.js";
import type { ResourceRegistry } from "../stack/resource-registry.js";

export type InstallRegistry = InstallResult["registry"];

/** What to install and from where. */
export interface InstallSource {
  registry: InstallRegistry;
  /** npm: "pkg@1.2.3"; pypi: "pkg==1.2.3"; go: "module/cmd/x@v1.2.3" */
  spec: string;
  version: string;
  /** pypi and go: the executable the install produces (the basename of the catalog command). */
  executable?: string;
}

/**
 * Go servers whose command package is not where Go's convention puts it (<module>/cmd/<executable>,
 * see goPackageOf), by catalog package: the path setup.sh's go_tool line builds.
 */
const GO_PACKAGES: Record<string, string> = {};

/** The Go package `go install` builds for a catalog entry whose package is a module path. */
function goPackageOf(def: ServerDefinition, executable: string): string {
  const known = GO_PACKAGES[def.package];
  if (known) return known;
  if (!def.package.includes("/"))
    throw new HarnessError(
      "internal",
      `server "${def.name}": Go package ${def.package} is not a module path (add it to GO_PACKAGES in src/install/measure-install.ts)`,
    );
  return def.package.includes("/cmd/") ? def.package : `${def.package}/cmd/${executable}`;
}

const REGISTRY_NAMES: Record<InstallRegistry, string> = { npm: "the npm registry", pypi: "PyPI", go: "the Go module proxy" };

/**
 * Where a catalog server comes from. The catalog's `registry` says which kind (npm by default); the
 * version is the one installed for the project. Throws invalid_input for what cannot be installed.
 */
export function installSourceOf(def: ServerDefinition): InstallSource {
  if (def.package === "custom")
    throw new HarnessError("invalid_input", `server "${def.name}" is a custom server: it has no registry package whose install could be timed`);
  const registry = def.registry ?? "npm";
  const executable = path.basename(def.command);
  switch (registry) {
    case "npm": {
      const version = packageVersion(def.package);
      return { registry, spec: `${def.package}@${version}`, version };
    }
    case "pypi": {
      const version = installedVersionOf(def);
      return { registry, spec: `${def.package}==${version}`, version, executable };
    }
    case "go": {
      const module = goPackageOf(def, executable);
      const version = def.installedVersion ? installedVersionOf(def) : goMarkerVersion(executable);
      return { registry, spec: `${module}@${version}`, version, executable };
    }
  }
}

function installedVersionOf(def: ServerDefinition): string {
  try {
    if (!def.installedVersion) throw new Error("the catalog entry has no installedVersion");
    return def.installedVersion();
  } catch (err) {
    throw new HarnessError("environment", `server "${def.name}": cannot tell which version of ${def.package} to install: ${(err as Error).message}`, {
      hint: "run bash scripts/setup.sh",
    });
  }
}

/** setup.sh's go_tool writes .tools/bin/.<name>-version beside each binary it builds. */
function goMarkerVersion(name: string): string {
  const marker = path.join(TOOLS_DIR, "bin", `.${name}-version`);
  try {
    return readFileSync(marker, "utf8").trim();
  } catch {
    throw new HarnessError("environment", `cannot tell which version of ${name} to install: ${marker} is missing`, { hint: "run bash scripts/setup.sh" });
  }
}

/** Output of a failed install that says the registry could not be reached (not a broken package). */
const NETWORK_TROUBLE =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up|network|Could not fetch URL|NewConnectionError|Max retries exceeded|Temporary failure in name resolution|dial tcp|no such host|i\/o timeout|connection refused|TLS handshake/i;

export interface MeasureInstallOptions {
  def: ServerDefinition;
  registry: ResourceRegistry;
  /** An install still running after this long is stopped and reported as outcome "timeout". */
  limitMs: number;
  /** Start the fresh copy and time it to a completed initialize (servers with no backing service only). */
  startToReady: boolean;
  startTimeoutMs?: number;
  signal?: AbortSignal;
  /** Replaces the catalog's source; tests use it to install something else or something broken. */
  source?: InstallSource;
}

interface Step {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Default: the install's temp dir. */
  cwd?: string;
}

/**
 * One cold install of `def`. An install that fails returns outcome "failed" with the reason (the
 * caller decides that is an environment error); one that takes longer than the limit returns
 * "timeout" (a result: it missed any objective at or under the limit). Throws HarnessError
 * "interrupted" when `signal` aborts, after stopping the install.
 */
export async function measureInstall(opts: MeasureInstallOptions): Promise<InstallResult> {
  const { def, registry } = opts;
  const source = opts.source ?? installSourceOf(def);
  const dir = await registry.makeTempDir(`install-${def.name}`);
  try {
    const steps = installSteps(source, dir);
    const result: InstallResult = {
      server: def.name,
      package: def.package,
      version: source.version,
      registry: source.registry,
      command: steps.map((s) => [s.command, ...s.args].join(" ").replaceAll(dir, "<tmp>")).join(" && "),
      outcome: "installed",
      installMs: 0,
      limitMs: opts.limitMs,
      startToReadyMs: null,
    };
    const started = performance.now();
    const deadline = started + opts.limitMs;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const r = await runStep(step, dir, deadline, registry, opts.signal, def.name);
      if (r.kind === "failed" && source.registry === "go" && i === 0 && r.output.some((l) => l.includes("loading deprecation"))) {
        // Same fallback as setup.sh's go_tool (see goFallbackSteps); the clock keeps running.
        steps.push(...goFallbackSteps(source, dir));
        result.command += ` || ${steps
          .slice(1)
          .map((x) => [x.command, ...x.args].join(" ").replaceAll(dir, "<tmp>"))
          .join(" && ")}`;
        continue;
      }
      if (r.kind === "timeout") {
        return { ...result, outcome: "timeout", installMs: opts.limitMs, note: `still installing after ${Math.round(opts.limitMs / 1000)} s: stopped` };
      }
      if (r.kind === "failed") {
        const output = r.output.join("\n");
        const why = /\b403\b.*Forbidden|Forbidden.*\b403\b/i.test(output)
          ? `${REGISTRY_NAMES[source.registry]} refused the download (403 Forbidden)`
          : NETWORK_TROUBLE.test(output)
            ? `could not reach ${REGISTRY_NAMES[source.registry]}`
            : `${step.command} exited with ${r.exit}`;
        return {
          ...result,
          outcome: "failed",
          installMs: performance.now() - started,
          error: [`${def.name}: cold install of ${source.spec} from ${REGISTRY_NAMES[source.registry]} failed: ${why}`, ...r.output.map((l) => `  ${l}`)].join(
            "\n",
          ),
        };
      }
    }
    result.installMs = performance.now() - started;
    if (!opts.startToReady) return { ...result, note: "start-to-ready of the fresh copy not asked for" };
    // The install is measured whatever happens next: a fresh copy that does not start is noted
    // beside it (and its start-to-ready stays unjudged) rather than losing the install time.
    const ready = await freshStartToReady(def, source, dir, registry, opts.startTimeoutMs ?? 30_000).catch((err: unknown) => {
      if (opts.signal?.aborted) throw new HarnessError("interrupted", `interrupted while starting the fresh ${def.name}`);
      return { startToReadyMs: null, note: err instanceof Error ? [err.message, ...(err instanceof HarnessError ? err.details : [])].join("\n") : String(err) };
    });
    return { ...result, ...ready };
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

function installSteps(source: InstallSource, dir: string): Step[] {
  switch (source.registry) {
    case "npm":
      // --cache: an empty cache of our own, so every tarball is downloaded; --prefix: nothing of the
      // project's node_modules is visible to the install or to the installed server.
      return [
        {
          command: "npm",
          args: [
            "install",
            "--prefix",
            path.join(dir, "prefix"),
            "--cache",
            path.join(dir, "npm-cache"),
            "--no-audit",
            "--no-fund",
            "--no-update-notifier",
            "--loglevel=error",
            source.spec,
          ],
        },
      ];
    case "pypi":
      // A new virtualenv is part of installing a Python server the way setup.sh does.
      return [
        { command: "python3", args: ["-m", "venv", path.join(dir, "venv")] },
        {
          command: path.join(dir, "venv", "bin", "python"),
          args: ["-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check", "--quiet", source.spec],
          env: { PIP_NO_CACHE_DIR: "1" },
        },
      ];
    case "go":
      // Empty module and build caches: every module is downloaded and everything compiled.
      // -modcacherw: the module cache is otherwise read-only and its temp dir could not be removed.
      // GOTOOLCHAIN=local: time the Go on this machine, never a toolchain download on the side.
      return [{ command: "go", args: ["install", source.spec], env: goEnv(dir) }];
  }
}

/**
 * `go install mod@version` also asks the proxy for the module's version list (to warn about a
 * deprecated module); a proxy that refuses the list (403, seen for github-mcp-server) fails the
 * install although the pinned version itself is served. setup.sh then downloads exactly that
 * version and builds the command inside it with the module's own go.sum: so does this.
 */
function goFallbackSteps(source: InstallSource, dir: string): Step[] {
  const at = source.spec.lastIndexOf("@");
  const module = source.spec.slice(0, at);
  const version = source.spec.slice(at + 1);
  const root = module.includes("/cmd/") ? module.slice(0, module.indexOf("/cmd/")) : module;
  const env = goEnv(dir);
  // The module cache's own path escaping: an upper-case letter is "!" and its lower case.
  const moduleDir = path.join(env.GOMODCACHE!, `${root.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`)}@${version}`);
  return [
    { command: "go", args: ["mod", "download", `${root}@${version}`], env },
    { command: "go", args: ["install", `./${path.relative(root, module) || "."}`], env: { ...env, GOFLAGS: "-mod=readonly -modcacherw" }, cwd: moduleDir },
  ];
}

function goEnv(dir: string): Record<string, string> {
  return {
    GOBIN: path.join(dir, "bin"),
    GOMODCACHE: path.join(dir, "gomodcache"),
    GOCACHE: path.join(dir, "gocache"),
    GOPATH: path.join(dir, "gopath"),
    GOFLAGS: "-mod=mod -modcacherw",
    GOTOOLCHAIN: "local",
  };
}

type StepOutcome = { kind: "ok" } | { kind: "timeout" } | { kind: "failed"; exit: string; output: string[] };

async function runStep(
  step: Step,
  dir: string,
  deadline: number,
  registry: ResourceRegistry,
  signal: AbortSignal | undefined,
  server: string,
): Promise<StepOutcome> {
  if (signal?.aborted) throw new HarnessError("interrupted", `interrupted before installing ${server}`);
  let proc: ManagedProcess;
  try {
    // A cold install needs this machine's registry settings and proxies (child-env.ts), no token.
    proc = spawnManaged({
      name: `install:${server}:${path.basename(step.command)}`,
      command: step.command,
      args: step.args,
      env: step.env ?? {},
      passEnv: ["proxy", "package-registries"],
      cwd: step.cwd ?? dir,
      registry,
      stdin: "ignore",
    });
  } catch (err) {
    // npm, python3 or go missing is the machine's problem, not the server's.
    throw new HarnessError("environment", `cannot time the install of ${server}: ${(err as Error).message}`, {
      hint: step.command === "go" ? "install Go (https://go.dev/dl/)" : step.command === "python3" ? "apt-get install python3 python3-venv" : undefined,
    });
  }
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const onAbort = () => void proc.stop({ graceMs: 2000 });
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(
        () => {
          timedOut = true;
          resolve();
        },
        Math.max(0, deadline - performance.now()),
      );
    });
    await Promise.race([proc.exited.catch(() => undefined), limit]);
    if (timedOut) {
      await proc.stop({ graceMs: 2000 });
      return { kind: "timeout" };
    }
    if (signal?.aborted) throw new HarnessError("interrupted", `interrupted while installing ${server}`);
    const exit = proc.exitInfo;
    if (exit && exit.code === 0) return { kind: "ok" };
    return { kind: "failed", exit: exit ? (exit.signal ?? `code ${exit.code}`) : "an error before it started", output: proc.stderrTail(12) };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    registry.untrack(proc);
  }
}

/**
 * Starts the fresh copy once and times spawn to a completed initialize, the way a session of a
 * run is timed (src/stack/mcp-session.ts). Only for servers that need no backing service and no
 * upstream API: starting Redis or a stand-in just for this is not "cheap", and their start would
 * then time that too.
 */
async function freshStartToReady(
  def: ServerDefinition,
  source: InstallSource,
  dir: string,
  registry: ResourceRegistry,
  timeoutMs: number,
): Promise<Pick<InstallResult, "startToReadyMs" | "note">> {
  if (def.needs.length > 0 || def.upstream) {
    return {
      startToReadyMs: null,
      note: `start-to-ready not timed after the install: the server needs ${[...def.needs, ...(def.upstream ? [def.upstream.api] : [])].join(", ")}; every run records it (ServerInfo.startToReadyMs)`,
    };
  }
  const fresh = freshCommand(def, source, dir);
  const workdir = path.join(dir, "workdir");
  const sandbox = path.join(dir, "sandbox");
  await mkdir(workdir, { recursive: true });
  await mkdir(sandbox, { recursive: true });
  const session = await startSession({ def: { ...def, ...fresh }, agent: 0, endpoints: { sandbox, workdir }, registry, timeoutMs }).catch((err: unknown) => {
    throw new HarnessError(
      "environment",
      `${def.name}: the freshly installed ${source.spec} did not start: ${err instanceof Error ? err.message : String(err)}`,
      { details: err instanceof HarnessError ? err.details : [] },
    );
  });
  try {
    return { startToReadyMs: session.startToReadyMs };
  } finally {
    await session.close();
  }
}

/** The catalog command and args, pointed at the fresh copy instead of the project's. */
function freshCommand(def: ServerDefinition, source: InstallSource, dir: string): { command: string; args: string[] } {
  switch (source.registry) {
    case "npm": {
      const { bin } = resolvePackage(def.package, path.join(dir, "prefix"));
      return { command: def.command, args: def.args.map((a) => a.replaceAll("{{bin}}", bin)) };
    }
    case "pypi":
      return { command: path.join(dir, "venv", "bin", source.executable!), args: def.args };
    case "go":
      return { command: path.join(dir, "bin", source.executable!), args: def.args };
  }
}
