import { describe, expect, it } from "vitest";
import type { ScriptStepPlan } from "../contracts/plan.js";
import type { CallResult, CallSender, Phase, WorkloadEnv } from "../contracts/workload-env.js";
import { answerOf, answerSchemaProblems, compileScript, prepareScript } from "./script.js";
import { compileJsonPath, MISSING, parseDotPath, readPath, schemaRulesOut } from "./script-refs.js";

interface Sent {
  agent: number;
  tool: string;
  args: Record<string, unknown>;
  intendedAt?: number | undefined;
}

/**
 * A CallSender that answers each call from a function of what was sent (a unit test starts no server;
 * test/script-chain.e2e.test.ts runs the chain against the real Memory server).
 */
class AnsweringCalls implements CallSender {
  phase: Phase = "measure";
  readonly sent: Sent[] = [];
  readonly tasksDone: number[] = [];
  constructor(private readonly answer: (call: Sent, n: number) => Partial<CallResult>) {}
  async call(agent: number, _server: string, tool: string, args: Record<string, unknown>, intendedAt?: number): Promise<CallResult> {
    const call = { agent, tool, args, intendedAt };
    this.sent.push(call);
    return { outcome: "ok", text: "", startedAt: 0, endedAt: 1, ...this.answer(call, this.sent.length - 1) };
  }
  taskDone(agent: number): void {
    this.tasksDone.push(agent);
  }
}

const env = (calls: CallSender): WorkloadEnv => ({ calls, runId: "r1", seed: 7, agents: 2, sandbox: "/sb" });

/** The Memory server's chain: create, search by the created name, open the name the search found. */
const CHAIN: ScriptStepPlan[] = [
  {
    name: "create",
    server: "memory",
    tool: "create_entities",
    args: { entities: [{ name: "t-{{agent}}-{{seq}}", entityType: "note", observations: ["o-{{seq}}"] }] },
    expect: [{ path: "entities[0].name", equals: "{{steps.create.args.entities[0].name}}" }],
  },
  { name: "search", server: "memory", tool: "search_nodes", args: { query: "{{steps.create.result.entities[0].name}}" }, expect: [] },
  { name: "open", server: "memory", tool: "open_nodes", args: { names: ["{{jsonpath steps.search '$.entities[0].name'}}"] }, expect: [] },
];

/** Answers like the Memory server: structuredContent for create, the JSON text only for search and open. */
function memoryLike(lostSearches: ReadonlySet<number>) {
  let searches = 0;
  return (call: Sent): Partial<CallResult> => {
    if (call.tool === "create_entities") {
      const entities = call.args.entities as { name: string }[];
      return { structured: { entities }, text: JSON.stringify(entities) };
    }
    if (call.tool === "search_nodes") {
      const lost = lostSearches.has(searches++);
      return { text: JSON.stringify({ entities: lost ? [] : [{ name: call.args.query, entityType: "note", observations: [] }], relations: [] }) };
    }
    return { text: JSON.stringify({ entities: (call.args.names as string[]).map((name) => ({ name })), relations: [] }) };
  };
}

