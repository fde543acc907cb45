import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest folder above this file holding package.json. */
export const PROJECT_ROOT: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`mcp-slo-harness: cannot find package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
})();

export const HARNESS_VERSION: string = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string }).version;

/** Where setup puts what it builds or installs outside npm: Go binaries in bin/, Python virtualenvs. */
export const TOOLS_DIR: string = path.join(PROJECT_ROOT, ".tools");
