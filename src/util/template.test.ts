import { describe, expect, it } from "vitest";
import { seededRng } from "./random.js";
import { compileTemplate, type CallContext } from "./template.js";

const ctx = (over: Partial<CallContext> = {}): CallContext => ({ agent: 3, seq: 42, runId: "r1", rng: seededRng(7), sandbox: "/sb", ...over });

describe("compileTemplate", () => {
  it("fills placeholders inside strings, nested objects and arrays", () => {
    const problems: string[] = [];
    const f = compileTemplate({ key: "k:{{agent}}:{{seq}}", nested: [{ p: "{{sandbox}}/docs/{{run}}" }], n: 5 }, problems);
    expect(problems).toEqual([]);
    expect(f(ctx())).toEqual({ key: "k:3:42", nested: [{ p: "/sb/docs/r1" }], n: 5 });
  });

  it("keeps the type of a value that is one placeholder", () => {
    const f = compileTemplate({ id: "{{rand 5 5}}", s: "x{{rand 5 5}}" }, []);
    expect(f(ctx())).toEqual({ id: 5, s: "x5" });
  });

  it("draws from the seeded generator, so runs repeat", () => {
    const f = compileTemplate("{{rand 1 1000}}-{{zipf 100 1.1}}-{{pick a|b|c}}", []);
    expect(f(ctx({ rng: seededRng(9) }))).toBe(f(ctx({ rng: seededRng(9) })));
  });

  it("reports unknown and malformed placeholders", () => {
    const problems: string[] = [];
    compileTemplate(["{{agnt}}", "{{rand 9 1}}", "{{zipf 0}}", "{{pick a}}"], problems);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/unknown placeholder \{\{agnt\}\}/);
  });
});
