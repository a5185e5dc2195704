// The registry lock, so two trains registering at once cannot both take the same version number or
// lose each other's alias change. Same lock file as infer's (@cvc/core lock-file): a lock left by a
// dead process, or older than `maxAgeMs`, is broken.
import { clearLockHint, withLockFile } from '@cvc/core';
import { RegistryLockError } from '../../errors.js';

export interface LockOptions {
  timeoutMs?: number;
  /** A registration never takes this long: a lock older than this is broken (default 10 min). */
  maxAgeMs?: number;
}

export function withLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return withLockFile(file, fn, {
    timeoutMs,
    maxAgeMs: opts.maxAgeMs ?? 10 * 60_000,
    onTimeout: () => {
      const waited = `waited ${Math.round(timeoutMs / 1000)} s`;
      const hint = clearLockHint(file);
      return new RegistryLockError(`${file}: registry is locked by another process (${waited}); ${hint}`);
    },
  });
}
