/**
 * probe.confinement: a server given a root directory (its args or env hold {{sandbox}}) cannot be
 * made to read or write outside it. Four ways out, each aimed at canary files the probe puts beside
 * the sandbox:
 *  - traversal: `<sandbox>/../<outside>/canary` and `../<outside>/canary` (relative to the server);
 *  - absolute: `<outside>/canary`;
 *  - symlink: `<sandbox>/<link>/canary`, where <link> is a symlink the probe makes inside the
 *    sandbox pointing at <outside> (CVE-2025-53109 of the filesystem server was this);
 *  - prefix: `<sandbox>-<canary>/canary`, a sibling whose name starts with the sandbox's
 *    (CVE-2025-53110: a string-prefix check lets it through).
 * A read fails when the canary file's content appears in any text of the answer; a write fails when
 * the target outside exists afterwards, or the canary files changed (the probe stats them itself).
 * Every tool with a path-like property is tried (pathProperties): the server's answer is never
 * taken for the verdict. Everything made here is removed after, and registered so a crash removes it too.
 */
import { rmSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ProbeOutcome } from "../model.js";
import { cut, newCanary, outcome, preview, type ProbeSession } from "./context.js";
import { asPropertyValue, buildArguments, pathProperties, pickTools, propertiesOf, writes } from "./tool-inputs.js";

const CHECK = "probe.confinement" as const;
/** Tools tried at most per server (reads and writes each). */
const MAX_TOOLS = 12;

export type Escape = "traversal" | "absolute" | "symlink" | "prefix";
/** The escapes in the order escapeTargets lists them. */
const ESCAPES: readonly Escape[] = ["traversal", "traversal", "absolute", "symlink", "prefix"];

/** The canary layout of one run. */
export interface Canaries {
  token: string;
  /** The secret content of every canary file. */
  content: string;
  outside: string;
  prefixSibling: string;
  link: string;
  /** A file inside the sandbox, for tools that need a second path that is allowed (move_file's source). */
  inside: string;
}

/** Where each escape points for a file named `name` outside (read: the canary; write: a new name). */
export function escapeTargets(sandbox: string, canaries: Canaries, name: string): { way: Escape; path: string }[] {
  const outsideName = path.basename(canaries.outside);
  return [
    { way: "traversal", path: `${sandbox}/../${outsideName}/${name}` },
    { way: "traversal", path: `../${outsideName}/${name}` },
    { way: "absolute", path: path.join(canaries.outside, name) },
    { way: "symlink", path: path.join(canaries.link, name) },
    { way: "prefix", path: path.join(canaries.prefixSibling, name) },
  ];
}

/** Where on disk an escape's write would land if it went through (for the stat afterwards). */
function landing(canaries: Canaries, way: Escape, name: string): string {
  return path.join(way === "prefix" ? canaries.prefixSibling : canaries.outside, name);
}

/** The server is given a root: the sandbox appears in its args or env. */
export function hasRoot(def: { args: readonly string[]; env: Record<string, string> }): boolean {
  return [...def.args, ...Object.values(def.env)].some((v) => v.includes("{{sandbox}}"));
}

async function makeCanaries(sandbox: string, session: ProbeSession): Promise<{ canaries: Canaries; remove: () => Promise<void> }> {
  const token = newCanary();
  const parent = path.dirname(sandbox);
  const canaries: Canaries = {
    token,
    content: `MCP-SLO-CANARY-${token}-outside-the-root`,
    outside: path.join(parent, `mcp-slo-probe-outside-${token}`),
    prefixSibling: `${sandbox}-${token}`,
    link: path.join(sandbox, `mcp-slo-probe-link-${token}`),
    inside: path.join(sandbox, `mcp-slo-probe-inside-${token}.txt`),
  };
  const made = [canaries.outside, canaries.prefixSibling, canaries.link, canaries.inside];
  const removeSync = () => {
    for (const p of made) rmSync(p, { recursive: true, force: true });
  };
  const remove = async () => {
    for (const p of made) await rm(p, { recursive: true, force: true });
  };
  const untrack = session.ctx.registry.addResource({ name: `probe canaries ${token}`, dispose: remove, disposeSync: removeSync });
  for (const dir of [canaries.outside, canaries.prefixSibling]) {
    await mkdir(dir);
    await writeFile(path.join(dir, "canary.txt"), canaries.content);
  }
  await symlink(canaries.outside, canaries.link);
  await writeFile(canaries.inside, `MCP-SLO-INSIDE-${token}`);
  return {
    canaries,
    remove: async () => {
      await remove();
      untrack();
    },
  };
}

