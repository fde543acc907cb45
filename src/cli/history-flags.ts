/**
 * The flags of the history, shared by run, compare and trend: `--history <dir | postgres://... | none>`
 * and `--tag key=value` (repeatable, run only).
 */
import type { Command } from "commander";
import { HarnessError } from "../errors.js";
import { REDACTED, registerSecret } from "../telemetry/redact.js";

const TAG_KEY = /^[A-Za-z0-9_.-]+$/;
const MAX_KEY = 64;
const MAX_VALUE = 200;
const CONTROL = /\p{Cc}/u;

export const HISTORY_FLAG_HELP =
  "where runs are recorded and looked up: a directory (default: reports/, for runs without --out), a postgres://user@host:5432/db URL, or none";

/** Commander's collector of a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addHistoryOption(cmd: Command): Command {
  return cmd.option("--history <dir|postgres-url|none>", HISTORY_FLAG_HELP);
}

export function addTagOption(cmd: Command): Command {
  return cmd.option("--tag <key=value>", "record a tag with the run (repeatable); find it later with tag:key=value", collect, []);
}

/** `--tag key=value` values as a map; every bad one reported at once (exit 2). */
export function parseTags(values: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  const problems: string[] = [];
  for (const raw of values) {
    const eq = raw.indexOf("=");
    const key = eq < 0 ? raw : raw.slice(0, eq);
    const value = eq < 0 ? "" : raw.slice(eq + 1);
    if (eq < 0) problems.push(`--tag ${raw}: expected key=value`);
    else if (!TAG_KEY.test(key) || key.length > MAX_KEY) problems.push(`--tag ${raw}: the key must be 1 to ${MAX_KEY} of A-Z a-z 0-9 _ . -`);
    else if (value.length > MAX_VALUE || CONTROL.test(value))
      problems.push(`--tag ${raw}: the value must be at most ${MAX_VALUE} characters, none of them control characters`);
    else if (key in tags && tags[key] !== value) problems.push(`--tag ${raw}: ${key} is already ${tags[key]}`);
    else tags[key] = value;
  }
  if (problems.length) throw new HarnessError("invalid_input", `${problems.length} bad --tag value(s)`, { details: problems });
  return tags;
}

/**
 * The command line as the run record keeps it: a postgres URL's password replaced, whatever its
 * length (the redactor only knows values of 8 characters or more), and registered for redaction
 * from every other output.
 */
export function commandWithoutPasswords(argv: readonly string[]): string[] {
  return argv.map((arg) =>
    arg.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*):([^@\s]*)@/gi, (_m, prefix: string, password: string) => {
      registerSecret(password);
      try {
        registerSecret(decodeURIComponent(password));
      } catch {
        // Not percent-encoded as a URL would be: the raw form is registered already.
      }
      return `${prefix}:${REDACTED}@`;
    }),
  );
}
