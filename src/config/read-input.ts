/**
 * Reading files a person hands the harness (scenario, probe, suite and preset files) and parsing
 * their YAML, so that no file can hang, exhaust or crash it:
 *  - only regular files are read: a FIFO would block the read forever, a device (/dev/zero) never
 *    ends, a directory or a socket cannot be read at all. The file is opened non-blocking and checked
 *    with fstat on the open descriptor, so the check and the read see the same file;
 *  - at most MAX_INPUT_BYTES are read (scenario files are a few KB);
 *  - the text must be UTF-8 (a binary file is named as such, not parsed as mojibake);
 *  - YAML resource attacks are refused with the `yaml` library's own limits: its alias-expansion
 *    limit (maxAliasCount, against "billion laughs") and its guard against nesting deep enough to
 *    overflow the parser's stack. A nesting limit of our own (MAX_YAML_DEPTH) keeps documents that
 *    the parser survives from reaching code that walks them recursively (zod, merging profiles);
 *  - duplicate keys, several documents, unknown tags and keys that are not scalars are problems.
 * Every problem is one line: `file:line: what`.
 */
import { constants as fsConstants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { LineCounter, isCollection, isNode, parseDocument, visit, type Alias, type Document, type Node } from "yaml";
import { printable } from "../util/control-chars.js";

/** Largest input file read, in bytes; the biggest file in scenarios/ is about 4 KB. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * Expansions of aliases allowed while building the value (the `yaml` library's own maxAliasCount, at its
 * default): a file that refers to anchors a few times passes, an alias bomb does not.
 */
export const MAX_ALIAS_COUNT = 100;

/** Deepest nesting of mappings and lists; a scenario needs about 8 (args of a call in a profile). */
export const MAX_YAML_DEPTH = 64;

const KIND_OF_ERRNO: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a part of the path is not a directory",
  ELOOP: "too many symbolic links (a loop?)",
  ENAMETOOLONG: "the name is too long",
  ENXIO: "not a file that can be read (a socket?)",
  EISDIR: "it is a directory",
};

function describeKind(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe), which could block the read forever";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "not a regular file";
}

/** The file's text, or the one problem that keeps it from being read (`file: ...`). */
export async function readInputText(file: string, what = "file"): Promise<{ text: string } | { problems: string[] }> {
  const shown = printable(file);
  if (file === "") return { problems: [`(empty file name): expected the path of a ${what}`] };
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait for one forever.
    handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    return { problems: [`${shown}: cannot read the ${what}: ${KIND_OF_ERRNO[code] ?? (err as Error).message} (${code || "error"})`] };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { problems: [`${shown}: cannot read the ${what}: it is ${describeKind(st)}; expected a regular file`] };
    if (st.size > MAX_INPUT_BYTES) return { problems: [`${shown}: the ${what} is ${st.size} bytes; at most ${MAX_INPUT_BYTES} (1 MiB) are read`] };
    // Read one byte more than allowed: a file growing while read (or a /proc file whose size says 0) is caught too.
    const buf = Buffer.alloc(MAX_INPUT_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_INPUT_BYTES) return { problems: [`${shown}: the ${what} is larger than ${MAX_INPUT_BYTES} bytes (1 MiB), the most that is read`] };
    }
    try {
      return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(buf.subarray(0, length)) };
    } catch {
      const bad = firstInvalidUtf8(buf.subarray(0, length));
      const line = buf.subarray(0, bad).toString("latin1").split("\n").length;
      return { problems: [`${shown}:${line}: the ${what} is not UTF-8 text (invalid byte at offset ${bad})`] };
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    return { problems: [`${shown}: cannot read the ${what}: ${KIND_OF_ERRNO[code] ?? (err as Error).message} (${code || "error"})`] };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(buf: Buffer): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  // Binary search on the longest prefix that decodes (a prefix may end inside a sequence: stream mode).
  let lo = 0;
  let hi = buf.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      decoder.decode(buf.subarray(0, mid), { stream: true });
      decoder.decode(); // reset
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}

