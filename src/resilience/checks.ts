/**
 * The checks of `resilience:` and `switch:` that need the rest of the file: the servers they name are
 * the scenario's, the tools they map are offered, the arguments they map are given, the shares sum to
 * 100 %. They read the file as written (src/contracts/checks.ts), so every problem is said at once.
 */
import type { PathPart, ScenarioFacts } from "../contracts/checks.js";
import { ARG_REF } from "./schema.js";

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Argument names the workload gives `tool` of `server`, or undefined when the workload is not a plain mix (its arguments are its own). */
function argsGiven(facts: ScenarioFacts, server: string, tool: string): Set<string> | undefined {
  if (facts.str(["workload", "kind"]) !== "mix") return undefined;
  const names = new Set<string>();
  let seen = false;
  for (const call of facts.arr(["workload", "calls"])) {
    if (!isObject(call) || call.server !== server || call.tool !== tool) continue;
    seen = true;
    if (isObject(call.args)) for (const k of Object.keys(call.args)) names.add(k);
  }
  return seen ? names : undefined;
}

/** Tools the workload calls on `server` (a mix only). */
function toolsCalled(facts: ScenarioFacts, server: string): string[] {
  if (facts.str(["workload", "kind"]) !== "mix") return [];
  const tools = new Set<string>();
  for (const call of facts.arr(["workload", "calls"])) if (isObject(call) && call.server === server && typeof call.tool === "string") tools.add(call.tool);
  return [...tools];
}

function argRefs(value: unknown, at: readonly PathPart[], out: { name: string; path: PathPart[] }[]): void {
  if (typeof value === "string") for (const m of value.matchAll(ARG_REF)) out.push({ name: m[1]!, path: [...at] });
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) argRefs(v, [...at, i], out);
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) argRefs(v, [...at, k], out);
}

export function resilienceProblems(facts: ScenarioFacts): void {
  const names = facts.serverNames;
  const checkName = (name: unknown, path: readonly PathPart[]): name is string => {
    if (typeof name !== "string") return false;
    if (names.includes(name)) return true;
    facts.report(path, `expected one of this scenario's servers (${names.join(", ")}), found "${name}"`, { found: false });
    return false;
  };
  const resilience = facts.valueAt(["resilience"]);
  const switchSpec = facts.valueAt(["switch"]);
  const driver = facts.str(["driver"]);
  if ((isObject(resilience) || isObject(switchSpec)) && driver !== undefined && driver !== "sdk")
    facts.report(["driver"], `resilience policies and version switches are the harness's own agents: they need the sdk driver, not ${driver}`, {
      found: false,
    });
  if ((isObject(resilience) || isObject(switchSpec)) && facts.valueAt(["capacity"]) !== undefined)
    facts.report(["capacity"], "a capacity search runs plain calls at rising rates: remove capacity, or resilience and switch", { found: false });

  if (isObject(resilience)) {
    for (const [server, policy] of Object.entries(resilience)) {
      const at: PathPart[] = ["resilience", server];
      if (!checkName(server, at) || !isObject(policy)) continue;
      const fb = policy.fallback;
      if (!isObject(fb)) continue;
      if (isObject(fb.degraded)) {
        const tools = Array.isArray(fb.degraded.tools) ? fb.degraded.tools : [];
        for (const [i, t] of tools.entries()) facts.checkTool(server, typeof t === "string" ? t : undefined, [...at, "fallback", "degraded", "tools", i]);
        continue;
      }
      const target = fb.server;
      if (!checkName(target, [...at, "fallback", "server"])) continue;
      if (target === server) {
        facts.report([...at, "fallback", "server"], `a server cannot be its own fallback: name another server (or another version of "${server}")`, {
          found: false,
        });
        continue;
      }
      const mapped = isObject(fb.tools) ? fb.tools : {};
      for (const [tool, m] of Object.entries(mapped)) {
        const mp: PathPart[] = [...at, "fallback", "tools", tool];
        facts.checkTool(server, tool, mp);
        if (!isObject(m)) continue;
        const targetTool = typeof m.tool === "string" ? m.tool : tool;
        facts.checkTool(target, targetTool, typeof m.tool === "string" ? [...mp, "tool"] : mp);
        const refs: { name: string; path: PathPart[] }[] = [];
        argRefs(m.args, [...mp, "args"], refs);
        const given = argsGiven(facts, server, tool);
        for (const r of refs)
          if (given && !given.has(r.name))
            facts.report(
              r.path,
              `{{args.${r.name}}}: the workload's calls to ${server}/${tool} give no argument "${r.name}" (they give ${[...given].join(", ") || "none"})`,
              { found: false },
            );
      }
      // A tool the workload calls and the mapping leaves out goes to the fallback by its own name.
      for (const tool of toolsCalled(facts, server)) if (!(tool in mapped)) facts.checkTool(target, tool, [...at, "fallback", "server"]);
    }
  }

  if (isObject(switchSpec)) {
    const from = switchSpec.from;
    const to = switchSpec.to;
    const okFrom = checkName(from, ["switch", "from"]);
    const okTo = checkName(to, ["switch", "to"]);
    if (okFrom && okTo && from === to) facts.report(["switch", "to"], "expected a server other than `from`", { found: false });
    const baseline = switchSpec.baseline;
    if (baseline !== undefined && checkName(baseline, ["switch", "baseline"])) {
      if (baseline === from || baseline === to)
        facts.report(["switch", "baseline"], "expected a server other than `from` and `to`: a second instance of version A", { found: false });
      else for (const tool of toolsCalled(facts, String(from))) facts.checkTool(baseline, tool, ["switch", "baseline"]);
    }
    facts.arr(["switch", "steps"]).forEach((step, i) => {
      if (!isObject(step) || !isObject(step.shares)) return;
      let sum = 0;
      for (const [name, share] of Object.entries(step.shares)) {
        if (name !== from && name !== to)
          facts.report(["switch", "steps", i, "shares", name], `expected "${String(from)}" or "${String(to)}" (the switch's from and to), found "${name}"`, {
            found: false,
          });
        if (typeof share === "number") sum += share;
      }
      if (Math.abs(sum - 100) > 1e-9)
        facts.report(["switch", "steps", i, "shares"], `expected shares summing to 100 %, found ${+sum.toFixed(6)} %`, { found: false });
      const last = i === facts.arr(["switch", "steps"]).length - 1;
      // A switch ends with every call on B (promoted), unless its analysis rolls it back: a canary left at a share would have no outcome.
      if (last && typeof to === "string" && step.shares[to] !== 100)
        facts.report(
          ["switch", "steps", i, "shares"],
          `expected the last step to send every call to "${to}" (${to}: 100): a switch ends on version B unless it is rolled back`,
          {
            found: false,
          },
        );
      if (step.for === undefined && !last)
        facts.report(["switch", "steps", i], "expected `for` (how long the step lasts): only the last step may last to the window's end", { found: false });
    });
    if (okFrom && okTo && toolsCalled(facts, from).length > 0) for (const tool of toolsCalled(facts, from)) facts.checkTool(to, tool, ["switch", "to"]);
  }
}
