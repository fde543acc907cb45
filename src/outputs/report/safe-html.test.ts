import { describe, expect, it } from "vitest";
import { badge, breakable, kv } from "./parts.js";
import { SafeHtml, escapeHtml, html, joinHtml, scriptJson, unsafeRawHtml } from "./safe-html.js";

const NASTY = `<script>alert("x")</script> & 'y'`;

describe("the html tag", () => {
  it("escapes every plain string it is given, in text and in attributes", () => {
    expect(html`<td title="${NASTY}">${NASTY}</td>`.toString()).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</td>',
    );
  });

  it("inserts nested SafeHtml as it is, and escapes the strings inside it once", () => {
    const inner = html`<b>${"a<b"}</b>`;
    expect(html`<td>${inner}</td>`.toString()).toBe("<td><b>a&lt;b</b></td>");
  });

  it("writes numbers as they print, concatenates arrays, escaping their strings", () => {
    expect(html`${3} ${1.5}`.toString()).toBe("3 1.5");
    expect(html`<ul>${["<x>", html`<li>y</li>`, [html`<li>z</li>`, "&"]]}</ul>`.toString()).toBe("<ul>&lt;x&gt;<li>y</li><li>z</li>&amp;</ul>");
  });

  it("joins SafeHtml with a separator that is escaped when it is a plain string", () => {
    expect(joinHtml([html`<i>a</i>`, html`<i>b</i>`], "<").toString()).toBe("<i>a</i>&lt;<i>b</i>");
    expect(joinHtml([html`a`, html`b`], html`<br>`).toString()).toBe("a<br>b");
  });

  it("the report's small pieces escape what they are given", () => {
    expect(kv([["<k>", "<v>", "warn"]]).toString()).toBe('<dl class="kv"><div class="warn"><dt>&lt;k&gt;</dt><dd>&lt;v&gt;</dd></div></dl>');
    expect(breakable("a.<b>@c", { after: ".", before: "@" }).toString()).toBe("a.<wbr>&lt;b&gt;<wbr>@c");
    expect(badge("fail").toString()).toBe('<span class="badge fail">Fail</span>');
  });

  it("keeps embedded JSON free of '<' and parseable", () => {
    const value = { m: "</script><!-- \u2028" };
    const text = scriptJson(value).toString();
    expect(text).not.toContain("<");
    expect(JSON.parse(text)).toEqual(value);
  });

  it("only unsafeRawHtml passes text through unescaped", () => {
    expect(unsafeRawHtml("<style>").toString()).toBe("<style>");
    expect(escapeHtml("<style>")).toBe("&lt;style&gt;");
  });
});

/**
 * Type-level: `tsc --noEmit` reads this file, and each @ts-expect-error below
 * fails the type check if the line after it ever compiles. So a plain string
 * (or anything but what `html` and `unsafeRawHtml` return) cannot stand where
 * HTML is wanted.
 */
describe("SafeHtml at the type level", () => {
  function wantsHtml(fragment: SafeHtml): string {
    return fragment.toString();
  }

  it("refuses a plain string, a string-like object and a boolean where SafeHtml is wanted", () => {
    const fromRecord: string = NASTY;
    // @ts-expect-error a string from a record is not HTML
    wantsHtml(fromRecord);
    // @ts-expect-error an object with a toString is not HTML either: SafeHtml is nominal (private field)
    wantsHtml({ toString: () => NASTY });
    // @ts-expect-error nor is a template literal without the tag
    wantsHtml(`<b>${fromRecord}</b>`);
    // @ts-expect-error SafeHtml cannot be constructed outside its module
    new SafeHtml(NASTY);
    // Neither can a boolean (no "false" in the page by accident) nor a possibly undefined value; at run time either throws.
    // @ts-expect-error a boolean
    expect(() => html`<td>${fromRecord.length < 3 && html`<b>long</b>`}</td>`).toThrow("html: cannot interpolate a value of type boolean");
    // @ts-expect-error a possibly undefined value: say what to show instead
    expect(() => html`<td>${fromRecord.split("x")[5]}</td>`).toThrow("html: cannot interpolate a value of type undefined");
    expect(wantsHtml(html`<b>${fromRecord}</b>`)).toBe("<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</b>");
  });
});