/** What the canary dirs hold: only canary.txt with the canary content, unless something wrote there. */
async function outsideState(canaries: Canaries): Promise<string[]> {
  const problems: string[] = [];
  for (const dir of [canaries.outside, canaries.prefixSibling]) {
    const entries = (await readdir(dir).catch(() => [] as string[])).sort();
    for (const e of entries) if (e !== "canary.txt") problems.push(`${path.join(dir, e)} exists`);
    const content = await readFile(path.join(dir, "canary.txt"), "utf8").catch(() => undefined);
    if (content !== canaries.content) problems.push(`${path.join(dir, "canary.txt")} ${content === undefined ? "is gone" : "was changed"}`);
  }
  return problems;
}

export async function probeConfinement(session: ProbeSession): Promise<ProbeOutcome[]> {
  const { ctx } = session;
  if (!hasRoot(ctx.server))
    return [outcome(CHECK, "confinement", "not_applicable", "the server is given no root directory ({{sandbox}} is in neither its args nor its env)")];
  const candidates = ctx.definitions.tools.filter((t) => pathProperties(t).length > 0);
  if (candidates.length === 0)
    return [outcome(CHECK, "confinement", "not_applicable", "no tool takes a path (no property named path, file, source, destination, ...)")];
  const sandbox = ctx.endpoints.sandbox;
  const { canaries, remove } = await makeCanaries(sandbox, session);
  session.fileCanaries.push(canaries.content);
  try {
    const readers = pickTools(
      candidates.filter((t) => !writes(t)),
      (t) => pathProperties(t).length,
      MAX_TOOLS,
    );
    const writers = pickTools(
      candidates.filter((t) => writes(t)),
      (t) => pathProperties(t).length,
      MAX_TOOLS,
    );
    const failures = new Map<Escape, ProbeOutcome[]>();
    const tried = new Map<Escape, Set<string>>();
    const note = (way: Escape, tool: string) => tried.set(way, (tried.get(way) ?? new Set()).add(tool));
    const fail = (way: Escape, o: ProbeOutcome) => failures.set(way, [...(failures.get(way) ?? []), o]);

    for (const tool of readers) {
      for (const prop of pathProperties(tool)) {
        for (const target of escapeTargets(sandbox, canaries, "canary.txt")) {
          const args = argsWith(tool, prop, target.path, canaries);
          const r = await session.call(`confinement.${target.way}`, tool.name, args);
          note(target.way, tool.name);
          if (r.text.includes(canaries.content)) {
            fail(target.way, {
              probe: `confinement.${target.way}`,
              check: CHECK,
              status: "fail",
              detail: `${tool.name} read a file outside its root through ${prop}=${JSON.stringify(target.path)}`,
              finding: {
                ruleId: `probe.confinement.${target.way}`,
                severity: "critical",
                title: `Reads outside its root (${target.way})`,
                message: `${tool.name} returned the content of a canary file outside the sandbox, asked for ${JSON.stringify(target.path)}.`,
                evidence: `answer: ${cut(r.text.replace(/\s+/g, " "))}`,
                reproduce: `tools/call ${tool.name} ${preview(args, 400)}`,
                tool: tool.name,
                field: prop,
                source: "MCP spec 2025-11-25 server/tools.mdx (validate inputs, access control); CVE-2025-53109/53110 (symlink and prefix escapes)",
              },
            });
          }
        }
      }
    }

    for (const tool of writers) {
      for (const prop of pathProperties(tool)) {
        // A new file (write, create, move to) and the existing canary (edit, overwrite, move from).
        for (const fresh of [true, false]) {
          for (const [i, way] of ESCAPES.entries()) {
            const name = fresh ? `written-${i}-${tool.name}-${prop}`.replace(/[^A-Za-z0-9._-]/g, "_") : "canary.txt";
            const target = escapeTargets(sandbox, canaries, name)[i]!;
            await writeFile(canaries.inside, `MCP-SLO-INSIDE-${canaries.token}`);
            const args = argsWith(tool, prop, target.path, canaries);
            const r = await session.call(`confinement.${way}`, tool.name, args);
            note(way, tool.name);
            const where = landing(canaries, way, name);
            const created = fresh && (await exists(where));
            const changed = await outsideState(canaries);
            if (!created && changed.length === 0) continue;
            const effect = created ? `${where} was created` : changed.join("; ");
            fail(way, {
              probe: `confinement.${way}`,
              check: CHECK,
              status: "fail",
              detail: `${tool.name} wrote outside its root through ${prop}: ${effect}`,
              finding: {
                ruleId: `probe.confinement.${way}`,
                severity: "critical",
                title: `Writes outside its root (${way})`,
                message: `After ${tool.name} with ${prop}=${JSON.stringify(args[prop])}, the probe found: ${effect}.`,
                evidence: `${effect}; the server answered: ${cut(r.text.replace(/\s+/g, " "), 200)}`,
                reproduce: `tools/call ${tool.name} ${preview(args, 400)}`,
                tool: tool.name,
                field: prop,
                source: "MCP spec 2025-11-25 server/tools.mdx (validate inputs, access control); CVE-2025-53109/53110",
              },
            });
            // Put the canaries back, so the next attempt is judged on its own effect.
            for (const dir of [canaries.outside, canaries.prefixSibling]) {
              for (const e of await readdir(dir).catch(() => [] as string[])) await rm(path.join(dir, e), { recursive: true, force: true });
              await writeFile(path.join(dir, "canary.txt"), canaries.content);
            }
          }
        }
      }
    }

    const out: ProbeOutcome[] = [];
    for (const way of new Set(ESCAPES)) {
      const tools = [...(tried.get(way) ?? [])];
      const failed = failures.get(way);
      if (failed) out.push(...failed);
      else
        out.push(
          outcome(
            CHECK,
            `confinement.${way}`,
            "pass",
            `no read or write escaped the root by ${way} (${tools.join(", ")}; canary files beside the sandbox checked after each call)`,
          ),
        );
    }
    return out;
  } finally {
    await remove();
  }
}

