// The fit pool: models fitted side by side on worker threads (from the built dist/, so build first, as
// for the CLI tests) save and forecast bit for bit as the same models fitted one after the other here,
// and a failing fit in a worker fails as the same kind of error (exit 2 for bad input, 1 for a model).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, JobError, ModelError, exitCodeOf, type Forecaster } from '@cvc/core';
import { fitModels, type FitJob } from '../dist/fit-pool.js';
import { postableError, revivedError } from '../src/worker-pool.js';
import { fitView, splitLast, syntheticStores } from './tf-synthetic.js';

const H = 14;
const { history } = splitLast(syntheticStores({ stores: 6, minDays: 420, maxDays: 500, extraDays: H, seed: 3 }), H);
const fitSeries = fitView(history);
const job = (kind: string, params: Record<string, unknown>): FitJob => ({
  kind,
  params,
  horizon: H,
  contextLength: 56,
  seed: 7,
});
const jobs = [
  job('nbeats', { numStacks: 2, layerWidth: 32, epochs: 2, windowsPerEpoch: 512, batchSize: 128 }),
  job('lgbm', { numOrigins: 12, numBoostRound: 40 }),
  job('weekday_mean', {}),
];
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Every file a saved model writes, by name, as bytes. */
async function savedFiles(model: Forecaster): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), `cvc-fit-pool-${model.kind}-`));
  dirs.push(dir);
  await model.save(join(dir, 'm'));
  const out: Record<string, string> = {};
  for (const f of (await readdir(join(dir, 'm'), { recursive: true })).sort())
    out[f] = await readFile(join(dir, 'm', f), 'base64').catch(() => '<dir>');
  return out;
}

describe('fit pool', () => {
  it('fits on 2 worker threads the models one-after-the-other fits give: same files, same forecasts', async () => {
    process.env['CVC_TF_BACKEND'] = 'wasm';
    const seen: string[] = [];
    const pooled = await fitModels(fitSeries, jobs, { workers: 2, onFitted: (kind) => seen.push(kind) });
    const local = await fitModels(fitSeries, jobs, { workers: 1 });
    expect(seen.sort()).toEqual(['lgbm', 'nbeats', 'weekday_mean']);
    // Side by side, the neural fit ran with one wasm thread in its worker.
    expect(pooled.get('nbeats')!.report.metrics['tfThreads']).toBe(1);
    for (const { kind } of jobs) {
      const a = pooled.get(kind)!.model;
      const b = local.get(kind)!.model;
      expect(a.params).toEqual(b.params);
      expect(await savedFiles(a)).toEqual(await savedFiles(b));
      const fa = await a.predict(history, H);
      const fb = await b.predict(history, H);
      expect(fa).toHaveLength(history.length);
      expect(fa).toEqual(fb);
    }
  });

  it('fails a bad-input fit in a worker as bad input (exit 2), with the message it has in-process', async () => {
    const bad = job('lgbm', { numOrigins: 500, validationOrigins: 400 });
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => new Error('the fit did not fail'),
        (e: unknown) => e as Error,
      );
    const here = await failure(fitModels(fitSeries, [bad], { workers: 1 }));
    const there = await failure(fitModels(fitSeries, [bad, jobs[0]!], { workers: 2 }));
    expect(here.message).toMatch(/^lgbm: not enough history for 500 weekly origins/);
    expect(there.message).toBe(here.message);
    expect(exitCodeOf(here)).toBe(2);
    expect(exitCodeOf(there)).toBe(2);
    expect(there.name).toBe('InputError');
  });

  it('rebuilds a ModelError, a JobError and an errno failure posted by a worker as the same kind', () => {
    const model = revivedError(postableError(new ModelError('training diverged at step 3 (loss NaN)')));
    expect(model).toBeInstanceOf(ModelError);
    expect(model.message).toBe('training diverged at step 3 (loss NaN)');
    expect(exitCodeOf(model)).toBe(1);
    expect(revivedError(postableError(new JobError('x')))).toBeInstanceOf(JobError);
    const disk = Object.assign(new Error('no space'), { code: 'ENOSPC', path: '/data/x' });
    expect(revivedError(postableError(disk))).toMatchObject({ message: 'no space', code: 'ENOSPC', path: '/data/x' });
    expect(revivedError(postableError(new InputError('bad')))).toBeInstanceOf(InputError);
  });
});
