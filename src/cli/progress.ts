import { terminalText, type RawWrite } from "./terminal.js";

/**
 * Progress for people on a terminal (one line rewritten in place) and plain,
 * throttled lines for CI logs, where carriage returns make a mess.
 *
 * On a TTY the line's own control codes (`\r`, erase line) are written with
 * `rawWrite` (the CLI's streams are guarded: see terminal.ts), and the text
 * after them goes through terminalText here: a server name or a stderr line in
 * a progress message cannot act on the terminal, the harness's codes still do.
 */
export function makeProgress(
  stream: NodeJS.WriteStream = process.stderr,
  rawWrite: RawWrite = (t) => void stream.write(t),
): { line: (text: string) => void; done: () => void } {
  const tty = stream.isTTY === true && process.env.CI !== "true";
  let lastPlain = 0;
  let lastKey = "";
  let open = false;
  return {
    line(text) {
      if (tty) {
        const width = (stream.columns ?? 100) - 1;
        rawWrite(`\r\x1b[2K${terminalText(text).replace(/\n/g, " ").slice(0, width)}`);
        open = true;
        return;
      }
      // Phase changes always print; the once-a-second ticks only every 10 s.
      const key = text.replace(/[\d.]+/g, "#");
      const now = Date.now();
      if (key === lastKey && now - lastPlain < 10_000) return;
      lastKey = key;
      lastPlain = now;
      rawWrite(`${terminalText(text)}\n`);
    },
    done() {
      if (tty && open) rawWrite("\r\x1b[2K");
      open = false;
    },
  };
}
