import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Booster, Dataset, LightGBMError, setLogger, train } from '../src/index.js';
import { regression } from './synthetic.js';

const base = { objective: 'regression', num_leaves: 15, learning_rate: 0.1, verbose: -1, num_threads: 1, seed: 1 };
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

describe('known-answer training', () => {
  it('learns a known function and beats predicting the mean by far', async () => {
    const tr = regression(4000, 6, 1);
    const te = regression(1000, 6, 2);
    const ds = Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y, categorical: [tr.cat] });
    expect(ds.numData()).toBe(4000);
    expect(ds.numFeature()).toBe(6);
    const { booster, iterations } = await train(base, ds, { numBoostRound: 200 });
    expect(iterations).toBe(200);
    const p = await booster.predict(te.X, { nrow: te.nrow, ncol: te.ncol });
    const mean = te.y.reduce((a, b) => a + b, 0) / te.nrow;
    const baseline = mse(te.y, new Float64Array(te.nrow).fill(mean));
    const err = mse(te.y, p);
    expect(err).toBeLessThan(0.05 * baseline);
    expect(Math.sqrt(err)).toBeLessThan(0.25); // noise sd is 0.1
    booster.free();
    ds.free();
  });

  it('accepts column-major Float32Array matrices and gives the same model as row-major', async () => {
    const tr = regression(2000, 6, 3);
    const colMajor = new Float32Array(tr.X.length);
    for (let i = 0; i < tr.nrow; i++)
      for (let j = 0; j < tr.ncol; j++) colMajor[j * tr.nrow + i] = tr.X[i * tr.ncol + j]!;
    const rowMajor = Float32Array.from(tr.X);
    const a = Dataset.fromMatrix(rowMajor, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
    const b = Dataset.fromMatrix(colMajor, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y, layout: 'col' });
    const ma = (await train(base, a, { numBoostRound: 30 })).booster;
    const mb = (await train(base, b, { numBoostRound: 30 })).booster;
    const pa = await ma.predict(rowMajor, { nrow: tr.nrow, ncol: tr.ncol });
    const pb = await mb.predict(colMajor, { nrow: tr.nrow, ncol: tr.ncol, layout: 'col' });
    expect(Array.from(pb)).toEqual(Array.from(pa));
  });

  it('uses weights, validation metrics and early stopping', async () => {
    const tr = regression(3000, 6, 4, 0.5);
    const va = regression(1000, 6, 5, 0.5);
    const ds = Dataset.fromMatrix(tr.X, {
      nrow: tr.nrow,
      ncol: tr.ncol,
      label: tr.y,
      weight: new Float64Array(tr.nrow).fill(1),
    });
    const vs = Dataset.fromMatrix(va.X, { nrow: va.nrow, ncol: va.ncol, label: va.y, reference: ds });
    const seen: number[] = [];
    const r = await train({ ...base, learning_rate: 0.3, metric: 'l2' }, ds, {
      numBoostRound: 1000,
      valid: [{ data: vs, name: 'valid' }],
      earlyStoppingRounds: 10,
      onIteration: (_i, ev) => seen.push(ev[0]!.value),
    });
    expect(r.stoppedBy).toBe('early_stopping');
    expect(r.iterations).toBeLessThan(1000);
    expect(r.bestIteration).toBe(r.iterations - 10);
    expect(r.booster.eval(1)[0]).toMatchObject({ dataName: 'valid', metric: 'l2' });
    expect(Math.min(...seen)).toBeCloseTo(r.bestScore, 12);
    // the model string keeps only the best iteration's trees
    const text = r.booster.modelString();
    expect((text.match(/^Tree=/gm) ?? []).length).toBe(r.bestIteration);
    expect(() => vs.free()).toThrow(/used by a booster/);
    r.booster.free();
    vs.free();
    ds.free();
  });
});

describe('save and load', () => {
  it('gives bit-identical predictions after a round trip through the text format', async () => {
    const tr = regression(3000, 6, 6);
    const ds = Dataset.fromMatrix(tr.X, {
      nrow: tr.nrow,
      ncol: tr.ncol,
      label: tr.y,
      categorical: [tr.cat],
      featureNames: ['a', 'b', 'c', 'd', 'e', 'cat'],
    });
    const { booster } = await train(base, ds, { numBoostRound: 50 });
    const dir = await mkdtemp(join(tmpdir(), 'lgbm-'));
    dirs.push(dir);
    await booster.save(join(dir, 'model.txt'));
    const loaded = await Booster.load(join(dir, 'model.txt'));
    expect(loaded.featureNames()).toEqual(['a', 'b', 'c', 'd', 'e', 'cat']);
    const p1 = await booster.predict(tr.X, { nrow: tr.nrow, ncol: tr.ncol });
    const p2 = await loaded.predict(tr.X, { nrow: tr.nrow, ncol: tr.ncol });
    expect(Buffer.from(p2.buffer).equals(Buffer.from(p1.buffer))).toBe(true);
    expect(loaded.modelString()).toBe(booster.modelString());
  });
});

