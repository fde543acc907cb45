/**
 * The contract of an output: a file of the report directory rendered from the run record. One
 * module per output exports one (`defineOutput`), listed once in ./index.ts; write-outputs writes
 * every one of them, in that order. The record it gets has its secrets redacted already, and the
 * text it returns is redacted once more on writing.
 */
import type { RunRecord } from "../results/types.js";

export interface OutputKind {
  /** Its file name in the report directory, e.g. "junit.xml". */
  readonly file: string;
  render(run: RunRecord): string | Promise<string>;
  /**
   * Whether this run has anything for it (default: always). When not, the file is not written, and
   * one left in the directory by an earlier run is removed: it would be read as this run's.
   */
  applies?(run: RunRecord): boolean;
}

export function defineOutput(output: OutputKind): OutputKind {
  return output;
}
