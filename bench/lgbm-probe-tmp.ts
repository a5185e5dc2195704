import { LgbmForecaster } from '../packages/core/src/models/lgbm/index.js';
import { lgbmSynthetic, wape } from '../bench/lgbm-synthetic.js';
const stores = Number(process.argv[2] ?? 30);
const params = JSON.parse(process.argv[3] ?? '{}');
const { history, actual } = lgbmSynthetic({ stores, days: 900, extraDays: 35, seed: 11 });
const m = new LgbmForecaster(params);
const rep = await m.fit(history, { horizon: 35, contextLength: 365, seed: 1 });
const fc = await m.predict(history, 35);
console.log(JSON.stringify(rep), 'wape', wape(actual, fc.map((f) => f.p50)).toFixed(4));
