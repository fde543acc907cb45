import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { LeanStreamableHttpTransport } from "./lean-http-transport.js";

/** A loopback server whose answer to each POST the test decides; it records what it was sent. */
async function serve(answer: (body: { id?: unknown; method?: string }, res: ServerResponse, req: IncomingMessage) => void) {
  const seen: { headers: IncomingMessage["headers"]; body: { id?: unknown; method?: string } }[] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      if (req.method !== "POST") {
        res.writeHead(405).end();
        return;
      }
      const body = JSON.parse(text) as { id?: unknown; method?: string };
      seen.push({ headers: req.headers, body });
      if (body.method === "initialize") {
        res.writeHead(200, { "content-type": "application/json", "mcp-session-id": "s-1" });
        res.end(
          JSON.stringify({ jsonrpc: "2.0", id: body.id, result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "t", version: "1" } } }),
        );
      } else if (body.id === undefined) res.writeHead(202).end();
      else answer(body, res, req);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`), seen };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A transport past initialize, collecting what it delivers and reports. */
async function connected(url: URL) {
  const t = new LeanStreamableHttpTransport(url, { headers: { "X-Agent": "7" } });
  const messages: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  t.onmessage = (m) => void messages.push(m);
  t.onerror = (e) => void errors.push(e);
  await t.start();
  await t.send({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } },
  });
  t.setProtocolVersion("2025-06-18");
  return { t, messages, errors };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe("LeanStreamableHttpTransport", () => {
  it("sends a request on the session with the SDK's headers and delivers a JSON answer", async () => {
    const { url, seen } = await serve((body, res) => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: { content: [] } }));
    });
    const { t, messages } = await connected(url);
    await t.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "x" } });
    await until(() => messages.length === 2);
    expect(messages[1]).toEqual({ jsonrpc: "2.0", id: 1, result: { content: [] } });
    const call = seen.find((s) => s.body.method === "tools/call")!;
    expect(call.headers["mcp-session-id"]).toBe("s-1");
    expect(call.headers["mcp-protocol-version"]).toBe("2025-06-18");
    expect(call.headers["x-agent"]).toBe("7");
    expect(call.headers.accept).toBe("application/json, text/event-stream");
    await t.close();
  });

  it("delivers an event stream's messages in order, a notification before the result, across split chunks", async () => {
    const { url } = await serve((body, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      // A priming event with no data, as the SDK's servers send, then a notification and the result split mid-character.
      res.write("id: a\ndata: \n\n");
      res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } })}\n\n`);
      const result = Buffer.from(`data: ${JSON.stringify({ jsonrpc: "2.0", id: body.id, result: { content: [{ type: "text", text: "é" }] } })}\n\n`);
      const cut = result.indexOf(Buffer.from("é")) + 1;
      res.write(result.subarray(0, cut));
      setTimeout(() => res.end(result.subarray(cut)), 20);
    });
    const { t, messages, errors } = await connected(url);
    await t.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "x" } });
    await until(() => messages.length === 3);
    expect(messages.slice(1).map((m) => ("method" in m ? m.method : "id" in m ? m.id : undefined))).toEqual(["notifications/progress", 2]);
    expect(JSON.stringify(messages[2])).toContain("é");
    expect(errors).toEqual([]);
    await t.close();
  });

  it("rejects the send with the SDK's StreamableHTTPError on an error status, quoting the body", async () => {
    const { url } = await serve((_body, res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("session not found");
    });
    const { t, errors } = await connected(url);
    const sent = t.send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "x" } });
    await expect(sent).rejects.toBeInstanceOf(StreamableHTTPError);
    await expect(sent).rejects.toThrow(/session not found/);
    expect(errors).toHaveLength(1);
    await t.close();
  });

  it("reports an answer that is not a JSON-RPC message instead of delivering it", async () => {
    const { url } = await serve((_body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ hello: "world" }));
    });
    const { t, messages, errors } = await connected(url);
    await t.send({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "x" } });
    expect(messages).toHaveLength(1);
    expect(errors.map((e) => e.message).join()).toMatch(/not a JSON-RPC message/);
    await t.close();
  });

  it("fails a send to a port where nothing listens with the socket's error", async () => {
    const { url } = await serve(() => undefined);
    const { t } = await connected(url);
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    await expect(t.send({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "x" } })).rejects.toThrow(/ECONNREFUSED|closed|socket/i);
    await t.close();
  });

  it("ends the POSTs in flight when the session closes: an unanswered one rejects, an open event stream stops without an error", async () => {
    const held: ServerResponse[] = [];
    const { url } = await serve((body, res) => {
      held.push(res);
      // id 7 never answers; id 8 starts an event stream and never ends it.
      if (body.id === 8) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(": started\n\n");
      }
    });
    const { t, errors } = await connected(url);
    const unanswered = t.send({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "x" } });
    await t.send({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "x" } });
    await until(() => held.length === 2);
    const closedAt = performance.now();
    await t.close();
    await expect(unanswered).rejects.toThrow(/closed/);
    expect(performance.now() - closedAt).toBeLessThan(1000);
    expect(errors.map((e) => e.message).join()).not.toMatch(/SSE stream disconnected/);
    await expect(t.send({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "x" } })).rejects.toThrow(/closed/);
    for (const res of held) res.destroy();
  });
});
