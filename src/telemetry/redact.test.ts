import { describe, expect, it } from "vitest";
import { REDACTED, redactAttributes, redactValue } from "./redact.js";

describe("redactAttributes", () => {
  it("replaces values of secret-named keys, whatever the value", () => {
    expect(
      redactAttributes({
        token: "x",
        GITHUB_TOKEN: "abc",
        "db.password": "p",
        Authorization: "whatever",
        api_key: "k",
        client_secret: "s",
        "mcp.method.name": "tools/call",
      }),
    ).toEqual({
      token: REDACTED,
      GITHUB_TOKEN: REDACTED,
      "db.password": REDACTED,
      Authorization: REDACTED,
      api_key: REDACTED,
      client_secret: REDACTED,
      "mcp.method.name": "tools/call",
    });
  });

  it("replaces secret-looking values under innocent keys, in arrays too", () => {
    expect(
      redactAttributes({ note: `ghp_${"a".repeat(36)}`, header: "Bearer abc.def.ghijklmnop", list: ["fine", `github_pat_${"b".repeat(30)}`], n: 3, ok: true }),
    ).toEqual({
      note: REDACTED,
      header: REDACTED,
      list: ["fine", REDACTED],
      n: 3,
      ok: true,
    });
  });

  it("keeps URLs but hides their password", () => {
    expect(redactValue("postgresql://postgres:hunter2@127.0.0.1:5432/db")).toBe(`postgresql://postgres:${REDACTED}@127.0.0.1:5432/db`);
    expect(redactValue("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
  });

  it("drops undefined values and leaves ordinary ones alone", () => {
    expect(redactAttributes({ a: undefined, "gen_ai.tool.name": "get", "mcp_slo.session": "redis#0" })).toEqual({
      "gen_ai.tool.name": "get",
      "mcp_slo.session": "redis#0",
    });
  });
});

describe("registered secrets", () => {
  it("removes a registered value wherever it appears, and ignores values too short to be tokens", async () => {
    const { redactKnownSecrets, registerSecret, registerSecretsFromEnvironment } = await import("./redact.js");
    registerSecret("canary-0f9e8d7c6b5a");
    registerSecret("short");
    registerSecretsFromEnvironment({ NOTION_TOKEN: "ntn_canary_1234567890", HOME: "/root/not-a-secret" });
    expect(redactKnownSecrets("token canary-0f9e8d7c6b5a twice canary-0f9e8d7c6b5a")).toBe(`token ${REDACTED} twice ${REDACTED}`);
    expect(redactKnownSecrets('{"auth":"Bearer ntn_canary_1234567890"}')).toBe(`{"auth":"Bearer ${REDACTED}"}`);
    expect(redactKnownSecrets("a short word and /root/not-a-secret")).toBe("a short word and /root/not-a-secret");
    expect(redactValue("x canary-0f9e8d7c6b5a y")).toBe(`x ${REDACTED} y`);
  });
});

describe("registered secrets in escaped outputs", () => {
  it("are found in their JSON, HTML, XML and Markdown forms, and inside a record before rendering", async () => {
    const { redactDeep, redactKnownSecrets, registerSecret } = await import("./redact.js");
    const secret = `pw-"quoted"<&>|\\-0123`;
    registerSecret(secret);
    expect(redactKnownSecrets(JSON.stringify({ m: `x ${secret} y` }))).toBe(JSON.stringify({ m: `x ${REDACTED} y` }));
    expect(redactKnownSecrets(`<td>x pw-&quot;quoted&quot;&lt;&amp;&gt;|\\-0123</td>`)).toBe(`<td>x ${REDACTED}</td>`);
    expect(redactKnownSecrets(`| x pw-"quoted"<&>\\|\\\\-0123 |`)).toBe(`| x ${REDACTED} |`);
    const record = { a: [`one ${secret}`, { [secret]: 2, b: secret }], n: 3 };
    expect(redactDeep(record)).toEqual({ a: [`one ${REDACTED}`, { [REDACTED]: 2, b: REDACTED }], n: 3 });
    expect(record.a[0]).toBe(`one ${secret}`);
  });

  it("catch the head of a value a message was clipped in, from 6 characters on", async () => {
    const { redactKnownSecrets, registerSecret } = await import("./redact.js");
    registerSecret("clipped-secret-value-42");
    expect(redactKnownSecrets("tool error: handed clipped-secr")).toBe(`tool error: handed ${REDACTED}`);
    expect(redactKnownSecrets("tool error: handed clippe")).toBe(`tool error: handed ${REDACTED}`);
    expect(redactKnownSecrets("tool error: handed clipp")).toBe("tool error: handed clipp");
    expect(redactKnownSecrets("clipped-secret is not at the end")).toBe("clipped-secret is not at the end");
  });
});
