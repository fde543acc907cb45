/**
 * Supply-chain checks of one catalog server (issue 14, item 1): does what is installed here match
 * what its registry published, is it pinned, what runs at install, what is known against it. Each
 * check is a small function that decides from data (unit-tested with made-up data); the `scan*`
 * functions gather that data through an injectable `SupplyChainIo` (fetch + exec), so the real
 * registries, files and tools of this machine are what an integration test exercises.
 *
 * A finding is `{ check, status, detail, evidence }`. status:
 * - pass / fail: measured, with the compared values in `evidence`;
 * - not_measured: the check applies but could not be done here (a service unreachable or refusing,
 *   a tool missing); `detail` gives the exact reason (URL and HTTP status, or error). Never a pass:
 *   the score counts it as unmeasured (../shared/measurement.md, "Security score");
 * - not_applicable: the check means nothing for this kind of package (e.g. install scripts of a Go
 *   module), with why.
 *
 * What each check proves (and does not):
 * - registry-integrity: the hash this project trusts equals the hash the registry publishes today.
 *   npm: package-lock.json `integrity` = the registry's `dist.integrity` for that version. PyPI: the
 *   wheel downloaded from the URL PyPI's JSON API gives hashes (sha256) to the digest that API
 *   publishes. Go: the module cache's `.ziphash` (what `go` hashed when it downloaded the module) =
 *   the checksum database's line, asked through the module proxy (`<proxy>/sumdb/<db>/lookup/...`).
 *   "The registry" is whatever this machine is configured to reach (possibly a mirror of the public one);
 *   the Go line is taken as served: the signed tree head and inclusion proof are NOT verified here
 *   (`go` itself did that at download time).
 * - installed-files: the files that run are the published ones. npm: the tarball's sha512 = the lock
 *   integrity, and every file of it is byte-identical in node_modules/<pkg> (files installed there
 *   that the tarball lacks are listed as extra, outside its nested node_modules). PyPI: every member
 *   of that wheel (except RECORD, which the installer rewrites) is byte-identical in site-packages.
 *   Go: `go mod verify` in the module's directory (the extracted module tree and its dependencies
 *   still hash to what was downloaded). It does not prove the Go *binary* was built from them:
 *   setup built it in that tree, and the binary records `(devel)` as its main module version.
 * - version-pinned: the install recipe names one exact version, equal to the installed one. npm:
 *   package.json's dependency spec. PyPI and Go: scripts/setup.sh (`pip install "<pkg>==$ver"`, or
 *   `pip install ... -r <file>` whose requirements file pins the package; `go_tool <name> <module> <version>`).
 * - dependencies-locked: the packages the server pulls in are fixed by hash too. npm: every package
 *   of its dependency closure (resolved in the lock like Node resolves) has a lock entry with an
 *   integrity. PyPI: the pip install line uses --require-hashes (on the line or in the file) with a
 *   requirements file that pins every other package of the venv, by name, at its installed version,
 *   with hashes (pip refused any file whose hash was not listed when it installed them; the
 *   installed files are not re-hashed against that list here); a venv package missing from the
 *   file, at another version, or a file pinning without hashes fails, naming them. Go: every dependency the
 *   binary's build info records has an h1 hash equal to the checksum database's.
 * - install-scripts: npm: each closure package whose installed package.json has a
 *   preinstall/install/postinstall script (or a binding.gyp) is declared `hasInstallScript` in the
 *   lock, so a lock review sees it; the declared ones are listed. Wheels and Go modules run no
 *   package code at install: not applicable.
 * - registry-signature: npm: the registry's ECDSA signature (`dist.signatures`) over
 *   `<name>@<version>:<integrity>`, verified with the keys of `<registry>/-/npm/v1/keys`. PyPI signs
 *   nothing (PGP signatures were dropped in 2023): not applicable. Go: the checksum database is
 *   Go's signature: `go mod download -json <module>@<version>` into a fresh, throwaway module cache,
 *   with the database forced on (GOSUMDB as configured, GONOSUMDB/GOPRIVATE/GONOSUMCHECK/GOINSECURE
 *   emptied), makes go's own client check the module zip against the database's signed tree head
 *   (its built-in key) with an inclusion proof, through the proxy; the check passes when that
 *   succeeds, the database was consulted (its lookup cache exists) and go's Sum equals the local
 *   `.ziphash`. Dependencies are not re-downloaded this way (dependencies-locked compares their h1
 *   with the lookups as served).
 * - provenance: npm: a Sigstore provenance attestation exists (`dist.attestations` or
 *   `<registry>/-/npm/v1/attestations/<pkg>@<ver>`); verifying one needs Sigstore's trust root
 *   (TUF), so with attestations present the result is still not_measured, never pass. PyPI: PEP 740
 *   `<index>/integrity/<pkg>/<ver>/<file>/provenance`, same rule. Go: no such thing: not applicable.
 * - advisories / dependency-advisories: known vulnerabilities of the package itself / of the rest of
 *   what it pulls in. npm: the registry's bulk advisory endpoint over the closure (answers per name).
 *   PyPI: the per-release JSON (`/pypi/<p>/<v>/json`) `vulnerabilities`; where that endpoint fails,
 *   the project JSON's, which describe only the latest release, so only when the installed version
 *   is the latest (the package itself; for the dependencies a project JSON can weigh megabytes, so
 *   only per-release JSON is asked). Go: govulncheck needs vuln.go.dev or a database built from
 *   golang.org/x/vulndb (served by the Go module proxy): not measured until the harness ships one.
 */
import { execFile } from "node:child_process";
import { createHash, createPublicKey, verify as verifySignature } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { HarnessError } from "../errors.js";
import { markerMayApply, normalizeDistName, type PipRequirements, parsePipRequirements } from "./pip-requirements.js";

export const SUPPLY_CHECKS = [
  "registry-integrity",
  "installed-files",
  "version-pinned",
  "dependencies-locked",
  "install-scripts",
  "registry-signature",
  "provenance",
  "advisories",
  "dependency-advisories",
] as const;

export const SupplyFindingSchema = z.object({
  check: z.enum(SUPPLY_CHECKS),
  status: z.enum(["pass", "fail", "not_measured", "not_applicable"]),
  detail: z.string(),
  evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});
export type SupplyFinding = z.infer<typeof SupplyFindingSchema>;
export type SupplyCheck = SupplyFinding["check"];

export const SupplyReportSchema = z.object({
  server: z.string(),
  registry: z.enum(["npm", "pypi", "go", "custom"]),
  package: z.string(),
  version: z.string(),
  findings: z.array(SupplyFindingSchema),
});
export type SupplyReport = z.infer<typeof SupplyReportSchema>;

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Everything a scan asks of the world besides reading files: the unit tests replace it. */
export interface SupplyChainIo {
  fetch: (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<Response>;
  exec: (file: string, args: string[], opts?: { cwd?: string; env?: Record<string, string> }) => Promise<ExecResult>;
  /**
   * A new empty temp dir. The scan removes it when done; a run passes its ResourceRegistry's
   * makeTempDir so that a SIGINT or a crash mid-scan does not leave it behind either.
   */
  makeTempDir: (prefix: string) => Promise<string>;
}

/** Bounds every network call and command: a scan never hangs on a registry that does not answer. */
const NET_TIMEOUT_MS = 30_000;
const EXEC_TIMEOUT_MS = 60_000;

/** The real world: global fetch with a deadline; child_process.execFile (the project has no direct execa dependency; execFile with a timeout is all this needs). */
export const realIo: SupplyChainIo = {
  fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(NET_TIMEOUT_MS) }),
  exec: (file, args, opts) =>
    new Promise((resolve) => {
      execFile(
        file,
        args,
        { cwd: opts?.cwd, env: { ...process.env, ...opts?.env }, timeout: EXEC_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
          resolve({ exitCode: code, stdout, stderr: error !== null && code === -1 ? `${stderr}${error.message}` : stderr });
        },
      );
    }),
  makeTempDir: (prefix) => mkdtemp(path.join(tmpdir(), `mcp-slo-${prefix}-`)),
};

// ---------------------------------------------------------------- small shared pieces

type Evidence = SupplyFinding["evidence"];

function finding(check: SupplyCheck, status: SupplyFinding["status"], detail: string, evidence: Evidence = {}): SupplyFinding {
  return { check, status, detail, evidence };
}