export interface ParsedYaml {
  doc: Document;
  lines: LineCounter;
  raw: unknown;
}

/**
 * Parses one YAML document with the limits above. On any problem: every problem found, each
 * `file:line: ...`; otherwise the document (for line numbers) and its value.
 */
export function parseYamlText(file: string, text: string): ParsedYaml | { problems: string[] } {
  const shown = printable(file);
  const lines = new LineCounter();
  // logLevel "error": the library would otherwise print its own warnings to stderr; they are turned into problems here.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: "error" });
  const at = (pos: number) => lines.linePos(pos).line;
  // The library's words, except where they address a programmer ("please use YAML.parseAllDocuments()").
  const words = (e: { code: string; message: string }) =>
    e.code === "MULTIPLE_DOCS" ? "a second document (after ---); the file must hold one" : printable(e.message.split("\n")[0] ?? "");
  const problems = [...doc.errors, ...doc.warnings].map((e) => `${shown}:${at(e.pos[0])}: not valid YAML: ${words(e)}`);
  if (problems.length) return { problems };

  // Nesting and keys, checked on the document so each problem has its line.
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key)) {
        problems.push(
          `${shown}:${isNode(pair.key) && pair.key.range ? at(pair.key.range[0]) : 1}: not valid here: a key that is a mapping or a list (keys must be plain words)`,
        );
        return visit.SKIP;
      }
      return undefined;
    },
    Alias(_, alias, path) {
      // `a: &a [*a]` makes a value that contains itself: anything walking it would never end.
      const target = alias.resolve(doc);
      if (target !== undefined && path.includes(target as never)) {
        problems.push(
          `${shown}:${alias.range ? at(alias.range[0]) : 1}: not valid YAML: alias *${printable(alias.source)} is inside its own anchor &${printable(alias.source)} (a value that contains itself)`,
        );
      }
      return undefined;
    },
    Node(_, node: Node, path) {
      const depth = path.filter((p) => isCollection(p)).length;
      if (isCollection(node) && depth >= MAX_YAML_DEPTH) {
        problems.push(`${shown}:${node.range ? at(node.range[0]) : 1}: nested more than ${MAX_YAML_DEPTH} levels deep; a scenario needs far fewer`);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (problems.length) return { problems };

  // The library's limit on alias expansion throws from inside toJS without saying where; the alias being
  // expanded when it throws is noted on the way (Alias.toJSON is what toJS calls for every alias).
  let expanding: Alias | undefined;
  visit(doc, {
    Alias(_, alias) {
      const own = alias.toJSON.bind(alias);
      alias.toJSON = ((arg: unknown, ctx: unknown) => {
        expanding = alias;
        return own(arg as never, ctx as never);
      }) as typeof alias.toJSON;
    },
  });
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const line = expanding?.range ? at(expanding.range[0]) : 1;
    const message = (err as Error).message;
    if (/Excessive alias count/.test(message)) {
      return {
        problems: [`${shown}:${line}: not valid YAML: its aliases expand to more than ${MAX_ALIAS_COUNT} copies (an "alias bomb"); write the values out`],
      };
    }
    if (/Unresolved alias/.test(message) && expanding)
      return { problems: [`${shown}:${line}: not valid YAML: alias *${printable(expanding.source)} has no anchor &${printable(expanding.source)} before it`] };
    if (err instanceof RangeError) return { problems: [`${shown}:${line}: not valid YAML: too deeply nested to read`] };
    return { problems: [`${shown}:${line}: not valid YAML: ${printable(message.split("\n")[0] ?? "")}`] };
  }
  return { doc, lines, raw };
}

/** Reads and parses a YAML input file: every problem, or the parsed document. */
export async function readYamlFile(file: string, what = "file"): Promise<ParsedYaml | { problems: string[] }> {
  const read = await readInputText(file, what);
  if ("problems" in read) return read;
  return parseYamlText(file, read.text);
}
