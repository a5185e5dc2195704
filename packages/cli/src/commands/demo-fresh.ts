// `cvc demo --fresh`: before the source is regenerated, everything an earlier demo derived from the old
// source goes too. Otherwise the lake keeps that demo's simulated days, its watermark and last day, and
// the new backtest's folds end there instead of at the as-of date, silently.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  BusyError,
  InputError,
  acquireLockFile,
  clearLockHint,
  isRemoteLake,
  type HeldLock,
  type LoadedConfig,
} from '@cvc/core';
import { lakeTables } from '@cvc/feature-table';
import { inferLockPath } from '@cvc/infer';
import { mlflowTarget, trackingSettings } from '@cvc/mlops';
import { dailyLockPath } from './daily.js';

/**
 * The demo's outputs on local disk: every declared lake table, the backtest's checkpoints, learned files and
 * reports, the local registry's model and the local tracking tables. A lake, registry or tracking store
 * that is not on local disk is refused (exit 2): it may hold more than a demo, and cvc does not delete there.
 */
export function demoOutputs(loaded: Pick<LoadedConfig, 'config' | 'paths'>, env = process.env): string[] {
  const mlflow = mlflowTarget(trackingSettings(loaded), env);
  const remote = [
    isRemoteLake(loaded.paths.lake) ? `lake.root ${loaded.paths.lake}` : '',
    isRemoteLake(loaded.paths.registry) ? `registry.root ${loaded.paths.registry}` : '',
    mlflow ? 'tracking and registry on an MLflow server (tracking.uri or MLFLOW_TRACKING_URI)' : '',
  ].filter(Boolean);
  if (remote.length > 0) {
    throw new InputError(
      `demo --fresh clears the demo's outputs on local disk only, and ${remote.join(', ')} is not: ` +
        'clear it yourself, or run the demo with a config whose lake, registry and tracking are local',
    );
  }
  const data = loaded.paths.data;
  return [
    ...Object.values(lakeTables(loaded)),
    join(data, 'backtest-checkpoints'),
    join(data, 'backtest-runs'),
    join(data, 'reports'),
    join(loaded.paths.registry, loaded.config.registry.name),
    loaded.paths.tracking,
  ];
}

/** Removes `paths`; returns those that existed. */
export async function removeOutputs(paths: readonly string[]): Promise<string[]> {
  const present = paths.filter((p) => existsSync(p));
  for (const p of present) await rm(p, { recursive: true, force: true });
  return present;
}

/**
 * Takes, without waiting, the locks a running `cvc daily` (cron) or `cvc infer` (any shard) on this lake
 * holds, so --fresh never removes tables under them. One held by a live run: BusyError (exit 3, as a busy
 * daily or infer) naming its holder;
 * a stale one is broken as those commands break it. Release them once the outputs are removed: the
 * demo's own infer and simulated days take them again.
 */
export async function takeRunLocks(loaded: Pick<LoadedConfig, 'config' | 'paths'>, runId: string): Promise<HeldLock[]> {
  const infer = inferLockPath(loaded);
  const shardLock = new RegExp(`^${escapeRegExp(basename(infer, '.lock'))}\\.shard-\\d+-of-\\d+\\.lock$`);
  const shards = (await readdir(dirname(infer)).catch(() => [] as string[]))
    .filter((name) => shardLock.test(name))
    .sort()
    .map((name) => join(dirname(infer), name));
  // daily's before infer's, the order `cvc daily` takes them in.
  const locks = [
    { path: dailyLockPath(loaded), command: 'cvc daily' },
    { path: infer, command: 'cvc infer' },
    ...shards.map((path) => ({ path, command: 'cvc infer --shard' })),
  ];
  const held: HeldLock[] = [];
  try {
    for (const { path, command } of locks) {
      await mkdir(dirname(path), { recursive: true });
      held.push(
        await acquireLockFile(path, {
          timeoutMs: 0,
          maxAgeMs: loaded.config.infer.lockMaxAgeSec * 1000,
          holder: `demo --fresh, run ${runId}`,
          onTimeout: (o) => {
            const who = o ? `pid ${o.pid} on ${o.host}, ${o.holder ?? 'a run'}, since ${o.startedAt}` : 'another run';
            return new BusyError(
              `demo --fresh: a running ${command} (${who}) holds ${path}, and --fresh would remove the tables ` +
                `it writes; let it finish and rerun; ${clearLockHint(path)}`,
            );
          },
        }),
      );
    }
    return held;
  } catch (err) {
    await releaseAll(held);
    throw err;
  }
}

export async function releaseAll(locks: readonly HeldLock[]): Promise<void> {
  for (const lock of [...locks].reverse()) await lock.release();
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
