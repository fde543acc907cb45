/**
 * Checks of command-line values that are not files: each wrong value is invalid input (exit 2) with a
 * message naming the flag, what it expects and what it got (escaped: a flag's value is shown, never
 * sent raw to the terminal).
 */
import { HarnessError } from "../errors.js";
import { printable } from "../util/control-chars.js";
import { PROFILE_NAME_RE, PROFILE_NAME_RULE } from "../contracts/scenario-fields.js";
import { describeDurationBounds, durationProblem, parseDurationMs, type DurationBounds } from "../contracts/units.js";

export function shown(text: string): string {
  return printable(JSON.stringify(text));
}

/** ms of a duration flag within `bounds`. */
export function durationFlag(flag: string, text: string, bounds: DurationBounds): number {
  const why = durationProblem(text, bounds);
  if (why !== undefined)
    throw new HarnessError("invalid_input", `${flag}: ${why}, got ${shown(text)}`, { hint: `e.g. ${flag} 30s (${describeDurationBounds(bounds)})` });
  return parseDurationMs(text)!;
}

/** A whole number from `min` to `max`, written in digits. */
export function wholeNumberFlag(flag: string, text: string, min: number, max: number, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new HarnessError("invalid_input", `${flag}: expected ${what}, a whole number from ${min} to ${max}, got ${shown(text)}`);
  }
  return n;
}

/** `--profile <name>`: any name a scenario file may define (PROFILE_NAME_RE); whether the files define it is checked when they load. */
export function profileFlag(text: string): string {
  if (!PROFILE_NAME_RE.test(text)) throw new HarnessError("invalid_input", `--profile: expected ${PROFILE_NAME_RULE}, got "${printable(text)}"`);
  return text;
}
