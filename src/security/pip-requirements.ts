/**
 * pip requirements files of the hash-locked kind (`name==version --hash=sha256:...`), the format
 * scripts/requirements/*.txt use and `pip install --require-hashes` reads: parsed by the
 * supply-chain check (is every package of a virtualenv pinned there?) and written by
 * scripts/lock-redis-mcp-server.ts.
 *
 * Hand-written on purpose: no maintained npm library parses pip's format, and only its strict
 * subset is accepted here (exact `==` pins, hashes, environment markers, `--require-hashes`).
 * Anything else (ranges, URLs, nested `-r`/`-c`, index options) is a problem, never silently
 * skipped: a check that cannot read a line must not call the file a complete lock.
 */

export interface PipPin {
  /** As written in the file. */
  name: string;
  /** PEP 503 normalized: what names are compared by. */
  normalized: string;
  version: string;
  /** The environment marker after `;`, when there is one (pip skips the line where it is false). */
  marker?: string;
  /** `algorithm:hex`, as pip writes them. */
  hashes: string[];
  /** 1-based line of the file where the requirement starts. */
  line: number;
}

export interface PipRequirements {
  pins: PipPin[];
  /** `--require-hashes` appears in the file itself (it may also be on the pip command line). */
  requireHashes: boolean;
  /** Every line this parser does not accept, as "<file>:<line>: <what>"; empty for a clean file. */
  problems: string[];
}

/** PEP 503: names compare case-insensitively with runs of `-`, `_`, `.` as one `-`. */
export function normalizeDistName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

const HASH = /--hash[=\s]+(\S+)/g;
const HASH_VALUE = /^(sha256|sha384|sha512):[0-9a-f]+$/;
const PIN = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?:\[[^\]]*\])?\s*==\s*([^\s;,=<>!~]+)\s*(?:;\s*(.+?))?\s*$/;

export function parsePipRequirements(text: string, file: string): PipRequirements {
  const result: PipRequirements = { pins: [], requireHashes: false, problems: [] };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const start = i + 1;
    // A trailing backslash continues the requirement on the next line (how hashes are laid out).
    let logical = lines[i]!;
    while (logical.endsWith("\\") && i + 1 < lines.length) {
      i += 1;
      logical = `${logical.slice(0, -1)} ${lines[i]!}`;
    }
    // pip's comment rule: `#` at the start or after whitespace.
    const content = logical.replace(/(^|\s)#.*$/, "").trim();
    if (content === "") continue;
    const where = `${file}:${start}`;
    if (content === "--require-hashes") {
      result.requireHashes = true;
      continue;
    }
    const hashes = [...content.matchAll(HASH)].map((m) => m[1]!);
    const requirement = content.replace(HASH, "").trim();
    if (requirement.startsWith("-")) {
      result.problems.push(`${where}: option ${requirement.split(/\s+/)[0]} is not supported here (only --require-hashes and pinned requirements)`);
      continue;
    }
    const m = PIN.exec(requirement);
    if (m === null) {
      result.problems.push(`${where}: "${requirement}" is not an exact pin (name==version)`);
      continue;
    }
    const bad = hashes.filter((h) => !HASH_VALUE.test(h));
    if (bad.length > 0) result.problems.push(`${where}: ${m[1]} has malformed hashes (${bad.join(", ")}), expected sha256:<hex>`);
    result.pins.push({
      name: m[1]!,
      normalized: normalizeDistName(m[1]!),
      version: m[2]!,
      ...(m[3] === undefined ? {} : { marker: m[3] }),
      hashes: hashes.filter((h) => HASH_VALUE.test(h)),
      line: start,
    });
  }
  return result;
}

/** One requirement per block, hashes sorted one per line, as pip-compile lays them out. */
export function renderPipRequirements(
  header: readonly string[],
  pins: readonly { name: string; version: string; marker?: string; hashes: readonly string[] }[],
): string {
  const blocks = [...pins]
    .sort((a, b) => normalizeDistName(a.name).localeCompare(normalizeDistName(b.name)) || (a.marker ?? "").localeCompare(b.marker ?? ""))
    .map((p) =>
      [`${p.name}==${p.version}${p.marker === undefined ? "" : ` ; ${p.marker}`}`, ...[...p.hashes].sort().map((h) => `    --hash=${h}`)].join(" \\\n"),
    );
  return `${header.map((l) => (l === "" ? "#" : `# ${l}`)).join("\n")}\n${blocks.join("\n")}\n`;
}

/**
 * Whether a pin's marker holds on Python `python` ("X.Y"): `python_version <op> "X.Y"` terms joined
 * by `and` are decided; anything else (platform markers, `or`) is "may apply" (true), so a check
 * using this never drops a pin it cannot judge.
 */
export function markerMayApply(marker: string | undefined, python: string): boolean {
  if (marker === undefined) return true;
  const terms = marker.split(/\s+and\s+/);
  if (/\bor\b/.test(marker)) return true;
  const key = (v: string) => v.split(".").map(Number) as [number, number];
  const [maj, min] = key(python);
  for (const term of terms) {
    const m = /^\s*python_version\s*(<=|>=|==|!=|<|>)\s*["'](\d+)\.(\d+)["']\s*$/.exec(term);
    if (m === null) continue;
    const cmp = maj === Number(m[2]) ? min - Number(m[3]) : maj - Number(m[2]);
    const holds = { "<": cmp < 0, "<=": cmp <= 0, ">": cmp > 0, ">=": cmp >= 0, "==": cmp === 0, "!=": cmp !== 0 }[m[1] as "<"];
    if (!holds) return false;
  }
  return true;
}
