// Direct multi-horizon strategies of the LightGBM forecaster compared on synthetic stores:
// one model with the horizon step as a feature vs one model per step; then variants of the
// default (target transform, objective, refit). Prints WAPE, interval coverage and fit time.
// Run: node --conditions=source --import tsx bench/lgbm-strategy.ts [stores] [days] [variant]
import { LgbmForecaster } from '../packages/models/src/lgbm/index.js';
import { coverage, lgbmSynthetic, seasonalNaive, wape } from './lgbm-synthetic.js';

const stores = Number(process.argv[2] ?? 60);
const days = Number(process.argv[3] ?? 1000);
const H = 35;
const folds = [0, 35, 70]; // forecast origins: the last day, 35 and 70 days before

console.log(`lgbm strategy bench: ${stores} stores, ${days} days, horizon ${H}, ${folds.length} folds`);
const extra: Record<string, Record<string, unknown>> = {
  horizon_feature: { strategy: 'horizon_feature' },
  per_horizon: { strategy: 'per_horizon' },
  log1p_ratio: { target: 'log1p_ratio' },
  l1: { objective: 'l1' },
  no_refit: { refit: false },
};
const variant = process.argv[4];
for (const [name, params] of Object.entries(extra)) {
  if (variant && name !== variant) continue;
  const w: number[] = [];
  const cov: number[] = [];
  const secs: number[] = [];
  const naive: number[] = [];
  for (const back of folds) {
    const { history, actual } = lgbmSynthetic({ stores, days: days - back, extraDays: H, seed: 11 });
    const m = new LgbmForecaster(params);
    const rep = await m.fit(history, { horizon: H, contextLength: 365, seed: 1 });
    const fc = await m.predict(history, H);
    w.push(
      wape(
        actual,
        fc.map((f) => f.p50),
      ),
    );
    cov.push(coverage(actual, fc));
    naive.push(
      wape(
        actual,
        history.map((s) => seasonalNaive(s, H)),
      ),
    );
    secs.push(rep.seconds);
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(
    `${name.padEnd(16)} WAPE ${mean(w).toFixed(4)} (folds ${w.map((x) => x.toFixed(4)).join(' ')})  ` +
      (`seasonal-naive ${mean(naive).toFixed(4)}  p10-p90 coverage ${mean(cov).toFixed(3)}  fit s ` +
        `${secs.map((s) => s.toFixed(1)).join(' ')}`),
  );
}
