/** Comparable runs: same profile, provider and set of scenario hashes; another machine is a note. */
import { describe, expect, it } from "vitest";
import { historyRun } from "../../test/support/history-records.js";
import { comparability, comparabilityOf, factsOf } from "./comparability.js";

const a = historyRun({ runId: "A", startedAt: "2026-01-01T00:00:00.000Z" });

describe("comparability", () => {
  it("the same scenarios, profile and provider are comparable, with nothing to say", () => {
    expect(comparability(a, historyRun({ runId: "B", startedAt: "2026-01-02T00:00:00.000Z" }))).toEqual({ ok: true, differences: [], notes: [] });
  });

  it("another profile, provider or scenario plan is not comparable, each difference said", () => {
    const b = historyRun({ runId: "B", startedAt: "2026-01-02T00:00:00.000Z", profile: "smoke", provider: "docker", scenarios: { redis: "bbbbbbbbbbbbbbbb" } });
    const c = comparability(a, b);
    expect(c.ok).toBe(false);
    expect(c.differences).toEqual([
      "profile: ci in A, smoke in B",
      "provider: local in A, docker in B",
      expect.stringMatching(/^scenario redis differs as run \(plan hash aaaaaaaaaaaaaaaa in A, bbbbbbbbbbbbbbbb in B\)/),
    ]);
  });

  it("a scenario only in one run is a difference; the set matters, not the order", () => {
    const two = historyRun({ runId: "B", startedAt: "2026-01-02T00:00:00.000Z", scenarios: { memory: "cccccccccccccccc", redis: "aaaaaaaaaaaaaaaa" } });
    expect(comparability(a, two).differences).toEqual(["scenarios only in B: memory"]);
    const reordered = historyRun({ runId: "C", startedAt: "2026-01-02T00:00:00.000Z", scenarios: { redis: "aaaaaaaaaaaaaaaa", memory: "cccccccccccccccc" } });
    expect(comparability(two, reordered).ok).toBe(true);
  });

  it("another machine is comparable, and the note says what differs", () => {
    const b = historyRun({ runId: "B", startedAt: "2026-01-02T00:00:00.000Z", machine: "m00000000002" });
    b.identity!.machine.cpus = 8;
    const c = comparability(a, b);
    expect(c.ok).toBe(true);
    expect(c.notes).toEqual(["another machine: cpus 4 vs 8"]);
    // From history entries (no record at hand) the note names the fingerprints.
    expect(comparabilityOf(factsOf(a), factsOf(b)).notes).toEqual([expect.stringMatching(/another machine: fingerprint m00000000001 in A, m00000000002 in B/)]);
  });

  it("a record written before identity and hashes matches by name, and says so", () => {
    const old = historyRun({ runId: "OLD", startedAt: "2025-01-01T00:00:00.000Z", noIdentity: true, scenarios: { redis: undefined } });
    const c = comparability(old, a);
    expect(c.ok).toBe(true);
    expect(c.notes).toEqual([
      "provider not recorded in OLD (an older record)",
      "no scenario hash recorded (an older record) for redis: matched by name only",
      "machine fingerprint not recorded in OLD (an older record)",
    ]);
  });
});
