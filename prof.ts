import { loadTf } from './packages/core/src/models/tf/backend.js';
import { TftForecaster } from './packages/core/src/models/tft/index.js';
import { fitView, splitLast, syntheticStores } from './packages/core/test/tf-synthetic.js';
const { tf } = await loadTf({ backend: process.argv[2] ?? 'wasm' });
const H = Number(process.env.PH ?? 14), L = Number(process.env.PL ?? 28);
const all = syntheticStores({ stores: 8, minDays: 220, maxDays: 320, extraDays: 0, seed: 3 });
const m = new TftForecaster({ epochs: 0 });
await m.fit(fitView(splitLast(all, H).history), { horizon: H, contextLength: L, seed: 1 });
const mm = m as any;
const series = fitView(splitLast(all, H).history);
const origins = Array.from({ length: Number(process.argv[3] ?? 64) }, (_, i) => ({ s: i % 8, t: 100 + (i % 100) }));
const vars = mm.fitted.ps.list();
const step = () => tf.tidy(() => { const { value, grads } = tf.variableGrads(() => { const { batch: b, pred } = mm.forward(series, origins, undefined); return tf.mean(tf.abs(tf.sub(pred.slice([0,0,1],[origins.length,H,1]).reshape([origins.length,H]), tf.tensor2d(b.y,[origins.length,H])))) as any; }, vars); return value.dataSync()[0]; });
step();
let t = performance.now(); for (let i = 0; i < 3; i++) step(); console.log('step ms', (performance.now() - t) / 3);
t = performance.now(); for (let i = 0; i < 3; i++) tf.tidy(() => { mm.forward(series, origins, undefined).pred.dataSync(); }); console.log('fwd ms', (performance.now() - t) / 3);
const info = await tf.profile(() => { step(); });
const agg = new Map<string, [number, number]>();
for (const k of info.kernels) { const ms = await (k as any).kernelTimeMs; const a = agg.get(k.name) ?? [0, 0]; a[0] += typeof ms === 'number' ? ms : 0; a[1]++; agg.set(k.name, a); }
console.log([...agg].sort((a, b) => b[1][0] - a[1][0]).slice(0, 20).map(([k, [ms, n]]) => `${k} ${ms.toFixed(1)}ms x${n}`).join('\n'));
const shp = new Map<string, [number, number]>();
for (const k of info.kernels) { if (k.name !== 'BatchMatMul') continue; const ms = await (k as any).kernelTimeMs; const key = JSON.stringify(k.inputShapes) + (k as any).extraInfo; const a = shp.get(key) ?? [0, 0]; a[0] += ms; a[1]++; shp.set(key, a); }
console.log([...shp].sort((a, b) => b[1][0] - a[1][0]).slice(0, 15).map(([k, [ms, n]]) => `${k} ${ms.toFixed(1)}ms x${n}`).join('\n'));
