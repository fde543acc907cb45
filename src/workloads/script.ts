/**
 * `kind: script`: each agent runs a list of named steps in order, again and again; one pass is one
 * "agent task". A step is a tool call whose argument templates may read earlier answers
 * ({{steps.create.result.entities[0].name}}, {{jsonpath steps.create '$.entities[0].name'}}: ./script-refs.ts).
 * A pass stops at the first step that fails, and counts where and why: the call failed (a server
 * error, recorded as every call is), the answer lacked what a later step reads (a broken chain,
 * counted at the step whose answer lacked it), or the answer did not meet the step's `expect`.
 */
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import type { PathPart } from "../contracts/checks.js";
import type { ScriptStepPlan } from "../contracts/plan.js";
import { ArgValue } from "../contracts/scenario-fields.js";
import type { CallResult, PreparedWorkload, WorkloadEnv } from "../contracts/workload-env.js";
import type { ScriptStepSummary, ScriptSummary } from "../results/types.js";
import { seededRng, type Rng } from "../util/random.js";
import { compileTemplate, PLACEHOLDER_HELP, type CallContext, type CompiledValue, type PlaceholderExtension } from "../util/template.js";
import {
  compileJsonPath,
  describeSegments,
  MISSING,
  parseDotPath,
  parseStepRef,
  readPath,
  schemaRulesOut,
  STEP_NAME,
  STEP_PLACEHOLDER_HELP,
  type Found,
  type Segment,
  type StepRef,
} from "./script-refs.js";
import { defineWorkloadKind, toolsByServer } from "./workload-kind.js";

export const SCRIPT_DEFINITION =
  "Each agent runs the script's steps in order, again and again: one pass is one agent task. A step's answer is the tool's structuredContent, else its text parsed as JSON, else its text. " +
  "A pass stops at the first step that fails: its call failed (failed, also counted among the server's errors), its answer lacked a value a later step reads (broken chain, counted at the step whose answer lacked it), " +
  "or its answer did not meet the step's expect (unexpected). A task counts in the window when its first step was sent in it; it completed when every step answered, kept the chain and met its expect.";

/** Examples of broken chains and unmet expects kept per step. */
const EXAMPLES_KEPT = 3;
/** Longest value an example quotes. */
const EXAMPLE_VALUE_CHARS = 80;

/** What a step has left for the steps after it in this pass. */
interface StepRecord {
  args: Record<string, unknown>;
  /** Parsed on first read: a pass whose later steps read nothing of it never parses it. */
  answer(): unknown;
}

/** A template's context in a script: the built-in one and the steps this pass has run so far. */
export interface ScriptCallContext extends CallContext {
  done: Map<string, StepRecord>;
}

/** A template read a value that the step it names did not have: the chain broke at that step. */
class MissingValue extends Error {
  constructor(
    readonly ref: StepRef,
    /** Index of the step whose arguments or answer lacked it. */
    readonly producer: number,
  ) {
    super(`{{${ref.text}}}: the ${ref.part === "args" ? "arguments" : "answer"} of step "${ref.step}" had no such value`);
  }
}

interface CompiledExpect {
  path: string;
  read(answer: unknown): Found;
  equals: CompiledValue<ScriptCallContext> | undefined;
  /** The path as segments, for the check against a declared output schema; undefined for a JSONPath that is no plain path. */
  segments: Segment[] | undefined;
}

interface CompiledStep {
  plan: ScriptStepPlan;
  args: CompiledValue<ScriptCallContext>;
  expect: CompiledExpect[];
}

interface CompiledScript {
  steps: CompiledStep[];
  problems: { path: PathPart[]; message: string }[];
  /** Every reference to an answer, and every expect path, with where it is written (for the output-schema check). */
  answerReads: { path: PathPart[]; text: string; step: number; segments: Segment[] | undefined }[];
}

/**
 * Whether a step's arguments as written can never hold a value at `segments`: the path leaves them
 * before it ends. A placeholder on the way may become anything (an earlier answer's object), so not then.
 */
function argsLack(args: unknown, segments: readonly Segment[]): boolean {
  let v = args;
  for (const s of segments) {
    if (typeof v === "string" && v.includes("{{")) return false;
    const next = readPath(v, [s]);
    if (next === MISSING) return true;
    v = next;
  }
  return false;
}

