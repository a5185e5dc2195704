// The infer lock: two overlapping `cvc infer` runs cannot both write. The second waits up to
// infer.lockTimeoutSec, then gives up with BusyError (exit 3), naming who holds the lock.
import { BusyError, acquireLockFile, type HeldLock, type LockOwner } from '@cvc/core';

export function acquireLock(path: string, opts: { runId: string; timeoutSec: number; onWait?: (owner: LockOwner | null) => void }): Promise<HeldLock> {
  return acquireLockFile(path, {
    timeoutMs: opts.timeoutSec * 1000,
    holder: `run ${opts.runId}`,
    ...(opts.onWait ? { onWait: opts.onWait } : {}),
    onTimeout: (owner) => {
      const who = owner ? `pid ${owner.pid} on ${owner.host}, ${owner.holder ?? 'a run'}, since ${owner.startedAt}` : 'another run';
      return new BusyError(`another cvc infer (${who}) holds the lock ${path}; gave up after ${opts.timeoutSec} s`);
    },
  });
}
