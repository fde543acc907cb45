import { describe, expect, it } from "vitest";
import { priorityText } from "./format.js";

const base = { harnessNice: 0, stackNice: 10, placement: "none" as const, harnessPolicy: "normal" as const };

describe("priorityText", () => {
  it("says the stack's nice, and its scheduling groups' where the kernel's autogroups were on", () => {
    expect(priorityText(base)).toBe("stack at nice 10 below the harness's 0 (processes it starts; not containers), no CPU pinning");
    expect(priorityText({ ...base, stackAutogroupNice: 10 })).toBe(
      "stack at nice 10 below the harness's 0 (processes it starts; not containers), each process's own scheduling group (kernel autogroup) at nice 10 too, no CPU pinning",
    );
  });

  it("names the processes whose group the kernel would not lower: they were not below the harness", () => {
    const text = priorityText({ ...base, stackAutogroupNice: 10, autogroupsNotLowered: ["redis-server (EPERM)", "memory#0 (EPERM)"] });
    expect(text).toContain(
      "except 2 the kernel would not lower, which competed with the harness at a group's full share: redis-server (EPERM), memory#0 (EPERM)",
    );
  });

  it("equal footing says so, autogroups or not", () => {
    expect(priorityText({ ...base, stackNice: 0 })).toBe("stack and harness on equal footing (nice 0), no CPU pinning");
  });
});
