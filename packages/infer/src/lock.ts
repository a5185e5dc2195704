// A lock file so two overlapping `cvc infer` runs cannot both write: created exclusively, holding the
// owner's pid, host and start time. A second run waits a bounded time, then gives up with BusyError
// (exit 3). A lock left by a process that died on this host is taken over instead of waited on.
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusyError } from '@cvc/core';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  runId: string;
}

function alive(pid: number): boolean {
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
    return null; // vanished or half-written by its owner: try again
  }
}

export interface Lock {
  path: string;
  release(): Promise<void>;
}

export async function acquireLock(path: string, opts: { runId: string; timeoutSec: number; pollMs?: number; onWait?: (owner: LockOwner) => void }): Promise<Lock> {
  const deadline = Date.now() + opts.timeoutSec * 1000;
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), runId: opts.runId };
  let warned = false;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify(me));
      await fh.close();
      return {
        path,
        async release() {
          const owner = await readOwner(path);
          if (owner?.runId === me.runId) await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(path);
    if (owner && owner.host === me.host && !alive(owner.pid)) {
      await rm(path, { force: true }); // its owner died without releasing it
      continue;
    }
    if (owner && !warned) {
      opts.onWait?.(owner);
      warned = true;
    }
    if (Date.now() >= deadline) {
      const who = owner ? `pid ${owner.pid} on ${owner.host}, run ${owner.runId}, since ${owner.startedAt}` : 'another run';
      throw new BusyError(`another cvc infer (${who}) holds the lock ${path}; gave up after ${opts.timeoutSec} s`);
    }
    await sleep(opts.pollMs ?? 250);
  }
}
