/**
 * HTML as its own type. Text from a run record (server names, error messages,
 * stderr lines, scenario names) is attacker-shaped: a server can print
 * anything. So markup is a `SafeHtml`, built only by the `html` tag, which
 * escapes every plain string put into it and inserts nested SafeHtml as it is;
 * a function that wants HTML takes a SafeHtml, and the type checker refuses a
 * plain string there. The one way round the escaping is `unsafeRawHtml`, kept
 * for the inlined assets and the embedded run data.
 *
 * Why by hand: the whole job is one tagged-template function and a class; the
 * libraries that do it (lit-html, htm, JSX runtimes) bring a DOM or a build
 * step this string-rendered report does not need.
 *
 * Escaping covers text and quoted attribute values, which is every place the
 * report interpolates. It does not make a string safe as a URL, an unquoted
 * attribute, or inside <script>/<style>: the report puts record text in none
 * of those (data reaches the browser script as JSON, see `scriptJson`).
 */

let wrap: (text: string) => SafeHtml;

/** A piece of HTML that is safe to insert as it is. Only `html` and `unsafeRawHtml` make one. */
export class SafeHtml {
  // A private field makes the type nominal: neither a string nor any other object with a toString is a SafeHtml.
  readonly #html: string;

  private constructor(text: string) {
    this.#html = text;
  }

  static {
    wrap = (text) => new SafeHtml(text);
  }

  toString(): string {
    return this.#html;
  }
}

/** What may go between `${` and `}` in `html`: strings and numbers are escaped, SafeHtml is not, arrays are concatenated. */
export type HtmlValue = SafeHtml | string | number | readonly HtmlValue[];

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (typeof value === "string") return escapeHtml(value);
  if (typeof value === "number") return String(value);
  // The types already refuse these; this keeps a cast or an untyped caller from printing "undefined" or "false" into the page.
  if (typeof value !== "object" || value === null)
    throw new TypeError(`html: cannot interpolate a value of type ${typeof value}: pass a string, a number or SafeHtml`);
  return value.map(render).join("");
}

/** The tag: html`<td>${name}</td>` escapes `name`; html`<td>${badge(v)}</td>` keeps the badge's markup. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? "");
  });
  return wrap(out);
}

/** `items` one after another with `separator` between them (escaped if it is a plain string). */
export function joinHtml(items: readonly SafeHtml[], separator: SafeHtml | string): SafeHtml {
  return wrap(items.map(render).join(render(separator)));
}

/**
 * The only way to put unescaped text into the page. Callers: the inlined
 * assets (report.css, Chart.js, charts.js; see assets.ts) and the embedded run
 * data (`scriptJson`). Each makes its text safe for the element it goes into
 * before calling this; never pass text that came from a run record.
 */
export function unsafeRawHtml(trustedText: string): SafeHtml {
  return wrap(trustedText);
}

/**
 * Inside <script>, the HTML parser ends the element at the first `</script`
 * whatever the JS means, and `<!--` can switch it into a state where it never
 * ends. In a JS string, regex or comment (the only places these sequences can
 * occur) `<\/` and `<\!` mean the same as `</` and `<!`.
 */
export function escapeInlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** JSON for a <script type="application/json">: escaping every `<` keeps it inert and still valid JSON. */
export function escapeJsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The content of a <script type="application/json">: `value` as JSON with no `<` in it. */
export function scriptJson(value: unknown): SafeHtml {
  return unsafeRawHtml(escapeJsonForHtml(value));
}
