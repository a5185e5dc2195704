// Bundle I/O of @cvc/mlops: write, export (.tar.gz), import and load (verify every sha256 + factory
// load) for a bundle with a few MB of model files shaped like ours: a LightGBM text model (compressible
// text), tfjs weights (incompressible float32) and small scaler JSON files. Median of runs.
//   node --conditions=source --import tsx bench/bundle-io.ts [--mb 6] [--runs 5]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Forecaster, ForecasterFactory, QuantileForecast, StoreSeries } from '../packages/core/src/index.js';
import { exportBundle, importBundle, readBundle, writeBundle } from '../packages/mlops/src/index.js';
import { listFiles } from '../packages/mlops/src/bundle/files.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const mb = Number(arg('mb', '6'));
const runs = Number(arg('runs', '5'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** A stand-in model whose save() writes files of realistic kinds and sizes. */
class BlobModel implements Forecaster {
  constructor(
    readonly kind: string,
    readonly params: Record<string, unknown>,
    private readonly files: Map<string, Uint8Array>,
  ) {}
  async fit() {
    return { seconds: 0, metrics: {} };
  }
  async predict(series: readonly StoreSeries[], horizon: number): Promise<QuantileForecast[]> {
    return series.map((s) => ({
      storeId: s.storeId,
      start: s.start,
      p10: new Float64Array(horizon),
      p50: new Float64Array(horizon),
      p90: new Float64Array(horizon),
    }));
  }
  async save(dir: string) {
    for (const [name, data] of this.files) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), data);
    }
  }
}

function lgbmText(bytes: number): Uint8Array {
  const lines: string[] = ['tree', 'version=v4', 'num_class=1'];
  let size = 0;
  for (let t = 0; size < bytes; t++) {
    const line =
      `Tree=${t}\nsplit_feature=${Array.from({ length: 30 }, (_, i) => (i * 7 + t) % 40).join(' ')}\nthreshold=` +
      `${Array.from({ length: 30 }, () => (Math.random() * 1000).toFixed(8)).join(' ')}\nleaf_value=` +
      `${Array.from({ length: 31 }, () => (Math.random() - 0.5).toFixed(12)).join(' ')}\n`;
    lines.push(line);
    size += line.length;
  }
  return new TextEncoder().encode(lines.join('\n'));
}

function weights(bytes: number): Uint8Array {
  const f = new Float32Array(Math.floor(bytes / 4));
  for (let i = 0; i < f.length; i++) f[i] = (Math.random() - 0.5) * 0.1;
  return new Uint8Array(f.buffer);
}

const half = (mb * 1024 * 1024) / 2;
const scaler = new TextEncoder().encode(
  JSON.stringify({ mean: Array.from({ length: 150 }, Math.random), std: Array.from({ length: 150 }, Math.random) }),
);
const models = new Map<string, Forecaster>([
  [
    'lgbm',
    new BlobModel(
      'lgbm',
      { num_leaves: 31 },
      new Map([
        ['model.txt', lgbmText(half)],
        ['scaler.json', scaler],
      ]),
    ),
  ],
  [
    'nbeats',
    new BlobModel(
      'nbeats',
      { stacks: 2 },
      new Map([
        ['model.json', new TextEncoder().encode('{"modelTopology":{}}')],
        ['weights.bin', weights(half)],
        ['scaler.json', scaler],
      ]),
    ),
  ],
  ['seasonal_naive', new BlobModel('seasonal_naive', {}, new Map([['model.json', new TextEncoder().encode('{}')]]))],
]);
const stores = Object.fromEntries(
  Array.from({ length: 150 }, (_, i) => [String(i + 1), i % 3 === 0 ? 'lgbm' : 'nbeats']),
);
const factories: ForecasterFactory[] = [...models.keys()].map((kind) => ({
  kind,
  create: () => models.get(kind)!,
  load: async (dir: string) => {
    for (const f of await listFiles(dir)) await readFile(join(dir, f));
    return models.get(kind)!;
  },
}));

const tmp = mkdtempSync(join(tmpdir(), 'cvc-bench-bundle-'));
try {
  const t = { write: [] as number[], export: [] as number[], import: [] as number[], load: [] as number[] };
  let dirBytes = 0;
  let tarBytes = 0;
  for (let r = 0; r < runs; r++) {
    const dir = join(tmp, `b${r}`);
    const tar = join(tmp, `b${r}.tar.gz`);
    t.write.push(
      await seconds(() =>
        writeBundle(dir, {
          models,
          routing: { stores, fallback: 'seasonal_naive' },
          horizon: 35,
          context: 90,
          trainingWindow: { from: '2021-01-01', to: '2025-12-31' },
          lineage: { featureTable: '/lake/features', deltaVersion: 12 },
          configHash: 'bench',
          backtest: { wape: 0.18, folds: 4, byModel: {} },
        }),
      ),
    );
    t.export.push(await seconds(() => exportBundle(dir, tar)));
    t.import.push(await seconds(() => importBundle(tar, join(tmp, `i${r}`))));
    t.load.push(await seconds(() => readBundle(join(tmp, `i${r}`), factories)));
    dirBytes = (await listFiles(dir)).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    tarBytes = statSync(tar).size;
  }
  const fmt = (xs: number[]) => `${(median(xs) * 1000).toFixed(0)} ms`;
  console.log(
    `bundle: ${(dirBytes / 1048576).toFixed(2)} MB in files (3 models, 150 stores), .tar.gz ` +
      `${(tarBytes / 1048576).toFixed(2)} MB; median of ${runs} runs`,
  );
  console.log(`write  ${fmt(t.write)}   (save models + sha256 + manifest + rename)`);
  console.log(`export ${fmt(t.export)}   (verify + tar.gz)`);
  console.log(`import ${fmt(t.import)}   (list + extract + verify)`);
  console.log(`load   ${fmt(t.load)}   (verify every sha256 + factory load)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