/** The placeholders of step `index`'s templates: a step's arguments read earlier steps; its expect, earlier ones and itself. */
function stepPlaceholders(
  plans: readonly ScriptStepPlan[],
  index: number,
  own: boolean,
  onRef: (ref: StepRef, step: number) => void,
): PlaceholderExtension<ScriptCallContext> {
  const names = plans.map((s) => s.name);
  return (expr) => {
    const ref = parseStepRef(expr);
    if (ref === undefined) return `unknown placeholder {{${expr}}}; known: ${PLACEHOLDER_HELP}, ${STEP_PLACEHOLDER_HELP}`;
    if (typeof ref === "string") return ref;
    const at = names.indexOf(ref.step);
    if (at < 0) return `{{${expr}}}: no step "${ref.step}" in this script (its steps: ${names.join(", ")})`;
    if (at > index) return `{{${expr}}}: step "${ref.step}" comes later (steps[${at}]); a step reads only the steps before it${own ? " and itself" : ""}`;
    if (at === index && !own) return `{{${expr}}}: step "${ref.step}" is this step; its arguments read only the steps before it`;
    if (ref.part === "args" && ref.segments && argsLack(plans[at]!.args, ref.segments))
      return `{{${expr}}}: the arguments of step "${ref.step}" have no ${describeSegments(ref.segments)}`;
    onRef(ref, at);
    return (ctx) => {
      const record = ctx.done.get(ref.step);
      const value = record === undefined ? MISSING : ref.read(ref.part === "args" ? record.args : record.answer());
      if (value === MISSING) throw new MissingValue(ref, at);
      return value;
    };
  };
}

/** Calls `visit` on every string of a JSON-like value, with its path. */
function eachString(value: unknown, path: PathPart[], visit: (text: string, path: PathPart[]) => void): void {
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) eachString(v, [...path, i], visit);
  } else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) eachString(v, [...path, k], visit);
}

/**
 * Compiles a script's steps (at `at`, the workload's path in the file): its templates, expects and the
 * references between steps; every problem at the path of the value that has it.
 */
export function compileScript(plans: readonly ScriptStepPlan[], at: readonly PathPart[] = ["workload"]): CompiledScript {
  const problems: CompiledScript["problems"] = [];
  const answerReads: CompiledScript["answerReads"] = [];
  const steps = plans.map((plan, i): CompiledStep => {
    const p = [...at, "steps", i];
    const noted = (path: PathPart[]) => (ref: StepRef, step: number) => {
      if (ref.part === "result") answerReads.push({ path, text: `{{${ref.text}}}`, step, segments: ref.segments });
    };
    // Each string on its own first, so a problem is reported at the argument that has it.
    eachString(plan.args, [...p, "args"], (text, path) => {
      const found: string[] = [];
      compileTemplate(text, found, stepPlaceholders(plans, i, false, noted(path)));
      for (const message of found) problems.push({ path, message });
    });
    const args = compileTemplate(
      plan.args,
      [],
      stepPlaceholders(plans, i, false, () => undefined),
    );
    const expect = plan.expect.map((e, k): CompiledExpect => {
      const ep = [...p, "expect", k];
      const reader = pathReader(e.path);
      if (typeof reader === "string") problems.push({ path: [...ep, "path"], message: reader });
      else answerReads.push({ path: [...ep, "path"], text: `expect path ${e.path}`, step: i, segments: reader.segments });
      let equals: CompiledValue<ScriptCallContext> | undefined;
      if (e.equals !== undefined) {
        eachString(e.equals, [...ep, "equals"], (text, path) => {
          const found: string[] = [];
          compileTemplate(text, found, stepPlaceholders(plans, i, true, noted(path)));
          for (const message of found) problems.push({ path, message });
        });
        equals = compileTemplate(
          e.equals,
          [],
          stepPlaceholders(plans, i, true, () => undefined),
        );
      }
      return { path: e.path, equals, ...(typeof reader === "string" ? { read: () => MISSING, segments: undefined } : reader) };
    });
    return { plan, args, expect };
  });
  return { steps, problems, answerReads };
}

/** An expect's path: a dot/index path, or a JSONPath when it starts with "$". */
function pathReader(path: string): { read(answer: unknown): Found; segments: Segment[] | undefined } | string {
  if (path.startsWith("$")) {
    const q = compileJsonPath(path);
    return typeof q === "string" ? q : { read: q.read, segments: q.singular };
  }
  const segments = parseDotPath(path);
  return typeof segments === "string" ? segments : { read: (a) => readPath(a, segments), segments };
}

/** A step's answer: its structuredContent, else its text parsed as JSON, else its text. */
export function answerOf(r: Pick<CallResult, "text" | "structured">): unknown {
  if (r.structured !== undefined) return r.structured;
  try {
    return JSON.parse(r.text) as unknown;
  } catch {
    return r.text;
  }
}

/**
 * The problems of a script's reads of answers that the tools' declared output schemas rule out. A tool
 * that declares none may answer anything: its answers are checked as they come (broken chains).
 */
