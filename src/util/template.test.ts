import { describe, expect, it } from "vitest";
import { seededRng } from "./random.js";
import { compileTemplate, MAX_TEMPLATE_BYTES, type CallContext } from "./template.js";

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

  it("{{bytes N}} makes exactly N bytes that JSON writes as they are", () => {
    const problems: string[] = [];
    const f = compileTemplate({ small: "{{bytes 0}}", kb: "{{bytes 1024}}", framed: "<{{bytes 10}}>" }, problems);
    expect(problems).toEqual([]);
    const v = f(ctx()) as { small: string; kb: string; framed: string };
    expect(v.small).toBe("");
    expect(Buffer.byteLength(v.kb, "utf8")).toBe(1024);
    // Nothing to escape: the serialized string is the payload and its two quotes.
    expect(Buffer.byteLength(JSON.stringify(v.kb), "utf8")).toBe(1026);
    expect(v.framed).toHaveLength(12);
    expect(v.framed.startsWith("<") && v.framed.endsWith(">")).toBe(true);
  });

  it("refuses a byte count that is negative, fractional, missing or beyond the bound", () => {
    const problems: string[] = [];
    compileTemplate(["{{bytes -1}}", "{{bytes 1.5}}", "{{bytes}}", `{{bytes ${MAX_TEMPLATE_BYTES + 1}}}`, "{{bytes 1 2}}"], problems);
    expect(problems).toHaveLength(5);
    for (const p of problems) expect(p).toMatch(/^\{\{bytes N\}\} needs a byte count N from 0 to 16777216/);
  });
});
