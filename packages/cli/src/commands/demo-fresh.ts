// `cvc demo --fresh`: before the source is regenerated, everything an earlier demo derived from the old
// source goes too. Otherwise the lake keeps that demo's simulated days, its watermark and last day, and
// the new backtest's folds end there instead of at the as-of date, silently.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, isRemoteLake, type LoadedConfig } from '@cvc/core';
import { lakeTables } from '@cvc/feature-table';
import { mlflowTarget, trackingSettings } from '@cvc/mlops';

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