describe("script: chained steps", () => {
  it("feeds each answer into the next step's arguments, and counts tasks and steps", async () => {
    const calls = new AnsweringCalls(memoryLike(new Set()));
    const w = prepareScript(CHAIN, env(calls));
    for (let seq = 0; seq < 4; seq++) await w.operation(seq % 2, seq, undefined);
    expect(calls.sent.map((c) => c.tool)).toEqual(Array.from({ length: 4 }, () => ["create_entities", "search_nodes", "open_nodes"]).flat());
    // Pass 3 of agent 1: the search asks for the name create answered, open for the one search found.
    expect(calls.sent[9]!.args).toEqual({ entities: [{ name: "t-1-3", entityType: "note", observations: ["o-3"] }] });
    expect(calls.sent[10]!.args).toEqual({ query: "t-1-3" });
    expect(calls.sent[11]!.args).toEqual({ names: ["t-1-3"] });
    const s = w.script!();
    expect(s.tasks).toEqual({ started: 4, completed: 4 });
    expect(s.steps.map((st) => [st.name, st.calls, st.ok, st.failed, st.broken, st.unexpected])).toEqual([
      ["create", 4, 4, 0, 0, 0],
      ["search", 4, 4, 0, 0, 0],
      ["open", 4, 4, 0, 0, 0],
    ]);
    expect(calls.tasksDone).toEqual([0, 1, 0, 1]);
  });

  it("open model: the task's arrival time is its first call's; the later steps are timed from their own sends", async () => {
    const calls = new AnsweringCalls(memoryLike(new Set()));
    const w = prepareScript(CHAIN, env(calls));
    await w.operation(1, 0, 1234.5);
    expect(calls.sent.map((c) => c.intendedAt)).toEqual([1234.5, undefined, undefined]);
  });

  it("a search that lacks the entity open needs is a broken chain at the search step; open is not called; the next pass starts", async () => {
    // Searches 1 and 4 (of passes 1 and 4) come back empty.
    const calls = new AnsweringCalls(memoryLike(new Set([1, 4])));
    const w = prepareScript(CHAIN, env(calls));
    for (let seq = 0; seq < 6; seq++) await w.operation(0, seq, undefined);
    const s = w.script!();
    expect(s.tasks).toEqual({ started: 6, completed: 4 });
    expect(s.steps.map((st) => [st.name, st.calls, st.ok, st.failed, st.broken, st.unexpected])).toEqual([
      ["create", 6, 6, 0, 0, 0],
      ["search", 6, 4, 0, 2, 0],
      ["open", 4, 4, 0, 0, 0],
    ]);
    expect(s.steps[1]!.examples[0]).toBe(`step "open" needs {{jsonpath steps.search '$.entities[0].name'}}: the answer of step "search" had no such value`);
    // Pass 1 stopped after its search; pass 2 started with a create.
    expect(calls.sent.slice(3, 6).map((c) => c.tool)).toEqual(["create_entities", "search_nodes", "create_entities"]);
    expect(calls.tasksDone).toHaveLength(6);
  });

  it("a failed call stops the pass as failed; an unmet expect as unexpected; the warm-up counts nothing", async () => {
    let n = 0;
    const calls = new AnsweringCalls((call) => {
      if (call.tool !== "create_entities") return { text: "{}" };
      n++;
      if (n === 2) return { outcome: "error", kind: "tool", error: "tool error: full" };
      // The third create answers another name than the one sent.
      const entities = n === 3 ? [{ name: "someone-else" }] : (call.args.entities as unknown[]);
      return { structured: { entities } };
    });
    const script: ScriptStepPlan[] = [CHAIN[0]!, { name: "read", server: "memory", tool: "read_graph", args: {}, expect: [] }];
    const w = prepareScript(script, env(calls));
    calls.phase = "warmup";
    await w.operation(0, 0, undefined);
    calls.phase = "measure";
    for (let seq = 1; seq < 4; seq++) await w.operation(0, seq, undefined);
    const s = w.script!();
    expect(s.tasks).toEqual({ started: 3, completed: 1 });
    expect(s.steps.map((st) => [st.name, st.calls, st.ok, st.failed, st.broken, st.unexpected])).toEqual([
      ["create", 3, 1, 1, 0, 1],
      ["read", 1, 1, 0, 0, 0],
    ]);
    expect(s.steps[0]!.examples).toEqual(['expect entities[0].name: expected "t-0-2", found "someone-else"']);
    expect(calls.tasksDone).toHaveLength(4);
  });
});

