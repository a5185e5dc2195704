// Same data and parameters through our binding and through Python lightgbm 4.1.0 (the same C++
// version): predictions must agree, and Python must read our saved model and predict identically.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, train } from '../src/index.js';
import { regression } from './synthetic.js';
import { runChild } from '../../../test-support/child.js';
import { useOracle } from '../../../test-support/oracles.js';

const here = dirname(fileURLToPath(import.meta.url));
const probe = await runChild('python3', ['-c', 'import lightgbm; print(lightgbm.__version__)']);
const pythonLgbm = probe.status === 0 ? probe.stdout.trim() : undefined;

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function readF64(file: string): Promise<Float64Array> {
  const b = await readFile(file);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const cases = [
  { name: 'regression with a categorical feature', objective: 'regression', extra: {} },
  { name: 'quantile 0.9', objective: 'quantile', extra: { alpha: 0.9 } },
] as const;

describe.skipIf(!(await useOracle('python-lightgbm')))(
  `cross-check with Python lightgbm ${pythonLgbm ?? '(missing)'}`,
  () => {
    for (const c of cases) {
      it(c.name, async () => {
        const { X, y, nrow, ncol, cat } = regression(5000, 8, 42, 0.3);
        const params = {
          objective: c.objective,
          ...c.extra,
          num_leaves: 31,
          learning_rate: 0.1,
          min_data_in_leaf: 20,
          bagging_fraction: 0.8,
          bagging_freq: 1,
          feature_fraction: 0.9,
          seed: 7,
          deterministic: true,
          force_col_wise: true,
          num_threads: 1,
          verbose: -1,
        };
        const rounds = 60;
        const ds = Dataset.fromMatrix(X, { nrow, ncol, label: y, categorical: [cat], params });
        const { booster } = await train(params, ds, { numBoostRound: rounds });
        const ours = await booster.predict(X, { nrow, ncol });

        const dir = await mkdtemp(join(tmpdir(), 'lgbm-py-'));
        dirs.push(dir);
        await writeFile(join(dir, 'X.f64'), X);
        await writeFile(join(dir, 'y.f64'), y);
        await writeFile(join(dir, 'spec.json'), JSON.stringify({ nrow, ncol, params, categorical: [cat], rounds }));
        await booster.save(join(dir, 'ours.txt'));
        const oracle = await runChild('python3', [join(here, 'oracle.py'), dir]);
        expect(oracle.status, oracle.stderr).toBe(0);
        const out = JSON.parse(oracle.stdout) as {
          trees: number;
        };
        expect(out.trees).toBe(rounds);

        const py = await readF64(join(dir, 'py_pred.f64'));
        const pyOurs = await readF64(join(dir, 'py_pred_ours_model.f64'));
        expect(maxAbsDiff(ours, py)).toBeLessThan(1e-9);
        expect(maxAbsDiff(ours, pyOurs)).toBeLessThan(1e-9);
        booster.free();
        ds.free();
      });
    }
  },
);
