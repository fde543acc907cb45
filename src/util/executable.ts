/**
 * Finding the executable a command names, exactly as the spawner does (src/stack/managed-process.ts)
 * and as execvp would: a path if it has a slash (relative to `cwd`), else the first hit on PATH. The
 * scenario loader uses the same function, so a custom server whose command would not start is refused
 * at validation, not halfway through starting a stack.
 */
import { accessSync, constants as fsConstants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve as resolvePath } from "node:path";

/** A regular file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The directories a PATH value names, in order, empty entries left out. */
export function pathDirectories(pathEnv: string): string[] {
  return pathEnv.split(delimiter).filter((dir) => dir !== "");
}

/** Resolves `command` like execvp would: a path if it has a slash, else the first hit on PATH. */
export function resolveExecutable(command: string, pathEnv: string, cwd: string | undefined): string | undefined {
  if (command.includes("/")) {
    const p = isAbsolute(command) ? command : resolvePath(cwd ?? process.cwd(), command);
    return isExecutable(p) ? p : undefined;
  }
  for (const dir of pathDirectories(pathEnv)) {
    const p = join(dir, command);
    if (isExecutable(p)) return p;
  }
  return undefined;
}
