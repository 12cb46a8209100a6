import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** fsyncs a directory so a rename or link inside it survives a crash. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes a file atomically: a temporary name in the same folder, fsync, then rename (or, with
 * `exclusive`, a hard link that fails with EEXIST instead of replacing an existing file), then fsync the folder.
 * A crash at any point leaves either the old file or the new one, never a partial file under `path`.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, exclusive = false): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (exclusive) await link(tmp, path);
    else await rename(tmp, path);
  } finally {
    if (exclusive) await unlink(tmp).catch(() => undefined);
  }
  await syncDir(dirname(path));
}

/** Reads a file, or `null` when it does not exist. */
export async function readFileOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Options for `withLockFile`. */
export interface LockOptions {
  /** Give up after this long (longer than `staleMs`, so a crashed holder never blocks for good). Default 45 s. */
  timeoutMs?: number;
  /** A lock file older than this is treated as left by a crashed process and removed (the critical section takes milliseconds). Default 30 s. */
  staleMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL), so only one process on this
 * machine runs it at a time. Throws an error with code `ELOCKTIMEOUT` when the lock cannot be had in time.
 */
export async function withLockFile<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lockPath, `${process.pid} ${new Date().toISOString()}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await stat(lockPath).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > staleMs) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw Object.assign(new Error(`lock ${lockPath} is held by another process`), {
          code: 'ELOCKTIMEOUT',
        });
      }
      await sleep(Math.min(5 * 2 ** Math.min(attempt, 5), 100));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
