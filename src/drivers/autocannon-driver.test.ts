/**
 * The autocannon driver's pure parts: finding and classifying the JSON-RPC answer in a body (JSON
 * or SSE), splitting load by weight and the coordinated-omission correction. The driver through
 * the CLI, against real servers: test/autocannon-driver.e2e.test.ts.
 */
import { describe, expect, it } from "vitest";
import { classifyAnswer, correctionLatencies, findAnswer } from "./autocannon-driver.js";

describe("autocannon driver helpers", () => {
  it("finds the JSON-RPC answer in a JSON body or an SSE stream, skipping notifications", () => {
    const answer = { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "hi" }] } };
    expect(findAnswer(JSON.stringify(answer), 7)).toEqual(answer);
    const sse = `event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{}}\n\nevent: message\ndata: ${JSON.stringify(answer)}\n\n`;
    expect(findAnswer(sse, 7)).toEqual(answer);
    expect(findAnswer(sse, 8)).toBeUndefined();
  });

  it("classifies answers: ok, JSON-RPC error, tool error, non-2xx, no answer, and the kind of each failure", () => {
    expect(classifyAnswer(200, '{"jsonrpc":"2.0","id":1,"result":{"content":[]}}', 1)).toEqual({ outcome: "ok" });
    expect(classifyAnswer(200, '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad"}}', 1)).toMatchObject({
      outcome: "error",
      kind: "tool",
      error: "JSON-RPC error -32602: bad",
    });
    expect(classifyAnswer(200, 'data: {"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[{"type":"text","text":"nope"}]}}\n\n', 1)).toMatchObject({
      outcome: "error",
      kind: "tool",
      error: "tool error: nope",
    });
    expect(classifyAnswer(404, "Session not found", 1)).toMatchObject({ outcome: "error", kind: "tool", error: "HTTP 404: Session not found" });
    expect(classifyAnswer(200, "", 1)).toMatchObject({ outcome: "error", kind: "protocol" });
    expect(classifyAnswer(200, '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"te', 1)).toMatchObject({ outcome: "error", kind: "protocol" });
    expect(classifyAnswer(200, '{"jsonrpc":"2.0","id":1,"result":{"content":"not a list"}}', 1)).toMatchObject({ outcome: "error", kind: "protocol" });
  });

  it("corrects for coordinated omission like HdrHistogram's recordValueWithExpectedInterval", () => {
    expect(correctionLatencies(5, 10)).toEqual([]);
    expect(correctionLatencies(35, 10)).toEqual([25, 15]);
    expect(correctionLatencies(40, 10)).toEqual([30, 20, 10]);
    expect(correctionLatencies(40, 0)).toEqual([]);
  });
});

describe("findAnswer: SSE bodies (eventsource-parser)", () => {
  const answer = { jsonrpc: "2.0", id: 3, result: { content: [] } };

  it("reads an event whose data spans several data: lines, with CRLF line ends", () => {
    // Lines of one event's data are joined with "\n", which JSON allows between tokens.
    const spread = `event: message\r\ndata: {"jsonrpc":"2.0",\r\ndata: "id":3,\r\ndata: "result":{"content":[]}}\r\n\r\n`;
    expect(findAnswer(spread, 3)).toEqual(answer);
  });

  it("takes a last event the body does not end with a blank line, skips comments and events that are not JSON", () => {
    expect(findAnswer(`: keep-alive\n\ndata: not json\n\ndata: ${JSON.stringify(answer)}`, 3)).toEqual(answer);
    expect(findAnswer(`data: ${JSON.stringify(answer)}\n`, 3)).toEqual(answer);
  });

  it("is undefined for a stream with no answer to the id, or none at all", () => {
    expect(findAnswer(`event: message\ndata: ${JSON.stringify({ ...answer, id: 4 })}\n\n`, 3)).toBeUndefined();
    expect(findAnswer("event: message\n\n", 3)).toBeUndefined();
  });
});
