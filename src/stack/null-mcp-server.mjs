/**
 * The null endpoint: an MCP server that does nothing but answer, as cheaply as a server can, so that
 * a call's latency against it is the client's own cost (issue 16: how much of every sample is the
 * harness). Started by src/stack/null-endpoint.ts as its own process, so its CPU is not the harness's.
 *
 *   node null-mcp-server.mjs http   -> MCP Streamable HTTP on 127.0.0.1:$MCP_SLO_NULL_PORT (path /mcp)
 *   node null-mcp-server.mjs stdio  -> MCP over stdin/stdout
 *
 * Answers: initialize (the client's protocol version, tools capability, a session id over HTTP),
 * tools/list (one tool, "echo"), tools/call (a canned text result), ping; notifications are accepted
 * (HTTP 202); any other method is a JSON-RPC "method not found". HTTP GET (the optional standalone
 * event stream) is 405, which the MCP client treats as "this server offers none"; DELETE ends nothing.
 *
 * Why HTTP/1.1 by hand on node:net rather than node:http: the endpoint's own cost is inside every
 * sample measured against it, and node:http's request/response objects cost it several times what
 * parsing one Content-Length framed request does; the client under test (undici) always sends
 * Content-Length for its JSON bodies. It serves loopback clients of this harness only.
 */
import net from "node:net";
import readline from "node:readline";

const TOOL_RESULT = { content: [{ type: "text", text: "ok" }] };
const TOOLS = { tools: [{ name: "echo", description: "answers ok", inputSchema: { type: "object" } }] };
const SESSION_ID = "null-endpoint-session";

/** The JSON-RPC answer to one message, or undefined for a notification. */
function answer(message) {
  if (message === null || typeof message !== "object" || message.id === undefined) return undefined;
  const reply = (result) => `{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${JSON.stringify(result)}}`;
  switch (message.method) {
    case "initialize":
      return reply({
        protocolVersion: message.params?.protocolVersion ?? "2025-06-18",
        capabilities: { tools: {} },
        serverInfo: { name: "mcp-slo-null-endpoint", version: "1.0.0" },
      });
    case "tools/list":
      return reply(TOOLS);
    case "tools/call":
      return reply(TOOL_RESULT);
    case "ping":
      return reply({});
    default:
      return `{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"error":{"code":-32601,"message":"Method not found"}}`;
  }
}

function serveStdio() {
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line === "") return;
    const out = answer(JSON.parse(line));
    if (out !== undefined) process.stdout.write(`${out}\n`);
  });
  lines.on("close", () => process.exit(0));
}

function head(status, reason, headers, body) {
  const length = Buffer.byteLength(body);
  return `HTTP/1.1 ${status} ${reason}\r\n${headers}content-length: ${length}\r\nconnection: keep-alive\r\n\r\n${body}`;
}

function serveHttp() {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      // Every complete request in the buffer, in order (a client may send the next before reading this answer).
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        const headText = buffered.subarray(0, end).toString("latin1");
        const match = /\r\ncontent-length:\s*(\d+)/i.exec(headText);
        const bodyLength = match ? Number(match[1]) : 0;
        if (buffered.length < end + 4 + bodyLength) return;
        const body = buffered.subarray(end + 4, end + 4 + bodyLength).toString("utf8");
        buffered = buffered.subarray(end + 4 + bodyLength);
        const method = headText.slice(0, headText.indexOf(" "));
        if (method === "POST") {
          let out;
          try {
            out = answer(JSON.parse(body));
          } catch {
            socket.write(head(400, "Bad Request", "", ""));
            continue;
          }
          socket.write(
            out === undefined ? head(202, "Accepted", "", "") : head(200, "OK", `content-type: application/json\r\nmcp-session-id: ${SESSION_ID}\r\n`, out),
          );
        } else if (method === "DELETE") socket.write(head(200, "OK", "", ""));
        else socket.write(head(405, "Method Not Allowed", "allow: POST, DELETE\r\n", ""));
      }
    });
    socket.on("error", () => socket.destroy());
  });
  server.listen(Number(process.env.MCP_SLO_NULL_PORT ?? 0), "127.0.0.1");
}

if (process.argv[2] === "stdio") serveStdio();
else if (process.argv[2] === "http") serveHttp();
else {
  process.stderr.write("usage: null-mcp-server.mjs http|stdio\n");
  process.exit(2);
}