export function answerSchemaProblems(
  plans: readonly ScriptStepPlan[],
  outputSchemaOf: (server: string, tool: string) => unknown,
): { path: PathPart[]; message: string }[] {
  const out: { path: PathPart[]; message: string }[] = [];
  for (const read of compileScript(plans).answerReads) {
    const step = plans[read.step]!;
    const schema = outputSchemaOf(step.server, step.tool);
    // No declared schema, or a JSONPath with wildcards or filters: nothing to rule out before the answers come.
    if (schema === undefined || read.segments === undefined) continue;
    const why = schemaRulesOut(schema, read.segments);
    if (why !== undefined)
      out.push({
        path: read.path,
        message: `${read.text}: the output schema ${step.server}/${step.tool} declares (step "${step.name}") rules out ${describeSegments(read.segments)}: ${why}`,
      });
  }
  return out;
}

function quote(v: unknown): string {
  const text = v === undefined ? "nothing" : typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return text.length > EXAMPLE_VALUE_CHARS ? `${text.slice(0, EXAMPLE_VALUE_CHARS)}...` : text;
}

type StepOutcome = "ok" | "failed" | "broken" | "unexpected";

export function prepareScript(plans: readonly ScriptStepPlan[], env: WorkloadEnv): PreparedWorkload {
  const compiled = compileScript(plans);
  if (compiled.problems.length) throw new Error(`script: ${compiled.problems.map((p) => p.message).join("; ")}`);
  const { steps } = compiled;
  const rngs: Rng[] = Array.from({ length: env.agents }, (_, i) => seededRng(env.seed * 1_000_003 + i));
  const tallies: ScriptStepSummary[] = plans.map((s) => ({
    name: s.name,
    server: s.server,
    tool: s.tool,
    calls: 0,
    ok: 0,
    failed: 0,
    broken: 0,
    unexpected: 0,
    examples: [],
  }));
  const tasks = { started: 0, completed: 0 };
  const example = (step: number, text: string) => {
    const kept = tallies[step]!.examples;
    if (kept.length < EXAMPLES_KEPT) kept.push(text);
  };

  /** Runs one pass; each step's outcome (undefined: not reached), and notes for the examples. */
  const pass = async (worker: number, seq: number, intendedAt: number | undefined) => {
    const outcomes: (StepOutcome | undefined)[] = steps.map(() => undefined);
    const notes: [number, string][] = [];
    const ctx: ScriptCallContext = { agent: worker, seq, runId: env.runId, rng: rngs[worker]!, sandbox: env.sandbox, done: new Map() };
    const broke = (err: MissingValue, needer: string) => {
      outcomes[err.producer] = "broken";
      notes.push([err.producer, `${needer} needs ${err.message}`]);
    };
    for (const [i, step] of steps.entries()) {
      let args: Record<string, unknown>;
      try {
        args = step.args(ctx) as Record<string, unknown>;
      } catch (err) {
        if (!(err instanceof MissingValue)) throw err;
        broke(err, `step "${step.plan.name}"`);
        return { outcomes, notes };
      }
      // The task's arrival time is its first call's: later steps go as soon as the one before answered.
      const r = await env.calls.call(worker, step.plan.server, step.plan.tool, args, i === 0 ? intendedAt : undefined);
      if (r.outcome !== "ok") {
        outcomes[i] = "failed";
        return { outcomes, notes };
      }
      let parsed: { value: unknown } | undefined;
      const answer = () => {
        parsed ??= { value: answerOf(r) };
        return parsed.value;
      };
      ctx.done.set(step.plan.name, { args, answer });
      outcomes[i] = "ok";
      for (const e of step.expect) {
        let problem: string | undefined;
        try {
          const found = e.read(ctx.done.get(step.plan.name)!.answer());
          const want = e.equals?.(ctx);
          if (found === MISSING) problem = `expect ${e.path}: the answer has no such value`;
          else if (e.equals !== undefined && !isDeepStrictEqual(found, want)) problem = `expect ${e.path}: expected ${quote(want)}, found ${quote(found)}`;
        } catch (err) {
          if (!(err instanceof MissingValue)) throw err;
          broke(err, `the expect of step "${step.plan.name}" on ${e.path}`);
          return { outcomes, notes };
        }
        if (problem !== undefined) {
          outcomes[i] = "unexpected";
          notes.push([i, problem]);
          return { outcomes, notes };
        }
      }
    }
    return { outcomes, notes };
  };

  return {
    workers: env.agents,
    operation: async (worker, seq, intendedAt) => {
      // A task belongs to the phase its first step was sent in, its step counts with it.
      const measuring = env.calls.phase === "measure";
      if (measuring) tasks.started++;
      try {
        const { outcomes, notes } = await pass(worker, seq, intendedAt);
        if (!measuring) return;
        for (const [i, o] of outcomes.entries()) {
          if (o === undefined) continue;
          const t = tallies[i]!;
          t.calls++;
          t[o]++;
        }
        for (const [i, text] of notes) example(i, text);
        if (outcomes.every((o) => o === "ok")) tasks.completed++;
      } finally {
        await env.calls.taskDone?.(worker);
      }
    },
    script: (): ScriptSummary => ({ definition: SCRIPT_DEFINITION, tasks: { ...tasks }, steps: tallies.map((t) => ({ ...t, examples: [...t.examples] })) }),
  };
}

