import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * Two projects, told apart by file name:
 *  - unit: `*.test.ts`, inside the test process only (no child process: test/support/no-child-processes.ts
 *    makes starting one fail); `npm run test:unit` runs them alone, in seconds.
 *  - integration: `*.integration.test.ts` (real processes: Redis, PostgreSQL, MCP servers, Toxiproxy, k6,
 *    promtool, ...), `*.e2e.test.ts` (the CLI end to end) and `*.browser.test.ts` (the real browser).
 * `npm test` (and CI) runs both.
 */
const SLOW_TESTS = ["**/*.integration.test.ts", "**/*.e2e.test.ts", "**/*.browser.test.ts"];
const TEST_DIRS = ["src", "test"];

export default defineConfig({
  test: {
    // Integration tests start real Redis, PostgreSQL and MCP servers; two at a time fits a 2-core machine.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The harness's CLI runs raise themselves to real-time priority where allowed (src/stack/managed-process.ts):
    // dozens of them started by the suite, two at a time on 2 cores, would preempt every other test's timing.
    // The suite runs them at normal priority; src/stack/harness-priority.integration.test.ts tests the raise.
    env: { MCP_SLO_HARNESS_REALTIME: "0" },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ["default", "./test/count-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: TEST_DIRS.map((dir) => `${dir}/**/*.test.ts`),
          exclude: [...configDefaults.exclude, ...SLOW_TESTS],
          setupFiles: ["./test/support/no-child-processes.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: TEST_DIRS.flatMap((dir) => SLOW_TESTS.map((pattern) => `${dir}/${pattern}`)),
          // A concurrent describe (bad-input's hundreds of refused runs) starts one CLI per test, and a CLI
          // takes about 1.4 cores for its 2 s of start-up (tsx's loader thread beside the main one). Five
          // at once (vitest's default) kept both cores busy for six minutes, and the other fork's run,
          // timed against its own deadlines, starved: a container's Python MCP server, 5 s to answer
          // initialize on a quiet machine, missed its 30 s start limit (CI of bbe487a). One per core.
          maxConcurrency: availableParallelism(),
        },
      },
    ],
  },
});
