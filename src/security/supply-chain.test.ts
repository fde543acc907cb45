import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../project-root.js";
import {
  compareFiles,
  escapeModulePath,
  type ExecResult,
  type Fetched,
  fetchJson,
  goDependencySums,
  goModuleSum,
  goModVerifyFinding,
  goSumdbFinding,
  installedFilesFinding,
  installScriptFacts,
  lockClosure,
  type NpmDist,
  npmAdvisories,
  npmAuditBody,
  npmDependenciesLocked,
  npmInstallScripts,
  npmProvenance,
  npmRegistryIntegrity,
  npmRegistrySignature,
  npmVersionPinned,
  type PackageLock,
  packumentUrl,
  parseBuildInfoDeps,
  parseSumdbLookup,
  pickWheel,
  pinFromSetup,
  pypiAdvisories,
  pypiDependenciesLocked,
  pypiDependencyAdvisories,
  pypiRegistryIntegrity,
  pypiReleaseVulnerabilities,
  resolveInLock,
  SUPPLY_CHECKS,
  type SupplyChainIo,
  scanGo,
  scanSupplyChain,
  setupVersionPinned,
  sriCompare,
  sriOf,
  sriSha512,
  withoutCredentials,
} from "./supply-chain.js";

const INTEGRITY = "sha512-AAAA";
const ok = <T>(value: T, url = "https://registry.example/x"): Fetched<T> => ({ ok: true, url, value });
const refused = (reason: string): Fetched<never> => ({ ok: false, url: "https://registry.example/x", reason });

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "supply-test-"));
  temps.push(dir);
  return dir;
}
const makeTempDir = async (): Promise<string> => tempDir();
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("npm registry integrity", () => {
  const lock = { version: "1.0.0", integrity: INTEGRITY };
  it("passes when the lock and the registry agree, and records both", () => {
    const f = npmRegistryIntegrity("p", "1.0.0", lock, ok<NpmDist>({ integrity: INTEGRITY }));
    expect(f).toMatchObject({ check: "registry-integrity", status: "pass", evidence: { lock: INTEGRITY, registry: INTEGRITY } });
  });
  it("fails when they differ", () => {
    expect(npmRegistryIntegrity("p", "1.0.0", lock, ok<NpmDist>({ integrity: "sha512-BBBB" })).status).toBe("fail");
  });
  it("fails without a lock entry or with a lock at another version", () => {
    expect(npmRegistryIntegrity("p", "1.0.0", undefined, ok<NpmDist>({ integrity: INTEGRITY })).detail).toMatch(/no integrity for node_modules\/p/);
    expect(npmRegistryIntegrity("p", "1.0.1", lock, ok<NpmDist>({ integrity: INTEGRITY })).detail).toMatch(/locks p at 1.0.0, installed is 1.0.1/);
  });
  it("is not measured, with the exact reason, when the registry cannot be asked", () => {
    const f = npmRegistryIntegrity("p", "1.0.0", lock, refused("GET https://registry.example/p -> HTTP 503"));
    expect(f.status).toBe("not_measured");
    expect(f.detail).toContain("HTTP 503");
    expect(npmRegistryIntegrity("p", "1.0.0", lock, ok<NpmDist | undefined>(undefined)).status).toBe("not_measured");
  });
  it("escapes a scoped name's slash in the packument URL", () => {
    expect(packumentUrl("https://r.example/", "@scope/name")).toBe("https://r.example/@scope%2fname");
  });
  it("compares integrity in the strongest algorithm both name, and says when they share none", () => {
    const bytes = Buffer.from("tarball");
    const sha512 = sriSha512(bytes);
    const sha1 = sriOf(bytes, "sha1-x")!;
    expect(sha1).toMatch(/^sha1-/);
    expect(sriCompare(sha512, `${sha1} ${sha512}`)).toBe(true);
    expect(sriCompare(sha512, "sha512-other")).toBe(false);
    expect(sriCompare(sha1, sha512)).toBeUndefined();
    expect(npmRegistryIntegrity("p", "1.0.0", { version: "1.0.0", integrity: sha1 }, ok<NpmDist>({ integrity: sha512 })).status).toBe("not_measured");
    expect(sriOf(bytes, "md5-x")).toBeUndefined();
  });
  it("writes integrity as npm does", () => {
    // sha512 of "" is a known constant.
    expect(sriSha512(Buffer.alloc(0))).toBe("sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==");
  });
});

describe("npm version pinning", () => {
  it("passes only for one exact version equal to the installed one", () => {
    expect(npmVersionPinned("p", "1.2.3", "1.2.3").status).toBe("pass");
    expect(npmVersionPinned("p", "1.2.3-rc.1", "1.2.3-rc.1").status).toBe("pass");
    for (const range of ["^1.2.3", "~1.2.3", "1.x", "latest", ">=1.2.3", "*", "1.2"]) expect(npmVersionPinned("p", range, "1.2.3").status, range).toBe("fail");
    expect(npmVersionPinned("p", "1.2.3", "1.2.4").detail).toMatch(/installed is 1.2.4/);
    expect(npmVersionPinned("p", undefined, "1.2.3").detail).toMatch(/not a dependency/);
  });
});

