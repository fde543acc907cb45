/**
 * Every SLO the project ships cites its source: check that each quote really
 * stands at the cited line(s) of the seed documents, so a report never points
 * a reader at the wrong place.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../project-root.js";
import { SloDefinition } from "../contracts/scenario-fields.js";
import { SLO_CATALOG } from "./catalog.js";

const SEEDS = path.join(PROJECT_ROOT, "..", "shared", "seeds");

function citedLines(spec: string): number[] {
  return spec.split(",").flatMap((part) => {
    const [a, b] = part.trim().split("-").map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
  });
}

describe("SLO catalog", () => {
  it("has unique ids and valid definitions", () => {
    const ids = SLO_CATALOG.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of SLO_CATALOG) expect(SloDefinition.safeParse(s).success, s.id).toBe(true);
  });

  const seedsHere = existsSync(SEEDS);
  if (!seedsHere) console.warn(`SKIPPED: the seed documents are not at ${SEEDS}; the catalog's sources cannot be checked here`);
  it.skipIf(!seedsHere).each(SLO_CATALOG.map((s) => [s.id, s] as const))("%s quotes its cited line(s)", (_id, slo) => {
    const fileName = /\((?:shared\/seeds\/)?([^)]+)\)/.exec(slo.source.document)![1]!;
    const lines = readFileSync(path.join(SEEDS, fileName), "utf8").split("\n");
    // Quotes keep the words, not the Markdown emphasis or the alignment spaces.
    const words = (text: string) => text.replace(/\*\*/g, "").replace(/\s+/g, " ");
    const cited = words(
      citedLines(slo.source.lines)
        .map((n) => lines[n - 1] ?? "")
        .join("\n"),
    );
    // A quote may join fragments of several lines with "..." or ";".
    for (const fragment of (slo.source.quote ?? "").split(/\s*(?:\.\.\.|;)\s*/).filter(Boolean)) {
      expect(cited, `${slo.id}: "${fragment}" at lines ${slo.source.lines}`).toContain(words(fragment));
    }
  });
});