describe("script: validation", () => {
  it("names every reference to a later, missing or the same step, a bad path and a bad JSONPath at its own path", () => {
    const steps: ScriptStepPlan[] = [
      { name: "a", server: "s", tool: "t", args: { x: "{{steps.b.result.id}}", y: ["{{steps.nope.args.k}}"] }, expect: [] },
      {
        name: "b",
        server: "s",
        tool: "t",
        args: { z: "{{steps.b.result.id}}", w: "{{steps.a.result.list[}}" },
        expect: [{ path: "id", equals: "{{steps.b.result.id}}" }],
      },
      {
        name: "c",
        server: "s",
        tool: "t",
        args: { q: "{{jsonpath steps.a '$.items[?'}}", r: "{{steps.a}}", t: "{{steps.a.args.nope}}", u: "{{steps.a.args.x.deeper}}" },
        expect: [{ path: "$..[", equals: 1 }],
      },
    ];
    const got = compileScript(steps).problems.map((p) => `${p.path.join(".")}: ${p.message}`);
    expect(got).toEqual([
      'workload.steps.0.args.x: {{steps.b.result.id}}: step "b" comes later (steps[1]); a step reads only the steps before it',
      'workload.steps.0.args.y.0: {{steps.nope.args.k}}: no step "nope" in this script (its steps: a, b, c)',
      'workload.steps.1.args.z: {{steps.b.result.id}}: step "b" is this step; its arguments read only the steps before it',
      expect.stringMatching(/^workload\.steps\.1\.args\.w: \{\{steps\.a\.result\.list\[\}\}: expected a path of names and indexes such as entities\[0\]\.name/),
      expect.stringMatching(/^workload\.steps\.2\.args\.q: \{\{jsonpath steps\.a '\$\.items\[\?'\}\}: "\$\.items\[\?" is not a JSONPath \(RFC 9535\)/),
      "workload.steps.2.args.r: {{steps.a}}: expected {{steps.<step>.result.<path>}} or {{steps.<step>.args.<path>}}",
      // What a step sent is known as written: a path out of it is refused; one through a placeholder may be anything.
      'workload.steps.2.args.t: {{steps.a.args.nope}}: the arguments of step "a" have no nope',
      expect.stringMatching(/^workload\.steps\.2\.expect\.0\.path: "\$\.\.\[" is not a JSONPath/),
    ]);
  });

  it("the Memory chain compiles clean", () => {
    expect(compileScript(CHAIN).problems).toEqual([]);
  });
});

describe("script: paths into answers", () => {
  it("dot/index paths: names, indexes from either end, quoted names; anything else is a message", () => {
    expect(parseDotPath("entities[0].name")).toEqual(["entities", 0, "name"]);
    expect(parseDotPath(".entities[-1]")).toEqual(["entities", -1]);
    expect(parseDotPath('["odd-key"][2].x')).toEqual(["odd-key", 2, "x"]);
    expect(parseDotPath("")).toEqual([]);
    for (const bad of ["a..b", "a[", "a[x]", "a.", "a b", "*", "a-b", "a[*]"]) expect(parseDotPath(bad), bad).toMatch(/^expected a path of names and indexes/);
    const answer = { entities: [{ name: "n1" }, { name: "n2" }] };
    expect(readPath(answer, ["entities", -1, "name"])).toBe("n2");
    expect(readPath(answer, ["entities", 2, "name"])).toBe(MISSING);
    expect(readPath(answer, ["entities", "0"])).toBe(MISSING);
    expect(readPath(answer, ["constructor"])).toBe(MISSING);
  });

  it("a JSONPath of names and indexes gives its value; any other the list of matches; no match is missing", () => {
    const answer = { entities: [{ name: "n1" }, { name: "n2" }] };
    const one = compileJsonPath("$.entities[1].name");
    const all = compileJsonPath("$.entities[*].name");
    const none = compileJsonPath("$.relations[*]");
    if (typeof one === "string" || typeof all === "string" || typeof none === "string") throw new Error("did not compile");
    expect(one.read(answer)).toBe("n2");
    expect(all.read(answer)).toEqual(["n1", "n2"]);
    expect(none.read(answer)).toBe(MISSING);
  });

  it("an answer is the structured content, else the text as JSON, else the text", () => {
    expect(answerOf({ text: '{"a":1}', structured: { b: 2 } })).toEqual({ b: 2 });
    expect(answerOf({ text: '{"a":1}' })).toEqual({ a: 1 });
    expect(answerOf({ text: "OK" })).toBe("OK");
  });
});

describe("script: reads of answers against a declared output schema", () => {
  // The Memory server's create_entities output schema as its SDK lists it (zod, additionalProperties: false).
  const entity = {
    type: "object",
    properties: { name: { type: "string" }, entityType: { type: "string" }, observations: { type: "array", items: { type: "string" } } },
    required: ["name", "entityType", "observations"],
    additionalProperties: false,
  };
  const createOutput = { type: "object", properties: { entities: { type: "array", items: entity } }, required: ["entities"], additionalProperties: false };

  it("a field the schema rules out is named with its path; a possible one, an open object and a tool without a schema pass", () => {
    expect(schemaRulesOut(createOutput, ["entities", 0, "name"])).toBeUndefined();
    expect(schemaRulesOut(createOutput, ["entitys", 0])).toBe('the answer has no field "entitys" (its fields: entities)');
    expect(schemaRulesOut(createOutput, ["entities", "name"])).toBe('entities is array, not an object with field "name"');
    expect(schemaRulesOut(createOutput, ["entities", 0, "name", 0])).toBe("entities[0].name is string, not a list");
    expect(schemaRulesOut({ type: "object" }, ["anything"])).toBeUndefined();
    expect(schemaRulesOut({ $ref: "#/$defs/g", $defs: { g: createOutput } }, ["nope"])).toBe('the answer has no field "nope" (its fields: entities)');
    expect(schemaRulesOut({ anyOf: [createOutput, { type: "object", properties: { nope: {} } }] }, ["nope"])).toBeUndefined();

    const steps: ScriptStepPlan[] = [
      { ...CHAIN[0]!, expect: [{ path: "entities[0].nmae" }] },
      { name: "search", server: "memory", tool: "search_nodes", args: { query: "{{steps.create.result.entitys[0].name}}" }, expect: [] },
      { name: "echo", server: "other", tool: "echo", args: { x: "{{steps.search.result.whatever}}" }, expect: [] },
    ];
    const schemaOf = (server: string, tool: string) => (server === "memory" && tool === "create_entities" ? createOutput : undefined);
    expect(answerSchemaProblems(steps, schemaOf).map((p) => `${p.path.join(".")}: ${p.message}`)).toEqual([
      'workload.steps.0.expect.0.path: expect path entities[0].nmae: the output schema memory/create_entities declares (step "create") rules out entities[0].nmae: entities[0] has no field "nmae" (its fields: name, entityType, observations)',
      'workload.steps.1.args.query: {{steps.create.result.entitys[0].name}}: the output schema memory/create_entities declares (step "create") rules out entitys[0].name: the answer has no field "entitys" (its fields: entities)',
    ]);
  });
});