describe("npm lock closure", () => {
  const lock: PackageLock = {
    packages: {
      "": { dependencies: { top: "1.0.0" } },
      "node_modules/top": { version: "1.0.0", integrity: INTEGRITY, dependencies: { a: "^1", "@s/b": "^2" }, optionalDependencies: { gone: "1" } },
      "node_modules/top/node_modules/a": { version: "1.5.0", integrity: INTEGRITY, dependencies: { top: "1.0.0" } },
      "node_modules/a": { version: "0.1.0", integrity: INTEGRITY },
      "node_modules/@s/b": { version: "2.0.0", dependencies: { missing: "1" }, peerDependencies: { p: "1" }, peerDependenciesMeta: { p: { optional: true } } },
    },
  };
  it("resolves like Node: the nested copy first, then up to the root", () => {
    expect(resolveInLock(lock, "node_modules/top", "a")).toBe("node_modules/top/node_modules/a");
    expect(resolveInLock(lock, "node_modules/@s/b", "a")).toBe("node_modules/a");
    expect(resolveInLock(lock, "node_modules/top/node_modules/a", "@s/b")).toBe("node_modules/@s/b");
    expect(resolveInLock(lock, "node_modules/top", "nope")).toBeUndefined();
  });
  it("walks dependencies once each (a cycle ends), reports required ones missing, ignores optional ones", () => {
    const closure = lockClosure(lock, "top");
    expect(closure.entries.map((e) => e.location).sort()).toEqual(["node_modules/@s/b", "node_modules/top", "node_modules/top/node_modules/a"]);
    expect(closure.unresolved).toEqual(["missing (required by @s/b)"]);
    const locked = npmDependenciesLocked(closure);
    expect(locked.status).toBe("fail");
    expect(locked.detail).toMatch(/lacks required dependencies: missing/);
  });
  it("fails a closure entry without integrity, passes a fully hashed one", () => {
    const noHash = npmDependenciesLocked({ entries: lockClosure(lock, "top").entries, unresolved: [] });
    expect(noHash.status).toBe("fail");
    expect(noHash.detail).toMatch(/1 of 3 .*node_modules\/@s\/b/);
    expect(npmDependenciesLocked(lockClosure(lock, "a")).status).toBe("pass");
  });
  it("sends each name once with every installed version", () => {
    const body = npmAuditBody([
      { location: "node_modules/a", name: "a", entry: { version: "1.0.0" } },
      { location: "node_modules/x/node_modules/a", name: "a", entry: { version: "2.0.0" } },
      { location: "node_modules/y/node_modules/a", name: "a", entry: { version: "2.0.0" } },
    ]);
    expect(body).toEqual({ a: ["1.0.0", "2.0.0"] });
  });
});

describe("npm install scripts", () => {
  it("fails a script the lock does not declare, lists declared ones, passes none", () => {
    expect(npmInstallScripts([{ location: "node_modules/x", declared: false, actual: true }]).status).toBe("fail");
    const declared = npmInstallScripts([
      { location: "node_modules/tldjs", declared: true, actual: true },
      { location: "node_modules/y", declared: false, actual: false },
    ]);
    expect(declared).toMatchObject({ status: "pass", evidence: { declared: "node_modules/tldjs" } });
    expect(npmInstallScripts([{ location: "node_modules/y", declared: false, actual: false }]).detail).toMatch(/no package/);
  });
  it("reads scripts and binding.gyp from the installed packages", () => {
    const root = tempDir();
    const at = (loc: string, files: Record<string, string>): void => {
      mkdirSync(path.join(root, loc), { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, loc, name), text);
    };
    at("node_modules/post", { "package.json": JSON.stringify({ scripts: { postinstall: "node x.js" } }) });
    at("node_modules/gyp", { "package.json": "{}", "binding.gyp": "{}" });
    at("node_modules/test-only", { "package.json": JSON.stringify({ scripts: { test: "x", prepare: "y" } }) });
    const facts = installScriptFacts(root, [
      { location: "node_modules/post", name: "post", entry: { hasInstallScript: true } },
      { location: "node_modules/gyp", name: "gyp", entry: {} },
      { location: "node_modules/test-only", name: "test-only", entry: {} },
      { location: "node_modules/not-installed", name: "not-installed", entry: {} },
    ]);
    expect(facts.map((f) => [f.location, f.declared, f.actual])).toEqual([
      ["node_modules/post", true, true],
      ["node_modules/gyp", false, true],
      ["node_modules/test-only", false, false],
      ["node_modules/not-installed", false, false],
    ]);
  });
});

