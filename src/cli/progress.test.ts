import { describe, expect, it } from "vitest";
import { makeProgress } from "./progress.js";
import { REDACTED, registerSecret } from "../telemetry/redact.js";

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { written: string[] } {
  const written: string[] = [];
  return {
    isTTY,
    columns: 200,
    written,
    write: (s: string) => {
      written.push(s);
      return true;
    },
  } as unknown as NodeJS.WriteStream & { written: string[] };
}

describe("the progress line", () => {
  it("on a TTY keeps its own \\r and erase-line codes, and escapes a server's escape sequences in its text", () => {
    const saved = process.env.CI;
    delete process.env.CI;
    try {
      const stream = fakeStream(true);
      const raw: string[] = [];
      const p = makeProgress(stream, (t) => raw.push(t));
      p.line("[s] redis#0 logged: \u001b]0;pwned\u0007\u001b[2J done");
      p.done();
      expect(raw).toEqual(["\r\u001b[2K[s] redis#0 logged: \\x1b]0;pwned\\x07\\x1b[2J done", "\r\u001b[2K"]);
      expect(stream.written).toEqual([]);
    } finally {
      if (saved !== undefined) process.env.CI = saved;
    }
  });

  it("in CI writes plain lines, escaped and redacted", () => {
    registerSecret("progress-secret-0123");
    const stream = fakeStream(false);
    const raw: string[] = [];
    makeProgress(stream, (t) => raw.push(t)).line("x progress-secret-0123 \u001b[31mred");
    expect(raw).toEqual([`x ${REDACTED} \\x1b[31mred\n`]);
  });
});
