/**
 * MCP servers as targets by URL (issue 18, parts 2 and 4), through the real CLI against a real MCP
 * server the harness does not start (test/fixtures/servers/remote-mcp-server.mjs, the SDK's
 * McpServer on 127.0.0.1):
 *
 *  - Streamable HTTP behind TLS with a CA, server and client certificates this file makes with the
 *    openssl CLI, mutual TLS and a bearer token: a `url:` scenario runs and is judged (exit 0, SLO
 *    verdicts, results.json and the report say where the server ran); the canary token and the client
 *    key's content are in no output (stdout, stderr, every file of the out dir); nothing is left;
 *  - a wrong token: exit 3 naming the target, the step and the 401 (the fixture quotes the token it
 *    got in its 401 body, so the wrong token reaches the harness's error text: it must be redacted);
 *  - a client certificate of another CA: exit 3 naming the TLS failure;
 *  - a latency toxic on the hop client-><server> shows in that server's latency;
 *  - a legacy HTTP+SSE server driven by URL with `transport: sse`;
 *  - a non-loopback URL refused at validation without --allow-hosts (exit 2 naming the path and the
 *    flag), accepted with it (validate only: no traffic leaves loopback).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNothingLeft, newOutDir, readRecord, removeOutDirs, ROOT, runCli, transcript } from "./support/cli.js";

const FIXTURE = path.join(ROOT, "test", "fixtures", "servers", "remote-mcp-server.mjs");
const WORK = mkdtempSync(path.join(os.tmpdir(), "e2e-url-target-"));
const TOKEN = `canary-url-token-${randomBytes(8).toString("hex")}`;
const WRONG_TOKEN = `canary-wrong-token-${randomBytes(8).toString("hex")}`;
const servers: ChildProcess[] = [];

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: WORK, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA, a server certificate for 127.0.0.1 it signs, and a client certificate per CA (`good` signed by it, `other` by a second CA). */
function makeCertificates(): void {
  for (const ca of ["ca", "other-ca"]) {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${ca} test`, "-keyout", `${ca}-key.pem`, "-out", `${ca}.pem`);
  }
  writeFileSync(path.join(WORK, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  writeFileSync(path.join(WORK, "client.ext"), "extendedKeyUsage=clientAuth\n");
  const leaf = (name: string, ca: string, ext: string) => {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}-key.pem`, "-out", `${name}.csr`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.pem`,
      "-CAkey",
      `${ca}-key.pem`,
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      ext,
      "-out",
      `${name}.pem`,
    );
  };
  leaf("server", "ca", "server.ext");
  leaf("client", "ca", "client.ext");
  leaf("stranger", "other-ca", "client.ext");
}

/** Starts the fixture; resolves with its port once it listens. */
async function startFixture(env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [FIXTURE], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  servers.push(child);
  return new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`fixture did not listen: ${out}`)), 20_000);
    child.stdout!.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on("exit", (code) => reject(new Error(`fixture exited (${code}): ${out}`)));
  });
}

function scenario(name: string, server: Record<string, unknown>, extra = ""): string {
  const file = path.join(WORK, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
description: A url target judged like any server.
servers:
  - ${JSON.stringify({ name: "staging", ...server })}
agents: 2
warmup: 0s
duration: 3s
startTimeout: 10s
workload:
  kind: mix
  calls:
    - { server: staging, tool: echo, args: { message: "hello {{agent}}" } }
slos:
  - { id: generous, metric: latency.p50, objective: "< 10s", scope: { server: "*" } }
  # 95 %, not 99 %: a 3 s window on a loaded 2-core machine may hold too few calls for 99 % to be proven (inconclusive).
  - { id: works, metric: success_rate, objective: ">= 95%" }
${extra}`,
  );
  return file;
}

/** Every file under `dir`, as text. */
async function filesUnder(dir: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    out.push({ file, text: await readFile(file, "latin1") });
  }
  return out;
}

/** The base64 body of a PEM key, line by line: what a leak of the key would contain. */
function keyLines(file: string): string[] {
  return readFileSync(path.join(WORK, file), "utf8")
    .split("\n")
    .filter((l) => l.length >= 16 && !l.startsWith("-----"));
}

async function expectAbsent(texts: { file: string; text: string }[], secrets: string[]): Promise<void> {
  for (const { file, text } of texts) for (const secret of secrets) expect(text.includes(secret), `${secret.slice(0, 24)}... found in ${file}`).toBe(false);
}

