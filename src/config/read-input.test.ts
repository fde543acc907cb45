import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_ALIAS_COUNT, MAX_INPUT_BYTES, MAX_YAML_DEPTH, parseYamlText, readInputText } from "./read-input.js";
import { printable } from "../util/control-chars.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-read-input-test-"));
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function problemsOf(p: string): Promise<string[]> {
  const r = await readInputText(p, "scenario file");
  return "problems" in r ? r.problems : [];
}

describe("readInputText refuses what is not a readable regular file, without blocking", () => {
  it("a directory, a character device and a socket", async () => {
    expect(await problemsOf(dir)).toEqual([`${dir}: cannot read the scenario file: it is a directory; expected a regular file`]);
    expect(await problemsOf("/dev/zero")).toEqual(["/dev/zero: cannot read the scenario file: it is a character device; expected a regular file"]);
    const sock = path.join(dir, "sock.yaml");
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(sock, r));
    expect((await problemsOf(sock))[0]).toMatch(
      new RegExp(
        `^${sock}: cannot read the scenario file: (it is a socket; expected a regular file|not a file that can be read \\(a socket\\?\\) \\(ENXIO\\))$`,
      ),
    );
  });

  it("a missing file, a path through a file, a symlink loop, an empty name", async () => {
    expect(await problemsOf(path.join(dir, "nope.yaml"))).toEqual([`${path.join(dir, "nope.yaml")}: cannot read the scenario file: no such file (ENOENT)`]);
    const f = file("plain.yaml", "a: 1\n");
    expect(await problemsOf(path.join(f, "x.yaml"))).toEqual([
      `${path.join(f, "x.yaml")}: cannot read the scenario file: a part of the path is not a directory (ENOTDIR)`,
    ]);
    const loop = path.join(dir, "loop.yaml");
    symlinkSync(loop, loop);
    expect(await problemsOf(loop)).toEqual([`${loop}: cannot read the scenario file: too many symbolic links (a loop?) (ELOOP)`]);
    expect(await problemsOf("")).toEqual(["(empty file name): expected the path of a scenario file"]);
  });

  it("a file over 1 MiB is refused by its size; one at the limit is read", async () => {
    const big = file("big.yaml", Buffer.alloc(MAX_INPUT_BYTES + 1, "#"));
    expect(await problemsOf(big)).toEqual([`${big}: the scenario file is ${MAX_INPUT_BYTES + 1} bytes; at most ${MAX_INPUT_BYTES} (1 MiB) are read`]);
    const atLimit = file("limit.yaml", Buffer.alloc(MAX_INPUT_BYTES, "#"));
    expect(await problemsOf(atLimit)).toEqual([]);
  });

  it("text that is not UTF-8 is named with its line; a BOM is dropped", async () => {
    const latin1 = file("latin1.yaml", Buffer.concat([Buffer.from("name: x\ndescription: caf"), Buffer.from([0xe9]), Buffer.from("\n")]));
    expect(await problemsOf(latin1)).toEqual([`${latin1}:2: the scenario file is not UTF-8 text (invalid byte at offset 24)`]);
    const bom = await readInputText(file("bom.yaml", "\ufeffname: x\n"));
    expect(bom).toEqual({ text: "name: x\n" });
  });

  it("a file name's control characters are escaped in the message", async () => {
    const evil = path.join(dir, "evil\x1b[2J\u202e.yaml");
    const [message] = await problemsOf(evil);
    expect(message).toBe(`${dir}/evil\\x1b[2J\\u202e.yaml: cannot read the scenario file: no such file (ENOENT)`);
  });
});

