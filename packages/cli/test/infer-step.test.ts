import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BusyError, HOLIDAY_LOOKBACK_DAYS, InputError, JobError, type LoadedConfig } from '@cvc/core';
import { acquireLock, resolveBundle, runInfer } from '@cvc/infer';
import { readManifest } from '@cvc/mlops';
import { modelHistoryDays } from '@cvc/models';
import { AS_OF, trainedWorld } from './world.js';

let world: LoadedConfig;
let bundle: { bundleDir: string; bundleVersion: string };

describe('runInfer', () => {
  beforeAll(async () => {
    world = await trainedWorld({ stores: 6, staleStore: 2 });
    bundle = await resolveBundle(world, undefined);
  }, 300_000);

  it('forecasts every open store with fresh data and lists a stale one as skipped', async () => {
    const r = await runInfer({ loaded: world, ...bundle, runId: 'run-a' });
    expect(r.asOf).toBe(AS_OF);
    expect(r.skipped).toContainEqual(expect.objectContaining({ storeId: '2', reason: 'stale' }));
    expect(r.storesForecast).toBeGreaterThan(0);
    expect(r.rows).toBe(r.storesForecast * 35);
    expect(r.bundleVersion).toBe('1');
  });

  it('fails a stale store under --strict, before writing anything', async () => {
    await expect(runInfer({ loaded: world, ...bundle, runId: 'run-b', strict: true })).rejects.toThrow(JobError);
    await expect(runInfer({ loaded: world, ...bundle, runId: 'run-b', strict: true })).rejects.toThrow(
      /--strict: 1 store\(s\) have no data in the last 7 days: 2/,
    );
  });

  it('refuses a horizon beyond the bundle and an as-of date outside the data', async () => {
    await expect(runInfer({ loaded: world, ...bundle, runId: 'x', horizon: 36 })).rejects.toThrow(
      /--horizon 36: the bundle 1 was trained for 1..35 days/,
    );
    await expect(runInfer({ loaded: world, ...bundle, runId: 'x', asOf: '2030-01-01' })).rejects.toThrow(InputError);
    await expect(runInfer({ loaded: world, ...bundle, runId: 'x', asOf: '2010-01-01' })).rejects.toThrow(
      /no feature rows in the \d+ days up to it \(is it before the data\?\)/,
    );
  });

  it("reads the history the bundle's models declared in its manifest, not a fixed year of lags", async () => {
    const manifest = await readManifest(bundle.bundleDir);
    const ctx = { context: manifest.context, horizon: manifest.horizon };
    for (const m of manifest.models) expect(m.historyDays).toBe(modelHistoryDays(m.kind, m.params, ctx));
    const days = Math.max(...manifest.models.map((m) => m.historyDays!));
    // Baselines only: far less than the context + 371 days every bundle read before.
    expect(days).toBeLessThan(manifest.context + 371);
    const asOf = '2010-01-01';
    const run = runInfer({ loaded: world, ...bundle, runId: 'x', asOf });
    // At least the planned-open rule's look-back, so last year's holiday closures are seen as in the backtest.
    const read = Math.max(days, HOLIDAY_LOOKBACK_DAYS);
    await expect(run).rejects.toThrow(`no feature rows in the ${read} days up to it`);
  });

  it('forecasts fewer days and from an earlier as-of date when asked', async () => {
    const r = await runInfer({ loaded: world, ...bundle, runId: 'run-c', horizon: 7, asOf: '2025-05-31' });
    expect(r.rows).toBe(r.storesForecast * 7);
    expect(r.asOf).toBe('2025-05-31');
  });

  it('waits a bounded time for a lock held by another run, then gives up with BusyError (exit 3)', async () => {
    const table = `${world.paths.lake}/${world.config.lake.tables.forecasts}.lock`;
    const held = await acquireLock(table, { runId: 'holder', timeoutSec: 1 });
    try {
      const t0 = Date.now();
      const err = await runInfer({ loaded: world, ...bundle, runId: 'run-d' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BusyError);
      expect((err as BusyError).exitCode).toBe(3);
      expect((err as Error).message).toMatch(
        /another cvc infer \(pid \d+ on .*, run holder, since .*\) holds the lock .* gave up after 1 s/,
      );
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    } finally {
      await held.release();
    }
    // A lock left by a process that no longer exists is taken over.
    writeFileSync(
      table,
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: (await import('node:os')).hostname(),
        startedAt: 'then',
        token: 'dead',
      }),
    );
    const r = await runInfer({ loaded: world, ...bundle, runId: 'run-e' });
    expect(r.runId).toBe('run-e');
  });

  it('lets one of two overlapping runs write at a time: both finish, rows are not doubled', async () => {
    const [a, b] = await Promise.all([
      runInfer({
        loaded: { ...world, config: { ...world.config, infer: { ...world.config.infer, lockTimeoutSec: 60 } } },
        ...bundle,
        runId: 'run-f',
      }),
      runInfer({
        loaded: { ...world, config: { ...world.config, infer: { ...world.config.infer, lockTimeoutSec: 60 } } },
        ...bundle,
        runId: 'run-g',
      }),
    ]);
    // One run after the other: the second's write follows the first's write and its OPTIMIZE (if any).
    const [first, second] = a.tableVersion < b.tableVersion ? [a, b] : [b, a];
    expect(second.tableVersion).toBe((first.optimizeVersion ?? first.tableVersion) + 1);
    expect(a.rows).toBe(b.rows);
  });
});
