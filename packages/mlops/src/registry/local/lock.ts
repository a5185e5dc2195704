// The registry lock, so two trains registering at once cannot both take the same version number or
// lose each other's alias change; a lock older than `staleMs` or left by a dead process is broken.
import { withLockFile } from '@cvc/core';
import { RegistryLockError } from '../../errors.js';

export interface LockOptions {
  timeoutMs?: number;
  staleMs?: number;
}

export function withLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return withLockFile(file, fn, {
    timeoutMs,
    staleMs: opts.staleMs ?? 10 * 60_000,
    onTimeout: () => new RegistryLockError(`${file}: registry is locked by another process (waited ${Math.round(timeoutMs / 1000)} s); remove the file if no cvc is running`),
  });
}
