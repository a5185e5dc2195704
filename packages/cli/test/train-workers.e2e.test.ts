// `cvc train` fits its models side by side on worker threads (train.workers / --workers): the bundle it
// registers holds byte for byte the model files, calibration and routing a one-after-the-other train
// writes, and forecasts the same; a SIGINT mid-fit ends it at once with no worker or scratch folder left.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedConfig } from '@cvc/core';
import { extendWithFuture, lakeTables, readKnownFutureInputs, readStoreSeries } from '@cvc/feature-table';
import { forecasterFactories } from '@cvc/models';
import { MANIFEST_FILE, openRegistry, readBundle, registrySettings, type BundleManifest } from '@cvc/mlops';
import { BIN, cvc } from './helpers.js';
import { ingestedWorld } from './world.js';

const MODELS = ['lgbm', 'nbeats', 'ensemble', 'weekday_mean'];
let world: LoadedConfig;

async function trainWith(workers: number): Promise<{ dir: string; manifest: BundleManifest }> {
  const args = ['train', '--config', world.file, '--from', '2023-01-01', '--models', MODELS.join(',')];
  const r = await cvc([...args, '--workers', String(workers), '--promote', 'always', '--json']);
  expect(r.stderr.split('\n').filter((l) => /"level":5\d/.test(l))).toEqual([]);
  expect(r.code).toBe(0);
  const version = (JSON.parse(r.stdout) as { version: number }).version;
  const { bundleDir } = await openRegistry(registrySettings(world)).resolve(version);
  return {
    dir: bundleDir,
    manifest: JSON.parse(readFileSync(join(bundleDir, MANIFEST_FILE), 'utf8')) as BundleManifest,
  };
}

describe('cvc train on worker threads', () => {
  beforeAll(async () => {
    world = await ingestedWorld({
      stores: 5,
      yaml:
        'models: { lgbm: { numOrigins: 12, numBoostRound: 40 }, nbeats: { numStacks: 2, layerWidth: 32, ' +
        'epochs: 2, windowsPerEpoch: 512 } }\nbacktest: { folds: 2 }\n',
    });
    // A backtest first: train then anchors the learned calibration with its fitted models, and mixes
    // the ensemble from them, as it does after a real backtest.
    const bt = await cvc(['backtest', '--config', world.file, '--models', 'lgbm,nbeats,ensemble']);
    expect(bt.code, bt.stderr).toBe(0);
  }, 900_000);

  it('registers the bundle a one-after-the-other train registers: same files, calibration and forecasts', async () => {
    const one = await trainWith(1);
    const two = await trainWith(2);
    const modelFiles = (m: BundleManifest) => m.files.filter((f) => f.path.startsWith('models/'));
    expect(modelFiles(two.manifest).length).toBeGreaterThan(4);
    expect(modelFiles(two.manifest)).toEqual(modelFiles(one.manifest));
    expect(two.manifest.models).toEqual(one.manifest.models);
    expect(two.manifest.calibration).toEqual(one.manifest.calibration);
    expect(Object.keys(two.manifest.calibration ?? {}).sort()).toEqual([...MODELS].sort());
    expect(two.manifest.routing).toEqual(one.manifest.routing);

    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const tables = lakeTables(world);
    const series = await readStoreSeries(conn, tables, { from: '2025-03-03', to: '2025-06-30' });
    const future = await readKnownFutureInputs(conn, tables, { pandemic: world.config.ingest.pandemic });
    conn.closeSync();
    const context = extendWithFuture(series, 35, future);
    const factories = await forecasterFactories(MODELS);
    const a = await (await readBundle(one.dir, factories)).predict({ series: context, horizon: 35 });
    const b = await (await readBundle(two.dir, factories)).predict({ series: context, horizon: 35 });
    expect(a).toHaveLength(5);
    expect(b).toEqual(a);
  }, 900_000);

  it('ends at once on SIGINT while the fits run, leaving no worker, scratch folder or new version', async () => {
    // The same project with a long N-BEATS fit, so the signal comes while it runs on its worker.
    const slow = join(dirname(world.file), 'slow.yaml');
    writeFileSync(slow, readFileSync(world.file, 'utf8').replace('epochs: 2, windowsPerEpoch: 512', 'epochs: 200'));
    const scratch = mkdtempSync(join(tmpdir(), 'cvc-sigint-'));
    const before = (await openRegistry(registrySettings(world)).list()).length;
    const args = ['train', '--config', slow, '--from', '2023-01-01', '--models', 'nbeats,lgbm', '--workers', '2'];
    // TMPDIR: the fits' scratch folders would land in ours.
    const child = spawn(process.execPath, [BIN, ...args, '--log-level', 'debug'], {
      env: { ...process.env, TMPDIR: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    // N-BEATS has loaded TensorFlow.js in its worker (a debug line the worker posts) and not finished.
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/"model":"nbeats"[^\n]*"msg":"tf backend"/.test(stderr)) resolve();
      });
      void exited.then(() => reject(new Error(`train ended before N-BEATS started:\n${stderr}`)));
    });
    child.kill('SIGINT');
    const end = await exited;
    expect(stderr).not.toMatch(/"model":"nbeats"[^\n]*"msg":"model trained"/);
    expect(String(end.signal ?? end.code)).toMatch(/^(SIGINT|130)$/);
    // The fits ran on threads of the train process, so nothing outlives it.
    const ps = await promisify(execFile)('ps', ['-o', 'pid=', '--ppid', String(child.pid)]).catch(
      (e: { stdout: string }) => e,
    );
    expect(ps.stdout.trim()).toBe('');
    expect(readdirSync(scratch)).toEqual([]);
    expect((await openRegistry(registrySettings(world)).list()).length).toBe(before);
  }, 900_000);
});
