/**
 * probe.robustness: oversized and malformed input neither kills nor hangs the server. After each
 * input the server must still be running and answer `ping` within the deadline; a death or a hang is
 * a denial of service (high): one bad request from any agent takes the server from all of them.
 *  - oversized: a 1 MiB string in a free-text argument (1 MiB: ten times what a real agent sends in
 *    one argument, a tenth of the SDK's 10 MiB stdio frame limit, so the frame itself stays legal);
 *  - wrong types: every argument of a tool given a value of the wrong JSON type;
 *  - deep nesting: an argument nested 2000 levels deep (deep enough to overflow a naive recursive
 *    walker; the harness's own JSON.stringify handles it);
 *  - malformed JSON-RPC, written raw to a stdio server's stdin: a line that is not JSON, a request
 *    with `id: []`, a request with no method. HTTP sessions: not applicable (no stdin to write to).
 * Deaths and hangs seen during any probe are reported under this check too (runProbes turns every
 * LivenessEvent into a finding), with the input that caused them.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ProbeOutcome } from "../model.js";
import { outcome, type LivenessEvent, type ProbeSession } from "./context.js";
import { asPropertyValue, buildArguments, pickTools, propertiesOf, stringProperties, writes, wrongTypeValue } from "./tool-inputs.js";

const CHECK = "probe.robustness" as const;
export const OVERSIZED_BYTES = 1 << 20;
export const NESTING_DEPTH = 2000;

/** The raw lines written to stdin: [name, line]. */
export const MALFORMED_LINES: readonly [string, string][] = [
  ["not-json", "this is not JSON {"],
  ["id-array", JSON.stringify({ jsonrpc: "2.0", id: [], method: "ping" })],
  ["no-method", JSON.stringify({ jsonrpc: "2.0", id: "mcp-slo-probe-no-method", params: {} })],
];

export function nested(depth: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** A finding for a death or a hang. */
export function livenessFinding(event: LivenessEvent): ProbeOutcome {
  const crash = event.kind === "crash";
  return {
    probe: `robustness.${event.probe}`,
    check: CHECK,
    status: "fail",
    detail: `${crash ? "died" : "hung"} on ${event.input} (${event.detail})`,
    finding: {
      ruleId: crash ? "probe.robustness.crash" : "probe.robustness.hang",
      severity: "high",
      title: crash ? "Crashes on bad input (denial of service)" : "Hangs on bad input (denial of service)",
      message: `${crash ? "The server process died" : "The server stopped answering"} after ${event.input} (probe ${event.probe}): ${event.detail}.`,
      evidence: event.detail,
      reproduce: event.input,
      source: "MCP spec 2025-11-25 basic/security_best_practices.mdx (input validation, resource limits)",
    },
  };
}

export async function probeRobustness(session: ProbeSession): Promise<ProbeOutcome[]> {
  const { ctx } = session;
  const out: ProbeOutcome[] = [];
  const before = session.events.length;
  // Harmless tools first: an oversized write would only fill the sandbox.
  const target = (pick: (t: Tool) => number) => pickTools(ctx.definitions.tools, (t) => pick(t) * (writes(t) ? 1 : 10), 1)[0];
  const passes: string[] = [];

  const text = target((t) => stringProperties(t).length);
  if (text) {
    const prop = stringProperties(text)[0]!;
    const r = await session.call(
      "oversized",
      text.name,
      buildArguments(text, (name, schema) => (name === prop ? asPropertyValue(schema, "A".repeat(OVERSIZED_BYTES)) : undefined)),
    );
    if (!r.died && !r.hung && (await alive(session, "oversized", `tools/call ${text.name} {${prop}: <1 MiB string>}`)))
      passes.push(`1 MiB string to ${text.name}.${prop}`);
  } else out.push(outcome(CHECK, "robustness.oversized", "not_applicable", "no tool takes a free-text argument"));

  const typed = target((t) => Object.keys(propertiesOf(t)).length);
  if (typed) {
    const args = Object.fromEntries(Object.entries(propertiesOf(typed)).map(([name, schema]) => [name, wrongTypeValue(schema)]));
    const r = await session.call("wrong-types", typed.name, args);
    if (!r.died && !r.hung && (await alive(session, "wrong-types", `tools/call ${typed.name} ${JSON.stringify(args)}`)))
      passes.push(`wrong types to ${typed.name}`);
  }

  const any = target(() => 1);
  if (any) {
    const r = await session.call("deep-nesting", any.name, { ...buildArguments(any), mcp_slo_nested: nested(NESTING_DEPTH) });
    if (!r.died && !r.hung && (await alive(session, "deep-nesting", `tools/call ${any.name} {mcp_slo_nested: <${NESTING_DEPTH} levels>}`)))
      passes.push(`${NESTING_DEPTH}-deep argument to ${any.name}`);
  }

  let raw = 0;
  for (const [name, line] of MALFORMED_LINES) {
    if (!(await session.writeRaw(line))) break;
    raw++;
    if ((await session.checkAfterRaw(`malformed.${name}`, line)) === "alive") passes.push(`stdin ${name}`);
  }
  if (raw === 0) out.push(outcome(CHECK, "robustness.malformed", "not_applicable", "the session is not on stdio: no stdin to write malformed JSON-RPC to"));

  // Its own deaths and hangs become findings in runProbes, with those of every other probe.
  if (session.events.length === before && passes.length > 0)
    out.push(outcome(CHECK, "robustness", "pass", `alive and answering ping within ${session.pingTimeoutMs / 1000} s after: ${passes.join("; ")}`));
  return out;
}

/** After a call that was answered: still alive? (A hang or death after the answer counts too.) */
async function alive(session: ProbeSession, probe: string, input: string): Promise<boolean> {
  if (await session.alive()) return true;
  session.events.push({
    // No process of the harness (a url target): it did not answer, which is all that can be seen.
    kind: session.session.process?.isRunning() === false ? "crash" : "hang",
    probe,
    input,
    detail: `no answer to ping within ${session.pingTimeoutMs / 1000} s after the answer`,
  });
  await session.restart();
  return false;
}
