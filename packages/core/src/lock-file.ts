// An exclusive lock file, for runs that must not overlap (two infers writing one table, two trains
// registering one version). The owner (pid, host, boot id, process start time, run, created-at) is
// written to a temp file and hard-linked into place, so the lock path never exists empty or
// half-written (a full disk fails the write, not the lock). A held lock is refreshed (mtime) every
// few seconds, as proper-lockfile does, so waiters on another host can tell a live holder from a dead one.
//
// A lock is stale, and broken, when any of these holds:
// - it cannot be read or parsed and is older than a few seconds (left by an older cvc, or corrupt);
// - it is older than `maxAgeMs`, whatever it says;
// - it was written on this host during an earlier boot (the machine restarted);
// - it was written on this host and boot, and its pid is gone or now belongs to a process that
//   started at another time (pid reuse);
// - it was written on another host (or a container since restarted) and its heartbeat stopped.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { link, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface LockOwner {
  pid: number;
  host: string;
  /** Linux boot id of the machine that wrote the lock (null where /proc does not exist). */
  bootId?: string | null;
  /** Start time of the owning process in clock ticks since boot (/proc/<pid>/stat field 22). */
  procStart?: number | null;
  startedAt: string;
  token: string;
  /** Free text naming the run that holds it (e.g. a run id). */
  holder?: string;
}

export interface LockFileOptions {
  timeoutMs: number;
  /** A lock older than this is broken whatever it says (default: six hours). */
  maxAgeMs?: number;
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

export const DEFAULT_LOCK_MAX_AGE_MS = 6 * 3600_000;
/** An unreadable lock younger than this may still be in the hands of an old writer: leave it. */
export const UNREADABLE_GRACE_MS = 5_000;
/** The holder touches its lock this often... */
export const HEARTBEAT_MS = 10_000;
/** ...so a lock from another host untouched for this long has lost its holder. */
export const HEARTBEAT_STALE_MS = 60_000;

/** The command that clears a lock by hand, for error messages. */
export function clearLockHint(path: string): string {
  const quoted = `'${path.replaceAll("'", "'\\''")}'`;
  return `if no cvc process is running on any host that shares this path, remove it: rm ${quoted}`;
}

function readProcText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null; // not Linux, or /proc not mounted: fall back to the checks that need no /proc
  }
}

let bootIdCache: string | null | undefined;
export function currentBootId(): string | null {
  if (bootIdCache === undefined) bootIdCache = readProcText('/proc/sys/kernel/random/boot_id')?.trim() || null;
  return bootIdCache;
}

/** Start time of `pid` in clock ticks since boot, or null when it does not run (or /proc is missing). */
export function processStartTicks(pid: number): number | null {
  const stat = readProcText(`/proc/${pid}/stat`);
  if (!stat) return null;
  // The command name (field 2) sits in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : null;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner> | null;
    if (!o || !Number.isInteger(o.pid) || typeof o.host !== 'string' || !o.host) return null;
    return { startedAt: '', token: '', ...o } as LockOwner;
  } catch {
    return null;
  }
}

export interface Seen {
  owner: LockOwner | null;
  ino: number;
  mtimeMs: number;
}

async function look(path: string): Promise<Seen | null> {
  try {
    const st = await stat(path);
    const owner = parseOwner(await readFile(path, 'utf8'));
    return { owner, ino: st.ino, mtimeMs: st.mtimeMs };
  } catch {
    return null; // released between our attempts: try again at once
  }
}

/** Why the lock is stale, or null while its holder may still be running. */
export function staleReason(seen: Seen, maxAgeMs: number, now = Date.now()): string | null {
  const { owner } = seen;
  if (!owner) return now - seen.mtimeMs > UNREADABLE_GRACE_MS ? 'unreadable or empty' : null;
  const created = Date.parse(owner.startedAt);
  const age = now - (Number.isFinite(created) ? created : seen.mtimeMs);
  if (age > maxAgeMs) return `older than ${Math.round(maxAgeMs / 1000)} s`;
  const boot = currentBootId();
  if (owner.host !== hostname() || (owner.bootId && boot && owner.bootId !== boot)) {
    if (owner.host === hostname()) return 'written before this machine restarted';
    const silent = now - seen.mtimeMs > HEARTBEAT_STALE_MS;
    return silent ? `from host ${owner.host}, not refreshed for ${HEARTBEAT_STALE_MS / 1000} s` : null;
  }
  if (owner.pid === process.pid && owner.procStart == null) return null;
  if (!pidAlive(owner.pid)) return `pid ${owner.pid} is not running`;
  if (owner.procStart != null) {
    const now = processStartTicks(owner.pid);
    if (now !== null && now !== owner.procStart) return `pid ${owner.pid} now belongs to another process`;
  }
  return null;
}

/** Moves a stale lock aside; puts it back if it turned out to be a fresh lock taken in between. */
async function breakLock(path: string, seen: Seen): Promise<void> {
  const aside = `${path}.stale-${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else broke or released it
  }
  const moved = await stat(aside).catch(() => null);
  if (moved && moved.ino !== seen.ino) {
    // Another waiter broke the stale lock and took it before our rename: give it back.
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

/** A run killed between writing its temp owner file and removing it leaves it beside the lock. */
const LEFTOVER_AGE_MS = 60_000;

async function sweepLeftovers(path: string): Promise<void> {
  const dir = dirname(path);
  const base = basename(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(`${base}.`) || !(name.endsWith('.tmp') || name.startsWith(`${base}.stale-`))) continue;
    const file = join(dir, name);
    const old = await stat(file).then(
      (st) => Date.now() - st.mtimeMs > LEFTOVER_AGE_MS,
      () => false,
    );
    if (old) await unlink(file).catch(() => undefined);
  }
}

export async function acquireLockFile(path: string, opts: LockFileOptions): Promise<HeldLock> {
  const started = Date.now();
  await sweepLeftovers(path);
  const maxAgeMs = opts.maxAgeMs ?? DEFAULT_LOCK_MAX_AGE_MS;
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    bootId: currentBootId(),
    procStart: processStartTicks(process.pid),
    startedAt: new Date().toISOString(),
    token: randomUUID(),
    ...(opts.holder ? { holder: opts.holder } : {}),
  };
  const tmp = `${path}.${me.token}.tmp`;
  // Complete before it is visible: a write that fails (ENOSPC) fails here, leaving no lock behind.
  try {
    await writeFile(tmp, JSON.stringify(me), { flag: 'wx' });
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  let told = false;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, path);
        return held(path, me.token);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = await look(path);
      if (!seen) continue;
      if (staleReason(seen, maxAgeMs) !== null) {
        await breakLock(path, seen);
        continue;
      }
      if (!told) {
        opts.onWait?.(seen.owner);
        told = true;
      }
      const waited = Date.now() - started;
      if (waited >= opts.timeoutMs) throw opts.onTimeout(seen.owner, waited);
      await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** Math.min(attempt, 5), 500) * (0.5 + Math.random())));
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

function held(path: string, token: string): HeldLock {
  const heartbeat = setInterval(() => {
    const t = new Date();
    void utimes(path, t, t).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref(); // the heartbeat must never keep the process alive
  return {
    path,
    async release() {
      clearInterval(heartbeat);
      // Only our own lock: if it was broken and taken by another run, it is theirs now.
      const owner = parseOwner(await readFile(path, 'utf8').catch(() => ''));
      if (owner?.token === token) await unlink(path).catch(() => undefined);
    },
  };
}

export async function withLockFile<T>(path: string, fn: () => Promise<T>, opts: LockFileOptions): Promise<T> {
  const lock = await acquireLockFile(path, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
