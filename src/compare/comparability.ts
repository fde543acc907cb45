/**
 * Whether two runs can be compared figure by figure (issue 13, COMMON decisions): the same profile,
 * the same provider and the same set of scenarios as run (their hashes). Another machine is allowed
 * and said in a note: the noise of the comparison covers it, the reader should know it.
 */
import type { RunRecord } from "../results/types.js";

/** What comparability is decided on: a run record has it, and so does a history entry (without reading the record). */
export interface ComparableFacts {
  runId: string;
  profile: string;
  /** null: a record written before the provider was recorded. */
  provider: string | null;
  /** name ("name[variant]") and hash of each scenario as run; hash null in records written before hashes. */
  scenarios: { name: string; hash: string | null }[];
  /** Machine fingerprint hash; null in records written before it. */
  machine: string | null;
}

export interface Comparability {
  ok: boolean;
  /** What differs that makes them not comparable, one line each. */
  differences: string[];
  /** What differs that is allowed (another machine, a record too old to have hashes). */
  notes: string[];
}

export function scenarioKey(s: { name: string; variant?: string }): string {
  return s.variant ? `${s.name}[${s.variant}]` : s.name;
}

export function factsOf(record: RunRecord): ComparableFacts {
  return {
    runId: record.runId,
    profile: record.profile,
    provider: record.identity?.provider ?? record.environment.stack?.provider ?? null,
    scenarios: record.scenarios.map((s) => ({ name: scenarioKey(s), hash: s.scenarioHash ?? null })),
    machine: record.identity?.machine.hash ?? null,
  };
}

export function comparabilityOf(a: ComparableFacts, b: ComparableFacts): Comparability {
  const differences: string[] = [];
  const notes: string[] = [];
  if (a.profile !== b.profile) differences.push(`profile: ${a.profile} in ${a.runId}, ${b.profile} in ${b.runId}`);
  if (a.provider !== null && b.provider !== null && a.provider !== b.provider)
    differences.push(`provider: ${a.provider} in ${a.runId}, ${b.provider} in ${b.runId}`);
  else if (a.provider === null || b.provider === null) notes.push(`provider not recorded in ${a.provider === null ? a.runId : b.runId} (an older record)`);

  const hashesA = new Map(a.scenarios.map((s) => [s.name, s.hash]));
  const hashesB = new Map(b.scenarios.map((s) => [s.name, s.hash]));
  const onlyA = [...hashesA.keys()].filter((n) => !hashesB.has(n));
  const onlyB = [...hashesB.keys()].filter((n) => !hashesA.has(n));
  if (onlyA.length) differences.push(`scenarios only in ${a.runId}: ${onlyA.join(", ")}`);
  if (onlyB.length) differences.push(`scenarios only in ${b.runId}: ${onlyB.join(", ")}`);
  const unhashed: string[] = [];
  for (const [name, hashA] of hashesA) {
    if (!hashesB.has(name)) continue;
    const hashB = hashesB.get(name) ?? null;
    if (hashA === null || hashB === null) unhashed.push(name);
    else if (hashA !== hashB)
      differences.push(
        `scenario ${name} differs as run (plan hash ${hashA} in ${a.runId}, ${hashB} in ${b.runId}): another scenario file, profile setting or driver`,
      );
  }
  if (unhashed.length) notes.push(`no scenario hash recorded (an older record) for ${unhashed.join(", ")}: matched by name only`);

  if (a.machine !== null && b.machine !== null && a.machine !== b.machine)
    notes.push(`another machine: fingerprint ${a.machine} in ${a.runId}, ${b.machine} in ${b.runId} (CPU, memory, kernel or Node differ)`);
  else if (a.machine === null || b.machine === null)
    notes.push(`machine fingerprint not recorded in ${a.machine === null ? a.runId : b.runId} (an older record)`);
  return { ok: differences.length === 0, differences, notes };
}

/** Whether `a` and `b` can be compared: same profile, provider and set of scenario hashes; another machine is a note. */
export function comparability(a: RunRecord, b: RunRecord): Comparability {
  const result = comparabilityOf(factsOf(a), factsOf(b));
  const ma = a.identity?.machine;
  const mb = b.identity?.machine;
  if (ma && mb && ma.hash !== mb.hash) {
    const what = (["cpuModel", "cpus", "memoryGiB", "kernel", "node"] as const).filter((k) => ma[k] !== mb[k]).map((k) => `${k} ${ma[k]} vs ${mb[k]}`);
    result.notes = result.notes.map((n) => (n.startsWith("another machine:") ? `another machine: ${what.join(", ")}` : n));
  }
  return result;
}
