// TFT as a cvc Forecaster: trained on windows sampled across all stores with the pinball loss on
// p10/p50/p90 of each window's level-scaled sales; closed days are forecast as 0.
import type { FitContext, FitReport, Forecaster, ForecasterFactory, QuantileForecast, StoreSeries } from '@cvc/core';
import { loadTf, type Tf } from '../tf/backend.js';
import { addIsoDays } from '@cvc/core';
import { checkFuture, checkHorizon, checkPast, checkStatics, orderQuantiles } from '../tf/input-checks.js';
import { fitNeural } from '../tf/neural-fit.js';
import { loadWeightsDir, saveWeightsDir } from '../tf/io.js';
import { ParamStore, pinballLoss, type Dropout } from '../tf/layers.js';
import type { Trainable } from '../tf/train.js';
import type { Origin } from '../tf/windows.js';
import { resolveTftParams, TFT_QUANTILES, type TftParams } from './config.js';
import { buildFeatureSpec, buildTftBatch, prepareStore, type FeatureSpec, type PreparedStore } from './features.js';
import { makeTft, type TftShape } from './network.js';
import { ModelError } from '@cvc/core';

const KIND = 'tft';

interface Fitted {
  tf: Tf;
  ps: ParamStore;
  net: ReturnType<typeof makeTft>;
  shape: TftShape;
  spec: FeatureSpec;
}

function sameSpec(a: FeatureSpec, b: FeatureSpec): boolean {
  const sig = (s: FeatureSpec) =>
    JSON.stringify([
      s.future.map((v) => [v.name, v.width]),
      s.pastColumns,
      s.statics.map((x) => [x.name, x.vocab.length]),
      (s.numericStatics ?? []).map((x) => x.name),
    ]);
  return sig(a) === sig(b);
}

export class TftForecaster implements Forecaster {
  readonly kind = KIND;
  readonly params: Record<string, unknown>;
  private readonly p: TftParams;
  private fitted?: Fitted;

  constructor(params: Record<string, unknown> = {}) {
    this.p = resolveTftParams(params);
    this.params = { ...this.p };
  }

  private build(tf: Tf, shape: TftShape, spec: FeatureSpec, seed: number): Fitted {
    this.fitted?.net.dispose();
    this.fitted?.ps.dispose();
    const ps = new ParamStore(tf, seed);
    // With the weekday-mean skip, a zero output layer makes the untrained model that baseline
    // exactly, so training (which keeps the best validated weights) starts from it.
    if (this.p.baselineSkip > 0) ps.constant('quantiles/w', [this.p.hiddenSize, 3], 0);
    const net = makeTft(ps, this.p, spec, shape);
    this.fitted = { tf, ps, net, shape, spec };
    // One forward pass on a dummy window creates every weight.
    const dummy: StoreSeries = {
      storeId: 'dummy',
      start: '2000-01-01',
      sales: new Float64Array(shape.context).fill(1),
      past: Object.fromEntries(spec.pastColumns.map((c) => [c, new Float64Array(shape.context).fill(1)])),
      future: Object.fromEntries(spec.futureColumns.map((c) => [c, new Float64Array(shape.context + shape.horizon)])),
      statics: Object.fromEntries(spec.statics.map((s) => [s.name, s.vocab[0]!])),
    };
    tf.tidy(() => {
      this.forward([dummy], [{ s: 0, t: shape.context }], undefined);
    });
    return this.fitted;
  }

  private forward(
    series: readonly StoreSeries[],
    origins: readonly Origin[],
    drop: Dropout | undefined,
    prepared: readonly PreparedStore[] = series.map((s) => prepareStore(s, this.fitted!.spec)),
  ) {
    const f = this.fitted!;
    const batch = buildTftBatch(
      series,
      prepared,
      origins,
      f.spec,
      f.shape.context,
      f.shape.horizon,
      this.p.scaleLookback,
    );
    const out = f.net.forward(batch, drop);
    const pred =
      this.p.baselineSkip > 0 ? f.tf.add(out, f.tf.tensor3d(batch.base, [batch.B, f.shape.horizon, 1])) : out;
    return { batch, pred };
  }