let tlsPort = 0;
const tls = () => ({
  url: `https://127.0.0.1:${tlsPort}/mcp`,
  auth: { bearer: { env: "E2E_URL_TOKEN" } },
  tls: { ca: "ca.pem", cert: "client.pem", key: "client-key.pem" },
});

beforeAll(async () => {
  makeCertificates();
  // Strict Host: the hop must carry the connection, not change the URL (Host, TLS name and certificate check stay the target's).
  tlsPort = await startFixture({ REMOTE_TLS_DIR: WORK, REMOTE_TOKEN: TOKEN, REMOTE_STRICT_HOST: "1" });
});

afterAll(async () => {
  for (const s of servers) s.kill("SIGTERM");
  await removeOutDirs();
  rmSync(WORK, { recursive: true, force: true });
});

describe("url targets", () => {
  it("judges a Streamable HTTP server behind mutual TLS and a bearer token; token and key in no output; nothing left", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", scenario("url-tls", tls()), "--out", out], { env: { E2E_URL_TOKEN: TOKEN } });
    expect(r.code, transcript(r)).toBe(0);
    const record = await readRecord(out);
    const s = record.scenarios[0]!;
    expect(s.status).toBe("completed");
    expect(s.servers[0]).toMatchObject({
      name: "staging",
      transport: "http",
      runsOn: { kind: "url", url: `https://127.0.0.1:${tlsPort}/mcp` },
      tools: ["echo"],
    });
    expect(s.servers[0]!.version).toBe("1.2.3");
    expect(s.slos.map((x) => [x.id, x.verdict])).toEqual([
      ["generous@staging", "pass"],
      ["works", "pass"],
    ]);
    const ok = s.latency.find((l) => l.server === "staging" && l.tool === "echo" && l.outcome === "ok");
    expect(ok?.count ?? 0).toBeGreaterThan(10);
    expect(s.offLoopback).toBeUndefined();
    const report = await readFile(path.join(out, "report.html"), "utf8");
    expect(report).toContain(`url target: <code>https://127.0.0.1:${tlsPort}/mcp</code>`);
    await expectAbsent(
      [{ file: "stdout", text: r.stdout }, { file: "stderr", text: r.stderr }, ...(await filesUnder(out))],
      [TOKEN, ...keyLines("client-key.pem")],
    );
    const runId = record.runId;
    await expectNothingLeft(runId);
  });

  it("a wrong token: exit 3 naming the target, the step and the 401; the token it sent is redacted", async () => {
    const out = await newOutDir();
    const r = await runCli(["run", scenario("url-wrong-token", tls()), "--out", out], { env: { E2E_URL_TOKEN: WRONG_TOKEN } });
    expect(r.code, transcript(r)).toBe(3);
    // The scenario's error is printed with its verdict (stdout); the progress lines go to stderr.
    expect(r.stdout).toMatch(new RegExp(`"staging" at https://127\\.0\\.0\\.1:${tlsPort}/mcp failed at connect and initialize \\(agent \\d\\): HTTP 401`));
    await expectAbsent([{ file: "stdout", text: r.stdout }, { file: "stderr", text: r.stderr }, ...(await filesUnder(out))], [WRONG_TOKEN, TOKEN]);
  });

  it("a client certificate of another CA: exit 3 naming the TLS failure", async () => {
    const out = await newOutDir();
    const r = await runCli(
      ["run", scenario("url-wrong-cert", { ...tls(), tls: { ca: "ca.pem", cert: "stranger.pem", key: "stranger-key.pem" } }), "--out", out],
      {
        env: { E2E_URL_TOKEN: TOKEN },
      },
    );
    expect(r.code, transcript(r)).toBe(3);
    expect(r.stdout).toContain(`"staging" at https://127.0.0.1:${tlsPort}/mcp failed at connect and initialize`);
    // Under TLS 1.3 the server checks the client certificate after the client's handshake completed and refuses it by
    // closing: the request sees only "other side closed", so the harness watches one more connection and says what it saw.
    expect(r.stdout).toContain(
      "the TLS handshake completed and the server closed the connection at once: under TLS 1.3 that is how a server refuses a client certificate",
    );
    await expectAbsent(
      [{ file: "stdout", text: r.stdout }, { file: "stderr", text: r.stderr }, ...(await filesUnder(out))],
      [TOKEN, ...keyLines("stranger-key.pem")],
    );
  });

  it.each([
    [
      "no CA given (the system's CAs do not know the test CA)",
      { cert: "client.pem", key: "client-key.pem" },
      /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    ],
    [
      "a server name the certificate does not hold",
      { ca: "ca.pem", cert: "client.pem", key: "client-key.pem", servername: "mcp.internal" },
      /ERR_TLS_CERT_ALTNAME_INVALID/,
    ],
  ])("the server's certificate refused by the client, %s: exit 3 naming the certificate problem", async (_what, tlsOptions, problem) => {
    const out = await newOutDir();
    const r = await runCli(["run", scenario(`url-server-cert-${randomBytes(3).toString("hex")}`, { ...tls(), tls: tlsOptions }), "--out", out], {
      env: { E2E_URL_TOKEN: TOKEN },
    });
    expect(r.code, transcript(r)).toBe(3);
    expect(r.stdout).toContain(`"staging" at https://127.0.0.1:${tlsPort}/mcp failed at connect and initialize`);
    expect(r.stdout).toMatch(problem);
  });

  it("a latency toxic on the hop client-><server> shows in the url target's latency", async () => {
    const out = await newOutDir();
    const file = scenario(
      "url-hop-latency",
      tls(),
      // At 1 s: the fault experiment first sees its steady state (probes of the server) before it injects.
      "faults:\n  - { kind: toxic, hop: client->staging, toxic: latency, attributes: { latency: 300 }, stream: downstream, at: 1s, duration: 2s }\n" +
        'recovery: { probe: { server: staging, tool: echo, args: { message: "probe" } }, interval: 100ms, timeout: 1s, consecutive: 3, limit: 20s }\n',
    );
    const r = await runCli(["run", file, "--out", out], { env: { E2E_URL_TOKEN: TOKEN } });
    expect(r.code, transcript(r)).not.toBe(3);
    const s = (await readRecord(out)).scenarios[0]!;
    expect(s.status, transcript(r)).toBe("completed");
    expect(s.faults?.[0], JSON.stringify(s.faults)).toMatchObject({ target: "client->staging", injected: true });
    const ok = s.latency.find((l) => l.server === "staging" && l.tool === "echo" && l.outcome === "ok");
    // Without the toxic an echo over loopback answers in a few ms (p50 about 10 ms here); through it, 300 ms or more.
    expect(ok?.max ?? 0).toBeGreaterThanOrEqual(300);
    expect(ok?.p50 ?? Infinity).toBeLessThan(300);
  });

  it("drives a legacy HTTP+SSE server by URL with transport: sse", async () => {
    const port = await startFixture({ REMOTE_TRANSPORT: "sse" });
    const out = await newOutDir();
    const r = await runCli(["run", scenario("url-sse", { url: `http://127.0.0.1:${port}/sse`, transport: "sse" }), "--out", out]);
    expect(r.code, transcript(r)).toBe(0);
    const s = (await readRecord(out)).scenarios[0]!;
    expect(s.servers[0]).toMatchObject({ runsOn: { kind: "url", url: `http://127.0.0.1:${port}/sse` }, tools: ["echo"] });
    expect(s.latency.find((l) => l.server === "staging" && l.outcome === "ok")?.count ?? 0).toBeGreaterThan(10);
    expect(s.slos.map((x) => `${x.id} ${x.verdict} ${x.measuredText}`)).toEqual([
      expect.stringMatching(/^generous@staging pass/),
      expect.stringMatching(/^works pass/),
    ]);
  });

  it("OAuth client credentials: the token from the server's authorization server; a wrong secret is exit 3; the secret in no output", async () => {
    const secret = `canary-oauth-secret-${randomBytes(8).toString("hex")}`;
    const port = await startFixture({ REMOTE_OAUTH: `harness-client:${secret}` });
    const server = {
      url: `http://127.0.0.1:${port}/mcp`,
      auth: { oauth: { clientId: { env: "E2E_OAUTH_ID" }, clientSecret: { env: "E2E_OAUTH_SECRET" }, issuer: `http://127.0.0.1:${port}` } },
    };
    const out = await newOutDir();
    const r = await runCli(["run", scenario("url-oauth", server), "--out", out], { env: { E2E_OAUTH_ID: "harness-client", E2E_OAUTH_SECRET: secret } });
    expect(r.code, transcript(r)).toBe(0);
    const s = (await readRecord(out)).scenarios[0]!;
    expect(s.latency.find((l) => l.server === "staging" && l.outcome === "ok")?.count ?? 0).toBeGreaterThan(10);
    await expectAbsent([{ file: "stdout", text: r.stdout }, { file: "stderr", text: r.stderr }, ...(await filesUnder(out))], [secret]);

    const wrong = `canary-wrong-secret-${randomBytes(8).toString("hex")}`;
    const out2 = await newOutDir();
    const r2 = await runCli(["run", scenario("url-oauth-wrong", server), "--out", out2], { env: { E2E_OAUTH_ID: "harness-client", E2E_OAUTH_SECRET: wrong } });
    expect(r2.code, transcript(r2)).toBe(3);
    // Both agents' sessions start at once: whichever fails first is named.
    expect(r2.stdout).toMatch(
      new RegExp(`"staging" at http://127\\.0\\.0\\.1:${port}/mcp failed at connect and initialize \\(agent \\d\\): OAuth invalid_client`),
    );
    await expectAbsent([{ file: "stdout", text: r2.stdout }, { file: "stderr", text: r2.stderr }, ...(await filesUnder(out2))], [wrong, secret]);
  });

  it.each([
    ["does not answer", { REMOTE_HANG: "1" }, /did not answer connect and initialize within 3 s/],
    ["speaks another protocol version", { REMOTE_PROTOCOL: "1999-01-01" }, /protocol version is not supported: 1999-01-01/],
  ])("a server that %s: exit 3 naming the target and the failure, within the start timeout, nothing left", async (_what, env, why) => {
    const port = await startFixture(env);
    const out = await newOutDir();
    const file = scenario(`url-fails-${port}`, { url: `http://127.0.0.1:${port}/mcp` });
    writeFileSync(file, readFileSync(file, "utf8").replace("startTimeout: 10s", "startTimeout: 3s"));
    const r = await runCli(["run", file, "--out", out]);
    expect(r.code, transcript(r)).toBe(3);
    expect(r.stdout).toContain(`"staging" at http://127.0.0.1:${port}/mcp failed at connect and initialize`);
    expect(r.stdout).toMatch(why);
    // The start timeout bounds the wait; the rest is the CLI's own start and the outputs (generous on a shared 2-core machine).
    expect(r.elapsedMs).toBeLessThan(3000 + 25_000);
    await expectNothingLeft((await readRecord(out)).runId);
  });

  it("a URL where nothing listens: exit 3 naming the refused connection", async () => {
    // A port that was free a moment ago: bound, then closed.
    const probe = await startFixture({});
    const dead = servers.pop()!;
    dead.kill("SIGKILL");
    await new Promise((r) => dead.once("exit", r));
    const out = await newOutDir();
    const r = await runCli(["run", scenario("url-refused", { url: `http://127.0.0.1:${probe}/mcp` }), "--out", out]);
    expect(r.code, transcript(r)).toBe(3);
    expect(r.stdout).toContain(`"staging" at http://127.0.0.1:${probe}/mcp failed at connect and initialize`);
    // Through the hop, Toxiproxy accepts and then closes when it cannot reach the target: the harness says what that means.
    expect(r.stdout).toContain(`nothing listening at 127.0.0.1:${probe}?`);
  });

  it("refuses a non-loopback URL without --allow-hosts (exit 2), accepts it at validation with the flag", async () => {
    const file = scenario("url-off-loopback", { url: "https://staging.example.com/mcp" });
    const refused = await runCli(["validate", file]);
    expect(refused.code, transcript(refused)).toBe(2);
    expect(refused.stderr).toContain(`${file}:4: servers[0].url: expected a loopback host (127.0.0.1, ::1, localhost), found "staging.example.com"`);
    expect(refused.stderr).toContain("--allow-hosts staging.example.com");
    const run = await runCli(["run", file, "--out", await newOutDir()]);
    expect(run.code, transcript(run)).toBe(2);
    const allowed = await runCli(["validate", file, "--allow-hosts", "10.0.0.5,Staging.Example.com"]);
    expect(allowed.code, transcript(allowed)).toBe(0);
  });
});
