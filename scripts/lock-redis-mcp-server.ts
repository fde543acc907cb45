/**
 * Writes scripts/requirements/redis-mcp-server.txt: redis-mcp-server and every package of a
 * virtualenv that holds it, each pinned to its installed version with the sha256 of every file PyPI
 * publishes for that version (all wheels, for every platform and Python, and the sdist), so
 * scripts/setup.sh installs exactly that set with `pip install --require-hashes --no-deps -r`.
 *
 *   node --import tsx scripts/lock-redis-mcp-server.ts [--venv DIR] [--index URL] [--out FILE]
 *
 *   node --import tsx scripts/lock-redis-mcp-server.ts --older-venv /tmp/v310   (also Pythons below the main set's floor)
 *
 * Defaults: --venv .tools/venv-redis-mcp, --index https://pypi.org, --out scripts/requirements/redis-mcp-server.txt.
 * The main set's versions need some Python (3.11 for redis-mcp-server 0.5.1's today: numpy 2.4.6, ...
 * declare it); --older-venv adds the set as pip resolved it in a venv of an older Python (3.10 for
 * 0.5.1, whose own Requires-Python is >= 3.10): packages whose versions differ get one line per set,
 * marked `python_version >= "<floor>"` / `python_version < "<floor>"`, the others one unmarked line.
 * Hashes come from PyPI's JSON API (`<index>/pypi/<project>/json`, `releases[<version>][].digests.sha256`;
 * the per-version JSON is not used: this machine's mirror answers 404 there).
 *
 * To move to another redis-mcp-server version: install it unlocked into a throwaway venv
 * (`python3 -m venv /tmp/v && /tmp/v/bin/pip install redis-mcp-server==X`), run this with
 * `--venv /tmp/v` (and `--older-venv` with one made the same way by python3.10), set redis_mcp_version
 * in scripts/setup.sh, and review the diff of the file.
 * pip and setuptools are left out: they come with the venv (ensurepip), not from the index.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../src/project-root.js";
import { normalizeDistName, parsePipRequirements, renderPipRequirements } from "../src/security/pip-requirements.js";
import { writeFileAtomic } from "../src/util/atomic-file.js";

const MAIN = "redis-mcp-server";
/** Bounded: one request per package (tens), four at a time, each with its own deadline. */
const FETCH_TIMEOUT_MS = 30_000;
const PARALLEL = 4;

interface Dist {
  name: string;
  version: string;
  requiresPython: string;
  requiresDist: string[];
}

function fail(message: string): never {
  process.stderr.write(`lock-redis-mcp-server: ${message}\n`);
  process.exit(1);
}

function readVenv(venv: string): Dist[] {
  const lib = path.join(venv, "lib");
  const site = existsSync(lib)
    ? readdirSync(lib)
        .map((d) => path.join(lib, d, "site-packages"))
        .find((d) => existsSync(d))
    : undefined;
  if (site === undefined) fail(`${venv} holds no lib/python*/site-packages: is it a virtualenv?`);
  return readdirSync(site)
    .filter((d) => d.endsWith(".dist-info"))
    .map((d) => {
      const headers = readFileSync(path.join(site, d, "METADATA"), "utf8")
        .split("\n\n")[0]!
        .split("\n");
      const field = (key: string) => headers.filter((l) => l.startsWith(`${key}: `)).map((l) => l.slice(key.length + 2).trim());
      return {
        name: field("Name")[0]!,
        version: field("Version")[0]!,
        requiresPython: field("Requires-Python")[0] ?? "",
        requiresDist: field("Requires-Dist"),
      };
    })
    .filter((d) => !["pip", "setuptools"].includes(normalizeDistName(d.name)));
}

interface PypiRelease {
  releases?: Record<string, { filename: string; digests?: { sha256?: string } }[]>;
}