/** A value fetched from a registry, or why not (the exact URL and status or error, for not_measured). */
export type Fetched<T> = { ok: true; url: string; value: T } | { ok: false; url: string; reason: string };

export async function fetchJson<T>(io: SupplyChainIo, url: string, init?: Parameters<SupplyChainIo["fetch"]>[1]): Promise<Fetched<T>> {
  try {
    const res = await io.fetch(url, init);
    if (!res.ok) return { ok: false, url, reason: `${init?.method ?? "GET"} ${url} -> HTTP ${res.status}` };
    return { ok: true, url, value: (await res.json()) as T };
  } catch (error) {
    return { ok: false, url, reason: `${init?.method ?? "GET"} ${url} failed: ${describeError(error)}` };
  }
}

async function fetchBytes(io: SupplyChainIo, url: string): Promise<Fetched<Buffer>> {
  try {
    const res = await io.fetch(url);
    if (!res.ok) return { ok: false, url, reason: `GET ${url} -> HTTP ${res.status}` };
    return { ok: true, url, value: Buffer.from(await res.arrayBuffer()) };
  } catch (error) {
    return { ok: false, url, reason: `GET ${url} failed: ${describeError(error)}` };
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

function hashFile(file: string, algorithm: "sha256" | "sha512" = "sha256"): string {
  return createHash(algorithm).update(readFileSync(file)).digest("hex");
}

/** Every regular file under `dir`, relative, `/`-separated; directories named in `skipDirs` (relative) left out. */
export function listFiles(dir: string, skipDirs: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skipDirs.has(child)) walk(child);
      } else if (entry.isFile()) out.push(child);
    }
  };
  walk("");
  return out.sort();
}

export interface FileComparison {
  same: number;
  differ: string[];
  missing: string[];
  extra: string[];
}

/** Published files (path -> sha256) against installed ones (path -> sha256, or absent). */
export function compareFiles(published: ReadonlyMap<string, string>, installed: ReadonlyMap<string, string>): FileComparison {
  const result: FileComparison = { same: 0, differ: [], missing: [], extra: [] };
  for (const [file, hash] of published) {
    const got = installed.get(file);
    if (got === undefined) result.missing.push(file);
    else if (got === hash) result.same += 1;
    else result.differ.push(file);
  }
  for (const file of installed.keys()) if (!published.has(file)) result.extra.push(file);
  return result;
}

