/**
 * Probe files (probes/*.yaml): per server, a cheap tool call, what its answer
 * must hold, and a deadline. Validated like scenario files: every problem at
 * once, each with file, line and path (the helpers of load-scenario.ts).
 */
import { z } from "zod";
import { HarnessError } from "../errors.js";
import { findServer, SERVER_CATALOG } from "../catalog/servers.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import { flattenIssues, problem, readYamlMapping, type Located } from "../config/problems.js";
import { DURATION_BOUNDS, duration } from "../contracts/scenario-fields.js";
import { redactKnownSecrets } from "../telemetry/redact.js";

export const ProbeSpec = z.strictObject({
  /** Shown in metrics (label `probe`); defaults to server.tool. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+$/, "expected letters, digits, _ . : -")
    .optional(),
  server: z.string().min(1),
  tool: z.string().min(1),
  args: z.record(z.string(), z.unknown()).default({}),
  expect: z
    .strictObject({
      /** The answer's text must contain this. */
      contains: z.string().optional(),
      /** The answer's text must match this regular expression. */
      matches: z.string().optional(),
      /** Whether the tool is expected to report an error (isError); default false. */
      isError: z.boolean().default(false),
    })
    .default({ isError: false }),
  timeout: duration(DURATION_BOUNDS.probeTimeout, "Deadline of the call.").prefault("2s"),
});

export const ProbeFile = z.strictObject({
  /** Time between the starts of two probe rounds. */
  interval: duration(DURATION_BOUNDS.probeInterval, "Time between the starts of two probe rounds.").prefault("5s"),
  probes: z.array(ProbeSpec).min(1),
});
export type ProbeFile = z.infer<typeof ProbeFile>;

export interface Probe {
  name: string;
  server: ServerDefinition;
  tool: string;
  args: Record<string, unknown>;
  contains: string | undefined;
  matches: RegExp | undefined;
  expectError: boolean;
  timeoutMs: number;
}

export interface ProbePlan {
  file: string;
  intervalMs: number;
  probes: Probe[];
}

function semanticProblems(loc: Located, value: ProbeFile): string[] {
  const out: string[] = [];
  const intervalMs = value.interval.ms;
  const names = new Map<string, number>();
  value.probes.forEach((p, i) => {
    const def = findServer(p.server);
    if (!def)
      out.push(
        problem(loc, ["probes", i, "server"], `unknown server "${p.server}"; the catalog has ${SERVER_CATALOG.map((d) => d.name).join(", ")}`, {
          found: false,
        }),
      );
    else if (def.tools && !def.tools.includes(p.tool))
      out.push(problem(loc, ["probes", i, "tool"], `server "${p.server}" has no tool "${p.tool}"; its tools are ${def.tools.join(", ")}`, { found: false }));
    const timeoutMs = p.timeout.ms;
    // A deadline longer than the interval would let rounds pile up on a stalled server.
    if (timeoutMs > intervalMs)
      out.push(
        problem(
          loc,
          ["probes", i, "timeout"],
          `${p.timeout.text}${valueAtTimeout(loc, i) === undefined ? " (the default)" : ""} must not exceed the interval (${value.interval.text}): rounds would overlap`,
          { found: false, linePath: valueAtTimeout(loc, i) === undefined ? ["probes", i] : ["probes", i, "timeout"] },
        ),
      );
    if (p.expect.matches !== undefined) {
      try {
        new RegExp(p.expect.matches);
      } catch (err) {
        out.push(problem(loc, ["probes", i, "expect", "matches"], `not a valid regular expression (${(err as Error).message})`));
      }
    }
    const name = p.name ?? `${p.server}.${p.tool}`;
    const first = names.get(name);
    if (first !== undefined)
      out.push(problem(loc, ["probes", i], `a second probe named "${name}" (the first is probes[${first}]); give one a name`, { found: false }));
    else names.set(name, i);
  });
  return out;
}

/** Unknown servers and tools, read from the file as written: shown with the schema's problems, all at once. */
function serverProblems(loc: Located): string[] {
  const probes = (loc.raw as { probes?: unknown }).probes;
  if (!Array.isArray(probes)) return [];
  return probes.flatMap((p: unknown, i) => {
    const server = (p as { server?: unknown } | null)?.server;
    const tool = (p as { tool?: unknown } | null)?.tool;
    if (typeof server !== "string") return [];
    const def = findServer(server);
    if (!def)
      return [
        problem(loc, ["probes", i, "server"], `unknown server "${server}"; the catalog has ${SERVER_CATALOG.map((d) => d.name).join(", ")}`, { found: false }),
      ];
    if (typeof tool === "string" && def.tools && !def.tools.includes(tool))
      return [problem(loc, ["probes", i, "tool"], `server "${server}" has no tool "${tool}"; its tools are ${def.tools.join(", ")}`, { found: false })];
    return [];
  });
}

function valueAtTimeout(loc: Located, i: number): unknown {
  const probes = (loc.raw as { probes?: unknown }).probes;
  return Array.isArray(probes) ? (probes[i] as { timeout?: unknown } | undefined)?.timeout : undefined;
}

/** Every problem of a probe file; [] when it is valid. */
export async function validateProbeFile(file: string): Promise<{ problems: string[]; plan?: ProbePlan }> {
  const loc = await readYamlMapping(file, "a mapping with interval and probes", "probe file");
  if ("problems" in loc) return loc;
  const raw = loc.raw;
  const parsed = ProbeFile.safeParse(raw);
  if (!parsed.success) {
    const line = (text: string) => Number(/:(\d+): /.exec(text)?.[1] ?? 0);
    return {
      problems: [...flattenIssues(parsed.error.issues).map((i) => problem(loc, i.path, i.message)), ...serverProblems(loc)].sort((a, b) => line(a) - line(b)),
    };
  }
  const problems = semanticProblems(loc, parsed.data);
  if (problems.length) return { problems };
  const v = parsed.data;
  return {
    problems: [],
    plan: {
      file,
      intervalMs: v.interval.ms,
      probes: v.probes.map((p) => ({
        name: p.name ?? `${p.server}.${p.tool}`,
        server: findServer(p.server)!,
        tool: p.tool,
        args: p.args,
        contains: p.expect.contains,
        matches: p.expect.matches === undefined ? undefined : new RegExp(p.expect.matches),
        expectError: p.expect.isError,
        timeoutMs: p.timeout.ms,
      })),
    },
  };
}

/** The plan of a valid probe file; a HarnessError("invalid_input") listing every problem otherwise. */
export async function loadProbeFile(file: string): Promise<ProbePlan> {
  const { problems, plan } = await validateProbeFile(file);
  if (!plan) throw new HarnessError("invalid_input", `${file} is not a valid probe file`, { details: problems });
  return plan;
}

/** Why an answer is not what the probe expects, or undefined when it is. */
export function unexpectedAnswer(probe: Probe, answer: { isError: boolean; text: string }): string | undefined {
  if (answer.isError !== probe.expectError)
    return answer.isError ? `the tool reported an error: ${answer.text.slice(0, 200)}` : "the tool was expected to report an error";
  if (probe.contains !== undefined && !answer.text.includes(probe.contains))
    return `the answer does not contain ${JSON.stringify(probe.contains)}: ${JSON.stringify(redactKnownSecrets(answer.text).slice(0, 120))}`;
  if (probe.matches !== undefined && !probe.matches.test(answer.text))
    return `the answer does not match /${probe.matches.source}/: ${JSON.stringify(redactKnownSecrets(answer.text).slice(0, 120))}`;
  return undefined;
}
