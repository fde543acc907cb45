/**
 * dependency-cruiser: the layers of src/ and no import cycles, checked by `npm run lint:deps`
 * (part of `npm test`).
 *
 * An arrow only goes down the table below: a module may import its own layer and the layers under
 * it, never one above. Two folders in the same layer may import each other one way; the no-cycle
 * rule forbids them importing each other both ways.
 *
 * Type-only imports (`import type`) count for the layers: a type is part of a module's contract,
 * and a contract a lower layer needs belongs in that layer (contracts/ exists for this). They do
 * not count for cycles: with verbatimModuleSyntax they are erased, so they cannot change the order
 * modules are evaluated in, and a cross-layer loop through a type is already a layer violation;
 * what is left is two modules of one folder naming each other's types, which is harmless.
 *
 * Test files (`*.test.ts`, `*.integration.test.ts`, `*.e2e.test.ts`, `*.browser.test.ts`) are
 * outside the layers: they may import anything in src/, src/testing/ and test/support/. Nothing
 * imports a test file, and code that ships (src/ minus tests) imports neither test/ nor
 * src/testing/ (the helpers tests start Prometheus and registries with).
 */
const { readdirSync } = require("node:fs");
const { join } = require("node:path");

/**
 * Bottom to top. `paths` are top-level entries of src/: a folder ("util/") or a file ("errors.ts").
 */
const LAYERS = [
  { paths: ["util/", "errors.ts", "project-root.ts"], why: "leaf helpers: loopback, PATH lookup, waitFor, the error class" },
  { paths: ["contracts/", "results/", "metrics/"], why: "contracts: the plan, a server definition, failure kinds, the frame filter, the run record's types, histograms" },
  { paths: ["slo/", "catalog/", "telemetry/"], why: "what is promised (SLO catalog, evaluation), what is served (server catalog), how calls are traced" },
  { paths: ["compare/"], why: "two runs compared (noise, material floor, verdict per metric) and change points over many" },
  { paths: ["stack/"], why: "processes, sessions, transports, the resource registry: starting one thing and disposing of it" },
  { paths: ["standins/"], why: "stand-ins of SaaS APIs, started on the stack's pieces" },
  { paths: ["providers/"], why: "local and docker: the whole stack assembled, as started handles" },
  { paths: ["security/"], why: "what a server is and can be made to do: supply chain, tool definitions, live probes, conformance and the score of a scan" },
  { paths: ["drivers/", "faults/", "workloads/", "outputs/", "resilience/"], why: "the kinds: each one a module in its folder's registry; the agents' resilience policies and version switches" },
  { paths: ["config/", "window/", "monitoring/", "install/", "history/", "trend/"], why: "the scenario schema assembled from the kinds' registries; the measurement window; the monitor and the run's instruments; install timing; the history of runs and their trend" },
  { paths: ["capacity/", "run/"], why: "orchestrators: a run, a capacity search" },
  { paths: ["cli/"], why: "the command line: the only place that turns errors into exit codes" },
];

/** Not layered: test support, used by test files only (see not-to-src-testing). */
const OUTSIDE_LAYERS = ["testing/"];

const TEST_FILE = "\\.(test|integration\\.test|e2e\\.test|browser\\.test)\\.[cm]?[jt]s$";
const SRC_TESTING = "^src/testing/";

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const pathPattern = (entry) => (entry.endsWith("/") ? `^src/${escape(entry)}` : `^src/${escape(entry)}$`);

// A new folder of src/ must take a place in the table: fail loudly rather than leave it unchecked.
const listed = new Set([...LAYERS.flatMap((layer) => layer.paths), ...OUTSIDE_LAYERS]);
const unlisted = readdirSync(join(__dirname, "src"), { withFileTypes: true })
  .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
  .filter((entry) => !listed.has(entry));
if (unlisted.length > 0) {
  throw new Error(`.dependency-cruiser.cjs: give ${unlisted.map((entry) => `src/${entry}`).join(", ")} a layer in LAYERS`);
}

const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${index}-imports-down`,
  severity: "error",
  comment: `${layer.paths.join(" ")} (layer ${index}: ${layer.why}) may not import a layer above it`,
  from: { path: layer.paths.map(pathPattern), pathNot: TEST_FILE },
  to: { path: LAYERS.slice(index + 1).flatMap((above) => above.paths.map(pathPattern)) },
}));

module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment: "A loop of value imports: the modules cannot be understood, tested or loaded one without the other.",
      from: {},
      to: {
        circular: true,
        dependencyTypesNot: ["type-only"],
        viaOnly: { dependencyTypesNot: ["type-only"] },
      },
    },
    ...layerRules,
    {
      name: "no-import-of-test-files",
      severity: "error",
      comment: "A test file is a leaf: what it holds for other tests goes in test/support/ or src/testing/.",
      from: {},
      to: { path: TEST_FILE },
    },
    {
      name: "not-to-test-dir",
      severity: "error",
      comment: "Code that ships does not import test/; test files in src/ may import test/support/ only.",
      from: { path: "^src/", pathNot: TEST_FILE },
      to: { path: "^test/" },
    },
    {
      name: "tests-import-test-support-only",
      severity: "error",
      comment: "From test/, a test file in src/ imports only the shared helpers of test/support/.",
      from: { path: `^src/.*${TEST_FILE}` },
      to: { path: "^test/", pathNot: "^test/support/" },
    },
    {
      name: "not-to-src-testing",
      severity: "error",
      comment: "src/testing/ holds helpers for tests (a Prometheus to query, a registry that must end clean): code that ships does not use them.",
      from: { path: "^src/", pathNot: [TEST_FILE, SRC_TESTING] },
      to: { path: SRC_TESTING },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that resolves to no file: a typo or a module that moved.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Makes `import type` visible (as dependency type "type-only"): the layer rules count it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
