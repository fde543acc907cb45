/**
 * Whether two runs may be compared (COMMON-13 "Comparable runs"): same profile, same provider, same
 * set of scenarios as run. Another machine is allowed and said in the notes.
 *
 * Interim version written by the compare helper: the history helper owns this file and keys scenarios
 * by their plan hash (`scenarioHash`); until that field is in the record, scenarios are matched by
 * name and variant, and by hash when both records carry one.
 */
import type { RunRecord, ScenarioResult } from "../results/types.js";

export interface Comparability {
  ok: boolean;
  differences: string[];
  notes: string[];
}

function scenarioIds(r: RunRecord): string[] {
  return r.scenarios
    .map((s: ScenarioResult & { scenarioHash?: string }) => `${s.variant ? `${s.name}[${s.variant}]` : s.name}${s.scenarioHash ? `#${s.scenarioHash}` : ""}`)
    .sort();
}

const providerOf = (r: RunRecord): string => r.environment.stack?.provider ?? "local";

export function comparability(a: RunRecord, b: RunRecord): Comparability {
  const differences: string[] = [];
  const notes: string[] = [];
  if (a.profile !== b.profile) differences.push(`profile: ${a.profile} vs ${b.profile}`);
  if (providerOf(a) !== providerOf(b)) differences.push(`provider: ${providerOf(a)} vs ${providerOf(b)}`);
  const sa = scenarioIds(a);
  const sb = scenarioIds(b);
  const onlyA = sa.filter((x) => !sb.includes(x));
  const onlyB = sb.filter((x) => !sa.includes(x));
  if (onlyA.length || onlyB.length)
    differences.push(
      `scenarios: ${[onlyA.length ? `only in ${a.runId}: ${onlyA.join(", ")}` : "", onlyB.length ? `only in ${b.runId}: ${onlyB.join(", ")}` : ""].filter(Boolean).join("; ")}`,
    );
  const ea = a.environment;
  const eb = b.environment;
  if (ea.hostname !== eb.hostname || ea.cpuModel !== eb.cpuModel || ea.cpus !== eb.cpus)
    notes.push(`another machine: ${ea.hostname} (${ea.cpus} x ${ea.cpuModel}) vs ${eb.hostname} (${eb.cpus} x ${eb.cpuModel})`);
  if (ea.node !== eb.node) notes.push(`Node ${ea.node} vs ${eb.node}`);
  return { ok: differences.length === 0, differences, notes };
}