describe("npm registry signature", () => {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const keys = ok({ keys: [{ keyid: "SHA256:k1", key: publicKey.export({ format: "der", type: "spki" }).toString("base64") }] });
  const sigOver = (message: string): string => sign("sha256", Buffer.from(message), privateKey).toString("base64");

  it("passes a signature that verifies over name@version:integrity", () => {
    const dist = ok<NpmDist>({ integrity: INTEGRITY, signatures: [{ keyid: "SHA256:k1", sig: sigOver(`p@1.0.0:${INTEGRITY}`) }] });
    expect(npmRegistrySignature("p", "1.0.0", dist, keys)).toMatchObject({ status: "pass", evidence: { keyid: "SHA256:k1" } });
  });
  it("fails a signature over other content, or by a key the registry does not list", () => {
    const wrong = ok<NpmDist>({ integrity: INTEGRITY, signatures: [{ keyid: "SHA256:k1", sig: sigOver(`p@1.0.0:sha512-other`) }] });
    expect(npmRegistrySignature("p", "1.0.0", wrong, keys).status).toBe("fail");
    const unknown = ok<NpmDist>({ integrity: INTEGRITY, signatures: [{ keyid: "SHA256:k9", sig: sigOver(`p@1.0.0:${INTEGRITY}`) }] });
    expect(npmRegistrySignature("p", "1.0.0", unknown, keys).detail).toMatch(/no signature is by a key the registry lists/);
  });
  it("is not measured, never pass, when the registry has no signatures or no keys, and says both", () => {
    const f = npmRegistrySignature("p", "1.0.0", ok<NpmDist>({ integrity: INTEGRITY }), refused("GET https://registry.example/-/npm/v1/keys -> HTTP 404"));
    expect(f.status).toBe("not_measured");
    expect(f.detail).toMatch(/no dist.signatures.*HTTP 404/);
  });
});

describe("npm provenance", () => {
  it("is never a pass: present attestations are not verified here, absent ones are not measured with the reasons", () => {
    const present = npmProvenance("p", "1", ok<NpmDist>({ attestations: { url: "https://r/att" } }), refused("x"));
    expect(present.status).toBe("not_measured");
    expect(present.detail).toMatch(/Sigstore/);
    const absent = npmProvenance("p", "1", ok<NpmDist>({}), refused("GET https://r/-/npm/v1/attestations/p@1 -> HTTP 404"));
    expect(absent.status).toBe("not_measured");
    expect(absent.detail).toMatch(/dist.attestations absent.*HTTP 404/);
  });
});

describe("npm advisories", () => {
  it("are both not measured when the bulk endpoint refuses", () => {
    const [own, deps] = npmAdvisories("p", 10, refused("POST https://r/-/npm/v1/security/advisories/bulk -> HTTP 405"));
    expect([own.status, deps.status]).toEqual(["not_measured", "not_measured"]);
    expect(own.detail).toContain("HTTP 405");
    expect(deps.check).toBe("dependency-advisories");
  });
  it("split the answer between the package and its dependencies", () => {
    const [own, deps] = npmAdvisories("p", 3, ok({ dep: [{ id: 1, title: "Prototype pollution", severity: "high" }] }));
    expect(own.status).toBe("pass");
    expect(deps).toMatchObject({ status: "fail", evidence: { advisories: 1 } });
    expect(deps.detail).toContain("dep: high Prototype pollution");
    expect(npmAdvisories("p", 3, ok({ p: [{ id: 7, severity: "critical" }] }))[0].status).toBe("fail");
  });
});

describe("installed files", () => {
  const published = new Map([
    ["a.js", "h1"],
    ["b.js", "h2"],
  ]);
  it("fails a changed or missing file, naming it", () => {
    const changed = installedFilesFinding(
      compareFiles(
        published,
        new Map([
          ["a.js", "h1"],
          ["b.js", "hX"],
        ]),
      ),
      "the tarball",
      {},
    );
    expect(changed).toMatchObject({ status: "fail", evidence: { differ: 1, same: 1 } });
    expect(changed.detail).toContain("b.js");
    expect(installedFilesFinding(compareFiles(published, new Map([["a.js", "h1"]])), "t", {}).detail).toMatch(/1 missing \(b.js\)/);
  });
  it("passes identical files and lists files the package does not hold", () => {
    const f = installedFilesFinding(
      compareFiles(
        published,
        new Map([
          ["a.js", "h1"],
          ["b.js", "h2"],
          ["c.js", "h3"],
        ]),
      ),
      "t",
      {},
    );
    expect(f).toMatchObject({ status: "pass", evidence: { same: 2, extra: 1 } });
    expect(f.detail).toContain("c.js");
  });
  it("fails an empty package rather than passing nothing", () => {
    expect(installedFilesFinding(compareFiles(new Map(), new Map()), "t", {}).status).toBe("fail");
  });
});

