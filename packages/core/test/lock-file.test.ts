// The lock shared by infer and the local registry: locks left by dead, foreign, reused or ancient
// owners are broken; a live one is waited on and the timeout names the command that clears it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLockFile, clearLockHint, currentBootId, processStartTicks, type LockOwner } from '../src/index.js';
import { runChild } from '../../../test-support/child.js';

const dir = mkdtempSync(join(tmpdir(), 'cvc-lockfile-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function lockPath(): string {
  return join(dir, `t${n++}.lock`);
}

function owner(o: Partial<LockOwner>): string {
  const me = { pid: process.pid, host: hostname(), bootId: currentBootId(), procStart: processStartTicks(process.pid) };
  return JSON.stringify({ ...me, startedAt: new Date().toISOString(), token: 'other', holder: 'run other', ...o });
}

function ageFile(path: string, seconds: number): void {
  const t = new Date(Date.now() - seconds * 1000);
  utimesSync(path, t, t);
}

const timeout = (owner: LockOwner | null) => new Error(`busy: ${owner?.holder ?? 'unknown'}`);

async function takes(path: string): Promise<void> {
  const lock = await acquireLockFile(path, { timeoutMs: 2000, onTimeout: timeout });
  const mine = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  expect(mine.pid).toBe(process.pid);
  await lock.release();
}

async function waitsOut(path: string): Promise<Error> {
  const err = await acquireLockFile(path, { timeoutMs: 300, onTimeout: timeout }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

/** A real live process that is not us, with its pid and /proc start time. */
function liveChild(): { pid: number; start: number } {
  const c = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(c);
  const pid = c.pid!;
  return { pid, start: processStartTicks(pid)! };
}

describe('lock file', () => {
  it('writes the owner completely: pid, host, boot id, process start, run, created-at; no temp file left', async () => {
    const path = lockPath();
    const lock = await acquireLockFile(path, { timeoutMs: 100, holder: 'run r1', onTimeout: timeout });
    const o = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    expect(o).toMatchObject({ pid: process.pid, host: hostname(), holder: 'run r1', bootId: currentBootId() });
    expect(o.procStart).toBe(processStartTicks(process.pid));
    expect(Date.parse(o.startedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    await lock.release();
  });

  it('removes temp owner files of runs killed while taking the lock, once a minute old', async () => {
    const path = lockPath();
    const old = `${path}.1b2c-dead.tmp`;
    const fresh = `${path}.9f8e-busy.tmp`;
    writeFileSync(old, owner({}));
    ageFile(old, 120);
    writeFileSync(fresh, owner({}));
    await takes(path);
    const beside = readdirSync(dir).filter((f) => f.startsWith(`${path.split('/').at(-1)}.`));
    expect(beside).toEqual([fresh.split('/').at(-1)]);
  });

  it('breaks an empty lock file older than a few seconds, but not a fresh one', async () => {
    const path = lockPath();
    writeFileSync(path, '');
    await waitsOut(path);
    ageFile(path, 10);
    await takes(path);
  });

  it('breaks a lock from another host whose heartbeat stopped; waits on a fresh one', async () => {
    const path = lockPath();
    writeFileSync(path, owner({ host: 'container-before-restart', pid: 1, bootId: 'b0' }));
    expect((await waitsOut(path)).message).toBe('busy: run other');
    ageFile(path, 120);
    await takes(path);
  });

  it('breaks a lock from an earlier boot of this host', async () => {
    const path = lockPath();
    const child = liveChild();
    writeFileSync(path, owner({ pid: child.pid, procStart: child.start, bootId: 'an-earlier-boot' }));
    await takes(path);
  });

  it('breaks a lock whose pid now belongs to another live process (start time differs)', async () => {
    const path = lockPath();
    const child = liveChild();
    writeFileSync(path, owner({ pid: child.pid, procStart: child.start + 1 }));
    await takes(path);
  });

  it('breaks a lock older than maxAgeMs even when its owner is alive', async () => {
    const path = lockPath();
    const child = liveChild();
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    writeFileSync(path, owner({ pid: child.pid, procStart: child.start, startedAt: ago(7 * 3600_000) }));
    await takes(path);
    writeFileSync(path, owner({ pid: child.pid, procStart: child.start, startedAt: ago(120_000) }));
    const lock = acquireLockFile(path, { timeoutMs: 300, maxAgeMs: 60_000, onTimeout: timeout });
    await expect(lock).resolves.toBeDefined();
  });

  it('waits on a live owner (same host, boot, pid and start time) until the timeout', async () => {
    const path = lockPath();
    const child = liveChild();
    writeFileSync(path, owner({ pid: child.pid, procStart: child.start }));
    expect((await waitsOut(path)).message).toBe('busy: run other');
    const hint = `if no cvc process is running on any host that shares this path, remove it: rm '${path}'`;
    expect(clearLockHint(path)).toBe(hint);
  });

  it('leaves no lock file when the disk is full (ENOSPC while writing the owner)', async () => {
    // A real full disk: a 64 KiB tmpfs in a private mount namespace, filled before the lock is taken.
    const mnt = mkdtempSync(join(tmpdir(), 'cvc-lockfull-'));
    const src = resolve(__dirname, '../src/lock-file.ts');
    const script = [
      `const { acquireLockFile } = await import(${JSON.stringify(src)});`,
      `const { writeFileSync, readdirSync } = await import('node:fs');`,
      `try { writeFileSync('${mnt}/fill', Buffer.alloc(1 << 20)); } catch {}`,
      `const r = await acquireLockFile('${mnt}/infer.lock', { timeoutMs: 100, onTimeout: () => new Error('busy') })`,
      `  .then(() => 'acquired', (e) => e.code);`,
      `console.log(JSON.stringify({ r, files: readdirSync('${mnt}') }));`,
    ].join('\n');
    const cmd = `mount -t tmpfs -o size=64k tmpfs '${mnt}' && node --import tsx --input-type=module -e "$0"`;
    const out = await runChild('unshare', ['-m', 'sh', '-c', cmd, script]);
    rmSync(mnt, { recursive: true, force: true });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({ r: 'ENOSPC', files: ['fill'] });
  });
});
