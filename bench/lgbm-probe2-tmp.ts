import { buildFeatures, buildLabel, makeLayout } from '../packages/core/src/models/lgbm/features.js';
import { storeHistory } from '../packages/core/src/models/lgbm/history.js';
import { fitRows } from '../packages/core/src/models/lgbm/rows.js';
import { lgbmSynthetic } from './lgbm-synthetic.js';
const { history } = lgbmSynthetic({ stores: 150, days: 2555, extraDays: 0, seed: 5 });
for (let rep = 0; rep < 3; rep++) {
let t = performance.now();
const layout = makeLayout(history, true, 28);
const hist = history.map(storeHistory);
const a = performance.now() - t; t = performance.now();
const rows = fitRows(hist, 35, 52, 7, 28);
const b = performance.now() - t; t = performance.now();
const m = buildFeatures(layout, hist, rows);
const c = performance.now() - t; t = performance.now();
buildLabel(hist, rows, m.level);
const d = performance.now() - t;
console.log({ hist: a.toFixed(0), rows: b.toFixed(0), features: c.toFixed(0), label: d.toFixed(0) });
}
