/**
 * The directory a run or an evaluation writes its outputs into (`--out`, or reports/runs/<id>).
 * Checked before anything starts, so an unusable one (under a file, a file itself, not writable)
 * is invalid input (exit 2) with a clear message, not a crash after the stack ran. Whatever a
 * run created for it is removed again when the run ends before writing anything, so a refused
 * run leaves no empty directory behind.
 */
import { constants as fsConstants, type Stats } from "node:fs";
import { access, mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { HarnessError } from "../errors.js";
import { printable } from "../util/control-chars.js";

const REASON: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many symbolic links (a loop?)",
  ENOTDIR: "a part of the path is a file, not a directory",
  ENOSPC: "no space left on the device",
  ENOENT: "the file system refuses to create it there",
};

function refuse(flag: string, dir: string, why: string): HarnessError {
  return new HarnessError(
    "invalid_input",
    `${flag} ${printable(dir)}: ${why}`,
    flag === "--out" ? { hint: "--out names a directory to write results.json, junit.xml, summary.md and report.html into; it is created if missing" } : {},
  );
}

function kindOf(st: Stats): string {
  if (st.isFile()) return "a file";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  return "something else";
}

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? "";
}

/**
 * Throws HarnessError("invalid_input") unless `dir` is a writable directory or can be created as one.
 * Creates nothing. Returns the nearest directory of the path that exists (`dir` itself when it does).
 */
export async function checkOutDir(dir: string, flag = "--out"): Promise<string> {
  if (dir.trim() === "") throw refuse(flag, JSON.stringify(dir), "expected a directory path");
  const full = path.resolve(dir);
  // Walk up to the nearest path that exists: it must be a directory we may write into.
  let existing = full;
  for (;;) {
    try {
      const st = await stat(existing);
      if (!st.isDirectory()) {
        throw refuse(
          flag,
          dir,
          existing === full ? `it is ${kindOf(st)}, not a directory` : `cannot be created: ${printable(existing)} is ${kindOf(st)}, not a directory`,
        );
      }
      break;
    } catch (err) {
      if (err instanceof HarnessError) throw err;
      const code = errnoOf(err);
      if (code === "ENOENT") {
        const parent = path.dirname(existing);
        if (parent === existing) throw refuse(flag, dir, "cannot be created: no part of the path exists");
        existing = parent;
        continue;
      }
      if (code === "ENOTDIR") {
        // A component above is not a directory: name the deepest one that exists.
        let up = path.dirname(existing);
        for (;;) {
          const st = await stat(up).catch(() => undefined);
          if ((st !== undefined && !st.isDirectory()) || up === path.dirname(up)) {
            throw refuse(flag, dir, `cannot be created: ${printable(up)} is ${st ? kindOf(st) : "not a directory"}, not a directory`);
          }
          up = path.dirname(up);
        }
      }
      throw refuse(flag, dir, `cannot be used: ${REASON[code] ?? (err as Error).message}${code ? ` (${code})` : ""}`);
    }
  }
  try {
    await access(existing, fsConstants.W_OK | fsConstants.X_OK);
  } catch (err) {
    const code = errnoOf(err);
    const what = existing === full ? "it is not writable" : `cannot be created: ${printable(existing)} is not writable`;
    throw refuse(flag, dir, `${what} (${REASON[code] ?? code})`);
  }
  return existing;
}

export interface PreparedOutDir {
  dir: string;
  /** Removes the directories prepareOutDir created (nothing when the directory already existed). */
  discard(): Promise<void>;
}

/** checkOutDir, then creates the directory; `discard` takes back what was created. */
export async function prepareOutDir(dir: string, flag = "--out"): Promise<PreparedOutDir> {
  const existing = await checkOutDir(dir, flag);
  // One level at a time rather than mkdir({ recursive: true }): on /proc, where mkdir answers ENOENT,
  // Node's recursive mkdir retries the parent forever (seen with Node 20: `--out /proc/x` hung).
  const missing: string[] = [];
  for (let p = path.resolve(dir); p !== existing; p = path.dirname(p)) missing.unshift(p);
  let created: string | undefined;
  try {
    for (const p of missing) {
      await mkdir(p);
      created ??= p;
    }
  } catch (err) {
    if (created !== undefined) await rm(created, { recursive: true, force: true });
    const code = errnoOf(err);
    throw refuse(flag, dir, `cannot be created: ${REASON[code] ?? (err as Error).message}${code ? ` (${code})` : ""}`);
  }
  return {
    dir,
    discard: async () => {
      if (created !== undefined) await rm(created, { recursive: true, force: true });
    },
  };
}