  async fit(series: readonly StoreSeries[], ctx: FitContext): Promise<FitReport> {
    const context = this.p.encoderDays > 0 ? Math.min(this.p.encoderDays, ctx.contextLength) : ctx.contextLength;
    const shape = { context, horizon: ctx.horizon };
    let dropSeed = ctx.seed * 1_000_003;
    const { report } = await fitNeural(series, ctx, {
      kind: KIND,
      params: this.p,
      context,
      warmOf: (m) => (m instanceof TftForecaster && m.fitted ? { spec: m.fitted.spec, model: m } : undefined),
      newSpec: () => buildFeatureSpec(series, this.p.scaleLookback, this.p.closureFeatures > 0),
      build: (tf, spec, warm) => {
        if (warm) {
          const w = warm.model.fitted!;
          const a = warm.model.p;
          if (
            w.shape.context !== shape.context ||
            w.shape.horizon !== shape.horizon ||
            a.hiddenSize !== this.p.hiddenSize ||
            a.numHeads !== this.p.numHeads
          ) {
            throw new ModelError('tft: warmStart model has a different architecture or context/horizon');
          }
        }
        const warmWeights = warm?.model.fitted!.ps.snapshot();
        const f = this.build(tf, shape, spec, ctx.seed);
        if (warmWeights) f.ps.restore(warmWeights, 'tft warm start');
        return {
          params: f.ps,
          warmStarted: warmWeights != null,
          loss: (prepared) => (batch, training) => {
            const drop: Dropout = { rate: this.p.dropout, training, nextSeed: () => ++dropSeed };
            const { batch: b, pred } = this.forward(series, batch, drop, prepared);
            const y = tf.tensor2d(b.y, [b.B, shape.horizon]);
            const m = tf.tensor2d(b.mask, [b.B, shape.horizon]);
            return pinballLoss(tf, pred, y, m, TFT_QUANTILES) as ReturnType<Trainable['loss']>;
          },
        };
      },
      evalBeforeTraining: this.p.baselineSkip > 0,
    });
    return report;
  }

  async predict(series: readonly StoreSeries[], horizon: number): Promise<QuantileForecast[]> {
    const f = this.fitted;
    if (!f) throw new ModelError('tft: predict called before fit or load');
    checkHorizon(KIND, horizon, f.shape.horizon);
    // The decoder always reads the model's full horizon of known-future inputs.
    checkFuture(KIND, series, f.spec.futureColumns, f.shape.horizon);
    checkPast(KIND, series, f.spec.pastColumns);
    checkStatics(
      KIND,
      series,
      f.spec.statics.map((s) => s.name),
    );
    const H = f.shape.horizon;
    const out: QuantileForecast[] = [];
    const chunk = 256;
    for (let i0 = 0; i0 < series.length; i0 += chunk) {
      const part = series.slice(i0, i0 + chunk);
      const origins = part.map((s, i) => ({ s: i, t: s.sales.length }));
      const held: { scale: Float64Array } = { scale: new Float64Array(0) };
      const pred = f.tf.tidy(() => {
        const r = this.forward(part, origins, undefined);
        held.scale = r.batch.scale as Float64Array<ArrayBuffer>;
        return Float32Array.from(r.pred.dataSync() as Float32Array);
      });
      const scale = held.scale;
      part.forEach((s, b) => {
        const p10 = new Float64Array(horizon);
        const p50 = new Float64Array(horizon);
        const p90 = new Float64Array(horizon);
        const open = s.future['is_open'];
        for (let k = 0; k < horizon; k++) {
          if (open && !(open[s.sales.length + k]! > 0)) continue;
          const o = (b * H + k) * 3;
          p10[k] = pred[o]! * scale[b]!;
          p50[k] = pred[o + 1]! * scale[b]!;
          p90[k] = pred[o + 2]! * scale[b]!;
        }
        orderQuantiles(p10, p50, p90);
        out.push({ storeId: s.storeId, start: addIsoDays(s.start, s.sales.length), p10, p50, p90 });
      });
    }
    return out;
  }

  async save(dir: string): Promise<void> {
    const f = this.fitted;
    if (!f) throw new ModelError('tft: save called before fit or load');
    await saveWeightsDir(f.tf, dir, KIND, { params: this.params, shape: f.shape, spec: f.spec }, f.ps.snapshot());
  }

  static async fromDir(dir: string): Promise<TftForecaster> {
    const { tf } = await loadTf();
    const { config, weights } = await loadWeightsDir(tf, dir, KIND);
    const c = config as { params: Record<string, unknown>; shape: TftShape; spec: FeatureSpec };
    // Models saved before the weekday-mean skip learned the whole forecast.
    const m = new TftForecaster({ baselineSkip: 0, encoderDays: 0, ...c.params });
    const f = m.build(tf, c.shape, c.spec, 0);
    f.ps.restore(weights, `tft model in ${dir}`);
    return m;
  }
}

export const tftFactory: ForecasterFactory = {
  kind: KIND,
  create: (params) => new TftForecaster(params),
  load: (dir) => TftForecaster.fromDir(dir),
};