const StepExpect = z.strictObject({
  path: z
    .string()
    .min(1)
    .max(1000)
    .describe(
      'What the answer must hold: a dot/index path (entities[0].name) or a JSONPath ("$.entities[*].name"). Without `equals`, it must hold a value there.',
    ),
  equals: ArgValue.optional().describe('The value it must equal (deep, strict: 3 is not "3"); a template that may read this step and earlier ones.'),
});

const ScriptStep = z.strictObject({
  name: z
    .string()
    .regex(STEP_NAME, "expected a step name of letters, digits, _ and - that starts with a letter or _ (at most 64 characters)")
    .describe("The step's name, for {{steps.<name>...}} in later steps and the per-step results."),
  server: z.string().describe("Name of a server of this scenario."),
  tool: z.string().describe("Tool to call."),
  args: z
    .record(z.string(), ArgValue)
    .default({})
    .describe(`Tool arguments. Strings may hold placeholders: ${PLACEHOLDER_HELP}, and what earlier steps sent and answered: ${STEP_PLACEHOLDER_HELP}.`),
  expect: z
    .array(StepExpect)
    .max(32, "expected at most 32 checks on one step")
    .default([])
    .describe("Checks of the answer; an unmet one stops the pass (unexpected)."),
});

export const scriptWorkload = defineWorkloadKind({
  name: "script",
  schema: z.strictObject({
    kind: z.literal("script"),
    steps: z
      .array(ScriptStep)
      .min(1, "expected at least one step")
      .max(64, "expected at most 64 steps")
      .describe("The steps each agent runs in order, again and again; one pass is one agent task."),
  }),
  plainCalls: false,
  // Worker i sends as agent i, and only as it.
  agentWorkers: true,
  // Each pass ends with taskDone: session churn per task (sessions.churn.perTask) swaps after it.
  tasks: true,
  crossCheck(w, ctx) {
    for (const [i, s] of w.steps.entries()) ctx.checkServer(s.server, ["workload", "steps", i, "server"]);
  },
  check(at, facts) {
    const raw = facts.arr([...at, "steps"]);
    const plans: ScriptStepPlan[] = raw.map((_, i) => {
      const p = [...at, "steps", i];
      const args = facts.valueAt([...p, "args"]);
      return {
        name: facts.str([...p, "name"]) ?? "",
        server: facts.str([...p, "server"]) ?? "",
        tool: facts.str([...p, "tool"]) ?? "",
        args: typeof args === "object" && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : {},
        // An expect without a path string is the schema's to report.
        expect: facts
          .arr([...p, "expect"])
          .map((_, k) => ({ path: facts.str([...p, "expect", k, "path"]) ?? "", equals: facts.valueAt([...p, "expect", k, "equals"]) }))
          .filter((e) => e.path !== ""),
      };
    });
    plans.forEach((s, i) => {
      const p = [...at, "steps", i];
      const first = plans.findIndex((o) => o.name === s.name);
      if (s.name !== "" && first < i)
        facts.report([...p, "name"], `expected a name no other step has, found "${s.name}" (steps[${first}] has it too)`, { found: false });
      facts.checkTool(facts.str([...p, "server"]), facts.str([...p, "tool"]), [...p, "tool"]);
    });
    for (const problem of compileScript(plans, at).problems) facts.report(problem.path, problem.message, { found: false });
  },
  plan(w) {
    const steps: ScriptStepPlan[] = w.steps.map((s) => ({
      name: s.name,
      server: s.server,
      tool: s.tool,
      args: s.args,
      expect: s.expect.map((e) => ({ path: e.path, ...(e.equals !== undefined && { equals: e.equals }) })),
    }));
    return {
      kind: "script",
      calls: undefined,
      toolsUsed: toolsByServer(steps.map((s) => [s.server, s.tool])),
      seedRows: 0,
      pingOnly: [],
      install: undefined,
      script: steps,
      answerProblems: (outputSchemaOf) => answerSchemaProblems(steps, outputSchemaOf),
      prepare: (env) => prepareScript(steps, env),
    };
  },
});
