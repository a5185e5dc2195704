// One fit + predict of the LightGBM forecaster at backtest scale: ~150 synthetic stores, 3 years
// of history, default params (52 weekly origins, horizon 35, 2 threads). Prints seconds (wall and
// CPU), rows, rounds and WAPE against seasonal-naive.
// Run: node --conditions=source --import tsx bench/lgbm-fit.ts [stores] [days] [paramsJson]
import { LgbmForecaster } from '../packages/models/src/lgbm/index.js';
import { lgbmSynthetic, seasonalNaive, wape } from './lgbm-synthetic.js';

const stores = Number(process.argv[2] ?? 150);
const days = Number(process.argv[3] ?? 3 * 365);
const params = JSON.parse(process.argv[4] ?? '{}') as Record<string, unknown>;
const H = 35;
const { history, actual } = lgbmSynthetic({ stores, days, extraDays: H, seed: 21 });
const model = new LgbmForecaster(params);
const c0 = process.cpuUsage();
const t0 = performance.now();
const report = await model.fit(history, { horizon: H, contextLength: 365, seed: 1 });
const t1 = performance.now();
const fc = await model.predict(history, H);
const t2 = performance.now();
const cpu = process.cpuUsage(c0);
const m = report.metrics;
console.log(`lgbm-fit: ${stores} stores x ${days} days, params ${JSON.stringify(params)}`);
console.log(
  `fit ${((t1 - t0) / 1000).toFixed(1)} s (features ${m['feature_seconds']!.toFixed(2)} s), predict ` +
    `${((t2 - t1) / 1000).toFixed(2)} s, ` +
    (`cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; rows ${m['rows']}, best iteration ` +
      `${m['best_iteration_mean']}`),
);
console.log(
  `WAPE ${wape(
    actual,
    fc.map((f) => f.p50),
  ).toFixed(4)} vs seasonal-naive ${wape(
    actual,
    history.map((s) => seasonalNaive(s, H)),
  ).toFixed(4)}`,
);
