// The one reader of a run's fold checkpoints: what a resumed chain reads back and what the replay
// benches (ensemble, calibration) read are the outcomes the chains reported when they ran.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIsoDay, parseIsoDay } from '@cvc/core';
import { readRunCheckpoints, runChain, type ChainJob, type FoldOutcome } from '../src/chain.js';
import { syntheticStores } from '../../models/test/tf-synthetic.js';

const H = 14;
const series = syntheticStores({ stores: 4, minDays: 120, maxDays: 160, extraDays: 0, seed: 3 });
const lastDay = parseIsoDay('2024-06-30');
const folds = [2 * H, H].map((d, fold) => ({
  fold,
  cutoff: formatIsoDay(lastDay - d),
  predictStores: series.map((s) => s.storeId),
}));
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const job = (model: string, runDir: string): ChainJob => ({
  model,
  params: {},
  series,
  folds,
  horizon: H,
  contextLength: 56,
  seed: 1,
  warmStart: false,
  checkpointDir: join(runDir, model),
});

const key = (o: FoldOutcome) => `${o.model}/${o.fold}`;
const plain = (o: FoldOutcome) => ({
  key: key(o),
  forecasts: o.forecasts.map((f) => ({ ...f, p10: Array.from(f.p10), p50: Array.from(f.p50), p90: Array.from(f.p90) })),
  metrics: o.metrics,
  fitSeconds: o.fitSeconds,
});

describe('readRunCheckpoints', () => {
  it('reads every model and fold of a run as the chains reported them, and a rerun resumes the same', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'cvc-checkpoints-'));
    dirs.push(runDir);
    const ran: FoldOutcome[] = [];
    for (const model of ['weekday_mean', 'seasonal_naive']) await runChain(job(model, runDir), (o) => ran.push(o));
    expect(ran.every((o) => !o.error && !o.resumed && o.forecasts.length === series.length)).toBe(true);
    const read = await readRunCheckpoints(runDir);
    expect(read.map(key)).toEqual(['seasonal_naive/0', 'seasonal_naive/1', 'weekday_mean/0', 'weekday_mean/1']);
    expect(read.every((o) => o.resumed && o.forecasts[0]!.p50 instanceof Float64Array)).toBe(true);
    const byKey = new Map(ran.map((o) => [key(o), plain(o)]));
    for (const o of read) expect(plain(o)).toEqual(byKey.get(key(o)));
    // A resumed chain reads the same checkpoints through the same reader.
    const resumed: FoldOutcome[] = [];
    await runChain(job('weekday_mean', runDir), (o) => resumed.push(o));
    expect(resumed.map(plain)).toEqual(read.filter((o) => o.model === 'weekday_mean').map(plain));
    expect(resumed.every((o) => o.resumed)).toBe(true);
  });
});
