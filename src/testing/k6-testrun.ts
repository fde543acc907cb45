/** deploy/k6-operator/testrun.yaml as the k6 driver's tests read it: the TestRun and its runner's environment. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { PROJECT_ROOT } from "../project-root.js";

export const K6_TESTRUN_MANIFEST = path.join(PROJECT_ROOT, "deploy", "k6-operator", "testrun.yaml");

export interface K6TestRun {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string };
  spec: {
    parallelism: number;
    script: { configMap: { name: string; file: string } };
    arguments: string;
    runner: { image: string; env: { name: string; value: string }[] };
  };
}

/** The manifest, and its runner's environment as name -> value. */
export function readK6TestRun(): { manifest: K6TestRun; env: Record<string, string> } {
  const manifest = parseYaml(readFileSync(K6_TESTRUN_MANIFEST, "utf8")) as K6TestRun;
  return { manifest, env: Object.fromEntries(manifest.spec.runner.env.map((e) => [e.name, e.value])) };
}
