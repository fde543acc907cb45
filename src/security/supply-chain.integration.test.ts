/**
 * The supply-chain checks against what is really installed here (setup's npm packages, the
 * redis-mcp-server virtualenv, the github-mcp-server Go build) and the registries this machine is
 * configured with. Needs the registries (npm, PyPI, the Go module proxy): without them the
 * registry checks come out not_measured and these tests fail, loudly, on purpose.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { findServer } from "../catalog/servers.js";
import { PROJECT_ROOT } from "../project-root.js";
import { markerMayApply, parsePipRequirements } from "./pip-requirements.js";
import { realIo, type SupplyReport, scanNpm, scanPypi, scanSupplyChain } from "./supply-chain.js";

function byCheck(report: SupplyReport): Record<string, { status: string; detail: string; evidence: Record<string, unknown> }> {
  return Object.fromEntries(report.findings.map((f) => [f.check, f]));
}

const MEMORY = "@modelcontextprotocol/server-memory";

/** The temp dirs realIo makes for a scan (tarball, wheel, Go module cache). */
function scanTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith("mcp-slo-supply"));
}
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project root holding copies of this project's package.json, lock and installed memory server. */
function copiedRoot(): { root: string; installed: string } {
  const root = mkdtempSync(path.join(tmpdir(), "supply-int-"));
  temps.push(root);
  for (const file of ["package.json", "package-lock.json"]) cpSync(path.join(PROJECT_ROOT, file), path.join(root, file));
  const installed = path.join(root, "node_modules", ...MEMORY.split("/"));
  mkdirSync(path.dirname(installed), { recursive: true });
  cpSync(path.join(PROJECT_ROOT, "node_modules", ...MEMORY.split("/")), installed, { recursive: true, dereference: true });
  return { root, installed };
}

