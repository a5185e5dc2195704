// Regression on a small demo: the ensemble is at least as good as its best member on the folds after
// the first (its weights learned on earlier folds only), every interval calibration is judged on
// later folds and brings the chosen model's p10-p90 coverage near 80 %, and train puts both into the
// bundle, which infer applies.
import { beforeAll, describe, expect, it } from 'vitest';
import { applyIntervalCalibration, dayClassesOf, readBacktestLearned, type LoadedConfig } from '@cvc/core';
import { forecasterFactories } from '@cvc/models';
import { resolveBundle, runInfer } from '@cvc/infer';
import { UnifiedForecaster, readBundle, readManifest } from '@cvc/mlops';
import { trainAndRegister } from '@cvc/train';
import { runBacktest, type BacktestResult } from '@cvc/backtest';
import { ingestedWorld } from './world.js';

let world: LoadedConfig;
let bt: BacktestResult;

const laterWape = (model: string) => {
  let err = 0;
  let act = 0;
  for (const s of bt.scores) {
    if (s.model !== model || s.fold === 0) continue;
    err += s.absError;
    act += s.actualSum;
  }
  return err / act;
};

describe('ensemble and calibrated intervals on a small demo', () => {
  beforeAll(async () => {
    world = await ingestedWorld({ stores: 20, yaml: 'backtest: { folds: 3, stride: 28, models: [] }\n' });
    bt = await runBacktest({ loaded: world, models: ['lgbm', 'ensemble'] });
  }, 900_000);

  it('the ensemble scores at or below its best member on the later folds', () => {
    const members = bt.ensembleWeights!.members;
    expect(members).toContain('lgbm');
    const best = Math.min(...bt.models.filter((m) => m !== 'ensemble').map(laterWape));
    expect(laterWape('ensemble')).toBeLessThanOrEqual(best * 1.02);
  });

  it('reports nominal against observed coverage for every model, calibrated on earlier folds', () => {
    expect(bt.coverage.map((c) => c.model).sort()).toEqual([...bt.models].sort());
    for (const c of bt.coverage) {
      expect(c.nominal).toBe(0.8);
      expect(c.days).toBeGreaterThan(1000);
    }
    // Every model's later folds are calibrated on the folds before them; on 20 stores and two learning
    // folds the figure moves with the season (measured here: lgbm raw 75.6 %, calibrated 85.9 % without
    // the seasonal profile, 88.2 % with it: its exponent is fitted on 20 stores' April-June weeks), so
    // the test holds it to 80 % +- 9 and the bench (bench/accuracy.ts) reports the larger runs (default
    // demo, 150 stores x 4 folds: lgbm 74.9 % without the profile, 80.8 % with it).
    for (const c of bt.coverage) expect(c.calibratedLater).not.toBe(c.rawLater);
    // Each later fold's own calibrated figure, weighted by its days, makes up the later-fold figure.
    for (const c of bt.coverage) {
      const folds = Object.keys(c.calibratedByFold!).map(Number);
      expect(folds.sort()).toEqual(bt.folds.map((f) => f.fold).filter((k) => k > 0));
      for (const k of folds) expect(c.calibratedByFold![k]!).toBeGreaterThan(0.5);
      const lo = Math.min(...Object.values(c.calibratedByFold!));
      const hi = Math.max(...Object.values(c.calibratedByFold!));
      expect(c.calibratedLater).toBeGreaterThanOrEqual(lo - 1e-12);
      expect(c.calibratedLater).toBeLessThanOrEqual(hi + 1e-12);
    }
    const lgbm = bt.coverage.find((c) => c.model === 'lgbm')!;
    expect(Math.abs(lgbm.calibratedLater - 0.8)).toBeLessThanOrEqual(0.09);
  });

  it('train stores the calibration and the ensemble in the bundle, and infer applies them', async () => {
    const trained = await trainAndRegister({
      loaded: world,
      from: '2024-01-01',
      models: ['ensemble', 'lgbm'],
      promote: 'always',
    });
    const bundle = await resolveBundle(world, undefined);
    const manifest = await readManifest(bundle.bundleDir);
    // lgbm carries its own calibration, and so does the ensemble: learned on its own out-of-fold mix.
    expect(Object.keys(manifest.calibration ?? {}).sort()).toEqual(['ensemble', 'lgbm']);
    // Offsets per known-future day class (plain, promo, holiday) travel with it.
    expect(manifest.calibration!['lgbm']!.classes).toHaveLength(3);
    expect(manifest.models.map((m) => m.kind).sort()).toEqual(['ensemble', 'lgbm']);
    const members = bt.ensembleWeights!.members;
    expect(trained.models.map((m) => m.kind)).toEqual(expect.arrayContaining(members));
    const r = await runInfer({ loaded: world, ...bundle, runId: 'calibrated' });
    expect(r.storesForecast).toBeGreaterThan(10);

    const unified = await readBundle(bundle.bundleDir, await forecasterFactories(manifest.models.map((m) => m.kind)));
    const ensemble = unified.models.get('ensemble')!;
    // The ensemble mixes its members' raw quantiles; the bundle's ensemble calibration calibrates the mix.
    expect(ensemble.params['memberCalibration']).toEqual({});
    // Its weights are the ones the backtest learned over every fold (learned.json), as infer mixes them.
    const learned = await readBacktestLearned(world.paths.data, bt.runId);
    expect(ensemble.params['weights']).toEqual(learned!.ensemble);
    // Its raw mix is anchored to the backtest's raw widths like any model's (the width rule, interval-widths.ts).
    expect(manifest.calibration!['ensemble']!.widthScale?.hi).toHaveLength(35);
    expect(manifest.calibration!['lgbm']!.widthScale?.hi).toHaveLength(35);
    // Every store sent to lgbm: the routed intervals are the raw model's with the bundle's offsets.
    const allLgbm = new UnifiedForecaster(
      { ...manifest, routing: { stores: {}, fallback: 'lgbm' } },
      unified.models,
      bundle.bundleDir,
    );
    const cut = bt.series.slice(0, 6).map((s) => ({ ...s, sales: s.sales.subarray(0, s.sales.length - 35) }));
    const raw = await unified.models.get('lgbm')!.predict(cut, 35);
    const routed = await allLgbm.predict({ series: cut, horizon: 35 });
    let widened = 0;
    for (const [i, f] of routed.entries()) {
      const classes = dayClassesOf(cut[i]!, raw[i]!.start, 35);
      const want = applyIntervalCalibration(manifest.calibration!['lgbm']!, raw[i]!, 1, classes);
      expect(Array.from(f.p90)).toEqual(Array.from(want.p90));
      expect(Array.from(f.p10)).toEqual(Array.from(want.p10));
      if (f.p90.some((v, h) => v !== raw[i]!.p90[h])) widened++;
    }
    expect(widened).toBe(routed.length);
  }, 900_000);
});
