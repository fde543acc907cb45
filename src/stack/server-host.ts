/**
 * Where a stack runs its MCP servers' processes when not as the harness's own children: a
 * provider that has one (`--provider docker`: a container per session, on the stack's network)
 * puts it in StackEndpoints.serverHost, and startSession spawns through it. The process it gives
 * back is a ManagedProcess like a local child (stdin/stdout, signals, stop, exit, stderr tail), so
 * sessions, the stdio fault layer, process faults and the supervisor work on it unchanged.
 */
import type { ServerRunsOn } from "../results/types.js";
import type { ServerDefinition } from "../contracts/server-definition.js";
import type { PassEnv } from "./child-env.js";
import type { ManagedProcess } from "./managed-process.js";

export interface ServerLaunch {
  /** "redis#3": server and agent, for messages. */
  name: string;
  def: ServerDefinition;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  passEnv: PassEnv[];
  /** A port the server listens on (a native Streamable HTTP server): reachable at 127.0.0.1:<port> from the harness, as a child's would be. */
  publish?: number;
}

export interface ServerHost {
  /** The project's root as the server's process sees it (a catalog server's {{bin}} lies under it). */
  readonly projectRoot: string;
  /** {{tools}} as the server's process sees it. */
  readonly toolsDir: string;
  /** What runs a server whose command is `node`. */
  readonly node: string;
  /** Starts one session's process with stdin and stdout piped; rejects saying why it could not. */
  spawn(launch: ServerLaunch, signal?: AbortSignal): Promise<ManagedProcess>;
  /** Where the server's sessions ran, for results.json and the report. */
  runsOn(server: string): ServerRunsOn;
}
