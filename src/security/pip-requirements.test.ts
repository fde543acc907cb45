import { describe, expect, it } from "vitest";
import { markerMayApply, normalizeDistName, parsePipRequirements, renderPipRequirements } from "./pip-requirements.js";

const h = (c: string) => `sha256:${c.repeat(64)}`;

describe("pip requirements (hash-locked)", () => {
  it("normalizes names as PEP 503 does", () => {
    expect(normalizeDistName("Typing_Extensions")).toBe("typing-extensions");
    expect(normalizeDistName("zope.interface")).toBe("zope-interface");
    expect(normalizeDistName("a__-.b")).toBe("a-b");
  });

  it("reads pins continued over lines, with markers, comments and --require-hashes", () => {
    const text = [
      "# header # with a hash sign",
      "--require-hashes",
      `PyJWT==2.15.1 \\`,
      `    --hash=${h("a")} \\`,
      `    --hash=${h("b")}  # trailing comment`,
      "",
      `exceptiongroup==1.3.0 ; python_version < "3.11" --hash=${h("c")}`,
      `uvicorn[standard]==0.54.0 --hash ${h("d")}`,
    ].join("\n");
    const r = parsePipRequirements(text, "req.txt");
    expect(r.problems).toEqual([]);
    expect(r.requireHashes).toBe(true);
    expect(r.pins).toEqual([
      { name: "PyJWT", normalized: "pyjwt", version: "2.15.1", hashes: [h("a"), h("b")], line: 3 },
      { name: "exceptiongroup", normalized: "exceptiongroup", version: "1.3.0", marker: 'python_version < "3.11"', hashes: [h("c")], line: 7 },
      { name: "uvicorn", normalized: "uvicorn", version: "0.54.0", hashes: [h("d")], line: 8 },
    ]);
  });

  it("reports every line that is not an exact pin, with file and line, instead of skipping it", () => {
    const text = [
      "requests>=2.0",
      "-r other.txt",
      "--index-url https://example.invalid/simple",
      `ok==1 --hash=md5:abc`,
      "https://example.invalid/x.whl",
      "y==1",
    ].join("\n");
    const r = parsePipRequirements(text, "req.txt");
    expect(r.problems).toEqual([
      'req.txt:1: "requests>=2.0" is not an exact pin (name==version)',
      "req.txt:2: option -r is not supported here (only --require-hashes and pinned requirements)",
      "req.txt:3: option --index-url is not supported here (only --require-hashes and pinned requirements)",
      "req.txt:4: ok has malformed hashes (md5:abc), expected sha256:<hex>",
      'req.txt:5: "https://example.invalid/x.whl" is not an exact pin (name==version)',
    ]);
    // A pin without hashes parses; whether that is acceptable is the check's call.
    expect(r.pins.map((p) => [p.name, p.hashes.length])).toEqual([
      ["ok", 0],
      ["y", 0],
    ]);
    expect(r.requireHashes).toBe(false);
  });

  it("decides python_version markers, and calls any other marker possibly applying", () => {
    expect(markerMayApply(undefined, "3.11")).toBe(true);
    expect(markerMayApply('python_version < "3.11"', "3.10")).toBe(true);
    expect(markerMayApply('python_version < "3.11"', "3.11")).toBe(false);
    expect(markerMayApply('python_version >= "3.11"', "3.13")).toBe(true);
    expect(markerMayApply("python_version >= '3.11'", "3.9")).toBe(false);
    expect(markerMayApply('python_version >= "3.10" and python_version != "3.12"', "3.12")).toBe(false);
    expect(markerMayApply('python_version == "3.12"', "4.0")).toBe(false);
    expect(markerMayApply('sys_platform == "win32"', "3.11")).toBe(true);
    expect(markerMayApply('python_version < "3.11" or sys_platform == "win32"', "3.12")).toBe(true);
  });

  it("renders what it parses back: sorted by name, hashes sorted, header commented", () => {
    const text = renderPipRequirements(
      ["a lock", "", "second line"],
      [
        { name: "Zeta", version: "1.0", hashes: [h("2"), h("1")] },
        { name: "alpha_b", version: "2.0.post1", hashes: [h("3")] },
        { name: "zeta", version: "0.9", marker: 'python_version < "3.11"', hashes: [h("4")] },
      ],
    );
    expect(text.split("\n").slice(0, 4)).toEqual(["# a lock", "#", "# second line", "alpha_b==2.0.post1 \\"]);
    const back = parsePipRequirements(text, "out.txt");
    expect(back.problems).toEqual([]);
    expect(back.pins.map((p) => [p.name, p.version, p.hashes])).toEqual([
      ["alpha_b", "2.0.post1", [h("3")]],
      ["Zeta", "1.0", [h("1"), h("2")]],
      ["zeta", "0.9", [h("4")]],
    ]);
    expect(back.pins[2]!.marker).toBe('python_version < "3.11"');
  });
});