async function releaseHashes(index: string, dist: Dist): Promise<string[]> {
  const url = `${index}/pypi/${normalizeDistName(dist.name)}/json`;
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }).catch((error: unknown) => fail(`GET ${url} failed: ${String(error)}`));
  if (!res.ok) fail(`GET ${url} -> HTTP ${res.status}`);
  const files = ((await res.json()) as PypiRelease).releases?.[dist.version] ?? [];
  if (files.length === 0) fail(`${url} lists no file for ${dist.name} ${dist.version}`);
  const missing = files.filter((f) => f.digests?.sha256 === undefined).map((f) => f.filename);
  if (missing.length > 0) fail(`${url} gives no sha256 for ${missing.join(", ")}`);
  return files.map((f) => `sha256:${f.digests!.sha256!}`);
}

/** The highest `>=X.Y` floor among the set's Requires-Python: the oldest Python the whole lock installs on. */
function pythonFloor(dists: readonly Dist[]): { floor: string; from: string[] } {
  const floors = dists.map((d) => ({ d, m: />=\s*(\d+)\.(\d+)/.exec(d.requiresPython) })).filter((x) => x.m !== null);
  const key = (m: RegExpExecArray) => Number(m[1]) * 1000 + Number(m[2]);
  const top = Math.max(...floors.map((x) => key(x.m!)));
  const from = floors.filter((x) => key(x.m!) === top).map((x) => `${x.d.name} ${x.d.version}`);
  return { floor: `${Math.floor(top / 1000)}.${top % 1000}`, from };
}

/** Requirements of the set (not behind an extra) that name a package outside it: their markers excluded this machine. */
function leftOut(dists: readonly Dist[]): string[] {
  const names = new Set(dists.map((d) => normalizeDistName(d.name)));
  const out = new Map<string, Set<string>>();
  for (const d of dists) {
    for (const req of d.requiresDist) {
      if (/extra\s*==/.test(req)) continue;
      const name = /^[A-Za-z0-9._-]+/.exec(req)?.[0];
      if (name === undefined || names.has(normalizeDistName(name))) continue;
      const key = `${name} (for ${d.name}`;
      out.set(key, (out.get(key) ?? new Set()).add(req.split(";")[1]?.trim() ?? "no marker"));
    }
  }
  return [...out].map(([key, markers]) => `${key}; ${[...markers].join(" or ")})`).sort();
}

/** The Python a venv was made with (`version = X.Y.Z` in its pyvenv.cfg). */
function venvPython(venv: string): string {
  const cfg = path.join(venv, "pyvenv.cfg");
  const version = existsSync(cfg) ? /^version(?:_info)?\s*=\s*(\d+\.\d+(?:\.\d+)?)/m.exec(readFileSync(cfg, "utf8"))?.[1] : undefined;
  return version ?? fail(`${cfg} names no Python version: is ${venv} a virtualenv?`);
}

function minor(version: string): number {
  const [major, min] = version.split(".").map(Number);
  return major! * 1000 + min!;
}

