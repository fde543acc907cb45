/**
 * The CLI turns the exporter's refusal of a non-loopback address into exit 2 for `monitor` and
 * `run` alike, before anything is started (the real CLI, as a child process).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = path.join(ROOT, "bin", "mcp-slo.js");

describe("metrics exporter address", () => {
  it.each([
    ["monitor", ["monitor", "--host", "0.0.0.0"], "--host"],
    ["run", ["run", "test/fixtures/e2e-generous.yaml", "--metrics-port", "9464", "--metrics-host", "10.1.2.3"], "--metrics-host"],
  ])("`mcp-slo %s` with a non-loopback address exits 2 and says so, starting nothing", (_name, args, flag) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", timeout: 30_000, env: { ...process.env, CI: "true" } });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/refusing to serve metrics on (0\.0\.0\.0|10\.1\.2\.3): it is not a loopback address/);
    expect(r.stderr).toContain(`hint: use ${flag} 127.0.0.1 (the default), or add --allow-non-loopback`);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    expect(r.stdout).not.toMatch(/serving metrics|starting/);
  });
});
