/**
 * What a kind's cross-field checks see of the scenario (the servers it names, the backends they
 * use, the transport, ...) and how they report a problem. They read the file as written, defensively,
 * so they run even when the schema failed elsewhere: a person fixing a file sees every mistake at
 * once. The loader (src/config/load-scenario.ts) makes one ScenarioFacts per file and turns each
 * report into `file:line: path: message, found ...`.
 */
export type PathPart = string | number;

/** A problem at a path of the file; `found: false` when the message already says what was found. */
export type ReportProblem = (path: readonly PathPart[], message: string, opts?: { found?: boolean }) => void;

export interface ScenarioFacts {
  /** The value at a path of the file as written (profile applied), or undefined. */
  valueAt(path: readonly PathPart[]): unknown;
  /** The string at a path, or undefined when it is not one. */
  str(path: readonly PathPart[]): string | undefined;
  /** The list at a path, or [] when it is not one. */
  arr(path: readonly PathPart[]): unknown[];
  /** Names of the scenario's servers (catalog and custom), in the file's order. */
  readonly serverNames: readonly string[];
  /** Names of its `url:` servers: the harness starts nothing for them (no process to fault, no stdio), only their client-><name> hop. */
  readonly urlServers: readonly string[];
  /** The backends and upstream APIs a server of the scenario uses ("redis", "github"). */
  needsOf(server: string): string[];
  /** Whether a server of the scenario uses this backend or upstream API. */
  usesBackend(backend: string): boolean;
  /** Reports, at `path`, a tool the server does not offer (its catalog tools, or a custom server's `tools`). */
  checkTool(server: string | undefined, tool: string | undefined, path: readonly PathPart[]): void;
  report: ReportProblem;
}
