/**
 * The MCP methods a workload step can send (issue 19), and the server capability each one needs.
 * A step without `method:` is a tools/call, as every scenario written before methods existed.
 */

export const TOOLS_CALL = "tools/call";

export const MCP_METHODS = [
  TOOLS_CALL,
  "tools/list",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "resources/subscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "ping",
] as const;
export type McpMethod = (typeof MCP_METHODS)[number];

export function isMcpMethod(name: unknown): name is McpMethod {
  return typeof name === "string" && (MCP_METHODS as readonly string[]).includes(name);
}

/**
 * The capability of the server's initialize result a method needs (the spec's lifecycle: a server
 * that does not declare it need not answer). undefined: every server answers it (ping).
 * `resources/subscribe` needs `resources.subscribe: true`, not just `resources`.
 */
export function capabilityNeeded(method: McpMethod): { name: "tools" | "resources" | "prompts" | "completions"; subscribe?: true } | undefined {
  switch (method) {
    case "tools/call":
    case "tools/list":
      return { name: "tools" };
    case "resources/list":
    case "resources/read":
    case "resources/templates/list":
      return { name: "resources" };
    case "resources/subscribe":
      return { name: "resources", subscribe: true };
    case "prompts/list":
    case "prompts/get":
      return { name: "prompts" };
    case "completion/complete":
      return { name: "completions" };
    case "ping":
      return undefined;
  }
}

/** Whether a server's declared capabilities (initialize result) cover `method`. */
export function declaresMethod(capabilities: object | undefined, method: McpMethod): boolean {
  const need = capabilityNeeded(method);
  if (need === undefined) return true;
  const cap = (capabilities as Record<string, unknown> | undefined)?.[need.name];
  if (cap === undefined || cap === null || typeof cap !== "object") return false;
  return need.subscribe ? (cap as { subscribe?: unknown }).subscribe === true : true;
}

/** The notification a subscription brings, counted per run. */
export const RESOURCE_UPDATED = "notifications/resources/updated";
