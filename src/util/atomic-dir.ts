import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Fill a directory so that readers see either the previous one or the complete new one: `fill`
 * writes into a temp directory beside `dir` (same filesystem, so the final rename is atomic),
 * which then replaces `dir`. If `fill` fails the temp directory is removed and `dir` is untouched.
 */
export async function writeDirAtomic(dir: string, fill: (tempDir: string) => Promise<void>): Promise<void> {
  const temp = join(dirname(dir), `.${basename(dir)}.${process.pid}.${Date.now()}.tmp`);
  await mkdir(temp, { recursive: true });
  try {
    await fill(temp);
    const old = existsSync(dir) ? `${temp}.old` : undefined;
    if (old) await rename(dir, old);
    await rename(temp, dir);
    if (old) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