describe("PyPI", () => {
  const wheel = (filename: string) => ({ filename, url: `https://files.example/${filename}`, digests: { sha256: "abc" } });
  it("picks the wheel whose tags include an installed WHEEL tag, expanding compressed tag sets", () => {
    const files = [wheel("x-1.0.tar.gz"), wheel("x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"), wheel("x-1.0-py2.py3-none-any.whl")];
    expect(pickWheel(files, ["py3-none-any"])?.filename).toBe("x-1.0-py2.py3-none-any.whl");
    expect(pickWheel(files, ["cp311-cp311-manylinux_2_17_x86_64"])?.filename).toBe("x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl");
    expect(pickWheel(files, ["cp312-cp312-win_amd64"])).toBeUndefined();
  });
  it("compares the downloaded wheel's sha256 with PyPI's digest", () => {
    const bytes = Buffer.from("wheel bytes");
    const sha = createHash("sha256").update(bytes).digest("hex");
    expect(pypiRegistryIntegrity({ ...wheel("x.whl"), digests: { sha256: sha } }, ok(bytes), {}).status).toBe("pass");
    expect(pypiRegistryIntegrity({ ...wheel("x.whl"), digests: { sha256: "0".repeat(64) } }, ok(bytes), {}).status).toBe("fail");
    expect(pypiRegistryIntegrity(undefined, undefined, {}).status).toBe("not_measured");
    expect(pypiRegistryIntegrity(wheel("x.whl"), refused("GET x -> HTTP 404"), {}).detail).toContain("HTTP 404");
  });
  describe("dependencies locked by a requirements file", () => {
    const sha = (c: string) => `sha256:${c.repeat(64)}`;
    const lockText = [
      "# a lock",
      `x==1.0 --hash=${sha("0")}`,
      `typing-extensions==4.16.0 \\\n    --hash=${sha("1")} \\\n    --hash=${sha("2")}`,
      `py-jwt==2.15.1 --hash=${sha("3")}`,
      `exceptiongroup==1.3.0 ; python_version < "3.11" --hash=${sha("4")}`,
    ].join("\n");
    const line = '"$venv/bin/python" -m pip install --quiet --require-hashes --no-deps -r "$req"';
    const setup = (text: string, pipLine = line) =>
      pinFromSetup(`req=scripts/requirements/x.txt\n${pipLine}\n`, { package: "x", registry: "pypi" }, (file) => {
        if (file !== "scripts/requirements/x.txt") throw new Error(`ENOENT: no such file, open '${file}'`);
        return text;
      });
    // dist-info names as the venv has them: underscores, the installer's case.
    const venv = ["typing_extensions-4.16.0", "PY_JWT-2.15.1"];

    it("passes when --require-hashes and the file pins every other venv package at its installed version", () => {
      const pin = setup(lockText);
      expect(pin).toMatchObject({ spec: "==1.0", requirements: { file: "scripts/requirements/x.txt" } });
      const f = pypiDependenciesLocked(pin, venv);
      expect(f.status, f.detail).toBe("pass");
      expect(f.evidence).toMatchObject({ otherPackages: 2, pins: 4, missing: 0, otherVersion: 0, hashes: 5, file: "scripts/requirements/x.txt" });
      expect(setupVersionPinned("x", pin, "1.0", "pypi").status).toBe("pass");
      expect(setupVersionPinned("x", pin, "1.1", "pypi").detail).toMatch(/pins x 1.0, installed is 1.1/);
    });
    it("fails naming a venv package the file does not pin", () => {
      const f = pypiDependenciesLocked(setup(lockText), [...venv, "numpy-2.4.6"]);
      expect(f.status).toBe("fail");
      expect(f.detail).toMatch(/1 not pinned there \(numpy 2.4.6\)/);
      expect(f.evidence).toMatchObject({ missing: 1, otherVersion: 0 });
    });
    it("fails naming a venv package installed at another version than the file pins", () => {
      const f = pypiDependenciesLocked(setup(lockText), ["typing_extensions-4.15.0", "PY_JWT-2.15.1"]);
      expect(f.status).toBe("fail");
      expect(f.detail).toMatch(/1 installed at another version \(typing_extensions 4.15.0 \(scripts\/requirements\/x.txt pins 4.16.0\)\)/);
      expect(f.evidence).toMatchObject({ missing: 0, otherVersion: 1 });
    });
    it("fails a lock pip is not told to check hashes of, or with a pin that has none", () => {
      const noFlag = pypiDependenciesLocked(setup(lockText, 'pip install --no-deps -r "$req"'), venv);
      expect(noFlag.status).toBe("fail");
      expect(noFlag.detail).toMatch(/not by hash: pip is not told --require-hashes/);
      // --require-hashes inside the file counts like on the line.
      expect(pypiDependenciesLocked(setup(`--require-hashes\n${lockText}`, 'pip install --no-deps -r "$req"'), venv).status).toBe("pass");
      const hashless = pypiDependenciesLocked(setup(lockText.replace(`py-jwt==2.15.1 --hash=${sha("3")}`, "py-jwt==2.15.1")), venv);
      expect(hashless.detail).toMatch(/1 pins carry no hash \(py-jwt\)/);
    });
    it("fails a file with lines it cannot take as pins, and an unreadable one, naming the file", () => {
      const loose = pypiDependenciesLocked(setup(`${lockText}\nrequests>=2 --hash=${sha("5")}`), venv);
      expect(loose.status).toBe("fail");
      expect(loose.detail).toMatch(/scripts\/requirements\/x.txt is not a complete lock: scripts\/requirements\/x.txt:\d+: "requests>=2" is not an exact pin/);
      const gone = pinFromSetup("pip install --require-hashes -r scripts/requirements/x-lock.txt\n", { package: "x", registry: "pypi" }, () => {
        throw new Error("ENOENT: no such file");
      });
      expect(gone?.requirements).toEqual({ file: "scripts/requirements/x-lock.txt", error: "ENOENT: no such file" });
      expect(pypiDependenciesLocked(gone, venv).detail).toMatch(/pinned by scripts\/requirements\/x-lock.txt, which cannot be read: ENOENT/);
      expect(setupVersionPinned("x", gone, "1.0", "pypi").status).toBe("fail");
      // A requirements file that neither pins the package nor is named after it is another package's.
      expect(pinFromSetup("pip install -r other.txt\n", { package: "x", registry: "pypi" }, () => "y==1 --hash=sha256:00\n")).toBeUndefined();
    });
    it("compares only the pins whose python_version marker holds for the venv's Python", () => {
      const forked = `${lockText}\nnumpy==2.2.6 ; python_version < "3.11" --hash=${sha("6")}\nnumpy==2.4.6 ; python_version >= "3.11" --hash=${sha("7")}`;
      const pin = setup(forked);
      expect(pypiDependenciesLocked(pin, [...venv, "numpy-2.4.6"], "3.11").status).toBe("pass");
      expect(pypiDependenciesLocked(pin, [...venv, "numpy-2.2.6", "exceptiongroup-1.3.0"], "3.10").status).toBe("pass");
      const wrongFork = pypiDependenciesLocked(pin, [...venv, "numpy-2.2.6"], "3.12");
      expect(wrongFork.status).toBe("fail");
      expect(wrongFork.detail).toMatch(/numpy 2.2.6 \(scripts\/requirements\/x.txt pins 2.4.6\)/);
      const notForThisPython = pypiDependenciesLocked(pin, [...venv, "numpy-2.4.6", "exceptiongroup-1.3.0"], "3.13");
      expect(notForThisPython.detail).toMatch(/1 not pinned there for Python 3.13 \(exceptiongroup 1.3.0\)/);
    });
    it("fails an unlocked pip line as before", () => {
      const f = pypiDependenciesLocked({ spec: "==1", line: 'pip install --quiet "x==$v"' }, ["a-1", "b-2"]);
      expect(f).toMatchObject({ status: "fail", evidence: { otherPackages: 2 } });
      expect(f.detail).toMatch(/without version pins or hashes/);
      expect(pypiDependenciesLocked(undefined, ["a-1"]).status).toBe("fail");
    });
  });
  it("takes vulnerabilities from the per-release JSON, else from the project JSON only for the latest release", () => {
    const perRelease = pypiReleaseVulnerabilities("1.0", ok({ vulnerabilities: [{ id: "PYSEC-1", aliases: ["CVE-1"] }] }), undefined);
    expect(perRelease).toMatchObject({ ok: true, ids: ["PYSEC-1 / CVE-1"] });
    expect(pypiAdvisories("x", "1.0", perRelease).status).toBe("fail");
    const latest = pypiReleaseVulnerabilities("1.0", refused("GET r -> HTTP 404"), ok({ info: { version: "1.0" }, vulnerabilities: [] }));
    expect(pypiAdvisories("x", "1.0", latest).status).toBe("pass");
    const older = pypiReleaseVulnerabilities("0.9", refused("GET r -> HTTP 404"), ok({ info: { version: "1.0" }, vulnerabilities: [] }));
    const f = pypiAdvisories("x", "0.9", older);
    expect(f.status).toBe("not_measured");
    expect(f.detail).toMatch(/HTTP 404.*latest release \(1.0\), not 0.9/);
  });
  it("judges dependencies: any hit fails, any unmeasured one leaves it not measured", () => {
    const clean = { ok: true as const, ids: [], source: "s" };
    expect(pypiDependencyAdvisories([{ dist: "a==1", result: clean }]).status).toBe("pass");
    expect(
      pypiDependencyAdvisories([
        { dist: "a==1", result: clean },
        { dist: "b==2", result: { ok: false, reason: "HTTP 404" } },
      ]).status,
    ).toBe("not_measured");
    expect(
      pypiDependencyAdvisories([
        { dist: "a==1", result: { ok: true, ids: ["GHSA-1"], source: "s" } },
        { dist: "b==2", result: { ok: false, reason: "HTTP 404" } },
      ]).status,
    ).toBe("fail");
  });
});

