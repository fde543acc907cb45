#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step to forget,
// and the stack traces point at the files people edit.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
