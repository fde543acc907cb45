/**
 * Which recorded calls a scope takes (an SLO's scope, a results row). A sample of another MCP method
 * than tools/call is recorded with its method and the method's name as its label (`tool`), so a tool
 * that happens to be named like a method ("ping", even "resources/read") is never mixed with it: a
 * tool scope takes tools/call samples only, a method scope compares the method.
 */
import { TOOLS_CALL } from "../contracts/mcp-methods.js";

export interface CallScope {
  server?: string;
  tool?: string;
  method?: string;
}

export function inScope(scope: CallScope, e: { server: string; tool: string | undefined; method?: string | undefined }): boolean {
  const method = e.method ?? TOOLS_CALL;
  if (scope.server !== undefined && e.server !== scope.server) return false;
  if (scope.method !== undefined && method !== scope.method) return false;
  if (scope.tool !== undefined && (method !== TOOLS_CALL || e.tool !== scope.tool)) return false;
  return true;
}

/** A map key for server x method x label that no label can forge (the parts are joined by NUL, which no name holds). */
export function callKey(server: string, method: string | undefined, tool: string): string {
  return `${server}\u0000${method ?? TOOLS_CALL}\u0000${tool}`;
}
