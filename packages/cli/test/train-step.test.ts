// Train on a small demo world: the bundle reloads (directory and .tar.gz) with identical
// predictions, carries the right lineage, and registry aliases move with promotion and rollback.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedConfig, type StoreSeries } from '@cvc/core';
import { forecasterFactories } from '@cvc/models';
import { extendWithFuture, lakeTables, readKnownFutureInputs, readStoreSeries } from '@cvc/feature-table';
import { loadSnapshot } from '@cvc/lakehouse';
import { exportBundle, importBundle, openRegistry, readBundle, registrySettings } from '@cvc/mlops';
import { trainAndRegister, type TrainAndRegisterResult } from '@cvc/train';
import { ingestedWorld } from './world.js';

let world: LoadedConfig;
let v1: TrainAndRegisterResult;
let context: StoreSeries[];

describe('train and the bundle', () => {
  beforeAll(async () => {
    world = await ingestedWorld({
      stores: 5,
      yaml: 'models: { lgbm: { numOrigins: 12, numBoostRound: 60 } }\nregistry: { promote: manual }\n',
    });
    v1 = await trainAndRegister({
      loaded: world,
      from: '2023-01-01',
      to: '2025-05-31',
      models: ['lgbm', 'seasonal_naive'],
      promote: 'always',
    });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const tables = lakeTables(world);
    const series = await readStoreSeries(conn, tables, { from: '2025-03-03', to: '2025-05-31' });
    context = extendWithFuture(
      series,
      35,
      await readKnownFutureInputs(conn, tables, { pandemic: world.config.ingest.pandemic }),
    );
    conn.closeSync();
  }, 600_000);

  it('records lineage: the feature table, its Delta version and the training window', async () => {
    const m = v1.manifest;
    expect(m.lineage.featureTable).toBe(lakeTables(world).features);
    expect(m.lineage.deltaVersion).toBe((await loadSnapshot(lakeTables(world).features)).version);
    expect(m.trainingWindow).toEqual({ from: '2023-01-01', to: '2025-05-31' });
    expect(m.routing.fallback).toBe('lgbm');
    expect(m.models.map((x) => x.kind).sort()).toEqual(['lgbm', 'seasonal_naive']);
    expect(m.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
  });

  it('predicts identically from the registry, and after export and import of the .tar.gz', async () => {
    const factories = await forecasterFactories(['lgbm', 'seasonal_naive']);
    const a = await (await readBundle(v1.bundleDir, factories)).predict({ series: context, horizon: 35 });
    const file = join(mkdtempSync(join(tmpdir(), 'cvc-export-')), 'bundle.tar.gz');
    await exportBundle(v1.bundleDir, file);
    const dir = join(mkdtempSync(join(tmpdir(), 'cvc-import-')), 'b');
    await importBundle(file, dir);
    const b = await (await readBundle(dir, factories)).predict({ series: context, horizon: 35 });
    expect(a).toHaveLength(context.length);
    expect(b).toEqual(a);
    for (const f of a) {
      expect(f.modelKind).toBe('lgbm');
      for (let h = 0; h < 35; h++) expect(f.p10[h]!).toBeLessThanOrEqual(f.p90[h]!);
    }
  });

  it(
    'registers a new version, keeps the champion under the manual rule, and moves aliases on ' + 'promote and rollback',
    async () => {
      const v2 = await trainAndRegister({ loaded: world, from: '2024-01-01', models: ['weekday_mean'] });
      expect(v2.registered.version).toBe(2);
      expect(v2.registered.promoted).toBe(false);
      const registry = openRegistry(registrySettings(world));
      expect((await registry.show('champion')).version).toBe(1);
      await registry.promote(2);
      expect((await registry.resolve('champion')).version).toBe(2);
      expect(await registry.rollback()).toEqual({ from: 2, to: 1 });
      expect((await registry.show('champion')).version).toBe(1);
      await expect(registry.resolve('nightly')).rejects.toThrow(/nightly/);
    },
  );
});