describe("parseYamlText: the yaml library's limits, and every problem with its line", () => {
  const parse = (text: string) => {
    const r = parseYamlText("f.yaml", text);
    return "problems" in r ? r.problems : r.raw;
  };

  it("an alias bomb is refused at the alias that crosses the library's maxAliasCount", () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
    ].join("\n");
    expect(parse(bomb)).toEqual([
      `f.yaml:4: not valid YAML: its aliases expand to more than ${MAX_ALIAS_COUNT} copies (an "alias bomb"); write the values out`,
    ]);
  });

  it("many aliases of one anchor: the limit counts them too; a few are fine", () => {
    const many = (n: number) => `a: &a x\nlist:\n${Array.from({ length: n }, () => "  - *a").join("\n")}\n`;
    // The anchored value counts as the first copy: 99 aliases make 100 copies, the 100th alias one too many.
    expect(parse(many(MAX_ALIAS_COUNT - 1))).toEqual({ a: "x", list: Array(MAX_ALIAS_COUNT - 1).fill("x") });
    expect(parse(many(MAX_ALIAS_COUNT))).toEqual([
      `f.yaml:${MAX_ALIAS_COUNT + 2}: not valid YAML: its aliases expand to more than ${MAX_ALIAS_COUNT} copies (an "alias bomb"); write the values out`,
    ]);
  });

  it("an alias inside its own anchor, and an alias without an anchor", () => {
    expect(parse("x: 1\nargs: &a { k: [*a] }\n")).toEqual(["f.yaml:2: not valid YAML: alias *a is inside its own anchor &a (a value that contains itself)"]);
    expect(parse("x: 1\nagents: *nope\n")).toEqual(["f.yaml:2: not valid YAML: alias *nope has no anchor &nope before it"]);
  });

  it("nesting: beyond MAX_YAML_DEPTH ours, far beyond the parser's own guard", () => {
    const nested = (n: number) => `x: 1\nargs: ${"[".repeat(n)}${"]".repeat(n)}\n`;
    expect(parse(nested(MAX_YAML_DEPTH - 2))).toMatchObject({ x: 1 });
    expect(parse(nested(MAX_YAML_DEPTH + 1))).toEqual([`f.yaml:2: nested more than ${MAX_YAML_DEPTH} levels deep; a scenario needs far fewer`]);
    const huge = parse(nested(30_000)) as string[];
    expect(huge).toHaveLength(1);
    expect(huge[0]).toMatch(/^f\.yaml:\d+: (not valid YAML: .*|nested more than \d+ levels deep.*)$/);
  });

  it("duplicate keys, several documents, unknown tags, keys that are collections, syntax errors", () => {
    expect(parse("a: 1\nb: 2\na: 3\n")).toEqual(["f.yaml:3: not valid YAML: Map keys must be unique"]);
    expect(parse("a: 1\n---\nb: 2\n")).toEqual(["f.yaml:2: not valid YAML: a second document (after ---); the file must hold one"]);
    expect(parse("a: 1\nb: !!js/function 'x'\n")).toEqual(["f.yaml:2: not valid YAML: Unresolved tag: tag:yaml.org,2002:js/function"]);
    expect(parse("a: 1\n? [k, l]\n: v\n")).toEqual(["f.yaml:2: not valid here: a key that is a mapping or a list (keys must be plain words)"]);
    expect((parse("a: [1\nb: 2\n") as string[])[0]).toMatch(/^f\.yaml:\d+: not valid YAML: /);
  });

  it("values JSON cannot hold survive as what they are (.nan, .inf, 1e400)", () => {
    const v = parse("a: .nan\nb: -.inf\nc: 1e400\n") as Record<string, number>;
    expect(Number.isNaN(v.a)).toBe(true);
    expect(v.b).toBe(-Infinity);
    expect(v.c).toBe(Infinity);
  });
});

describe("printable", () => {
  it("escapes control, bidi and zero-width characters, keeps the rest", () => {
    expect(printable("a\x1b[2Jb\x07\u202ec\u200bd\tcafé 日本")).toBe("a\\x1b[2Jb\\x07\\u202ec\\u200bd\\x09café 日本");
  });
});