/** At most a few names in a detail line; the count says how many there are. */
function some(names: readonly string[], max = 5): string {
  return names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

export function installedFilesFinding(comparison: FileComparison, what: string, evidence: Evidence): SupplyFinding {
  const ev = { ...evidence, same: comparison.same, differ: comparison.differ.length, missing: comparison.missing.length, extra: comparison.extra.length };
  if (comparison.differ.length > 0 || comparison.missing.length > 0) {
    const parts = [
      comparison.differ.length > 0 ? `${comparison.differ.length} differ (${some(comparison.differ)})` : "",
      comparison.missing.length > 0 ? `${comparison.missing.length} missing (${some(comparison.missing)})` : "",
    ].filter((p) => p !== "");
    return finding("installed-files", "fail", `installed files do not match ${what}: ${parts.join("; ")}`, ev);
  }
  if (comparison.same === 0) return finding("installed-files", "fail", `${what} holds no file to compare`, ev);
  const extra = comparison.extra.length > 0 ? `; ${comparison.extra.length} installed files not in it (${some(comparison.extra)})` : "";
  return finding("installed-files", "pass", `all ${comparison.same} files of ${what} are identical where installed${extra}`, ev);
}

// ---------------------------------------------------------------- npm

export interface LockEntry {
  version?: string;
  integrity?: string;
  resolved?: string;
  link?: boolean;
  hasInstallScript?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
export interface PackageLock {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

export interface NpmDist {
  integrity?: string;
  shasum?: string;
  tarball?: string;
  signatures?: { keyid: string; sig: string }[];
  attestations?: { url?: string; provenance?: { predicateType?: string } };
}

/** `<registry>/<name>` with a scoped name's slash escaped, as npm asks. */
export function packumentUrl(registry: string, name: string): string {
  return `${registry.replace(/\/+$/, "")}/${name.replace("/", "%2f")}`;
}

/** Node's resolution over lock locations: `name` required from the package at `from` ("" is the root). */
export function resolveInLock(lock: PackageLock, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === "" ? "" : `${base}/`}node_modules/${name}`;
    if (lock.packages?.[candidate] !== undefined) return candidate;
    if (base === "") return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut < 0 ? "" : base.slice(0, cut);
  }
}

export interface ClosureEntry {
  location: string;
  name: string;
  entry: LockEntry;
}

/** The lock locations a package pulls in (itself included), and required dependencies the lock lacks. */
export function lockClosure(lock: PackageLock, pkg: string): { entries: ClosureEntry[]; unresolved: string[] } {
  const start = `node_modules/${pkg}`;
  const entries: ClosureEntry[] = [];
  const unresolved: string[] = [];
  const seen = new Set<string>();
  const queue: [string, string][] = lock.packages?.[start] === undefined ? [] : [[start, pkg]];
  if (queue.length === 0) unresolved.push(pkg);
  while (queue.length > 0) {
    const [location, name] = queue.shift()!;
    if (seen.has(location)) continue;
    seen.add(location);
    const entry = lock.packages![location]!;
    entries.push({ location, name, entry });
    const optionalPeers = new Set(
      Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, m]) => m.optional)
        .map(([n]) => n),
    );
    const wanted: [string, boolean][] = [
      ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, true]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, false]),
      ...Object.keys(entry.peerDependencies ?? {}).map((n): [string, boolean] => [n, !optionalPeers.has(n)]),
    ];
    for (const [dep, required] of wanted) {
      const found = resolveInLock(lock, location, dep);
      if (found !== undefined) queue.push([found, dep]);
      else if (required) unresolved.push(`${dep} (required by ${name})`);
    }
  }
  return { entries, unresolved };
}

export function npmRegistryIntegrity(pkg: string, version: string, lockEntry: LockEntry | undefined, dist: Fetched<NpmDist | undefined>): SupplyFinding {
  const ev: Evidence = { package: `${pkg}@${version}` };
  if (lockEntry?.integrity === undefined) return finding("registry-integrity", "fail", `package-lock.json has no integrity for node_modules/${pkg}`, ev);
  ev.lock = lockEntry.integrity;
  if (lockEntry.version !== version)
    return finding("registry-integrity", "fail", `package-lock.json locks ${pkg} at ${lockEntry.version}, installed is ${version}`, ev);
  if (!dist.ok) return finding("registry-integrity", "not_measured", `registry metadata unavailable: ${dist.reason}`, ev);
  ev.registryUrl = dist.url;
  if (dist.value?.integrity === undefined)
    return finding("registry-integrity", "not_measured", `the registry publishes no dist.integrity for ${pkg}@${version}`, ev);
  ev.registry = dist.value.integrity;
  const verdict = sriCompare(lockEntry.integrity, dist.value.integrity);
  if (verdict === undefined) return finding("registry-integrity", "not_measured", "the lock and the registry share no hash algorithm to compare", ev);
  return verdict
    ? finding("registry-integrity", "pass", "package-lock.json integrity equals the registry's dist.integrity", ev)
    : finding("registry-integrity", "fail", "package-lock.json integrity differs from the registry's dist.integrity", ev);
}

/** `sha512-<base64>` of some bytes, as npm writes integrity. */
export function sriSha512(bytes: Buffer): string {
  return `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
}

/** Subresource-integrity strings hold one or more `<algorithm>-<base64>`; the strongest first. */
const SRI_ALGORITHMS = ["sha512", "sha384", "sha256", "sha1"] as const;

export function parseSri(integrity: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of integrity.trim().split(/\s+/)) {
    const cut = part.indexOf("-");
    if (cut > 0) out.set(part.slice(0, cut), part.slice(cut + 1).replace(/\?.*$/, ""));
  }
  return out;
}

/** Equal in the strongest algorithm both name; undefined when they name none in common (old sha1-only locks). */
export function sriCompare(a: string, b: string): boolean | undefined {
  const [x, y] = [parseSri(a), parseSri(b)];
  const algorithm = SRI_ALGORITHMS.find((alg) => x.has(alg) && y.has(alg));
  return algorithm === undefined ? undefined : x.get(algorithm) === y.get(algorithm);
}

/** The integrity string of some bytes in the strongest algorithm `like` names, to compare with it. */
export function sriOf(bytes: Buffer, like: string): string | undefined {
  const algorithm = SRI_ALGORITHMS.find((alg) => parseSri(like).has(alg));
  return algorithm === undefined ? undefined : `${algorithm}-${createHash(algorithm).update(bytes).digest("base64")}`;
}

export function npmVersionPinned(pkg: string, spec: string | undefined, installed: string): SupplyFinding {
  const ev: Evidence = { package: pkg, installed };
  if (spec === undefined) return finding("version-pinned", "fail", `${pkg} is not a dependency in package.json`, ev);
  ev.spec = spec;
  if (!EXACT_SEMVER.test(spec))
    return finding("version-pinned", "fail", `package.json asks ${pkg}@"${spec}", a range: an install may pick another version`, ev);
  if (spec !== installed) return finding("version-pinned", "fail", `package.json pins ${pkg}@${spec}, installed is ${installed}`, ev);
  return finding("version-pinned", "pass", `package.json pins ${pkg} at exactly ${spec}`, ev);
}
const EXACT_SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export function npmDependenciesLocked(closure: { entries: ClosureEntry[]; unresolved: string[] }): SupplyFinding {
  const noIntegrity = closure.entries.filter((e) => e.entry.integrity === undefined && e.entry.link !== true).map((e) => e.location);
  const ev: Evidence = { closure: closure.entries.length, withoutIntegrity: noIntegrity.length, unresolved: closure.unresolved.length };
  if (closure.unresolved.length > 0) return finding("dependencies-locked", "fail", `the lock lacks required dependencies: ${some(closure.unresolved)}`, ev);
  if (noIntegrity.length > 0)
    return finding(
      "dependencies-locked",
      "fail",
      `${noIntegrity.length} of ${closure.entries.length} packages of the closure have no integrity in the lock: ${some(noIntegrity)}`,
      ev,
    );
  return finding("dependencies-locked", "pass", `all ${closure.entries.length} packages of the closure are locked with an integrity hash`, ev);
}

export interface InstallScriptFacts {
  location: string;
  /** The lock says hasInstallScript. */
  declared: boolean;
  /** The installed package.json has preinstall/install/postinstall, or a binding.gyp (npm then runs node-gyp). */
  actual: boolean;
}

export function npmInstallScripts(facts: readonly InstallScriptFacts[]): SupplyFinding {
  const undeclared = facts.filter((f) => f.actual && !f.declared).map((f) => f.location);
  const declared = facts.filter((f) => f.declared).map((f) => f.location);
  const ev: Evidence = { closure: facts.length, declared: declared.join(" "), undeclared: undeclared.join(" ") };
  if (undeclared.length > 0) return finding("install-scripts", "fail", `install scripts the lock does not declare (hasInstallScript): ${some(undeclared)}`, ev);
  if (declared.length === 0) return finding("install-scripts", "pass", `no package of the closure (${facts.length}) runs an install script`, ev);
  return finding(
    "install-scripts",
    "pass",
    `install scripts are declared in the lock: ${some(declared)} (they run at npm install unless scripts are ignored)`,
    ev,
  );
}

export function installScriptFacts(root: string, closure: readonly ClosureEntry[]): InstallScriptFacts[] {
  return closure.map(({ location, entry }) => {
    const dir = path.join(root, location);
    let actual = existsSync(path.join(dir, "binding.gyp"));
    try {
      const scripts = (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
      actual ||= ["preinstall", "install", "postinstall"].some((s) => typeof scripts[s] === "string");
    } catch {
      // not installed (an optional dependency for another platform): nothing runs
    }
    return { location, declared: entry.hasInstallScript === true, actual };
  });
}

export interface NpmKey {
  keyid: string;
  key: string;
  expires?: string | null;
}

export function npmRegistrySignature(pkg: string, version: string, dist: Fetched<NpmDist | undefined>, keys: Fetched<{ keys?: NpmKey[] }>): SupplyFinding {
  const ev: Evidence = { package: `${pkg}@${version}` };
  if (!dist.ok) return finding("registry-signature", "not_measured", `registry metadata unavailable: ${dist.reason}`, ev);
  const signatures = dist.value?.signatures ?? [];
  const reasons: string[] = [];
  if (signatures.length === 0) reasons.push(`the registry's metadata (${dist.url}) has no dist.signatures`);
  if (!keys.ok) reasons.push(`signing keys unavailable: ${keys.reason}`);
  if (reasons.length > 0 || !keys.ok || dist.value?.integrity === undefined) {
    return finding("registry-signature", "not_measured", reasons.join("; ") || "no dist.integrity to verify a signature over", ev);
  }
  const message = `${pkg}@${version}:${dist.value.integrity}`;
  ev.signedMessage = message;
  for (const signature of signatures) {
    const key = keys.value.keys?.find((k) => k.keyid === signature.keyid);
    ev.keyid = signature.keyid;
    if (key === undefined) continue;
    let valid = false;
    try {
      const publicKey = createPublicKey({ key: Buffer.from(key.key, "base64"), format: "der", type: "spki" });
      valid = verifySignature("sha256", Buffer.from(message), publicKey, Buffer.from(signature.sig, "base64"));
    } catch (error) {
      return finding("registry-signature", "fail", `signature by ${signature.keyid} cannot be checked: ${describeError(error)}`, ev);
    }
    return valid
      ? finding("registry-signature", "pass", `registry signature by key ${signature.keyid} verifies over ${message}`, ev)
      : finding("registry-signature", "fail", `registry signature by key ${signature.keyid} does not verify over ${message}`, ev);
  }
  return finding("registry-signature", "fail", `no signature is by a key the registry lists (${signatures.map((s) => s.keyid).join(", ")})`, ev);
}

export function npmProvenance(pkg: string, version: string, dist: Fetched<NpmDist | undefined>, attestations: Fetched<unknown>): SupplyFinding {
  const ev: Evidence = { package: `${pkg}@${version}` };
  const inDist = dist.ok && dist.value?.attestations !== undefined;
  if (inDist || attestations.ok) {
    ev.attestationsUrl = attestations.ok ? attestations.url : dist.ok ? (dist.value?.attestations?.url ?? "") : "";
    return finding(
      "provenance",
      "not_measured",
      "the registry serves a provenance attestation, but verifying its Sigstore bundle needs Sigstore's trust root (TUF), which this module does not check",
      ev,
    );
  }
  const reasons = [dist.ok ? `dist.attestations absent (${dist.url})` : `registry metadata unavailable: ${dist.reason}`, attestations.reason];
  return finding("provenance", "not_measured", `no provenance attestation to verify: ${reasons.join("; ")}`, ev);
}

export interface NpmAdvisory {
  id?: number | string;
  title?: string;
  severity?: string;
  url?: string;
  vulnerable_versions?: string;
}

/** The body npm audit sends: every package name of the closure with the versions installed. */
export function npmAuditBody(closure: readonly ClosureEntry[]): Record<string, string[]> {
  const body: Record<string, string[]> = {};
  for (const { name, entry } of closure) {
    if (entry.version === undefined) continue;
    const versions = body[name] ?? [];
    if (!versions.includes(entry.version)) versions.push(entry.version);
    body[name] = versions;
  }
  return body;
}

function advisoryLine(name: string, a: NpmAdvisory): string {
  return `${name}: ${a.severity ?? "unknown"} ${a.title ?? a.id ?? ""}`.trim();
}

/**
 * The bulk endpoint answers, per package name, the advisories that affect the versions asked about
 * (every version sent is installed, so every advisory returned applies). Two findings: the package
 * itself, and the rest of its closure.
 */
export function npmAdvisories(pkg: string, closureSize: number, bulk: Fetched<Record<string, NpmAdvisory[]>>): [SupplyFinding, SupplyFinding] {
  if (!bulk.ok) {
    const reason = `npm bulk advisories unavailable: ${bulk.reason}`;
    return [
      finding("advisories", "not_measured", reason, { package: pkg }),
      finding("dependency-advisories", "not_measured", reason, { closure: closureSize }),
    ];
  }
  const own = (bulk.value[pkg] ?? []).map((a) => advisoryLine(pkg, a));
  const deps = Object.entries(bulk.value)
    .filter(([name]) => name !== pkg)
    .flatMap(([name, list]) => list.map((a) => advisoryLine(name, a)));
  return [
    own.length === 0
      ? finding("advisories", "pass", `no advisory for ${pkg}`, { package: pkg, advisories: 0 })
      : finding("advisories", "fail", `${own.length} advisories: ${some(own)}`, { package: pkg, advisories: own.length, list: own.join("\n") }),
    deps.length === 0
      ? finding("dependency-advisories", "pass", `no advisory for the other ${closureSize - 1} packages of the closure`, {
          closure: closureSize,
          advisories: 0,
        })
      : finding("dependency-advisories", "fail", `${deps.length} advisories: ${some(deps)}`, {
          closure: closureSize,
          advisories: deps.length,
          list: deps.join("\n"),
        }),
  ];
}

/** The registry npm is configured with (`npm config get registry`), as npm itself would ask. */
export async function npmRegistry(io: SupplyChainIo, root: string): Promise<string> {
  const res = await io.exec("npm", ["config", "get", "registry"], { cwd: root });
  const url = res.stdout.trim();
  return res.exitCode === 0 && /^https?:\/\//.test(url) ? withoutCredentials(url).replace(/\/+$/, "") : "https://registry.npmjs.org";
}

/**
 * A registry URL may carry user:password; every URL of a finding ends up in reports, so it is
 * dropped (such a registry then answers 401, and its checks say so as not measured).
 */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === "" && parsed.password === "") return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Unpacks a .tgz with the system tar (well kept, present wherever npm is) and hashes its files. */
async function tarballFiles(io: SupplyChainIo, bytes: Buffer): Promise<Map<string, string>> {
  const dir = await io.makeTempDir("supply");
  try {
    const archive = path.join(dir, "package.tgz");
    writeFileSync(archive, bytes);
    const out = path.join(dir, "x");
    mkdirSync(out);
    const res = await io.exec("tar", ["-xzf", archive, "-C", out, "--no-same-owner", "--no-same-permissions"]);
    if (res.exitCode !== 0) throw new Error(`tar -xzf failed: ${res.stderr.trim()}`);
    // npm tarballs hold one top directory, usually "package/".
    const tops = readdirSync(out);
    if (tops.length !== 1) throw new Error(`the tarball has ${tops.length} top-level entries, expected one directory`);
    const top = path.join(out, tops[0]!);
    return new Map(listFiles(top).map((f) => [f, hashFile(path.join(top, f))]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function scanNpm(io: SupplyChainIo, pkg: string, root: string): Promise<SupplyReport> {
  const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as PackageLock;
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const installedDir = path.join(root, "node_modules", ...pkg.split("/"));
  const version = (JSON.parse(readFileSync(path.join(installedDir, "package.json"), "utf8")) as { version: string }).version;
  const lockEntry = lock.packages?.[`node_modules/${pkg}`];
  const registry = await npmRegistry(io, root);

  const packument = await fetchJson<{ versions?: Record<string, { dist?: NpmDist }> }>(io, packumentUrl(registry, pkg));
  const dist: Fetched<NpmDist | undefined> = packument.ok ? { ok: true, url: packument.url, value: packument.value.versions?.[version]?.dist } : packument;
  const findings: SupplyFinding[] = [npmRegistryIntegrity(pkg, version, lockEntry, dist)];

  // installed-files: the tarball the registry points at, checked against the lock, then file by file.
  const tarballUrl = dist.ok ? dist.value?.tarball : undefined;
  if (tarballUrl === undefined) {
    findings.push(
      finding(
        "installed-files",
        "not_measured",
        dist.ok ? `the registry gives no tarball URL for ${pkg}@${version}` : `registry metadata unavailable: ${dist.reason}`,
      ),
    );
  } else {
    const tarball = await fetchBytes(io, tarballUrl);
    if (!tarball.ok) findings.push(finding("installed-files", "not_measured", `tarball unavailable: ${tarball.reason}`));
    else {
      const got = lockEntry?.integrity === undefined ? undefined : sriOf(tarball.value, lockEntry.integrity);
      const ev: Evidence = { tarball: tarballUrl, tarballIntegrity: got ?? sriSha512(tarball.value) };
      if (got === undefined || lockEntry?.integrity === undefined || sriCompare(got, lockEntry.integrity) !== true) {
        findings.push(
          finding("installed-files", "fail", `the tarball's hash differs from package-lock.json's integrity (${lockEntry?.integrity ?? "none"})`, ev),
        );
      } else {
        try {
          const published = await tarballFiles(io, tarball.value);
          const installed = new Map(listFiles(installedDir, new Set(["node_modules"])).map((f) => [f, hashFile(path.join(installedDir, f))]));
          findings.push(installedFilesFinding(compareFiles(published, installed), `the tarball of ${pkg}@${version}`, { ...ev, installedDir }));
        } catch (error) {
          findings.push(finding("installed-files", "not_measured", `tarball could not be read: ${describeError(error)}`, ev));
        }
      }
    }
  }

  findings.push(npmVersionPinned(pkg, manifest.dependencies?.[pkg] ?? manifest.devDependencies?.[pkg], version));
  const closure = lockClosure(lock, pkg);
  findings.push(npmDependenciesLocked(closure));
  findings.push(npmInstallScripts(installScriptFacts(root, closure.entries)));

  const keys = await fetchJson<{ keys?: NpmKey[] }>(io, `${registry}/-/npm/v1/keys`);
  findings.push(npmRegistrySignature(pkg, version, dist, keys));
  const attestations = await fetchJson<unknown>(io, `${registry}/-/npm/v1/attestations/${pkg}@${version}`);
  findings.push(npmProvenance(pkg, version, dist, attestations));

  const body = npmAuditBody(closure.entries);
  const bulk = await fetchJson<Record<string, NpmAdvisory[]>>(io, `${registry}/-/npm/v1/security/advisories/bulk`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  findings.push(...npmAdvisories(pkg, closure.entries.length, bulk));
  return { server: "", registry: "npm", package: pkg, version, findings };
}

// ---------------------------------------------------------------- PyPI

export interface PypiFile {
  filename: string;
  packagetype?: string;
  url: string;
  digests: { sha256?: string };
  yanked?: boolean;
}
export interface PypiProject {
  info?: { version?: string };
  releases?: Record<string, PypiFile[]>;
  vulnerabilities?: { id?: string; aliases?: string[]; fixed_in?: string[] }[];
}

/** The wheel of `files` whose compatibility tags include one of the installed WHEEL `Tag:` lines. */
export function pickWheel(files: readonly PypiFile[], installedTags: readonly string[]): PypiFile | undefined {
  return files.find((f) => {
    if (!f.filename.endsWith(".whl")) return false;
    // name-version(-build)?-python-abi-platform.whl; each of python/abi/platform may be a dotted set.
    const parts = f.filename.slice(0, -4).split("-");
    const [py, abi, plat] = parts.slice(-3) as [string, string, string];
    const tags = py.split(".").flatMap((p) => abi.split(".").flatMap((a) => plat.split(".").map((pl) => `${p}-${a}-${pl}`)));
    return installedTags.some((t) => tags.includes(t));
  });
}

export function pypiRegistryIntegrity(wheel: PypiFile | undefined, downloaded: Fetched<Buffer> | undefined, ev: Evidence): SupplyFinding {
  if (wheel === undefined) return finding("registry-integrity", "not_measured", "PyPI lists no wheel matching the installed WHEEL tags", ev);
  ev.file = wheel.filename;
  if (wheel.digests.sha256 === undefined) return finding("registry-integrity", "not_measured", `PyPI publishes no sha256 for ${wheel.filename}`, ev);
  ev.published = wheel.digests.sha256;
  if (downloaded === undefined || !downloaded.ok)
    return finding("registry-integrity", "not_measured", `wheel unavailable: ${downloaded?.reason ?? "not fetched"}`, ev);
  const got = createHash("sha256").update(downloaded.value).digest("hex");
  ev.downloaded = got;
  return got === wheel.digests.sha256
    ? finding("registry-integrity", "pass", `${wheel.filename} as downloaded hashes to PyPI's published sha256`, ev)
    : finding("registry-integrity", "fail", `${wheel.filename} as downloaded does not hash to PyPI's published sha256`, ev);
}

/** A requirements file a pip line of setup.sh names: as read and parsed, or why it could not be read. */
export type SetupRequirements = { file: string; parsed: PipRequirements } | { file: string; error: string };

export interface SetupPin {
  spec: string;
  line: string;
  /** Set when the pip line installs from a requirements file (`-r`). */
  requirements?: SetupRequirements;
}

/** The value of `$name` / `${name}` from its `name=value` assignment in setup.sh, or the text unchanged. */
function expandSetupVariables(text: string, lines: readonly string[]): string {
  return text.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    const assign = lines.map((l) => new RegExp(`^\\s*${name}=["']?([^"'\\s]+)`).exec(l)).find((a) => a !== null);
    return assign?.[1] ?? whole;
  });
}

/**
 * The install line of a PyPI or Go package in setup.sh. A pip line of the form
 * `pip install ... -r <file>` counts for `def.package` when that file pins it; `readFile` reads a
 * path as setup.sh names it (relative to the project root, where setup.sh runs; `$PWD/` dropped).
 * A file that cannot be read counts when its name contains the package's, so its absence is reported.
 */
export function pinFromSetup(
  setupText: string,
  def: Pick<ServerDefinition, "package" | "registry">,
  readFile?: (file: string) => string,
): SetupPin | undefined {
  const lines = setupText.split("\n");
  if (def.registry === "go") {
    for (const line of lines) {
      const m = /^go_tool\s+\S+\s+(\S+)\s+(\S+)/.exec(line);
      if (m !== null && (m[1] === def.package || m[1]!.startsWith(`${def.package}/`))) return { spec: m[2]!, line: line.trim() };
    }
    return undefined;
  }
  const escaped = def.package.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const line of lines) {
    const m = new RegExp(`pip install .*"${escaped}(==|~=|>=|<=|>|<|!=|===)\\$\\{?(\\w+)\\}?"`).exec(line);
    if (m === null) continue;
    const assign = lines.map((l) => new RegExp(`^${m[2]}=["']?([^"'\\s]+)`).exec(l)).find((a) => a !== null);
    return { spec: `${m[1]}${assign?.[1] ?? `$${m[2]}`}`, line: line.trim() };
  }
  const wanted = normalizeDistName(def.package);
  for (const line of lines) {
    const m = /pip install .*?(?:\s-r|\s--requirement)[\s=]+("?)([^"\s]+)\1/.exec(line);
    if (m === null) continue;
    const file = expandSetupVariables(m[2]!, lines).replace(/^\$\{?PWD\}?\//, "");
    let text: string;
    try {
      if (readFile === undefined) throw new Error("not read (no project root given)");
      text = readFile(file);
    } catch (error) {
      if (path.basename(file).toLowerCase().includes(wanted)) {
        return { spec: "", line: line.trim(), requirements: { file, error: error instanceof Error ? error.message : String(error) } };
      }
      continue;
    }
    const parsed = parsePipRequirements(text, file);
    const own = parsed.pins.find((p) => p.normalized === wanted);
    if (own !== undefined) return { spec: `==${own.version}`, line: line.trim(), requirements: { file, parsed } };
  }
  return undefined;
}

/** Exact pins: Go `vX.Y.Z[...]` (module versions are immutable), pip `==X` (not `===`, `~=`, ranges). */
export function setupVersionPinned(pkg: string, pin: SetupPin | undefined, installed: string, registry: "go" | "pypi"): SupplyFinding {
  const ev: Evidence = { package: pkg, installed, source: "scripts/setup.sh" };
  if (pin === undefined) return finding("version-pinned", "fail", `scripts/setup.sh has no install line for ${pkg}`, ev);
  ev.spec = pin.spec;
  ev.line = pin.line;
  const where = pin.requirements === undefined ? "scripts/setup.sh" : `${pin.requirements.file} (scripts/setup.sh installs from it)`;
  if (pin.requirements !== undefined) {
    ev.source = `scripts/setup.sh, ${pin.requirements.file}`;
    if ("error" in pin.requirements)
      return finding(
        "version-pinned",
        "fail",
        `scripts/setup.sh installs ${pkg} from ${pin.requirements.file}, which cannot be read: ${pin.requirements.error}`,
        ev,
      );
  }
  const version = registry === "go" ? (/^v\d+\.\d+\.\d+\S*$/.test(pin.spec) ? pin.spec : undefined) : /^==([^=*\s]+)$/.exec(pin.spec)?.[1];
  if (version === undefined || version.includes("*")) return finding("version-pinned", "fail", `${where} asks ${pkg} ${pin.spec}, not one exact version`, ev);
  if (version !== installed) return finding("version-pinned", "fail", `${where} pins ${pkg} ${version}, installed is ${installed}`, ev);
  return finding("version-pinned", "pass", `${where} pins ${pkg} at exactly ${version}`, ev);
}

/**
 * Are the other packages of the venv fixed by hash? Only a pip line with --require-hashes and a
 * requirements file pinning each of them at its installed version proves it. `otherDists` are
 * dist-info names (`<name>-<version>`) of the venv, the server's own and pip/setuptools excluded.
 * `python` ("X.Y", the venv's): pins whose python_version marker excludes it are not compared.
 */
export function pypiDependenciesLocked(pin: SetupPin | undefined, otherDists: readonly string[], python?: string): SupplyFinding {
  const ev: Evidence = { otherPackages: otherDists.length };
  const unlocked = (why: string) =>
    finding("dependencies-locked", "fail", `${otherDists.length} other packages in the virtualenv (${some(otherDists)}) ${why}`, ev);
  if (pin === undefined) return unlocked("were installed by no pip line of scripts/setup.sh that the scan found");
  ev.line = pin.line;
  const req = pin.requirements;
  if (req === undefined) return unlocked("were installed without version pins or hashes: pip took whatever the index served");
  ev.file = req.file;
  if ("error" in req) return unlocked(`are meant to be pinned by ${req.file}, which cannot be read: ${req.error}`);
  const { parsed } = req;
  ev.pins = parsed.pins.length;
  if (parsed.problems.length > 0)
    return finding("dependencies-locked", "fail", `${req.file} is not a complete lock: ${some(parsed.problems, 3)}`, {
      ...ev,
      problems: parsed.problems.length,
    });
  const byName = new Map<string, string[]>();
  for (const p of parsed.pins) {
    if (python === undefined || markerMayApply(p.marker, python)) byName.set(p.normalized, [...(byName.get(p.normalized) ?? []), p.version]);
  }
  if (python !== undefined) ev.python = python;
  const missing: string[] = [];
  const otherVersion: string[] = [];
  for (const dist of otherDists) {
    const cut = dist.indexOf("-");
    const [name, version] = [dist.slice(0, cut), dist.slice(cut + 1)];
    const pinned = byName.get(normalizeDistName(name));
    if (pinned === undefined) missing.push(`${name} ${version}`);
    else if (!pinned.includes(version)) otherVersion.push(`${name} ${version} (${req.file} pins ${pinned.join(" or ")})`);
  }
  ev.missing = missing.length;
  ev.otherVersion = otherVersion.length;
  if (missing.length > 0 || otherVersion.length > 0) {
    const parts = [
      missing.length > 0 ? `${missing.length} not pinned there${python === undefined ? "" : ` for Python ${python}`} (${some(missing)})` : "",
      otherVersion.length > 0 ? `${otherVersion.length} installed at another version (${some(otherVersion)})` : "",
    ].filter((p) => p !== "");
    return finding("dependencies-locked", "fail", `the virtualenv does not match ${req.file}: ${parts.join("; ")}`, ev);
  }
  const hashless = parsed.pins.filter((p) => p.hashes.length === 0).map((p) => p.name);
  const requireHashes = parsed.requireHashes || /--require-hashes/.test(pin.line);
  if (!requireHashes || hashless.length > 0) {
    const why = !requireHashes ? "pip is not told --require-hashes (on the line or in the file)" : `${hashless.length} pins carry no hash (${some(hashless)})`;
    return finding("dependencies-locked", "fail", `${req.file} pins every package of the virtualenv by version but not by hash: ${why}`, ev);
  }
  ev.hashes = parsed.pins.reduce((n, p) => n + p.hashes.length, 0);
  return finding(
    "dependencies-locked",
    "pass",
    `all ${otherDists.length} other packages of the virtualenv are pinned in ${req.file} at their installed version, with hashes pip required (--require-hashes)`,
    ev,
  );
}

type PypiVulnerability = NonNullable<PypiProject["vulnerabilities"]>[number];

function vulnerabilityIds(list: readonly PypiVulnerability[]): string[] {
  return list.map((v) => [v.id, ...(v.aliases ?? [])].filter(Boolean).join(" / "));
}

/**
 * Vulnerabilities PyPI lists for one installed release: from its per-release JSON, else from the
 * project JSON when the installed version is the latest (that field describes the latest only).
 */
export function pypiReleaseVulnerabilities(
  installed: string,
  release: Fetched<PypiProject>,
  project: Fetched<PypiProject> | undefined,
): { ok: true; ids: string[]; source: string } | { ok: false; reason: string } {
  if (release.ok && release.value.vulnerabilities !== undefined) return { ok: true, ids: vulnerabilityIds(release.value.vulnerabilities), source: release.url };
  const reasons = [release.ok ? `${release.url} has no vulnerabilities field` : release.reason];
  if (project !== undefined) {
    if (!project.ok) reasons.push(project.reason);
    else if (project.value.vulnerabilities === undefined) reasons.push(`${project.url} has no vulnerabilities field`);
    else if (project.value.info?.version !== installed)
      reasons.push(`${project.url} describes the latest release (${project.value.info?.version}), not ${installed}`);
    else return { ok: true, ids: vulnerabilityIds(project.value.vulnerabilities), source: project.url };
  }
  return { ok: false, reason: reasons.join("; ") };
}

export function pypiAdvisories(pkg: string, installed: string, result: ReturnType<typeof pypiReleaseVulnerabilities>): SupplyFinding {
  const ev: Evidence = { package: `${pkg}==${installed}` };
  if (!result.ok) return finding("advisories", "not_measured", `PyPI vulnerabilities unavailable: ${result.reason}`, ev);
  ev.source = result.source;
  ev.advisories = result.ids.length;
  return result.ids.length === 0
    ? finding("advisories", "pass", `PyPI lists no vulnerability for ${pkg} ${installed}`, ev)
    : finding("advisories", "fail", `PyPI lists ${result.ids.length} vulnerabilities for ${pkg} ${installed}: ${some(result.ids)}`, {
        ...ev,
        list: result.ids.map((id) => `${pkg}: ${id}`).join("\n"),
      });
}

export function pypiDependencyAdvisories(results: readonly { dist: string; result: ReturnType<typeof pypiReleaseVulnerabilities> }[]): SupplyFinding {
  const measured = results.filter((r) => r.result.ok);
  const hits = measured.flatMap((r) => (r.result.ok ? r.result.ids.map((id) => `${r.dist}: ${id}`) : []));
  const unmeasured = results.filter((r) => !r.result.ok);
  const ev: Evidence = { dependencies: results.length, measured: measured.length, advisories: hits.length };
  if (hits.length > 0)
    return finding("dependency-advisories", "fail", `${hits.length} vulnerabilities in dependencies: ${some(hits)}`, { ...ev, list: hits.join("\n") });
  if (unmeasured.length > 0) {
    const first = unmeasured[0]!.result;
    return finding(
      "dependency-advisories",
      "not_measured",
      `${unmeasured.length} of ${results.length} dependencies not measured (e.g. ${unmeasured[0]!.dist}: ${first.ok ? "" : first.reason}); none vulnerable among the ${measured.length} measured`,
      ev,
    );
  }
  return finding("dependency-advisories", "pass", `PyPI lists no vulnerability for the ${results.length} other packages of the virtualenv`, ev);
}

/** Hashes every member of a wheel with the venv's own Python (zipfile): no zip reader to write by hand. */
const HASH_WHEEL_PY = [
  "import hashlib, json, sys, zipfile",
  "z = zipfile.ZipFile(sys.argv[1])",
  "print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist() if not i.is_dir()}))",
].join("\n");

function sitePackages(venv: string): string | undefined {
  const lib = path.join(venv, "lib");
  if (!existsSync(lib)) return undefined;
  for (const entry of readdirSync(lib)) {
    const site = path.join(lib, entry, "site-packages");
    if (existsSync(site)) return site;
  }
  return undefined;
}

/** "X.Y" of the Python a venv was made with (its pyvenv.cfg), when it says. */
function venvPython(venv: string): string | undefined {
  const cfg = path.join(venv, "pyvenv.cfg");
  if (!existsSync(cfg)) return undefined;
  return /^version(?:_info)?\s*=\s*(\d+\.\d+)/m.exec(readFileSync(cfg, "utf8"))?.[1];
}

export interface PypiScanOptions {
  venv: string;
  setupText: string;
  /** The project root, where setup.sh runs: the requirements files its pip lines name are read from there. */
  root?: string;
  /** PyPI's base URL (its JSON API and PEP 740 endpoints); the mirror answers there on this machine. */
  index?: string;
}

export async function scanPypi(io: SupplyChainIo, def: Pick<ServerDefinition, "package" | "registry">, opts: PypiScanOptions): Promise<SupplyReport> {
  const pkg = def.package;
  const index = (opts.index ?? "https://pypi.org").replace(/\/+$/, "");
  const site = sitePackages(opts.venv);
  const normalized = pkg.replace(/[-_.]+/g, "_").toLowerCase();
  const distInfo = site === undefined ? undefined : readdirSync(site).find((d) => d.toLowerCase().startsWith(`${normalized}-`) && d.endsWith(".dist-info"));
  if (site === undefined || distInfo === undefined) throw new Error(`${pkg} is not installed in ${opts.venv}`);
  const version = distInfo.slice(normalized.length + 1, -".dist-info".length);
  const tags = readFileSync(path.join(site, distInfo, "WHEEL"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("Tag:"))
    .map((l) => l.slice(4).trim());

  const project = await fetchJson<PypiProject>(io, `${index}/pypi/${pkg}/json`);
  const findings: SupplyFinding[] = [];
  const ev: Evidence = { package: `${pkg}==${version}`, index: `${index}/pypi/${pkg}/json` };
  let wheelBytes: Fetched<Buffer> | undefined;
  let wheel: PypiFile | undefined;
  if (!project.ok) {
    findings.push(finding("registry-integrity", "not_measured", `PyPI JSON API unavailable: ${project.reason}`, ev));
    findings.push(finding("installed-files", "not_measured", `PyPI JSON API unavailable: ${project.reason}`, ev));
  } else {
    wheel = pickWheel(project.value.releases?.[version] ?? [], tags);
    if (wheel !== undefined) wheelBytes = await fetchBytes(io, wheel.url);
    const integrity = pypiRegistryIntegrity(wheel, wheelBytes, { ...ev });
    findings.push(integrity);
    if (integrity.status !== "pass" || wheelBytes === undefined || !wheelBytes.ok) {
      findings.push(finding("installed-files", "not_measured", `no wheel verified against PyPI to compare with (${integrity.detail})`, ev));
    } else {
      findings.push(await pypiInstalledFiles(io, opts.venv, site, distInfo, wheel!.filename, wheelBytes.value));
    }
  }

  const root = opts.root;
  const pin = pinFromSetup(opts.setupText, def, root === undefined ? undefined : (file) => readFileSync(path.resolve(root, file), "utf8"));
  findings.push(setupVersionPinned(pkg, pin, version, "pypi"));
  // pip and setuptools come with the venv itself (ensurepip, bundled with Python), not from the index.
  const others = readdirSync(site)
    .filter((d) => d.endsWith(".dist-info") && d !== distInfo && !/^(pip|setuptools)-/i.test(d))
    .map((d) => d.slice(0, -".dist-info".length));
  findings.push(pypiDependenciesLocked(pin, others, venvPython(opts.venv)));
  findings.push(
    finding(
      "install-scripts",
      "not_applicable",
      "the package is installed from a wheel, which runs no package code at install (an sdist's setup.py would); whether pip built a dependency from an sdist is not checked",
    ),
  );
  findings.push(
    finding("registry-signature", "not_applicable", "PyPI signs no files (PGP signatures were removed in 2023); PEP 740 provenance is the provenance check"),
  );
  if (wheel === undefined) findings.push(finding("provenance", "not_measured", "no wheel identified to ask PEP 740 provenance for"));
  else {
    const prov = await fetchJson<unknown>(io, `${index}/integrity/${pkg}/${version}/${wheel.filename}/provenance`);
    findings.push(
      prov.ok
        ? finding(
            "provenance",
            "not_measured",
            "PyPI serves a PEP 740 provenance, but verifying its Sigstore bundle needs Sigstore's trust root (TUF), which this module does not check",
            { url: prov.url },
          )
        : finding("provenance", "not_measured", `no PEP 740 provenance to verify: ${prov.reason}`),
    );
  }
  findings.push(
    pypiAdvisories(pkg, version, pypiReleaseVulnerabilities(version, await fetchJson<PypiProject>(io, `${index}/pypi/${pkg}/${version}/json`), project)),
  );
  // Per-release JSON only (a project JSON can weigh megabytes); a few at a time, one request each.
  const depResults: { dist: string; result: ReturnType<typeof pypiReleaseVulnerabilities> }[] = [];
  for (let i = 0; i < others.length; i += 4) {
    depResults.push(
      ...(await Promise.all(
        others.slice(i, i + 4).map(async (dist) => {
          const cut = dist.indexOf("-");
          const [name, ver] = [dist.slice(0, cut).replace(/_/g, "-"), dist.slice(cut + 1)];
          return {
            dist: `${name}==${ver}`,
            result: pypiReleaseVulnerabilities(ver, await fetchJson<PypiProject>(io, `${index}/pypi/${name}/${ver}/json`), undefined),
          };
        }),
      )),
    );
  }
  findings.push(pypiDependencyAdvisories(depResults));
  return { server: "", registry: "pypi", package: pkg, version, findings };
}

async function pypiInstalledFiles(io: SupplyChainIo, venv: string, site: string, distInfo: string, filename: string, bytes: Buffer): Promise<SupplyFinding> {
  const dir = await io.makeTempDir("supply");
  try {
    const file = path.join(dir, filename);
    writeFileSync(file, bytes);
    const res = await io.exec(path.join(venv, "bin", "python"), ["-c", HASH_WHEEL_PY, file]);
    if (res.exitCode !== 0) return finding("installed-files", "not_measured", `reading the wheel failed: ${res.stderr.trim().split("\n").at(-1) ?? ""}`);
    const members = JSON.parse(res.stdout) as Record<string, string>;
    const published = new Map<string, string>();
    let skipped = 0;
    for (const [member, hash] of Object.entries(members)) {
      // The installer writes its own RECORD; *.data/ members go to scripts/headers/... with rewritten paths.
      if (member === `${distInfo}/RECORD`) continue;
      const data = /^[^/]+\.data\/(purelib|platlib)\/(.+)$/.exec(member);
      if (data !== null) published.set(data[2]!, hash);
      else if (/^[^/]+\.data\//.test(member)) skipped += 1;
      else published.set(member, hash);
    }
    const installed = new Map<string, string>();
    for (const member of published.keys()) {
      const target = path.join(site, member);
      if (existsSync(target) && statSync(target).isFile()) installed.set(member, hashFile(target));
    }
    return installedFilesFinding(compareFiles(published, installed), filename, { site, notCompared: skipped });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- Go

/** The two lines a checksum-database lookup gives for module@version: its zip hash and its go.mod hash. */
export function parseSumdbLookup(text: string, module: string, version: string): { zip?: string; mod?: string } {
  const out: { zip?: string; mod?: string } = {};
  for (const line of text.split("\n")) {
    const [m, v, h] = line.trim().split(/\s+/);
    if (m !== module || h === undefined) continue;
    if (v === version) out.zip = h;
    else if (v === `${version}/go.mod`) out.mod = h;
  }
  return out;
}

/** `go version -m` dependency lines: `dep <path> <version> <h1>` (a `=>` replacement line follows a replaced one). */
export function parseBuildInfoDeps(text: string): { module: string; version: string; sum?: string }[] {
  const deps: { module: string; version: string; sum?: string }[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === "dep") deps.push({ module: fields[1]!, version: fields[2]!, sum: fields[3] });
    else if (fields[0] === "=>" && deps.length > 0) deps[deps.length - 1] = { module: fields[1]!, version: fields[2]!, sum: fields[3] };
  }
  return deps;
}

export function goModuleSum(module: string, version: string, ziphash: string | undefined, lookup: Fetched<string>): SupplyFinding {
  const ev: Evidence = { module: `${module}@${version}` };
  if (ziphash === undefined) return finding("registry-integrity", "not_measured", `the module cache holds no .ziphash for ${module}@${version}`, ev);
  ev.local = ziphash;
  if (!lookup.ok) return finding("registry-integrity", "not_measured", `checksum database unavailable: ${lookup.reason}`, ev);
  ev.lookup = lookup.url;
  const sum = parseSumdbLookup(lookup.value, module, version).zip;
  if (sum === undefined) return finding("registry-integrity", "fail", `the checksum database has no line for ${module} ${version}`, ev);
  ev.sumdb = sum;
  return sum === ziphash
    ? finding("registry-integrity", "pass", "the module cache's zip hash equals the checksum database's line", ev)
    : finding("registry-integrity", "fail", "the module cache's zip hash differs from the checksum database's line", ev);
}

export function goDependencySums(results: readonly { module: string; version: string; sum?: string; lookup: Fetched<string> }[]): SupplyFinding {
  const unreachable = results.filter((r) => !r.lookup.ok);
  const mismatched = results.filter((r) => {
    if (!r.lookup.ok) return false;
    return r.sum === undefined || parseSumdbLookup(r.lookup.value, r.module, r.version).zip !== r.sum;
  });
  const ev: Evidence = { dependencies: results.length, mismatched: mismatched.length, unreachable: unreachable.length };
  if (mismatched.length > 0) {
    return finding(
      "dependencies-locked",
      "fail",
      `${mismatched.length} dependencies' h1 in the binary differ from (or are missing in) the checksum database: ${some(mismatched.map((r) => `${r.module}@${r.version}`))}`,
      ev,
    );
  }
  if (unreachable.length > 0) {
    const first = unreachable[0]!.lookup;
    return finding(
      "dependencies-locked",
      "not_measured",
      `${unreachable.length} of ${results.length} lookups failed, e.g. ${first.ok ? "" : first.reason}`,
      ev,
    );
  }
  if (results.length === 0) return finding("dependencies-locked", "not_measured", "the binary's build info lists no dependencies", ev);
  return finding("dependencies-locked", "pass", `all ${results.length} dependencies built into the binary have h1 hashes equal to the checksum database's`, ev);
}

/** `go mod verify` in the module's tree: "all modules verified", or "dir has been modified" / a mismatch (fail); anything else (a network error fetching a missing dependency) proves nothing. */
export function goModVerifyFinding(moduleDir: string, verify: ExecResult): SupplyFinding {
  const out = `${verify.stdout}${verify.stderr}`.trim();
  const ev: Evidence = { moduleDir, exitCode: verify.exitCode, output: some(out.split("\n"), 5) };
  if (verify.exitCode === 0 && /all modules verified/.test(out)) {
    return finding(
      "installed-files",
      "pass",
      "go mod verify: the module tree and its dependencies in the module cache are unmodified since download (the binary itself records (devel) and is not tied to them)",
      ev,
    );
  }
  if (/has been modified|checksum mismatch|SECURITY ERROR/.test(out))
    return finding("installed-files", "fail", `go mod verify in ${moduleDir}: ${some(out.split("\n"), 3)}`, ev);
  return finding("installed-files", "not_measured", `go mod verify in ${moduleDir} did not verify: ${lastLine(out)}`, ev);
}

export interface GoDownload {
  exitCode: number;
  /** `Sum` of go mod download -json, when it printed one. */
  sum?: string;
  /** Its `Error`, or its stderr. */
  error: string;
  /** The throwaway cache holds the database's lookups: go did consult it. */
  consulted: boolean;
}

export function goSumdbFinding(module: string, version: string, db: string, ziphash: string | undefined, download: GoDownload): SupplyFinding {
  const ev: Evidence = { module: `${module}@${version}`, sumdb: db, consulted: download.consulted };
  if (download.sum !== undefined) ev.verifiedSum = download.sum;
  if (ziphash !== undefined) ev.local = ziphash;
  if (download.exitCode !== 0) {
    // go's wording for a hash the database contradicts ("checksum mismatch ... SECURITY ERROR"); an
    // unreachable database is also "verifying module: ...: reading <url>: ...", which proves nothing.
    const contradicted = /SECURITY ERROR|checksum mismatch/.test(download.error);
    return finding("registry-signature", contradicted ? "fail" : "not_measured", `go mod download against ${db}: ${lastLine(download.error)}`, ev);
  }
  if (!download.consulted) return finding("registry-signature", "not_measured", `go did not consult ${db} (no lookup in the throwaway cache)`, ev);
  if (ziphash === undefined) return finding("registry-signature", "not_measured", "no local .ziphash to compare with the verified sum", ev);
  return download.sum === ziphash
    ? finding(
        "registry-signature",
        "pass",
        `go verified ${module}@${version} against ${db} (signed tree head, inclusion proof) and its sum equals the module cache's`,
        ev,
      )
    : finding("registry-signature", "fail", `the sum go verified against ${db} differs from the module cache's .ziphash`, ev);
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}

/** One module, downloaded into a temporary module cache that is removed afterwards (go makes it read-only: `go clean -modcache` first). */
async function goSumdbVerify(io: SupplyChainIo, module: string, version: string, db: string, ziphash: string | undefined): Promise<SupplyFinding> {
  const dir = await io.makeTempDir("supply-go");
  const env = { GOMODCACHE: path.join(dir, "mod"), GOFLAGS: "-mod=mod", GOSUMDB: db, GONOSUMDB: "", GONOSUMCHECK: "", GOPRIVATE: "", GOINSECURE: "" };
  try {
    const work = path.join(dir, "work");
    mkdirSync(work);
    const res = await io.exec("go", ["mod", "download", "-json", `${module}@${version}`], { cwd: work, env });
    let parsed: { Sum?: string; Error?: string } = {};
    try {
      parsed = JSON.parse(res.stdout) as typeof parsed;
    } catch {
      // no JSON (go failed before printing it): stderr says why
    }
    const consulted = existsSync(path.join(dir, "mod", "cache", "download", "sumdb", db, "lookup"));
    return goSumdbFinding(module, version, db, ziphash, { exitCode: res.exitCode, sum: parsed.Sum, error: parsed.Error ?? res.stderr, consulted });
  } finally {
    await io.exec("go", ["clean", "-modcache"], { env });
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface GoScanOptions {
  binary: string;
  version: string;
  setupText: string;
}

async function goEnv(io: SupplyChainIo, name: string): Promise<string> {
  const res = await io.exec("go", ["env", name]);
  return res.exitCode === 0 ? res.stdout.trim() : "";
}

/** Go escapes upper-case letters in module paths of the proxy and cache as "!" + lower case. */
export function escapeModulePath(module: string): string {
  return module.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

export async function scanGo(io: SupplyChainIo, def: Pick<ServerDefinition, "package" | "registry">, opts: GoScanOptions): Promise<SupplyReport> {
  const module = def.package;
  const version = opts.version;
  const [proxyList, sumdbName, modCache] = await Promise.all([goEnv(io, "GOPROXY"), goEnv(io, "GOSUMDB"), goEnv(io, "GOMODCACHE")]);
  const proxy = proxyList
    .split(/[,|]/)
    .find((p) => /^https?:\/\//.test(p))
    ?.replace(/\/+$/, "");
  const db = sumdbName.split(/\s+/)[0] || "sum.golang.org";
  const lookup = async (m: string, v: string): Promise<Fetched<string>> => {
    if (proxy === undefined) return { ok: false, url: "", reason: `GOPROXY (${proxyList || "unset"}) names no proxy to reach the checksum database through` };
    const url = `${proxy}/sumdb/${db}/lookup/${escapeModulePath(m)}@${escapeModulePath(v)}`;
    try {
      const res = await io.fetch(url);
      return res.ok ? { ok: true, url, value: await res.text() } : { ok: false, url, reason: `GET ${url} -> HTTP ${res.status}` };
    } catch (error) {
      return { ok: false, url, reason: `GET ${url} failed: ${describeError(error)}` };
    }
  };

  const cacheDir = modCache === "" ? undefined : path.join(modCache, "cache", "download", escapeModulePath(module), "@v");
  const ziphashFile = cacheDir === undefined ? undefined : path.join(cacheDir, `${escapeModulePath(version)}.ziphash`);
  const ziphash = ziphashFile !== undefined && existsSync(ziphashFile) ? readFileSync(ziphashFile, "utf8").trim() : undefined;
  const findings: SupplyFinding[] = [goModuleSum(module, version, ziphash, await lookup(module, version))];

  const moduleDir = modCache === "" ? undefined : path.join(modCache, `${escapeModulePath(module)}@${escapeModulePath(version)}`);
  if (moduleDir === undefined || !existsSync(moduleDir)) {
    findings.push(finding("installed-files", "not_measured", `the module's source tree is not in the module cache (${moduleDir ?? "GOMODCACHE unknown"})`));
  } else {
    const verify = await io.exec("go", ["mod", "verify"], { cwd: moduleDir, env: { GOFLAGS: "-mod=mod" } });
    findings.push(goModVerifyFinding(moduleDir, verify));
  }

  findings.push(setupVersionPinned(module, pinFromSetup(opts.setupText, def), version, "go"));
  const buildInfo = await io.exec("go", ["version", "-m", opts.binary]);
  if (buildInfo.exitCode !== 0)
    findings.push(finding("dependencies-locked", "not_measured", `go version -m ${opts.binary} failed: ${buildInfo.stderr.trim()}`));
  else {
    // Bounded: one lookup per dependency of one binary (tens), a few at a time, each with its own deadline.
    const deps = parseBuildInfoDeps(buildInfo.stdout);
    const results: { module: string; version: string; sum?: string; lookup: Fetched<string> }[] = [];
    for (let i = 0; i < deps.length; i += 4) {
      results.push(...(await Promise.all(deps.slice(i, i + 4).map(async (d) => ({ ...d, lookup: await lookup(d.module, d.version) })))));
    }
    findings.push(goDependencySums(results));
  }
  findings.push(
    finding("install-scripts", "not_applicable", "building a Go module runs no code of the module (no install hooks; go generate is not run by go install)"),
  );
  findings.push(
    sumdbName === "off"
      ? finding("registry-signature", "not_measured", "GOSUMDB=off: no checksum database to verify against")
      : await goSumdbVerify(io, module, version, db, ziphash),
  );
  findings.push(finding("provenance", "not_applicable", "Go modules carry no provenance attestation; the checksum database is their transparency log"));
  const govulncheck =
    "govulncheck needs vuln.go.dev or a database built from golang.org/x/vulndb through the module proxy (building both tools takes ~2.5 min once): setup ships neither yet";
  findings.push(finding("advisories", "not_measured", govulncheck));
  findings.push(finding("dependency-advisories", "not_measured", govulncheck));
  return { server: "", registry: "go", package: module, version, findings };
}

// ---------------------------------------------------------------- one catalog server

export interface ScanOptions {
  /** The project root: its package.json, package-lock.json, node_modules, scripts/setup.sh, .tools. */
  root: string;
  io?: SupplyChainIo;
}

/** Every supply-chain check of one server, by its install kind. A custom server has no registry: one not_applicable finding per check. */
export async function scanSupplyChain(def: ServerDefinition, opts: ScanOptions): Promise<SupplyReport> {
  const io = opts.io ?? realIo;
  const registry = def.package === "custom" ? "custom" : (def.registry ?? "npm");
  let report: SupplyReport;
  try {
    report = await scanByRegistry(def, registry, opts.root, io);
  } catch (error) {
    throw new HarnessError("environment", `supply chain of ${def.name} (${def.package}): ${describeError(error)}`, {
      hint: "is it installed? run bash scripts/setup.sh",
      cause: error,
    });
  }
  return SupplyReportSchema.parse({ ...report, server: def.name });
}

async function scanByRegistry(def: ServerDefinition, registry: SupplyReport["registry"], root: string, io: SupplyChainIo): Promise<SupplyReport> {
  let report: SupplyReport;
  if (registry === "custom") {
    report = {
      server: def.name,
      registry,
      package: def.package,
      version: "",
      findings: SUPPLY_CHECKS.map((check) => finding(check, "not_applicable", "a custom server of a scenario comes from no registry the harness knows")),
    };
  } else if (registry === "npm") {
    report = await scanNpm(io, def.package, root);
  } else {
    const setupText = readFileSync(path.join(root, "scripts", "setup.sh"), "utf8");
    if (registry === "pypi") {
      const venv = path.dirname(path.dirname(def.command.replace("{{tools}}", path.join(root, ".tools"))));
      report = await scanPypi(io, def, { venv, setupText, root });
    } else {
      const version = def.installedVersion?.() ?? "";
      report = await scanGo(io, def, { binary: def.command.replace("{{tools}}", path.join(root, ".tools")), version, setupText });
    }
  }
  return report;
}
