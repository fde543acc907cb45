/**
 * The monitoring files checked by the tools that read them: the Prometheus config with the
 * generated rules passes `promtool check config`, and `docker-compose config -q` accepts the
 * compose file when docker-compose is installed. The files' consistency with the code:
 * monitoring-files.test.ts.
 */
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resolveExecutable } from "../util/executable.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const hasCommand = (command: string) => resolveExecutable(command, process.env.PATH ?? "", undefined) !== undefined;

describe("monitoring files", () => {
  it("promtool check config accepts the Prometheus config with the generated rules", () => {
    const out = execFileSync("promtool", ["check", "config", path.join(ROOT, "monitoring/prometheus/prometheus.yml")], { encoding: "utf8" });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  const compose = hasCommand("docker-compose");
  if (!compose) console.warn("SKIPPED: docker-compose config -q: docker-compose is not on PATH (bash scripts/setup-containers.sh installs Debian's 1.29)");
  it.skipIf(!compose)(`docker-compose config -q accepts the compose file, with every profile${compose ? "" : " (SKIPPED: docker-compose not on PATH)"}`, () => {
    for (const profile of [[], ["--profile", "saas"], ["--profile", "monitoring"]]) {
      const r = spawnSync("docker-compose", ["-f", path.join(ROOT, "docker-compose.yml"), ...profile, "config", "-q"], { encoding: "utf8" });
      expect(r.status, `${profile.join(" ")}: ${r.stderr}`).toBe(0);
    }
  });
});
