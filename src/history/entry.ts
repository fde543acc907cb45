/** A history entry made from a run record, and its schema (the directory index is read back through it). */
import { z } from "zod";
import { factsOf } from "../compare/comparability.js";
import type { RunRecord } from "../results/types.js";
import type { HistoryEntry } from "./types.js";

export const HistoryEntrySchema = z.strictObject({
  runId: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  verdict: z.enum(["pass", "fail", "inconclusive", "error", "interrupted"]),
  profile: z.string(),
  provider: z.string().nullable(),
  git: z.strictObject({ commit: z.string(), branch: z.string().nullable(), dirty: z.boolean().nullable() }).optional(),
  tags: z.record(z.string(), z.string()),
  scenarios: z.array(z.strictObject({ name: z.string(), hash: z.string().nullable() })),
  machine: z.string().nullable(),
  location: z.string(),
});

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function sameType<_Check extends true>(): void {}
sameType<Equal<z.infer<typeof HistoryEntrySchema>, HistoryEntry>>();

export function entryOf(record: RunRecord, location: string): HistoryEntry {
  const facts = factsOf(record);
  const identity = record.identity;
  const workdir = identity?.workdir;
  const ci = identity?.ci;
  const git = workdir
    ? { commit: workdir.commit, branch: workdir.branch ?? ci?.branch ?? null, dirty: workdir.dirty }
    : ci?.commit
      ? { commit: ci.commit, branch: ci.branch, dirty: null }
      : undefined;
  return {
    runId: record.runId,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    verdict: record.verdict,
    profile: record.profile,
    provider: facts.provider,
    ...(git && { git }),
    tags: identity?.tags ?? {},
    scenarios: facts.scenarios,
    machine: facts.machine,
    location,
  };
}

/** Oldest first; runs started in the same millisecond by run id, so every store lists in one order. */
export function byStart(a: HistoryEntry, b: HistoryEntry): number {
  return a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}
