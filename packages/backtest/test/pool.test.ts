// The backtest's worker pool, the one job runner: chains run on worker threads from the built dist/
// (so build first, as for the CLI tests) give the forecasts the same chains give in this process.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIsoDay, parseIsoDay } from '@cvc/core';
import { runChains } from '../dist/pool.js';
import { runChain, type ChainJob, type FoldOutcome } from '../src/chain.js';
import { syntheticStores } from '../../models/test/tf-synthetic.js';

const H = 14;
// Every synthetic store's last day is 2024-06-30; two folds, two and one horizons before it.
const series = syntheticStores({ stores: 6, minDays: 200, maxDays: 260, extraDays: 0, seed: 5 });
const lastDay = parseIsoDay('2024-06-30');
const folds = [2 * H, H].map((d, fold) => ({
  fold,
  cutoff: formatIsoDay(lastDay - d),
  predictStores: series.map((s) => s.storeId),
}));
const nbeats = { numStacks: 2, layerWidth: 32, epochs: 2, windowsPerEpoch: 512, batchSize: 128 };
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function chain(model: string, params: Record<string, unknown>, warmStart: boolean): Promise<ChainJob> {
  const checkpointDir = await mkdtemp(join(tmpdir(), `cvc-pool-${model}-`));
  dirs.push(checkpointDir);
  return { model, params, series, folds, horizon: H, contextLength: 56, seed: 1, warmStart, checkpointDir };
}

async function pooled(jobs: ChainJob[], workers: number): Promise<FoldOutcome[]> {
  const out: FoldOutcome[] = [];
  await runChains(jobs, workers, (o) => out.push(o));
  return out.sort((a, b) => a.model.localeCompare(b.model) || a.fold - b.fold);
}

describe('backtest worker pool', () => {
  it('runs chains on 2 worker threads with the forecasts they give in this process', async () => {
    process.env['CVC_TF_BACKEND'] = 'wasm';
    // Asked for 2 wasm threads: the workers get 1 each (two chains side by side), this process gets 2.
    process.env['CVC_TF_THREADS'] = '2';
    const threaded = await pooled([await chain('nbeats', nbeats, true), await chain('weekday_mean', {}, false)], 2);
    expect(threaded.map((o) => `${o.model}/${o.fold}/${o.error ?? 'ok'}`)).toEqual([
      'nbeats/0/ok',
      'nbeats/1/ok',
      'weekday_mean/0/ok',
      'weekday_mean/1/ok',
    ]);
    // The second fold fine-tunes the first fold's model, saved and loaded inside the worker.
    expect(threaded[1]!.metrics['warmStart']).toBe(1);
    // Two chains side by side: each fit gets one wasm thread, so the pool never oversubscribes the cores.
    expect(threaded[0]!.metrics['tfThreads']).toBe(1);
    const local: FoldOutcome[] = [];
    await runChain(await chain('nbeats', nbeats, true), (o) => local.push(o));
    // In this process the fit uses the 2 threads asked for, and still forecasts bit for bit the same.
    expect(local[0]!.metrics['tfThreads']).toBe(2);
    for (const fold of [0, 1]) {
      const a = threaded[fold]!.forecasts;
      const b = local[fold]!.forecasts;
      expect(a.map((f) => f.storeId)).toEqual(b.map((f) => f.storeId));
      expect(a[0]!.p50).toBeInstanceOf(Float64Array);
      for (let i = 0; i < a.length; i++) expect(Array.from(a[i]!.p50)).toEqual(Array.from(b[i]!.p50));
    }
  });

  it('reports the folds of a chain whose worker fails as failed and finishes the others', async () => {
    const out = await pooled([await chain('no_such_model', {}, false), await chain('weekday_mean', {}, false)], 2);
    const failed = out.filter((o) => o.model === 'no_such_model');
    expect(failed.map((o) => o.fold)).toEqual([0, 1]);
    for (const o of failed) expect(o.error).toMatch(/^no_such_model: unknown model "no_such_model"/);
    expect(out.filter((o) => o.model === 'weekday_mean' && !o.error && o.forecasts.length === 6)).toHaveLength(2);
  });
});