describe("pins in scripts/setup.sh", () => {
  const setup = readFileSync(path.join(PROJECT_ROOT, "scripts", "setup.sh"), "utf8");
  const readFromRoot = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), "utf8");
  it("finds this project's real pins of the PyPI and Go servers", () => {
    const redis = pinFromSetup(setup, { package: "redis-mcp-server", registry: "pypi" }, readFromRoot);
    const version = /^redis_mcp_version=(\S+)$/m.exec(setup)?.[1];
    expect(redis?.spec).toBe(`==${version}`);
    expect(redis?.line).toMatch(/--require-hashes --no-deps -r "\$redis_mcp_requirements"/);
    // The committed lock: clean, every pin hashed, and complete for itself (more than the server alone).
    const lock = redis?.requirements;
    expect(lock && "parsed" in lock ? lock.parsed.problems : lock).toEqual([]);
    const pins = lock && "parsed" in lock ? lock.parsed.pins : [];
    expect(pins.length).toBeGreaterThan(20);
    expect(pins.filter((p) => p.hashes.length === 0)).toEqual([]);
    expect(pinFromSetup(setup, { package: "github.com/github/github-mcp-server", registry: "go" })?.spec).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(pinFromSetup(setup, { package: "not-there", registry: "pypi" })).toBeUndefined();
  });
  it("accepts exact versions only", () => {
    const pip = (operator: string) => pinFromSetup(`v=1.0\n"$py" -m pip install --quiet "x${operator}$v"\n`, { package: "x", registry: "pypi" });
    expect(pip("==")?.spec).toBe("==1.0");
    expect(setupVersionPinned("x", pip("=="), "1.0", "pypi").status).toBe("pass");
    for (const operator of [">=", "~=", "==="]) expect(setupVersionPinned("x", pip(operator), "1.0", "pypi").status, operator).toBe("fail");
    expect(setupVersionPinned("x", pip("=="), "1.1", "pypi").detail).toMatch(/installed is 1.1/);
    expect(setupVersionPinned("m", pinFromSetup("go_tool m m/cmd/m latest m 1.22", { package: "m", registry: "go" }), "v1.0.0", "go").status).toBe("fail");
    expect(setupVersionPinned("m", pinFromSetup("go_tool m m/cmd/m v1.0.0 m 1.22", { package: "m", registry: "go" }), "v1.0.0", "go").status).toBe("pass");
    expect(setupVersionPinned("m", undefined, "v1.0.0", "go").status).toBe("fail");
  });
});

