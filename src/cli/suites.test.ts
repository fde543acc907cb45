import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessError } from "../errors.js";
import { PROJECT_ROOT } from "../project-root.js";
import { checkNamedOnce, isSuitesDocument, runSuggestion, suiteFiles, validateSuitesFile } from "./suites.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-suites-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rel = (p: string) => path.relative(process.cwd(), p);

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function refusal(promise: Promise<unknown>): Promise<HarnessError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HarnessError);
  expect((err as HarnessError).code).toBe("invalid_input");
  return err as HarnessError;
}

describe("suiteFiles", () => {
  file("a.yaml", "name: a\n");
  file("b.yaml", "name: b\n");

  it("gives a suite's files relative to the working directory, each with where it was named", async () => {
    const suites = file("ok.yaml", "mine:\n  - a.yaml\n  - b.yaml\n");
    expect(await suiteFiles(suites, "mine")).toEqual([
      { file: rel(path.join(dir, "a.yaml")), origin: `suite "mine" (${rel(suites)}:2)` },
      { file: rel(path.join(dir, "b.yaml")), origin: `suite "mine" (${rel(suites)}:3)` },
    ]);
  });

  it("an unknown suite names the suites there are", async () => {
    const err = await refusal(suiteFiles(file("two.yaml", "one: [a.yaml]\ntwo: [b.yaml]\n"), "three"));
    expect(err.message).toBe(`--suite three: ${rel(path.join(dir, "two.yaml"))} defines no suite "three"`);
    expect(err.hint).toBe("its suites: one, two");
  });

  it("a missing entry, an empty list, a wrong type and a file named twice, all at once with lines", async () => {
    const suites = file("bad.yaml", "mine:\n  - a.yaml\n  - missing.yaml\n  - ./a.yaml\nempty: []\nodd: a.yaml\n");
    const err = await refusal(suiteFiles(suites, "mine"));
    const f = rel(suites);
    expect([...err.details].sort()).toEqual(
      [
        `${f}:3: mine[1]: no such scenario file: ${rel(path.join(dir, "missing.yaml"))} (paths are relative to ${path.dirname(f)})`,
        `${f}:4: mine[2]: ${rel(path.join(dir, "a.yaml"))} is named twice (first at mine[0]); it would run twice`,
        `${f}:5: empty: expected at least one scenario file, found []`,
        `${f}:6: odd: expected a list, found "a.yaml"`,
      ].sort(),
    );
  });

  it("a suites file that is not a file, or not YAML, is named", async () => {
    expect((await refusal(suiteFiles(dir, "x"))).details).toEqual([`${dir}: cannot read the suites file: it is a directory; expected a regular file`]);
    expect((await refusal(suiteFiles(file("broken.yaml", "a: [\n"), "a"))).details[0]).toMatch(/broken\.yaml:\d+: not valid YAML/);
  });

  it("the project's own suites all resolve", async () => {
    for (const name of ["default", "load", "servers"])
      expect((await suiteFiles(path.join(PROJECT_ROOT, "scenarios", "suites.yaml"), name)).length).toBeGreaterThan(0);
  });
});

describe("checkNamedOnce", () => {
  it("refuses a file named in a suite and again on the command line", async () => {
    const a = path.join(dir, "a.yaml");
    const err = await refusal(
      Promise.resolve().then(() =>
        checkNamedOnce([
          { file: rel(a), origin: 'suite "mine"' },
          { file: a, origin: "the command line" },
        ]),
      ),
    );
    expect(err.details).toEqual([`${a}: named twice (suite "mine" and the command line); it would run twice`]);
    expect(() =>
      checkNamedOnce([
        { file: a, origin: "x" },
        { file: path.join(dir, "b.yaml"), origin: "y" },
      ]),
    ).not.toThrow();
  });
});

describe("suites files told apart from scenarios (validate scenarios/*.yaml)", () => {
  it("a mapping of lists of .yaml files is a suites file; a scenario, a list, an empty mapping are not", () => {
    expect(isSuitesDocument({ default: ["a.yaml", "b.yml"], load: ["c.yaml"] })).toBe(true);
    expect(isSuitesDocument({ name: "a", servers: ["redis"] })).toBe(false);
    expect(isSuitesDocument({ servers: ["redis"], slos: [{ ref: "x" }] })).toBe(false);
    expect(isSuitesDocument(["a.yaml"])).toBe(false);
    expect(isSuitesDocument({})).toBe(false);
    // A suites file with a mistake in it is still one, and gets the suites file's messages.
    expect(isSuitesDocument({ mine: ["a.yaml", 3] })).toBe(true);
  });

  it("validateSuitesFile checks every suite at once; the project's own is valid", async () => {
    const bad = file("all-bad.yaml", "one:\n  - a.yaml\n  - gone.yaml\ntwo:\n  - b.yaml\n  - b.yaml\n");
    const { suites, problems } = await validateSuitesFile(bad);
    expect(Object.keys(suites)).toEqual(["one", "two"]);
    expect(problems).toEqual([
      expect.stringMatching(/all-bad\.yaml:3: one\[1\]: no such scenario file/),
      expect.stringMatching(/all-bad\.yaml:6: two\[1\]: .* is named twice/),
    ]);
    expect((await validateSuitesFile(path.join(PROJECT_ROOT, "scenarios", "suites.yaml"))).problems).toEqual([]);
  });

  it("runSuggestion names scenario files and suites that exist, none written down", async () => {
    const text = await runSuggestion(path.join(PROJECT_ROOT, "scenarios", "suites.yaml"), path.join(PROJECT_ROOT, "scenarios"));
    const suggested = /e\.g\. mcp-slo run (\S+)/.exec(text)?.[1];
    expect(suggested && existsSync(suggested)).toBe(true);
    expect(text).not.toContain("suites.yaml,");
    expect(text).toMatch(/or mcp-slo run --suite default \(suites in .*suites\.yaml: default, load, servers, resilience, agents\)/);
    const empty = await runSuggestion(path.join(dir, "none.yaml"), path.join(dir, "no-such-dir"));
    expect(empty).toBe("e.g. mcp-slo init my.yaml, to write a starter scenario");
  });
});
