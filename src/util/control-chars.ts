/**
 * Text from servers (stderr lines, tool names, error messages, the name and version a server
 * reports) is untrusted: an escape sequence in it would act on the terminal that prints it (ESC ] 0 ;
 * retitles the window, ESC [ 2 J clears the screen, OSC 8 makes links, a bare CR overwrites the
 * line) and a Unicode direction override reorders what a person reads. So wherever such text is
 * rendered for a terminal or as Markdown, these characters are written as visible escapes
 * (`\x1b`, `\r`, `\u202e`) instead: the reader sees that they were there, and nothing acts on them.
 *
 * Escaped: C0 controls (U+0000-U+001F) except newline and tab, DEL, C1 controls (U+0080-U+009F,
 * among them the 8-bit CSI U+009B), the Unicode bidirectional controls (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069), the line/paragraph separators U+2028/U+2029, and the invisible
 * characters that make one name read as another (soft hyphen, zero-width spaces and joiners, word
 * joiner and invisible operators, byte-order mark, interlinear annotation marks). Written by hand:
 * a library that strips ANSI sequences (strip-ansi) removes them, which hides that a server wrote
 * them, and knows nothing of the bidirectional controls.
 */

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (c === "\r") return "\\r";
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, "0")}`;
  return `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * `text` with every control character written as a visible escape. Newlines are kept (they end
 * the lines of a message) unless `newlines: "escape"`; tabs are kept.
 */
export function escapeControlChars(text: string, opts: { newlines?: "keep" | "escape" } = {}): string {
  const keepNewlines = (opts.newlines ?? "keep") === "keep";
  return text.replace(CONTROL, (c) => (c === "\n" && keepNewlines ? c : c === "\n" ? "\\n" : visible(c)));
}

/**
 * Text quoted back from an input file (a key, a name, a value, a file name) as one line: every
 * control and invisible character escaped, newlines and tabs included.
 */
export function printable(text: string): string {
  return escapeControlChars(text, { newlines: "escape" }).replace(/\t/g, "\\x09");
}

/** True when `text` holds a character escapeControlChars would escape (other than a newline). */
export function hasControlChars(text: string): boolean {
  return escapeControlChars(text) !== text;
}
