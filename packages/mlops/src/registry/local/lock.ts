// An exclusive lock file, so two trains registering at once cannot both take the same version number
// or lose each other's alias change. Created with O_EXCL; a lock left by a dead process on this host,
// or older than `staleMs`, is broken.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { RegistryLockError } from '../../errors.js';

export interface LockOptions {
  timeoutMs?: number;
  staleMs?: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(file: string, staleMs: number): Promise<boolean> {
  try {
    const st = await stat(file);
    if (Date.now() - st.mtimeMs > staleMs) return true;
    const holder = JSON.parse(await readFile(file, 'utf8')) as { pid?: unknown; host?: unknown };
    return holder.host === hostname() && typeof holder.pid === 'number' && holder.pid !== process.pid && !pidAlive(holder.pid);
  } catch {
    // Vanished or half-written by its creator: not ours to break; the next attempt sees.
    return false;
  }
}

export async function withLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const staleMs = opts.staleMs ?? 10 * 60_000;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(file, 'wx');
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }));
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await isStale(file, staleMs)) {
        // Rename first so that only one waiter breaks a given stale lock.
        const aside = `${file}.stale-${randomUUID()}`;
        await rename(file, aside).then(() => unlink(aside), () => undefined);
        continue;
      }
      if (Date.now() > deadline) throw new RegistryLockError(`${file}: registry is locked by another process (waited ${Math.round(timeoutMs / 1000)} s); remove the file if no cvc is running`);
      await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** Math.min(attempt, 5), 500) * (0.5 + Math.random())));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(file).catch(() => undefined);
  }
}
