// Child process of tf-threads.test.ts: fits a small N-BEATS and TFT with the wasm thread count given
// as argv[2] and prints the thread count the backend runs on and the p10/p50/p90 forecasts as JSON
// (a process fixes its thread count when it first loads TensorFlow.js, so each count needs its own).
import { loadTf } from '../src/tf/backend.js';
import { wasmThreadsInUse } from '../src/tf/wasm-threads.js';
import { nbeatsFactory } from '../src/nbeats/index.js';
import { tftFactory } from '../src/tft/index.js';
import { fitView, splitLast, syntheticStores } from './tf-synthetic.js';

const H = 14;
const threads = Number(process.argv[2]);
await loadTf({ backend: 'wasm', threads });
const all = syntheticStores({ stores: 6, minDays: 220, maxDays: 300, extraDays: 0, seed: 5 });
const { history } = splitLast(all, H);
const ctx = { horizon: H, contextLength: 56, seed: 9 };
const out: Record<string, number[][]> = {};
const models = {
  nbeats: nbeatsFactory.create({ numStacks: 2, layerWidth: 64, epochs: 3, windowsPerEpoch: 512, batchSize: 128 }),
  tft: tftFactory.create({ epochs: 2, windowsPerEpoch: 256, batchSize: 64 }),
};
for (const [name, model] of Object.entries(models)) {
  await model.fit(fitView(history), ctx);
  out[name] = (await model.predict(history, H)).flatMap((f) => [f.p10, f.p50, f.p90].map((q) => Array.from(q)));
}
console.log(JSON.stringify({ threads: wasmThreadsInUse(), forecasts: out }));