describe('quantile objective', () => {
  it('covers close to the level asked for on held-out data', async () => {
    const tr = regression(8000, 6, 7, 1);
    const te = regression(4000, 6, 8, 1);
    const ds = Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
    for (const alpha of [0.1, 0.5, 0.9]) {
      const { booster } = await train({ ...base, objective: 'quantile', alpha, learning_rate: 0.05 }, ds, {
        numBoostRound: 300,
      });
      const p = await booster.predict(te.X, { nrow: te.nrow, ncol: te.ncol });
      let below = 0;
      for (let i = 0; i < te.nrow; i++) if (te.y[i]! <= p[i]!) below++;
      expect(Math.abs(below / te.nrow - alpha)).toBeLessThan(0.04);
      booster.free();
    }
  });
});

describe('errors', () => {
  const tr = regression(200, 4, 9);
  it('rejects NaN labels with the row', () => {
    const y = Float64Array.from(tr.y);
    y[17] = NaN;
    expect(() => Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: y })).toThrow(
      /label at row 17 is NaN/,
    );
  });
  it('rejects a matrix of the wrong size', () => {
    expect(() => Dataset.fromMatrix(tr.X, { nrow: tr.nrow + 1, ncol: tr.ncol, label: tr.y })).toThrow(LightGBMError);
    expect(() => Dataset.fromMatrix(tr.X, { nrow: tr.nrow + 1, ncol: tr.ncol })).toThrow(/expected nrow \* ncol/);
  });
  it('rejects an unknown parameter', async () => {
    const ds = Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
    expect(() => Booster.create(ds, { objective: 'regression', num_leavez: 7 })).toThrow(
      /unknown parameter "num_leavez"/,
    );
  });
  it("surfaces LightGBM's own errors (LGBM_GetLastError) as LightGBMError", async () => {
    const ds = Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
    expect(() => Booster.create(ds, { objective: 'no_such_objective', verbose: -1 })).toThrow(
      /LGBM_BoosterCreate: .*no_such_objective/i,
    );
    expect(() => Booster.fromModelString('not a model')).toThrow(LightGBMError);
    const { booster } = await train(base, ds, { numBoostRound: 5 });
    await expect(booster.predict(new Float64Array(6), { nrow: 2, ncol: 3 })).rejects.toThrow(/expects 4/);
    booster.free();
    expect(() => booster.currentIteration()).toThrow(/freed/);
  });
});

describe('concurrency', () => {
  it('keeps the event loop free while training and refuses free() on a busy booster', async () => {
    const tr = regression(20000, 10, 12);
    const ds = Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
    const booster = Booster.create(ds, { ...base, num_leaves: 63 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const running = booster.update(100);
    expect(() => booster.free()).toThrow(/busy/);
    const r = await running;
    clearInterval(timer);
    expect(r.iterations).toBe(100);
    expect(ticks).toBeGreaterThan(0); // timers ran while the rounds did
    booster.free();
    ds.free();
  });
});

describe('threads', () => {
  // omp_set_num_threads is per thread and LightGBM calls it where the booster is created (the main
  // thread), while the rounds run on a pool thread: without the binding carrying it over, they ran
  // with the pool thread's default, every core, whatever num_threads said.
  it('trains on the pool thread with the num_threads the booster was created with', async () => {
    const tr = regression(2000, 4, 13);
    const ds = Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
    for (const n of [1, 3]) {
      const booster = Booster.create(ds, { ...base, num_threads: n });
      const r = await booster.update(2);
      expect(r.threads).toBe(n);
      booster.free();
    }
    ds.free();
  });
});

describe('logging', () => {
  it("sends LightGBM's log to our logger", async () => {
    const lines: string[] = [];
    setLogger((level, msg) => lines.push(`${level}:${msg}`));
    try {
      const tr = regression(500, 4, 10);
      const ds = Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y, params: { verbose: 1 } });
      const { booster } = await train({ ...base, verbose: 1 }, ds, { numBoostRound: 3 });
      await new Promise((r) => setTimeout(r, 50)); // log lines from worker threads arrive via the event loop
      expect(lines.some((l) => l.startsWith('info:') && /Total Bins|training from score/i.test(l))).toBe(true);
      booster.free();
    } finally {
      setLogger(null);
    }
  });
});

describe('handle lifetime', () => {
  it('frees on free() at once, and on garbage collection otherwise', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { liveHandles } = await import('../src/index.js');
    const collect = async () => {
      for (let i = 0; i < 5; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const tr = regression(300, 4, 11);
    await collect(); // earlier tests dropped handles without free(); start from a clean count
    const start = liveHandles();

    const ds = Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
    const { booster } = await train(base, ds, { numBoostRound: 2 });
    expect(liveHandles()).toEqual({ datasets: start.datasets + 1, boosters: start.boosters + 1 });
    booster.free();
    ds.free();
    expect(liveHandles()).toEqual(start);

    // Booster and dataset dropped without free(), in a frame of their own so nothing keeps them.
    const trainAndDrop = async () => {
      const d = Dataset.fromMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
      await train(base, d, { numBoostRound: 1 });
    };
    for (let i = 0; i < 20; i++) await trainAndDrop();
    expect(liveHandles().datasets).toBeGreaterThan(start.datasets);
    await collect();
    expect(liveHandles()).toEqual(start);
  });
});
