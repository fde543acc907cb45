import os from "node:os";
import { describe, expect, it } from "vitest";
import { HarnessError } from "../errors.js";
import { autogroupNice, DEFAULT_STACK_NICE_INCREMENT, STACK_NICE_ENV, stackNiceIncrement, stackPriority } from "./managed-process.js";

describe("stack priority", () => {
  it("runs the stack 10 nice steps below the harness unless MCP_SLO_STACK_NICE says otherwise", () => {
    expect(stackNiceIncrement({})).toBe(DEFAULT_STACK_NICE_INCREMENT);
    expect(stackNiceIncrement({ [STACK_NICE_ENV]: "" })).toBe(10);
    expect(stackNiceIncrement({ [STACK_NICE_ENV]: "0" })).toBe(0);
    expect(stackNiceIncrement({ [STACK_NICE_ENV]: "19" })).toBe(19);
  });

  it("refuses what is not a nice increment, naming the variable", () => {
    for (const bad of ["-1", "20", "2.5", "high"]) {
      expect(() => stackNiceIncrement({ [STACK_NICE_ENV]: bad })).toThrow(HarnessError);
      expect(() => stackNiceIncrement({ [STACK_NICE_ENV]: bad })).toThrow(STACK_NICE_ENV);
    }
  });

  it("says what the harness and the stack run at, never below nice 19, and equal footing when off", () => {
    const own = os.getPriority();
    // The unit tests never raise the harness (raiseHarnessPriority runs a child: the CLI does it).
    // Where the kernel's autogroups are on, each process the harness starts leads a group of its own, lowered as much.
    const group = autogroupNice();
    expect(stackPriority({})).toEqual({
      harnessNice: own,
      stackNice: Math.min(19, own + 10),
      placement: "none",
      harnessPolicy: "normal",
      ...(group !== undefined && { stackAutogroupNice: Math.min(19, group + 10) }),
    });
    expect(stackPriority({ [STACK_NICE_ENV]: "19" }).stackNice).toBe(19);
    expect(stackPriority({ [STACK_NICE_ENV]: "0" }).stackNice).toBe(own);
    expect(stackPriority({ [STACK_NICE_ENV]: "0" }).stackAutogroupNice).toBeUndefined();
  });
});
