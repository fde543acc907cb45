/**
 * `url:` servers at validation (src/config/load-scenario.ts urlServerProblems, scenario-schema.ts
 * UrlServer): what compiles, what is refused with which path, what --allow-hosts changes, and that
 * the values a url server names are redacted as soon as they are read. The run side is
 * test/url-target.e2e.test.ts.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parseAllowHosts } from "../cli/flags.js";
import { HarnessError } from "../errors.js";
import { displayUrl, readRemoteClient, remoteHttpEndpoint } from "../stack/remote-endpoint.js";
import { redactKnownSecrets } from "../telemetry/redact.js";
import { loadScenario, validateScenarioFile } from "./load-scenario.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mcp-slo-url-servers-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TOKEN_ENV = "MCP_SLO_UNIT_URL_TOKEN";
afterEach(() => {
  delete process.env[TOKEN_ENV];
});

function scenario(name: string, server: string, extra = ""): string {
  const p = path.join(dir, `${name}.yaml`);
  writeFileSync(
    p,
    `name: ${name}
servers:
  - ${server}
agents: 1
duration: 1s
workload:
  kind: mix
  calls:
    - { server: staging, tool: echo, args: { message: hi } }
${extra}`,
  );
  return p;
}

async function problemsOf(p: string, allowHosts: string[] = []): Promise<string[]> {
  return (await validateScenarioFile(p, { allowHosts })).map((x) => x.slice(p.length));
}

describe("url servers at validation", () => {
  it("compiles to a definition the harness starts nothing for, TLS files resolved against the scenario file", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(path.join(dir, "client-key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    process.env[TOKEN_ENV] = "t0ken-for-the-unit-test";
    const p = scenario(
      "compiles",
      `{ name: staging, url: "https://127.0.0.1:8443/mcp?tenant=a", transport: sse, headers: { x-tenant: acme-1234 }, auth: { bearer: { env: ${TOKEN_ENV} } }, tls: { key: client-key.pem, cert: client-key.pem, servername: mcp.internal } }`,
    );
    // The key file also stands in as the certificate: that one is refused as not a certificate (real ones: the e2e test).
    expect(await problemsOf(p)).toEqual([
      `:3: servers[0].tls.cert: expected a PEM certificate in ${path.join(dir, "client-key.pem")}, found a file that is not one`,
    ]);
    const q = scenario(
      "compiles-2",
      `{ name: staging, url: "https://127.0.0.1:8443/mcp?tenant=a", transport: sse, headers: { x-tenant: acme-1234 }, auth: { bearer: { env: ${TOKEN_ENV} } }, tls: { servername: mcp.internal } }`,
    );
    const s = await loadScenario(q, "ci");
    const def = s.servers[0]!;
    expect(def).toMatchObject({ name: "staging", package: "custom", needs: [], command: "" });
    expect(def.remote).toEqual({
      url: "https://127.0.0.1:8443/mcp?tenant=a",
      transport: "sse",
      headers: { "x-tenant": "acme-1234" },
      bearerEnv: TOKEN_ENV,
      tls: { servername: "mcp.internal" },
    });
    expect(displayUrl(def.remote!.url)).toBe("https://127.0.0.1:8443/mcp");
  });

  it("refuses what cannot be reached as written, each at its path, quoting no secret", async () => {
    const p = scenario(
      "refused",
      `{ name: staging, url: "ftp://127.0.0.1/mcp", auth: { bearer: { env: ${TOKEN_ENV} } }, tls: { ca: missing.pem } }`,
      "faults:\n  - { kind: stdio, server: staging, action: drop, direction: to-server, at: 0s, duration: 1s }\n",
    );
    const got = await problemsOf(p);
    expect(got).toEqual([
      ":3: servers[0].url: expected an http:// or https:// URL, found ftp://",
      ":3: servers[0].tls: TLS options need an https:// url, found ftp://",
      `:3: servers[0].auth.bearer.env: expected the environment variable ${TOKEN_ENV} (the bearer token) to be set, found it unset`,
      `:3: servers[0].tls.ca: expected a readable PEM file (relative to the scenario file), found ${path.join(dir, "missing.pem")} unreadable (ENOENT)`,
      ':11: faults[0].server: "staging" is a url server, reached over HTTP: it has no stdio frames to fault (a network fault on its hop client->staging can act on it)',
    ]);
  });

  it("refuses a host off loopback unless the run allows it; a hop fault on its client hop is valid with any transport", async () => {
    const p = scenario(
      "off-loopback",
      `{ name: staging, url: "https://Staging.Example.com:8443/mcp" }`,
      "faults:\n  - { kind: toxic, hop: client->staging, toxic: latency, attributes: { latency: 100 }, at: 0s, duration: 1s }\nrecovery: { probe: { server: staging, tool: echo, args: { message: p } } }\n",
    );
    expect(await problemsOf(p)).toEqual([
      ':3: servers[0].url: expected a loopback host (127.0.0.1, ::1, localhost), found "staging.example.com": load goes off this machine only to hosts the run names with --allow-hosts staging.example.com',
    ]);
    expect(await problemsOf(p, parseAllowHosts("10.0.0.5, STAGING.example.com"))).toEqual([]);
    await expect(loadScenario(p, "ci", { allowHosts: ["other.example.com"] })).rejects.toThrow(HarnessError);
    expect((await loadScenario(p, "ci", { allowHosts: ["staging.example.com"] })).servers[0]!.remote?.url).toBe("https://Staging.Example.com:8443/mcp");
    for (const loopback of ["http://localhost:1234/mcp", "http://[::1]:1234/mcp", "http://127.0.0.9:1234/mcp"])
      expect(await problemsOf(scenario("loopback", `{ name: staging, url: "${loopback}" }`))).toEqual([]);
  });

  it("a k6 or autocannon driver and a process fault are refused for a url server", async () => {
    const p = scenario(
      "driver",
      `{ name: staging, url: "http://127.0.0.1:1234/mcp" }`,
      "transport: http\ndriver: k6\nfaults:\n  - { kind: process, target: server:staging, action: pause, at: 0s, duration: 1s }\n",
    );
    const got = await problemsOf(p);
    expect(got).toContain(
      ":3: servers[0].url: the k6 driver writes its own requests to the harness's endpoints and cannot reach a url server (its headers, token, TLS and hop): use driver: sdk",
    );
    expect(got).toContain(
      ':13: faults[0].target: "staging" is a url server: the harness started no process of it, so a process fault cannot act on it (a network fault on its hop client->staging can)',
    );
  });

  it("registers the token, header values, query values and the key's lines for redaction when they are read", async () => {
    const token = `tok-${randomBytes(8).toString("hex")}`;
    process.env[TOKEN_ENV] = token;
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const keyFile = path.join(dir, "rsa-key.pem");
    writeFileSync(keyFile, pem);
    const header = `hdr-${randomBytes(8).toString("hex")}`;
    const client = readRemoteClient("staging", {
      url: "https://127.0.0.1:1/mcp",
      transport: "streamable-http",
      headers: { "x-api-key": header },
      bearerEnv: TOKEN_ENV,
      tls: { key: keyFile },
    });
    expect(client.bearerToken).toBe(token);
    const line = pem.split("\n")[3]!;
    expect(redactKnownSecrets(`got ${token}, ${header} and ${line}`)).toBe("got [REDACTED], [REDACTED] and [REDACTED]");
    delete process.env[TOKEN_ENV];
    expect(() => readRemoteClient("staging", { url: "https://127.0.0.1:1/mcp", transport: "sse", headers: {}, bearerEnv: TOKEN_ENV })).toThrow(
      `server "staging": the environment variable ${TOKEN_ENV} (its bearer token) is not set`,
    );
  });

  it("sends the OAuth client secret off loopback only to an issuer the run allows", async () => {
    process.env[TOKEN_ENV] = "x";
    const p = scenario(
      "issuer",
      `{ name: staging, url: "http://127.0.0.1:1234/mcp", auth: { oauth: { clientId: { env: ${TOKEN_ENV} }, clientSecret: { env: ${TOKEN_ENV} }, issuer: "https://auth.example.com" } } }`,
    );
    expect(await problemsOf(p)).toEqual([
      ':3: servers[0].auth.oauth.issuer: expected a loopback host, found "auth.example.com": the client secret goes there only if the run names it with --allow-hosts auth.example.com',
    ]);
    expect(await problemsOf(p, ["auth.example.com"])).toEqual([]);
    // At run time the client follows the server's metadata only to loopback or to that issuer: refused before anything is sent.
    const ep = await remoteHttpEndpoint({
      server: "staging",
      url: "http://127.0.0.1:1234/mcp",
      client: { protocol: "streamable-http", oauth: { clientId: "c", clientSecret: "s3cret-for-unit", issuer: "https://auth.example.com" } },
    });
    try {
      await expect(ep.client!.fetch!("https://elsewhere.example.com/token")).rejects.toThrow(/refusing to send a request to https:\/\/elsewhere\.example\.com/);
    } finally {
      await ep.stop();
    }
  });

  it("--allow-hosts takes host names and addresses only", () => {
    expect(parseAllowHosts("a.example.com,10.0.0.5,[::1]")).toEqual(["a.example.com", "10.0.0.5", "::1"]);
    expect(() => parseAllowHosts("https://a.example.com")).toThrow(/--allow-hosts: expected host names/);
    expect(() => parseAllowHosts("a.example.com,")).toThrow(/--allow-hosts/);
  });
});
