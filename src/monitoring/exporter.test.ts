/**
 * The exporter serves on loopback by default and refuses any other address unless explicitly
 * allowed, saying why. The CLI's exit 2 for that refusal: exporter.integration.test.ts.
 */
import { describe, expect, it } from "vitest";
import { HarnessError } from "../errors.js";
import { checkListenAddress, startMetricsExporter } from "./exporter.js";
import { McpMetrics } from "./metrics.js";

describe("metrics exporter address", () => {
  it("refuses a non-loopback address unless explicitly allowed, with a clear error", async () => {
    const refused = (() => {
      try {
        checkListenAddress({ host: "0.0.0.0", port: 9464, allowNonLoopback: false });
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(HarnessError);
    expect((refused as HarnessError).code).toBe("invalid_input");
    expect((refused as HarnessError).message).toMatch(/refusing to serve metrics on 0\.0\.0\.0: it is not a loopback address/);
    expect((refused as HarnessError).hint).toMatch(/--allow-non-loopback/);
    await expect(startMetricsExporter(new McpMetrics(), { host: "0.0.0.0", port: 0, allowNonLoopback: false })).rejects.toThrow(/not a loopback address/);
    expect(() => checkListenAddress({ host: "0.0.0.0", port: 9464, allowNonLoopback: true })).not.toThrow();
  });

  it("serves /metrics on 127.0.0.1 and stops", async () => {
    const metrics = new McpMetrics();
    metrics.observeCall("redis", "get", "ok", 1.2);
    const exporter = await startMetricsExporter(metrics, { host: "127.0.0.1", port: 0, allowNonLoopback: false });
    try {
      const res = await fetch(exporter.url);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toMatch(/^mcp_response_time_seconds_bucket\{le="0\.002",mcp_name="redis",operation="get"\} 1$/m);
      expect(text).toContain("# TYPE mcp_security_validation_score gauge");
      expect((await fetch(exporter.url.replace("/metrics", "/nope"))).status).toBe(404);
    } finally {
      await exporter.stop();
    }
    await expect(fetch(exporter.url)).rejects.toThrow();
  });
});