interface LockLine {
  dist: Dist;
  /** Unset: the same version in both sets. */
  marker?: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      venv: { type: "string", default: path.join(PROJECT_ROOT, ".tools", "venv-redis-mcp") },
      "older-venv": { type: "string" },
      index: { type: "string", default: "https://pypi.org" },
      out: { type: "string", default: path.join(PROJECT_ROOT, "scripts", "requirements", `${MAIN}.txt`) },
    },
  });
  const index = values.index.replace(/\/+$/, "");
  const byName = (a: Dist, b: Dist) => normalizeDistName(a.name).localeCompare(normalizeDistName(b.name));
  const dists = readVenv(values.venv).sort(byName);
  const main = dists.find((d) => normalizeDistName(d.name) === MAIN);
  if (main === undefined) fail(`${values.venv} does not hold ${MAIN}`);
  const { floor, from } = pythonFloor(dists);

  // The set as resolved on a Python below the main set's floor, for those Pythons: a package whose
  // version differs between the two sets gets one line per set, told apart by python_version markers.
  const lines: LockLine[] = [];
  let older: { dists: Dist[]; python: string; floor: string } | undefined;
  if (values["older-venv"] === undefined) lines.push(...dists.map((dist) => ({ dist })));
  else {
    const python = venvPython(values["older-venv"]);
    if (minor(python) >= minor(floor)) fail(`${values["older-venv"]} has Python ${python}, not below the main set's floor ${floor}: nothing to add`);
    const olderDists = readVenv(values["older-venv"]).sort(byName);
    const olderMain = olderDists.find((d) => normalizeDistName(d.name) === MAIN);
    if (olderMain?.version !== main.version) fail(`${values["older-venv"]} holds ${MAIN} ${olderMain?.version ?? "not at all"}, not ${main.version}`);
    older = { dists: olderDists, python, floor: pythonFloor(olderDists).floor };
    const key = (d: Dist) => `${normalizeDistName(d.name)}==${d.version}`;
    const inOlder = new Set(olderDists.map(key));
    const inMain = new Set(dists.map(key));
    for (const dist of dists) lines.push(inOlder.has(key(dist)) ? { dist } : { dist, marker: `python_version >= "${floor}"` });
    for (const dist of olderDists) if (!inMain.has(key(dist))) lines.push({ dist, marker: `python_version < "${floor}"` });
    lines.sort((a, b) => byName(a.dist, b.dist) || (a.marker ?? "").localeCompare(b.marker ?? ""));
  }

  const pins: { name: string; version: string; marker?: string; hashes: string[] }[] = [];
  for (let i = 0; i < lines.length; i += PARALLEL) {
    const batch = lines.slice(i, i + PARALLEL);
    const hashes = await Promise.all(batch.map((l) => releaseHashes(index, l.dist)));
    for (const [k, l] of batch.entries())
      pins.push({ name: l.dist.name, version: l.dist.version, ...(l.marker === undefined ? {} : { marker: l.marker }), hashes: hashes[k]! });
  }
  const excluded = leftOut(dists);
  const excludedOlder = older === undefined ? [] : leftOut(older.dists);
  const header = [
    `${MAIN} ${main.version} and all ${dists.length - 1} packages it installs, each pinned to one version with the sha256 of`,
    "every file PyPI publishes for it (wheels for all platforms and Pythons, and the sdist).",
    "scripts/setup.sh installs it with: pip install --require-hashes --no-deps -r <this file>",
    "",
    `Generated, do not edit by hand: node --import tsx scripts/lock-redis-mcp-server.ts${older === undefined ? "" : " --older-venv <venv>"}`,
    ...(older === undefined
      ? []
      : [`(<venv>: python${older.python.split(".").slice(0, 2).join(".")} -m venv <venv> && <venv>/bin/pip install ${MAIN}==${main.version})`]),
    `(read from a virtualenv holding ${MAIN}; hashes from ${index}/pypi/<project>/json). That script's`,
    "header says how to move to another version.",
    "",
    `${older === undefined ? "Needs" : "The main set needs"} Python >= ${floor}: ${from.join(", ")} declare Requires-Python >= ${floor}.`,
    ...(older === undefined
      ? []
      : [
          `Lines marked python_version < "${floor}" are the set as resolved on Python ${older.python} (${older.dists.length - 1} packages;`,
          `it needs Python >= ${older.floor}), for Pythons below ${floor}; lines marked python_version >= "${floor}" are the`,
          "main set's versions of the same packages; unmarked lines are shared.",
        ]),
    excluded.length === 0
      ? "No requirement of these packages was left out by an environment marker."
      : `Left out${older === undefined ? "" : " of the main set"} (their markers were false where it was resolved; --no-deps will not add them): ${excluded.join(", ")}.`,
    ...(older === undefined || excludedOlder.length === 0 ? [] : [`Left out of the Python ${older.python} set: ${excludedOlder.join(", ")}.`]),
    "",
  ];
  const text = renderPipRequirements(header, pins);
  // What this writes must read back as a complete lock: the same parser the supply-chain check uses.
  const back = parsePipRequirements(text, values.out);
  if (back.problems.length > 0 || back.pins.length !== pins.length) fail(`the rendered file does not parse back: ${back.problems.join("; ")}`);
  await writeFileAtomic(values.out, text);
  const files = pins.reduce((n, p) => n + p.hashes.length, 0);
  const lowest = older?.floor ?? floor;
  process.stdout.write(`wrote ${path.relative(process.cwd(), values.out)}: ${pins.length} pins, ${files} file hashes, Python >= ${lowest}\n`);
}

await main();