describe("npm: the memory server as installed", () => {
  it("matches the registry and its tarball, is pinned and locked; signatures, provenance and advisories are never a silent pass", async () => {
    const before = scanTempDirs();
    const report = await scanSupplyChain(findServer("memory")!, { root: PROJECT_ROOT });
    const f = byCheck(report);
    expect(scanTempDirs(), "the tarball's temp dir is removed").toEqual(before);
    expect(report).toMatchObject({ server: "memory", registry: "npm", package: MEMORY });
    expect(f["registry-integrity"]!.status, f["registry-integrity"]!.detail).toBe("pass");
    expect(f["installed-files"]!.status, f["installed-files"]!.detail).toBe("pass");
    expect(f["installed-files"]!.evidence.same).toBeGreaterThan(0);
    expect(f["version-pinned"]!.status).toBe("pass");
    expect(f["dependencies-locked"]!.status).toBe("pass");
    expect(f["dependencies-locked"]!.evidence.closure).toBeGreaterThan(10);
    expect(f["install-scripts"]!.status).toBe("pass");
    // Provenance is not verified by this module: with or without attestations, never a pass.
    expect(f.provenance!.status).toBe("not_measured");
    // Where the registry cannot be asked, the reason names what was asked.
    for (const check of ["registry-signature", "provenance", "advisories", "dependency-advisories"]) {
      if (f[check]!.status === "not_measured") expect(f[check]!.detail, check).toMatch(/https?:\/\/\S+.*(HTTP \d{3}|failed|no dist)/);
    }
  });

  it("names a tampered installed file", async () => {
    const { root, installed } = copiedRoot();
    const entry = path.join(installed, "dist", "index.js");
    writeFileSync(entry, `${readFileSync(entry, "utf8")}\n// tampered\n`);
    const f = byCheck(await scanNpm(realIo, MEMORY, root));
    expect(f["registry-integrity"]!.status).toBe("pass");
    expect(f["installed-files"]!.status).toBe("fail");
    expect(f["installed-files"]!.detail).toContain("dist/index.js");
  });

  it("fails a lock whose integrity is not the registry's", async () => {
    const { root } = copiedRoot();
    const lockFile = path.join(root, "package-lock.json");
    const lock = JSON.parse(readFileSync(lockFile, "utf8")) as { packages: Record<string, { integrity?: string }> };
    const entry = lock.packages[`node_modules/${MEMORY}`]!;
    entry.integrity = `sha512-${Buffer.alloc(64, 7).toString("base64")}`;
    writeFileSync(lockFile, JSON.stringify(lock));
    const f = byCheck(await scanNpm(realIo, MEMORY, root));
    expect(f["registry-integrity"]!.status).toBe("fail");
    expect(f["installed-files"]!.status).toBe("fail");
    expect(f["installed-files"]!.detail).toMatch(/tarball's hash differs/);
  });
});

const LOCK = "scripts/requirements/redis-mcp-server.txt";

/** pip and the venv's Python, with a deadline: installing the lock downloads ~54 wheels (40-140 s here, loaded). */
async function run(file: string, args: string[]): Promise<void> {
  try {
    await promisify(execFile)(file, args, { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(" ")} failed: ${e.stderr?.trim().split("\n").slice(-5).join("\n") || e.message}`);
  }
}

describe("PyPI: redis-official's virtualenv", () => {
  it("holds the wheel PyPI publishes, file for file, pinned and hash-locked by setup.sh", async () => {
    const report = await scanSupplyChain(findServer("redis-official")!, { root: PROJECT_ROOT });
    const f = byCheck(report);
    expect(f["registry-integrity"]!.status, f["registry-integrity"]!.detail).toBe("pass");
    expect(f["installed-files"]!.status, f["installed-files"]!.detail).toBe("pass");
    expect(f["installed-files"]!.evidence.same).toBeGreaterThan(5);
    expect(f["version-pinned"]!.status).toBe("pass");
    // setup.sh reinstalls the venv whenever the lock changes (its sha256 marker): after setup, the
    // venv is exactly the lock. A fail here names the packages that differ.
    expect(f["dependencies-locked"]!.status, f["dependencies-locked"]!.detail).toBe("pass");
    expect(f["dependencies-locked"]!.evidence.otherPackages).toBeGreaterThan(0);
    expect(f["registry-signature"]!.status).toBe("not_applicable");
    expect(f.provenance!.status).toBe("not_measured");
  });

  it("passes dependencies-locked for a venv installed from the lock as setup.sh does, and fails once a package outside it is added", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "supply-int-venv-"));
    temps.push(dir);
    const venv = path.join(dir, "venv");
    const lock = path.join(PROJECT_ROOT, LOCK);
    // The install step of setup.sh, into a throwaway venv (not .tools: other tests use that one).
    await run("python3", ["-m", "venv", venv]);
    await run(path.join(venv, "bin", "python"), [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--require-hashes",
      "--no-deps",
      "-r",
      lock,
    ]);
    await run(path.join(venv, "bin", "python"), ["-m", "pip", "check", "--disable-pip-version-check"]);
    const def = findServer("redis-official")!;
    const setupText = readFileSync(path.join(PROJECT_ROOT, "scripts", "setup.sh"), "utf8");
    // The pins for this venv's Python (the lock forks some versions with python_version markers).
    const python = /^version\s*=\s*(\d+\.\d+)/m.exec(readFileSync(path.join(venv, "pyvenv.cfg"), "utf8"))![1]!;
    const pins = parsePipRequirements(readFileSync(lock, "utf8"), LOCK).pins.filter((p) => markerMayApply(p.marker, python));

    const f = byCheck(await scanPypi(realIo, def, { venv, setupText, root: PROJECT_ROOT }));
    expect(f["dependencies-locked"]!.status, f["dependencies-locked"]!.detail).toBe("pass");
    // Every package the lock pins is in the venv: the server itself and the others the check compared.
    expect(f["dependencies-locked"]!.evidence).toMatchObject({ otherPackages: pins.length - 1, missing: 0, otherVersion: 0, file: LOCK, python });
    expect(f["version-pinned"]!.status, f["version-pinned"]!.detail).toBe("pass");
    expect(f["registry-integrity"]!.status, f["registry-integrity"]!.detail).toBe("pass");
    expect(f["installed-files"]!.status, f["installed-files"]!.detail).toBe("pass");

    // What a hand-made `pip install` leaves: a package the lock does not pin.
    await run(path.join(venv, "bin", "python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "six==1.17.0"]);
    const after = byCheck(await scanPypi(realIo, def, { venv, setupText, root: PROJECT_ROOT }))["dependencies-locked"]!;
    expect(after.status).toBe("fail");
    expect(after.detail).toContain(`1 not pinned there for Python ${python} (six 1.17.0)`);
  }, 600_000);
});

describe("Go: the github server's build", () => {
  it("matches the checksum database (verified by go itself) for the module, and its lookups for every dependency in the binary", async () => {
    const before = scanTempDirs();
    const report = await scanSupplyChain(findServer("github")!, { root: PROJECT_ROOT });
    expect(scanTempDirs(), "the throwaway (read-only) module cache is removed").toEqual(before);
    const f = byCheck(report);
    expect(report.version).toMatch(/^v\d+\.\d+\.\d+/);
    expect(f["registry-integrity"]!.status, f["registry-integrity"]!.detail).toBe("pass");
    expect(f["installed-files"]!.status, f["installed-files"]!.detail).toBe("pass");
    expect(f["version-pinned"]!.status).toBe("pass");
    expect(f["dependencies-locked"]!.status, f["dependencies-locked"]!.detail).toBe("pass");
    expect(f["dependencies-locked"]!.evidence.dependencies).toBeGreaterThan(5);
    // go's own client, in a throwaway module cache, checks the module against the signed database.
    expect(f["registry-signature"]!.status, f["registry-signature"]!.detail).toBe("pass");
    expect(f["registry-signature"]!.evidence.consulted).toBe(true);
    expect(f.advisories!.status).toBe("not_measured");
  });
});
