/**
 * A scenario's `openslo:` files: OpenSLO v1 documents whose SLOs the scenario is judged against, beside
 * its own `slos:`. Each file is read like every input (src/config/read-input.ts: regular files, 1 MiB,
 * UTF-8, YAML within limits) but may hold several documents (`---`), as OpenSLO files do. The mapping
 * itself is src/slo/openslo.ts; every problem here is `file:line: document N: path: message`, the path
 * inside the OpenSLO file.
 */
import path from "node:path";
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import type { ResolvedSlo } from "../contracts/plan.js";
import { findServer } from "../catalog/servers.js";
import { fromOpenSlo } from "../slo/openslo.js";
import { printable } from "../util/control-chars.js";
import { flattenIssues, formatPath, lineOf, problem, valueAt, type Located, type PathPart } from "./problems.js";
import { MAX_ALIAS_COUNT, readInputText } from "./read-input.js";

/** Most OpenSLO files one scenario may name; far more than a team splits its SLOs into. */
export const MAX_OPENSLO_FILES = 32;

interface ReadDocument {
  file: string;
  shown: string;
  index: number;
  count: number;
  doc: Document;
  lines: LineCounter;
  value: unknown;
}

/** The documents of one OpenSLO file, or its problems (each `file:line: ...`). */
async function readDocuments(file: string, shown: string): Promise<{ documents: ReadDocument[] } | { problems: string[] }> {
  const read = await readInputText(file, "OpenSLO file");
  if ("problems" in read) return read;
  const lines = new LineCounter();
  const docs = parseAllDocuments(read.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: "error" });
  // parseAllDocuments returns an EmptyStream (no documents) for an empty file; it is iterable like the list.
  const list = [...docs] as Document[];
  const problems = list.flatMap((d) =>
    [...d.errors, ...d.warnings].map((e) => `${shown}:${lines.linePos(e.pos[0]).line}: not valid YAML: ${printable(e.message.split("\n")[0] ?? "")}`),
  );
  if (problems.length) return { problems };
  const documents: ReadDocument[] = [];
  for (const [index, doc] of list.entries()) {
    let value: unknown;
    try {
      // The library's own limit on alias expansion ("billion laughs"), as for every input file.
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const line = doc.contents?.range ? lines.linePos(doc.contents.range[0]).line : 1;
      return { problems: [`${shown}:${line}: not valid YAML: ${printable((err as Error).message.split("\n")[0] ?? "")}`] };
    }
    // A document with nothing in it (a trailing `---`) holds no SLO: it is skipped, not refused.
    if (value === null || value === undefined) continue;
    documents.push({ file, shown, index, count: list.length, doc, lines, value });
  }
  if (documents.length === 0) return { problems: [`${shown}:1: (top level): expected OpenSLO documents (apiVersion: openslo/v1), found nothing`] };
  return { documents };
}

function where(d: ReadDocument, p: readonly PathPart[]): string {
  return `${d.shown}:${lineOf(d.doc, d.lines, p)}: ${d.count > 1 ? `document ${d.index + 1}: ` : ""}${formatPath(p)}`;
}

/**
 * The SLOs of the scenario's `openslo:` files (paths relative to the scenario file), or every problem
 * found in them: unreadable files, documents that are not OpenSLO v1, objectives the harness cannot
 * judge, a scope naming a server the scenario does not run.
 */
export async function importOpenSloFiles(loc: Located, raw: unknown, serverNames: readonly string[]): Promise<{ slos: ResolvedSlo[]; problems: string[] }> {
  const listed = valueAt(raw, ["openslo"]);
  if (!Array.isArray(listed)) return { slos: [], problems: [] }; // absent, or the schema names what it is
  const problems: string[] = [];
  const documents: ReadDocument[] = [];
  const base = path.dirname(loc.file);
  for (const [i, entry] of listed.entries()) {
    if (typeof entry !== "string" || entry === "") continue; // the schema names it
    const file = path.resolve(base, entry);
    // Relative to where the harness runs when the file is below it; else the whole path, not a climb of "../".
    const relative = path.relative(process.cwd(), file);
    const shown = relative === "" || relative.startsWith("..") ? file : relative;
    const read = await readDocuments(file, printable(shown));
    if ("problems" in read) {
      problems.push(problem(loc, ["openslo", i], `the OpenSLO file cannot be used: ${read.problems.join("; ")}`, { found: false }));
      continue;
    }
    documents.push(...read.documents);
  }
  const imported = fromOpenSlo(
    documents.map((d) => d.value),
    (issues) => flattenIssues(issues),
  );
  for (const p of imported.problems) {
    const d = documents[p.doc]!;
    problems.push(`${where(d, p.path)}: ${printable(p.message)}`);
  }
  const slos: ResolvedSlo[] = [];
  for (const s of imported.slos) {
    const d = documents[s.doc]!;
    const at = s.path.length ? s.path : ["metadata", "name"];
    const server = s.slo.scope.server;
    if (server !== undefined && server !== "*" && !serverNames.includes(server)) {
      problems.push(
        `${where(d, at)}: SLO "${printable(s.slo.id)}" judges server "${printable(server)}", which is not a server of ${printable(loc.file)} (${serverNames.join(", ")})`,
      );
      continue;
    }
    const tools = server !== undefined && server !== "*" ? findServer(server)?.tools : undefined;
    if (tools && s.slo.scope.tool !== undefined && !tools.includes(s.slo.scope.tool)) {
      problems.push(
        `${where(d, at)}: SLO "${printable(s.slo.id)}": server "${server}" has no tool "${printable(s.slo.scope.tool)}"; its tools are ${tools.join(", ")}`,
      );
      continue;
    }
    // Where the target comes from: the seed source the annotations carry, else this OpenSLO file at the SLO.
    const source = s.slo.source ?? { document: d.shown, lines: String(lineOf(d.doc, d.lines, at)) };
    slos.push({ ...s.slo, source });
  }
  return { slos, problems };
}
