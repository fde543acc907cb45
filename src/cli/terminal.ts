/**
 * One choke point for every line the CLI prints (progress, verdicts, errors quoting a server's
 * stderr, the bridge's and the monitor's logs): the tokens and handed values the run registered
 * never reach a terminal or a CI log (telemetry/redact.ts), and control characters a server wrote
 * (an escape sequence in its stderr, a tool name or an error message) are shown as visible escapes
 * instead of acting on the terminal (util/control-chars.ts).
 *
 * The harness's own control codes (the progress line's `\r` and "erase line" on a TTY) do not go
 * through the guard: the progress writes them with the unguarded write it is given, and guards the
 * text it puts after them itself. Untrusted text is escaped where it is rendered, never the
 * harness's own codes.
 */
import { redactKnownSecrets } from "../telemetry/redact.js";
import { escapeControlChars } from "../util/control-chars.js";

/** What may be printed of `text`: registered secrets replaced, control characters escaped (newlines kept). */
export function terminalText(text: string): string {
  return escapeControlChars(redactKnownSecrets(text));
}

export type RawWrite = (text: string) => void;

/**
 * Makes every write to `streams` go through terminalText (strings, and bytes read as UTF-8).
 * Returns, per stream, the write as it was before, for the harness's own control codes.
 */
export function guardStreams<S extends NodeJS.WriteStream>(streams: readonly S[]): Map<S, RawWrite> {
  const raw = new Map<S, RawWrite>();
  for (const stream of streams) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    raw.set(stream, (text) => void write(text));
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === "string") return write(terminalText(chunk), ...rest);
      if (chunk instanceof Uint8Array) return write(terminalText(Buffer.from(chunk).toString("utf8")), ...rest.filter((r) => typeof r === "function"));
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  return raw;
}
