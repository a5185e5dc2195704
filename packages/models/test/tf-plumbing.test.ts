import { describe, expect, it } from 'vitest';
import { loadTf } from '../src/tf/backend.js';
import { layerNorm, ParamStore, pinballLoss } from '../src/tf/layers.js';
import { makeRng } from '@cvc/core';
import { planWindows, recentLevel, sampleOrigins, scaledContext } from '../src/tf/windows.js';

describe('tf backend loader', () => {
  it('falls back past tfjs-node (no binary here) and can be forced', async () => {
    const auto = await loadTf({ backend: 'auto' });
    expect(['tensorflow', 'wasm']).toContain(auto.backend);
    const cpu = await loadTf({ backend: 'cpu' });
    expect(cpu.backend).toBe('cpu');
    expect(cpu.tf.getBackend()).toBe('cpu');
    const wasm = await loadTf({ backend: 'wasm' });
    expect(wasm.tf.getBackend()).toBe('wasm');
    expect(() => loadTf({ backend: 'gpu' })).toThrow(/node, wasm, cpu/);
  });
});

describe('tf layers', () => {
  it('layer norm normalises the last axis', async () => {
    const { tf } = await loadTf({ backend: 'wasm' });
    const ps = new ParamStore(tf, 1);
    const out = tf.tidy(
      () =>
        layerNorm(
          ps,
          'ln',
          tf.tensor2d([
            [1, 2, 3],
            [10, 10, 10],
          ]),
        ).arraySync() as number[][],
    );
    expect(out[0]![0]).toBeCloseTo(-1.2247, 3);
    expect(out[0]![2]).toBeCloseTo(1.2247, 3);
    expect(out[1]).toEqual([0, 0, 0]);
    ps.dispose();
  });

  it('pinball loss matches a hand computation and ignores masked days', async () => {
    const { tf } = await loadTf({ backend: 'wasm' });
    const v = tf.tidy(
      () =>
        pinballLoss(
          tf,
          tf.tensor3d([
            [
              [0, 1],
              [5, 5],
            ],
          ]),
          tf.tensor2d([[2, 100]]),
          tf.tensor2d([[1, 0]]),
          [0.1, 0.9],
        ).dataSync()[0],
    );
    // target 2: q0.1 pred 0 -> 0.1*2 = 0.2; q0.9 pred 1 -> 0.9*1 = 0.9; mean over 1 day x 2 quantiles.
    expect(v).toBeCloseTo(0.55, 6);
  });

  it('same seed and name give the same initial weights', async () => {
    const { tf } = await loadTf({ backend: 'wasm' });
    const a = new ParamStore(tf, 3);
    const b = new ParamStore(tf, 3);
    expect(Array.from(a.matrix('x', 4, 4).dataSync())).toEqual(Array.from(b.matrix('x', 4, 4).dataSync()));
    expect(() => b.restore(new Map([['x', { shape: [2, 2], values: new Float32Array(4) }]]))).toThrow(/shape/);
    a.dispose();
    b.dispose();
  });
});

describe('training windows', () => {
  it('keeps training targets out of the validation days', () => {
    const plan = planWindows([10, 4], 2, { valDays: 2, minContext: 3 });
    expect(plan.train.map((o) => o.t)).toEqual([3, 4, 5, 6]);
    expect(plan.val).toEqual([{ s: 0, t: 8 }]);
  });

  it('samples deterministically from a seed', () => {
    const pool = [
      { s: 0, t: 1 },
      { s: 1, t: 2 },
      { s: 2, t: 3 },
    ];
    expect(sampleOrigins(pool, 5, makeRng(9))).toEqual(sampleOrigins(pool, 5, makeRng(9)));
  });

  it('scales by the recent level of open days and fills gaps', () => {
    const sales = Float64Array.from([NaN, 10, 0, 30, NaN, 20]);
    expect(recentLevel(sales, 6, 28, 90)).toBe(20);
    const out = new Float32Array(8);
    const obs = new Float32Array(8);
    scaledContext(sales, 6, 8, 10, out, obs);
    expect(Array.from(out)).toEqual([1, 1, 1, 1, 0, 3, 3, 2]);
    expect(Array.from(obs)).toEqual([0, 0, 0, 1, 1, 1, 0, 1]);
  });
});

describe('fast wasm slicing kernels', () => {
  it('match the cpu backend for slice, unstack and split on every axis', async () => {
    const { tf } = await loadTf({ backend: 'wasm' });
    const values = Float32Array.from({ length: 4 * 5 * 6 }, (_, i) => i * 0.5 - 7);
    const run = () => {
      const x = tf.tensor3d(values, [4, 5, 6]);
      const parts: number[][] = [];
      parts.push(Array.from(tf.slice(x, [1, 2, 3], [2, 3, 2]).dataSync()));
      parts.push(Array.from(tf.slice(x, [0, 1, 0], [4, 2, 6]).dataSync()));
      parts.push(Array.from(tf.slice(x, [2, 0, 0], [1, 5, 6]).dataSync()));
      for (const axis of [0, 1, 2]) {
        for (const t of tf.unstack(x, axis)) parts.push([...t.shape, ...t.dataSync()]);
        for (const t of tf.split(x, [1, x.shape[axis] - 1], axis)) parts.push([...t.shape, ...t.dataSync()]);
      }
      parts.push(Array.from(tf.slice(tf.tensor1d([1, 2, 3, 4], 'int32'), [1], [2]).dataSync()));
      return parts;
    };
    const onWasm = tf.tidy(run);
    await loadTf({ backend: 'cpu' });
    const onCpu = tf.tidy(run);
    await loadTf({ backend: 'wasm' });
    expect(onWasm).toEqual(onCpu);
  });
});

describe('training loop', () => {
  it('keeps improving while validation improves, and stops early when it does not', async () => {
    const { tf } = await loadTf({ backend: 'wasm' });
    const { trainLoop } = await import('../src/tf/train.js');
    const ps = new ParamStore(tf, 1);
    const w = ps.constant('w', [1], 0);
    const model = { params: ps, loss: () => tf.sum(tf.square(tf.sub(w, 3))) as never };
    const pool = { train: [{ s: 0, t: 0 }], val: [{ s: 0, t: 0 }] };
    const cfg = {
      epochs: 5,
      windowsPerEpoch: 10,
      batchSize: 1,
      learningRate: 0.1,
      minLrFraction: 1,
      warmupSteps: 0,
      patience: 2,
    };
    const r = await trainLoop(tf, model, pool, cfg, { seed: 1 });
    expect(r.stoppedBy).toBe('epochs');
    expect(r.epochs).toBe(5);
    expect(Number.isFinite(r.bestValLoss)).toBe(true);
    // Already at the optimum: no epoch improves, so it stops after `patience` epochs.
    w.assign(tf.tensor1d([3]));
    const r2 = await trainLoop(
      tf,
      model,
      pool,
      { ...cfg, learningRate: 1e-9, epochs: 50 },
      { seed: 1, evalBeforeTraining: true },
    );
    expect(r2.stoppedBy).toBe('early_stopping');
    expect(r2.epochs).toBe(2);
    ps.dispose();
  });
});
