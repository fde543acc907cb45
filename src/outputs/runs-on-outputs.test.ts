/**
 * Where each server ran, in report.html's "Ran on" column and in results.json's schema: a host
 * process, or the containers of --provider docker (engine, image, digest, the limits the run set,
 * the container ids). The run side is test/server-containers.e2e.test.ts.
 */
import { describe, expect, it } from "vitest";
import { sampleRunRecord } from "../../test/support/records.js";
import { RunRecord } from "../results/schema.js";
import { renderHtmlReport } from "./html-report.js";

describe("runsOn in the outputs", () => {
  const run = sampleRunRecord();
  const s = run.scenarios[0]!;
  const digest = `sha256:${"ab".repeat(32)}`;
  const ids = ["1".repeat(64), "2".repeat(64)];
  s.servers[0] = {
    ...s.servers[0]!,
    name: "limited",
    runsOn: {
      kind: "container",
      engine: "podman 4.3.1",
      image: "localhost/mcp-slo-harness:0.1.0",
      imageDigest: digest,
      containers: ids,
      limits: { cpus: 0.5, memoryBytes: 256 * 1024 ** 2 },
    },
  };
  s.servers[1] = {
    ...s.servers[0]!,
    name: "unlimited",
    runsOn: { kind: "container", engine: "podman 4.3.1", image: "localhost/mcp-slo-harness:0.1.0", imageDigest: digest, containers: [] },
  };
  s.servers[2] = { ...s.servers[0]!, name: "local", runsOn: { kind: "host-process" } };

  it("report.html: the engine, image, short digest, limits and container ids; no limits said when the run set none", async () => {
    const html = await renderHtmlReport(run);
    expect(html).toContain("<th>Ran on</th>");
    expect(html).toContain(
      `containers (podman 4.3.1): <code>localhost/mcp-slo-harness:0.1.0</code><div><code title="${digest}">${digest.slice(0, 19)}</code></div><div>limits: 0.5 CPU, 256 MiB</div>`,
    );
    expect(html).toContain(`<summary>2 container(s)</summary><code>${"1".repeat(12)} ${"2".repeat(12)}</code>`);
    // A container without limits set by the run says nothing of limits (a compose stack's own are not read).
    expect(html).toContain(`${digest.slice(0, 19)}</code></div></td>`);
    expect(html).toContain('<td class="small runs-on">host process</td>');
  });

  it("results.json: a container runsOn is in its schema, with its digest and ids", () => {
    expect(RunRecord.safeParse(JSON.parse(JSON.stringify(run))).success).toBe(true);
    const bad = JSON.parse(JSON.stringify(run));
    delete bad.scenarios[0].servers[0].runsOn.imageDigest;
    expect(RunRecord.safeParse(bad).success).toBe(false);
  });
});
