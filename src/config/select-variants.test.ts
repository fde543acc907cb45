import { beforeAll, describe, expect, it } from "vitest";
import type { Scenario } from "../contracts/plan.js";
import { HarnessError } from "../errors.js";
import { loadAll, selectVariants } from "./load-scenario.js";

// Real scenario files: a one-key matrix (resilience), another (redis.persistence), none (servers-baseline).
const FILES = ["scenarios/fallback-alternative-server.yaml", "scenarios/failover-redis-crash.yaml", "scenarios/servers-baseline.yaml"];
const cellsOf = (xs: readonly { name: string; variant: string | undefined }[]) => xs.map((s) => `${s.name}${s.variant ? ` [${s.variant}]` : ""}`);

/** The error `selectVariants` refuses `labels` with; a test failure when it does not. */
function refusal(scenarios: readonly Scenario[], labels: string[]): HarnessError {
  try {
    selectVariants(scenarios, labels);
  } catch (err) {
    if (err instanceof HarnessError) return err;
    throw err;
  }
  throw new Error(`selectVariants(${JSON.stringify(labels)}) was not refused`);
}

let all: Scenario[];
beforeAll(async () => {
  all = await loadAll(FILES, "smoke");
});

describe("run --variant: one matrix cell alone", () => {
  it("without a label, every cell runs", () => {
    expect(cellsOf(selectVariants(all, []))).toEqual(cellsOf(all));
    expect(all).toHaveLength(5);
  });

  it("keeps the cells with the setting, and scenarios without a matrix", () => {
    expect(cellsOf(selectVariants(all, ["resilience=true"]))).toEqual(["fallback-alternative-server [resilience=true]", "servers-baseline"]);
    const chosen = selectVariants(all, ["resilience=false"]);
    // The cell is the one the matrix made: its policies are gone, as in a whole run.
    expect(chosen[0]!.resilience).toEqual([]);
  });

  it("repeated labels are any of them; settings joined by commas must all hold", () => {
    expect(cellsOf(selectVariants(all, ["resilience=false", " redis.persistence=none "]))).toEqual([
      "fallback-alternative-server [resilience=false]",
      "failover-redis-crash [redis.persistence=none]",
      "servers-baseline",
    ]);
    const err = refusal(all, ["redis.persistence=none, resilience=true"]);
    expect(err.code).toBe("invalid_input");
  });

  it("a label no cell has is refused, naming the cells there are", () => {
    const err = refusal(all, ["resilience=yes"]);
    expect(err.code).toBe("invalid_input");
    expect(err.message).toBe("--variant resilience=yes: no matrix cell of the scenarios given has this setting");
    expect(err.details).toContain("a cell there is: fallback-alternative-server [resilience=true]");
    expect(err.details).toContain("a cell there is: failover-redis-crash [redis.persistence=aof-always]");
  });

  it("a label that is not key=value is refused as such", () => {
    for (const bad of ["resilience", "", "a=b=c", " , "]) {
      const err = refusal(all, [bad]);
      expect(err.message, bad).toMatch(/^--variant .*: expected key=value, or several joined by commas$/);
    }
    // Every malformed one at once, not the first alone.
    expect(refusal(all, ["resilience", "resilience=true", "supervisor"]).message).toBe(
      "--variant resilience, supervisor: expected key=value, or several joined by commas",
    );
  });

  it("with no matrix at all, the refusal says so", () => {
    const err = refusal(
      all.filter((s) => s.variant === undefined),
      ["resilience=true"],
    );
    expect(err.code).toBe("invalid_input");
    expect(err.details).toEqual(["none of the scenarios given has a matrix"]);
  });
});
