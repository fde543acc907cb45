/**
 * Who a session belongs to: load agents are 0..agents-1; the auxiliary sessions the run opens for
 * itself have negative ids, so they never collide with a load agent (src/run/session-pool.ts).
 */
/** The fault experiment's recovery probe (src/faults/experiment.ts). */
export const PROBE_AGENT = -1;
/** The RPO writers (src/faults/writers.ts). */
export const WRITER_AGENT = -2;
/** The always-on availability probe (src/run/availability-probe.ts). */
export const AVAILABILITY_PROBE_AGENT = -3;

/**
 * The MCP method a session setup is recorded and judged as (SLO `scope: { method: initialize }`):
 * named like the MCP method it ends with, so it sits beside the per-method scopes of the other
 * methods (tools/list, resources/read, ...) without colliding with a tool of that name.
 */
export const INITIALIZE_METHOD = "initialize";
/** Methods an SLO scope may name. */
export const SCOPE_METHODS = [INITIALIZE_METHOD] as const;
export type ScopeMethod = (typeof SCOPE_METHODS)[number];

/**
 * When an agent replaces its session to a server (scenario `sessions.churn`): after `everyCalls`
 * calls on it, once it is `everyMs` old, after each of the agent's tasks (a workload whose
 * operation is a task calls CallSender.taskDone), or each time the agent joins again: a closed
 * load shape that turns an agent off makes it leave (its sessions close once its call ended), and
 * turning it on again makes it join (new sessions). The swap happens before the agent's next call.
 */
export type ChurnPolicy = { kind: "calls"; everyCalls: number } | { kind: "time"; everyMs: number; text: string } | { kind: "task" } | { kind: "join" };

/** The policy in words, for results and the report. */
export function describeChurn(p: ChurnPolicy): string {
  switch (p.kind) {
    case "calls":
      return p.everyCalls === 1 ? "a new session for every call" : `a new session every ${p.everyCalls} calls`;
    case "time":
      return `a new session at the first call once a session is ${p.text} old`;
    case "task":
      return "a new session for every agent task";
    case "join":
      return "an agent that leaves closes its sessions; one that joins sets up new ones";
  }
}
