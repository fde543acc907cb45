/**
 * Scenario `resources`: limits of a server's containers (--provider docker). What a file may say,
 * what the plan holds, and who refuses them: a provider that starts its servers as host processes
 * (exit 2 before anything starts) and the compose target (its stack has its own limits).
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessError } from "../errors.js";
import { forComposeTarget } from "../providers/compose/scenario.js";
import { localProvider } from "../providers/local.js";
import { ResourceRegistry } from "../stack/resource-registry.js";
import { loadAll, validateScenarioFile } from "./load-scenario.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function scenarioFile(resources: string, extra = ""): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "resources-test-"));
  dirs.push(dir);
  const file = path.join(dir, "s.yaml");
  await writeFile(
    file,
    [
      "name: limited",
      "servers: [redis, memory]",
      "agents: 1",
      "duration: 5s",
      "workload: { kind: mix, calls: [{ server: redis, tool: get, args: { key: k } }] }",
      `resources: ${resources}`,
      extra,
    ].join("\n"),
  );
  return file;
}

describe("scenario resources", () => {
  it("becomes each named server's limits in the plan: CPUs as given, memory in bytes (binary and decimal units)", async () => {
    const [s] = await loadAll([await scenarioFile("{ redis: { cpus: 0.5, memory: 256Mi }, memory: { memory: 1G } }")], "default");
    expect(s!.serverLimits).toEqual({ redis: { cpus: 0.5, memoryBytes: 256 * 1024 ** 2 }, memory: { memoryBytes: 1e9 } });
    const [none] = await loadAll(["scenarios/servers-baseline.yaml"], "smoke");
    expect(none!.serverLimits).toEqual({});
  });

  it("names the file, the line, the path and what was expected for each mistake", async () => {
    const file = await scenarioFile("{ redis: { cpus: 0, memory: lots }, github: { cpus: 1 }, memory: { disk: 1G } }");
    const problems = await validateScenarioFile(file);
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${file}:6: resources\\.redis\\.cpus: expected >= 0\\.01, found 0$`)),
      expect.stringMatching(new RegExp(`^${file}:6: resources\\.redis\\.memory: expected a size such as "256Mi", "1Gi" or "512M", found "lots"$`)),
      `${file}:6: resources.memory.disk: unknown field "disk", found "1G"`,
      expect.stringMatching(new RegExp(`^${file}:6: resources\\.github: expected one of this scenario's servers \\(redis, memory\\), found "github"$`)),
    ]);
  });

  it("is refused, before anything starts, by a provider that runs the servers as host processes", async () => {
    const [s] = await loadAll([await scenarioFile("{ redis: { cpus: 1 } }")], "default");
    const registry = new ResourceRegistry({ runId: `resources-test-${process.pid}` });
    try {
      const started = localProvider.start({
        servers: s!.servers,
        extraNeeds: [],
        registry,
        seedRows: 10,
        proxied: false,
        redis: { persistence: "none" },
        postgres: { synchronousCommit: "on" },
        serverLimits: s!.serverLimits,
      });
      await expect(started).rejects.toThrow(HarnessError);
      await expect(started).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("resources (redis)") });
      // Nothing was made: no temp dir of the run.
      expect((await readdir(os.tmpdir())).filter((n) => n.includes(registry.runId))).toEqual([]);
    } finally {
      await registry.disposeAll();
    }
  });

  it("is refused by --target compose, whose containers have the limits docker-compose.yml gives them", async () => {
    const [s] = await loadAll([await scenarioFile("{ redis: { memory: 512M } }")], "default");
    try {
      forComposeTarget([s!]);
      throw new Error("expected a refusal");
    } catch (err) {
      expect(err).toBeInstanceOf(HarnessError);
      expect((err as HarnessError).details.join("\n")).toContain(
        "resources (redis): the compose stack's containers have the limits docker-compose.yml gives them",
      );
    }
  });
});
