// The threads driver's worker entry (src/drivers/threads-driver.ts): a worker thread does not
// inherit the TypeScript loader the main thread registered programmatically (bin/mcp-slo.js), so it
// registers its own before it loads the thread's code.
import { register } from "tsx/esm/api";

register();
await import("./thread-main.ts");
