import { describe, expect, it } from "vitest";
import { escapeControlChars, hasControlChars } from "./control-chars.js";

describe("escapeControlChars", () => {
  it("writes terminal escape sequences, CR, DEL, C1 and bidi controls as visible escapes", () => {
    const evil = "a\u001b]0;pwned\u0007b\u001b[2Jc\rd\u007fe\u009b31mf\u202eg\u2066h";
    expect(escapeControlChars(evil)).toBe("a\\x1b]0;pwned\\x07b\\x1b[2Jc\\rd\\x7fe\\x9b31mf\\u202eg\\u2066h");
    expect(hasControlChars(evil)).toBe(true);
  });

  it("keeps newlines and tabs unless told to escape newlines; leaves ordinary text alone", () => {
    expect(escapeControlChars("line 1\n\tline 2")).toBe("line 1\n\tline 2");
    expect(escapeControlChars("line 1\nline 2", { newlines: "escape" })).toBe("line 1\\nline 2");
    const plain = "p99 < 25 ms, µs, 日本語, émoji 🚀";
    expect(escapeControlChars(plain)).toBe(plain);
    expect(hasControlChars(plain)).toBe(false);
  });
});
