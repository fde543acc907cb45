/**
 * Progress for people on a terminal (one line rewritten in place) and plain,
 * throttled lines for CI logs, where carriage returns make a mess.
 */
export function makeProgress(stream: NodeJS.WriteStream = process.stderr): { line: (text: string) => void; done: () => void } {
  const tty = stream.isTTY === true && process.env["CI"] !== "true";
  let lastPlain = 0;
  let lastKey = "";
  let open = false;
  return {
    line(text) {
      if (tty) {
        const width = (stream.columns ?? 100) - 1;
        stream.write(`\r\x1b[2K${text.slice(0, width)}`);
        open = true;
        return;
      }
      // Phase changes always print; the once-a-second ticks only every 10 s.
      const key = text.replace(/[\d.]+/g, "#");
      const now = Date.now();
      if (key === lastKey && now - lastPlain < 10_000) return;
      lastKey = key;
      lastPlain = now;
      stream.write(`${text}\n`);
    },
    done() {
      if (tty && open) stream.write("\r\x1b[2K");
      open = false;
    },
  };
}
