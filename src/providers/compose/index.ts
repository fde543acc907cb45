/** `--target compose` (see provider.ts): loaded by the CLI only when asked for. */
export { defaultProjectName } from "./discover.js";
export { composeProvider } from "./provider.js";
export { forComposeTarget } from "./scenario.js";
