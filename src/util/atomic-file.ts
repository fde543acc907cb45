/**
 * Writing a file whole or not at all: the content goes to a temp file beside the target (same
 * directory, so the same filesystem), is flushed to disk, and is renamed over the target; on any
 * error the temp file is removed and the error rethrown. A reader (a CI job, a browser, the next
 * run) sees the old file or the new one, never half of one, and a power cut cannot leave the new
 * name pointing at an empty file (the fsync before the rename). Written here rather than taken from
 * write-file-atomic: a dozen lines over node:fs, with no ownership or queueing features needed.
 */
import { randomBytes } from "node:crypto";
import { copyFile, open, rename, rm } from "node:fs/promises";
import path from "node:path";

function tempBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
}

async function replaceWith(file: string, fill: (temp: string) => Promise<void>): Promise<void> {
  const temp = tempBeside(file);
  try {
    await fill(temp);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Writes `content` to `file` atomically (see the header). The temp file is opened with O_EXCL: never one another writer made. */
export async function writeFileAtomic(file: string, content: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
  await replaceWith(file, async (temp) => {
    const handle = await open(temp, "wx", opts.mode ?? 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/** Copies `from` to `to` atomically (see the header). */
export async function copyFileAtomic(from: string, to: string): Promise<void> {
  await replaceWith(to, async (temp) => {
    await copyFile(from, temp);
    const handle = await open(temp, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}
