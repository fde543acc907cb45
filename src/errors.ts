/**
 * One error class for everything the harness reports to a person. The code
 * decides the exit status (only the CLI maps codes to exit codes), the hint
 * tells the person what to do next.
 */
export type HarnessErrorCode =
  /** A scenario, SLO or CLI input is wrong: exit 2. */
  | "invalid_input"
  /** A server, backend or tool the run needs could not start or vanished: exit 3. */
  | "environment"
  /** The run was stopped by SIGINT/SIGTERM. */
  | "interrupted"
  /** A bug in the harness itself: exit 3. */
  | "internal";

export class HarnessError extends Error {
  readonly code: HarnessErrorCode;
  readonly hint: string | undefined;
  /** Each problem on its own line, e.g. every schema violation of a file. */
  readonly details: readonly string[];

  constructor(code: HarnessErrorCode, message: string, opts: { hint?: string; details?: readonly string[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "HarnessError";
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
  }
}

export const EXIT = {
  ok: 0,
  sloFailed: 1,
  invalidInput: 2,
  harnessFailed: 3,
  /** 128 + SIGINT, the shell convention, so an interrupted run is never mistaken for a verdict. */
  interrupted: 130,
} as const;
