/**
 * Text from an input file (a key, a name, a value) or a file name quoted back in a message goes to a
 * terminal and into reports. Control characters there could move the cursor, clear the screen or
 * retitle the terminal; bidirectional overrides and zero-width characters could make a name read as
 * another. They are shown escaped instead (\x1b, \u{202e}); everything else, unicode included, as is.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/gu;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}
