// The infer lock: two overlapping `cvc infer` runs cannot both write. The second waits up to
// infer.lockTimeoutSec, then gives up with BusyError (exit 3), naming who holds the lock and how to
// clear it. A lock left by a dead run (same host, gone or reused pid, earlier boot, stopped
// heartbeat, older than infer.lockMaxAgeSec) is broken without waiting: see @cvc/core lock-file.
import {
  BusyError,
  acquireLockFile,
  clearLockHint,
  isRemoteLake,
  lakeTable,
  type HeldLock,
  type LoadedConfig,
  type LockOwner,
} from '@cvc/core';

/**
 * Where infer's lock lives: beside the forecast table, one per shard. A remote lake's lock file is local
 * (it serializes this machine's runs); across machines the table's optimistic concurrency decides.
 */
export function inferLockPath(
  loaded: Pick<LoadedConfig, 'config' | 'paths'>,
  shard?: { index: number; count: number },
): string {
  const { paths } = loaded;
  const dir = isRemoteLake(paths.lake) ? (paths.lakeLocal ?? paths.data) : paths.lake;
  const name = shard ? `.shard-${shard.index}-of-${shard.count}.lock` : '.lock';
  return `${lakeTable(dir, loaded.config.lake.tables.forecasts)}${name}`;
}

export interface InferLockOptions {
  runId: string;
  timeoutSec: number;
  /** Default: six hours. */
  maxAgeSec?: number;
  onWait?: (owner: LockOwner | null) => void;
}

export function acquireLock(path: string, opts: InferLockOptions): Promise<HeldLock> {
  return acquireLockFile(path, {
    timeoutMs: opts.timeoutSec * 1000,
    ...(opts.maxAgeSec !== undefined ? { maxAgeMs: opts.maxAgeSec * 1000 } : {}),
    holder: `run ${opts.runId}`,
    ...(opts.onWait ? { onWait: opts.onWait } : {}),
    onTimeout: (owner) => {
      const who = owner
        ? `pid ${owner.pid} on ${owner.host}, ${owner.holder ?? 'a run'}, since ${owner.startedAt}`
        : 'another run';
      return new BusyError(
        `another cvc infer (${who}) holds the lock ${path}; gave up after ${opts.timeoutSec} s; ${clearLockHint(path)}`,
      );
    },
  });
}
