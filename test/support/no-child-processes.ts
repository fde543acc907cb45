/**
 * Setup file of the `unit` test project (vitest.config.ts): a unit test runs inside the test
 * process, so every way to start a child process throws, naming the rule. A test that starts a
 * server, a tool or even `sleep` is an integration test: name it *.integration.test.ts (or
 * *.e2e.test.ts through the CLI, *.browser.test.ts with the browser). This keeps `npm run test:unit`
 * fast and independent of what scripts/setup.sh installs.
 */
import childProcess from "node:child_process";
import { syncBuiltinESMExports } from "node:module";

const ENTRY_POINTS = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"] as const;

for (const name of ENTRY_POINTS) {
  Object.defineProperty(childProcess, name, {
    configurable: true,
    writable: true,
    value: (command: unknown) => {
      throw new Error(`a unit test started a child process (child_process.${name} ${JSON.stringify(command)}): name the test file *.integration.test.ts`);
    },
  });
}
// ESM imports of node:child_process (`import { spawn } from ...`) see the CommonJS object's values after this.
syncBuiltinESMExports();