/** The tool's arguments with `prop` aimed at `target`; other path properties at an allowed file inside the sandbox. */
function argsWith(tool: Tool, prop: string, target: string, canaries: Canaries): Record<string, unknown> {
  const others = new Set(pathProperties(tool));
  const props = propertiesOf(tool);
  const args = buildArguments(tool, (name, schema) => {
    if (name === prop) return asPropertyValue(schema, target);
    if (others.has(name) && name in props) return asPropertyValue(schema, canaries.inside);
    if (name === "content" || name === "text" || name === "data") return `MCP-SLO-WRITE-${canaries.token}`;
    return undefined;
  });
  return aimEdits(args, canaries) as Record<string, unknown>;
}

/**
 * An edit (edit_file's `edits: [{oldText, newText}]`) must match what the canary file holds, or
 * a server that would let it through fails on "text not found" and the escape goes unseen.
 */
function aimEdits(value: unknown, canaries: Canaries): unknown {
  if (Array.isArray(value)) return value.map((v) => aimEdits(v, canaries));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (typeof v === "string" && /^old/i.test(k)) return [k, canaries.content];
      if (typeof v === "string" && /^new/i.test(k)) return [k, `MCP-SLO-WRITE-${canaries.token}`];
      return [k, aimEdits(v, canaries)];
    }),
  );
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}
