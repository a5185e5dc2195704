// An exclusive lock file, for runs that must not overlap (two infers writing one table, two trains
// registering one version). Created with O_EXCL and holding its owner (pid, host, start, token); a
// lock left by a dead process on this host, or older than `staleMs`, is broken. Waiters poll with
// backoff up to `timeoutMs`, then the caller's error is thrown.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  token: string;
  /** Free text naming the run that holds it (e.g. a run id). */
  holder?: string;
}

export interface LockFileOptions {
  timeoutMs: number;
  /** A lock older than this is broken even if its owner looks alive (default: never). */
  staleMs?: number;
  holder?: string;
  /** Called once when the lock is found held, before waiting. */
  onWait?: (owner: LockOwner | null) => void;
  /** The error thrown when the wait runs out. */
  onTimeout: (owner: LockOwner | null, waitedMs: number) => Error;
}

export interface HeldLock {
  path: string;
  release(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return null; // vanished, or half-written by its creator: look again next round
  }
}

async function isStale(path: string, owner: LockOwner | null, staleMs: number | undefined): Promise<boolean> {
  if (owner && owner.host === hostname() && owner.pid !== process.pid && !pidAlive(owner.pid)) return true;
  if (staleMs === undefined) return false;
  try {
    return Date.now() - (await stat(path)).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

export async function acquireLockFile(path: string, opts: LockFileOptions): Promise<HeldLock> {
  const started = Date.now();
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), token: randomUUID(), ...(opts.holder ? { holder: opts.holder } : {}) };
  let told = false;
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify(me));
      } finally {
        await fh.close();
      }
      return {
        path,
        async release() {
          // Only our own lock: if it was broken and taken by another run, it is theirs now.
          if ((await readOwner(path))?.token === me.token) await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(path);
    if (await isStale(path, owner, opts.staleMs)) {
      // Rename first, so only one waiter breaks a given stale lock.
      const aside = `${path}.stale-${randomUUID()}`;
      await rename(path, aside).then(() => unlink(aside), () => undefined);
      continue;
    }
    if (!told) {
      opts.onWait?.(owner);
      told = true;
    }
    const waited = Date.now() - started;
    if (waited >= opts.timeoutMs) throw opts.onTimeout(owner, waited);
    await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** Math.min(attempt, 5), 500) * (0.5 + Math.random())));
  }
}

export async function withLockFile<T>(path: string, fn: () => Promise<T>, opts: LockFileOptions): Promise<T> {
  const lock = await acquireLockFile(path, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