describe("Go", () => {
  const LOOKUP = "123\nex.com/m v1.0.0 h1:zip=\nex.com/m v1.0.0/go.mod h1:mod=\n\ngo.sum database tree\n9\nroot=\n\n— sum.golang.org sig\n";
  it("reads the checksum database's two lines and the binary's dependencies (a replacement wins)", () => {
    expect(parseSumdbLookup(LOOKUP, "ex.com/m", "v1.0.0")).toEqual({ zip: "h1:zip=", mod: "h1:mod=" });
    const deps = parseBuildInfoDeps(
      "bin: go1.26\n\tpath\tex.com/m/cmd\n\tmod\tex.com/m\t(devel)\t\n\tdep\tex.com/a\tv1.0.0\th1:a=\n\tdep\tex.com/b\tv1.0.0\n\t=>\tex.com/c\tv2.0.0\th1:c=\n",
    );
    expect(deps).toEqual([
      { module: "ex.com/a", version: "v1.0.0", sum: "h1:a=" },
      { module: "ex.com/c", version: "v2.0.0", sum: "h1:c=" },
    ]);
    expect(escapeModulePath("github.com/BurntSushi/toml")).toBe("github.com/!burnt!sushi/toml");
  });
  it("compares the module cache's zip hash with the database's line", () => {
    expect(goModuleSum("ex.com/m", "v1.0.0", "h1:zip=", ok(LOOKUP)).status).toBe("pass");
    expect(goModuleSum("ex.com/m", "v1.0.0", "h1:other=", ok(LOOKUP)).status).toBe("fail");
    expect(goModuleSum("ex.com/m", "v1.0.0", undefined, ok(LOOKUP)).status).toBe("not_measured");
    expect(goModuleSum("ex.com/m", "v1.0.0", "h1:zip=", refused("GET x -> HTTP 410")).detail).toContain("HTTP 410");
  });
  it("fails a dependency whose h1 differs; unreachable lookups leave it not measured", () => {
    const dep = (sum: string | undefined, lookup: Fetched<string>) => ({ module: "ex.com/m", version: "v1.0.0", sum, lookup });
    expect(goDependencySums([dep("h1:zip=", ok(LOOKUP))]).status).toBe("pass");
    expect(goDependencySums([dep("h1:zip=", ok(LOOKUP)), dep("h1:bad=", ok(LOOKUP))]).status).toBe("fail");
    expect(goDependencySums([dep(undefined, ok(LOOKUP))]).status).toBe("fail");
    expect(goDependencySums([dep("h1:zip=", ok(LOOKUP)), dep("h1:zip=", refused("GET x failed: ENOTFOUND"))]).status).toBe("not_measured");
    expect(goDependencySums([]).status).toBe("not_measured");
  });

  it("reads go mod verify: verified passes, a modified tree fails, a network error is not measured", () => {
    const run = (exitCode: number, stdout: string, stderr = "") => goModVerifyFinding("/mod", { exitCode, stdout, stderr }).status;
    expect(run(0, "all modules verified\n")).toBe("pass");
    expect(run(1, "", "github.com/x/y v1.0.0: dir has been modified (/mod/x/y@v1.0.0)\n")).toBe("fail");
    expect(run(1, "", 'go: github.com/x/y@v1.0.0: Get "https://proxy/x": dial tcp: lookup proxy: no such host\n')).toBe("not_measured");
    expect(run(0, "")).toBe("not_measured");
  });

  it("passes the database check only when go verified the module, consulted the database and agrees with the cache", () => {
    const good = { exitCode: 0, sum: "h1:zip=", error: "", consulted: true };
    expect(goSumdbFinding("m", "v1", "sum.golang.org", "h1:zip=", good).status).toBe("pass");
    expect(goSumdbFinding("m", "v1", "sum.golang.org", "h1:other=", good).status).toBe("fail");
    expect(goSumdbFinding("m", "v1", "sum.golang.org", "h1:zip=", { ...good, consulted: false }).status).toBe("not_measured");
    expect(goSumdbFinding("m", "v1", "sum.golang.org", undefined, good).status).toBe("not_measured");
    const mismatch = {
      exitCode: 1,
      error: "verifying m@v1: checksum mismatch\n\tdownloaded: h1:a=\n\tsum.golang.org: h1:b=\n\nSECURITY ERROR",
      consulted: true,
    };
    expect(goSumdbFinding("m", "v1", "sum.golang.org", "h1:zip=", mismatch).status).toBe("fail");
    const offline = { exitCode: 1, error: 'm@v1: Get "https://proxy.example/m/@v/v1.info": dial tcp: lookup proxy.example: no such host', consulted: false };
    const f = goSumdbFinding("m", "v1", "sum.golang.org", "h1:zip=", offline);
    expect(f.status).toBe("not_measured");
    expect(f.detail).toContain("no such host");
    const dbDown = {
      exitCode: 1,
      error: "verifying module: m@v1: reading https://proxy.example/sumdb/sum.golang.org/lookup/m@v1: 404 Not Found",
      consulted: false,
    };
    expect(goSumdbFinding("m", "v1", "sum.golang.org", "h1:zip=", dbDown).status).toBe("not_measured");
  });

  it("scans a module through injected go and proxy answers (no process, no network)", async () => {
    const cache = tempDir();
    mkdirSync(path.join(cache, "cache/download/ex.com/!my!mod/@v"), { recursive: true });
    writeFileSync(path.join(cache, "cache/download/ex.com/!my!mod/@v/v1.0.0.ziphash"), "h1:zip=\n");
    mkdirSync(path.join(cache, "ex.com/!my!mod@v1.0.0"), { recursive: true });
    const asked: string[] = [];
    const io: SupplyChainIo = {
      fetch: async (url) => {
        asked.push(url);
        if (url.endsWith("/lookup/ex.com/!my!mod@v1.0.0")) return new Response("1\nex.com/MyMod v1.0.0 h1:zip=\n");
        if (url.endsWith("/lookup/ex.com/dep@v0.1.0")) return new Response("2\nex.com/dep v0.1.0 h1:tampered=\n");
        return new Response("", { status: 404 });
      },
      makeTempDir,
      exec: async (file, args, opts): Promise<ExecResult> => {
        const cmd = [file, ...args].join(" ");
        if (cmd === "go mod download -json ex.com/MyMod@v1.0.0") {
          // What go leaves when it consulted the database: its lookup cache in the throwaway GOMODCACHE.
          mkdirSync(path.join(opts!.env!.GOMODCACHE!, "cache/download/sumdb/sum.golang.org/lookup"), { recursive: true });
          expect(opts?.env).toMatchObject({ GOSUMDB: "sum.golang.org", GONOSUMDB: "", GOPRIVATE: "" });
          return { exitCode: 0, stdout: JSON.stringify({ Path: "ex.com/MyMod", Version: "v1.0.0", Sum: "h1:zip=" }), stderr: "" };
        }
        if (cmd === "go clean -modcache") return { exitCode: 0, stdout: "", stderr: "" };
        if (cmd === "go env GOPROXY") return { exitCode: 0, stdout: "https://proxy.example,direct\n", stderr: "" };
        if (cmd === "go env GOSUMDB") return { exitCode: 0, stdout: "sum.golang.org\n", stderr: "" };
        if (cmd === "go env GOMODCACHE") return { exitCode: 0, stdout: `${cache}\n`, stderr: "" };
        if (cmd === "go mod verify") return { exitCode: 0, stdout: "all modules verified\n", stderr: "" };
        if (cmd === "go version -m /bin/m") return { exitCode: 0, stdout: "/bin/m: go1.26\n\tdep\tex.com/dep\tv0.1.0\th1:dep=\n", stderr: "" };
        return { exitCode: 1, stdout: "", stderr: `unexpected ${cmd}` };
      },
    };
    const report = await scanGo(
      io,
      { package: "ex.com/MyMod", registry: "go" },
      { binary: "/bin/m", version: "v1.0.0", setupText: "go_tool m ex.com/MyMod/cmd/m v1.0.0 m 1.22\n" },
    );
    const status = Object.fromEntries(report.findings.map((f) => [f.check, f.status]));
    expect(status).toEqual({
      "registry-integrity": "pass",
      "installed-files": "pass",
      "version-pinned": "pass",
      "dependencies-locked": "fail",
      "install-scripts": "not_applicable",
      "registry-signature": "pass",
      provenance: "not_applicable",
      advisories: "not_measured",
      "dependency-advisories": "not_measured",
    });
    expect(asked).toContain("https://proxy.example/sumdb/sum.golang.org/lookup/ex.com/!my!mod@v1.0.0");
  });
});

describe("fetching", () => {
  it("turns a network error and an HTTP error into a reason naming the URL", async () => {
    const io = (f: SupplyChainIo["fetch"]): SupplyChainIo => ({ fetch: f, exec: async () => ({ exitCode: 1, stdout: "", stderr: "" }), makeTempDir });
    const down = await fetchJson(
      io(async () => {
        throw new Error("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND r.example") });
      }),
      "https://r.example/x",
    );
    expect(down).toEqual({ ok: false, url: "https://r.example/x", reason: "GET https://r.example/x failed: fetch failed: getaddrinfo ENOTFOUND r.example" });
    const post = await fetchJson(
      io(async () => new Response("no", { status: 405 })),
      "https://r.example/bulk",
      { method: "POST" },
    );
    expect(post).toMatchObject({ ok: false, reason: "POST https://r.example/bulk -> HTTP 405" });
  });
});

describe("a server that is not installed", () => {
  it("is an environment error naming the server and what to run, not a stack trace", async () => {
    const root = tempDir();
    const scan = scanSupplyChain(
      { name: "ghost", title: "t", package: "@x/not-installed", command: "node", args: [], env: {}, needs: [], transport: "stdio" },
      { root, io: { fetch: async () => new Response(), exec: async () => ({ exitCode: 1, stdout: "", stderr: "" }), makeTempDir } },
    );
    await expect(scan).rejects.toMatchObject({ code: "environment", hint: expect.stringContaining("setup.sh") });
    await expect(scan).rejects.toThrow(/supply chain of ghost \(@x\/not-installed\)/);
  });
  it("never puts a registry password in a URL of a finding", () => {
    expect(withoutCredentials("https://me:s3cret@registry.example/npm/")).toBe("https://registry.example/npm/");
    expect(withoutCredentials("https://registry.npmjs.org/")).toBe("https://registry.npmjs.org/");
  });
});

describe("a custom server", () => {
  it("gets every check, each not applicable", async () => {
    const report = await scanSupplyChain(
      { name: "mine", title: "t", package: "custom", command: "x", args: [], env: {}, needs: [], transport: "stdio" },
      { root: PROJECT_ROOT, io: { fetch: async () => new Response(), exec: async () => ({ exitCode: 1, stdout: "", stderr: "" }), makeTempDir } },
    );
    expect(report.findings.map((f) => f.check)).toEqual([...SUPPLY_CHECKS]);
    expect(new Set(report.findings.map((f) => f.status))).toEqual(new Set(["not_applicable"]));
  });
});
