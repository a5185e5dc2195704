// The `ensemble` model kind: a per-store weighted mix of member models' p10/p50/p90. The weights come
// from the backtest's out-of-fold forecasts (the backtest learns them); the members are ordinary models
// of other kinds, fitted and saved inside the ensemble's own directory so it loads like any model.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  ForecastInputError,
  type FitContext,
  type FitReport,
  type Forecaster,
  type EnsembleWeights,
  type ForecasterFactory,
  type QuantileForecast,
  type StoreSeries,
  calibrateStoreForecast,
  intervalCalibrationSchema,
} from '@cvc/core';
import { mixForecasts, weightsFor } from './weights.js';

export const ENSEMBLE_KIND = 'ensemble';

const weightVector = z.array(z.number().min(0));
const paramsSchema = z
  .object({
    weights: z
      .object({
        members: z.array(z.string().min(1)).min(1),
        chain: weightVector,
        formats: z.record(z.string(), weightVector),
        stores: z.record(z.string(), weightVector),
      })
      .strict()
      .refine(
        (w) =>
          [w.chain, ...Object.values(w.formats), ...Object.values(w.stores)].every(
            (v) => v.length === w.members.length,
          ),
        {
          message: 'every weight vector needs one weight per member',
        },
      ),
    /** Hyperparameters of each member, used when the ensemble fits its members itself. */
    memberParams: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /**
     * Each member's interval calibration, applied before mixing: bundles written before the backtest
     * calibrated the ensemble's own mix. Newer bundles leave it empty and calibrate the mix instead.
     */
    memberCalibration: z.record(z.string(), intervalCalibrationSchema).default({}),
  })
  .strict();

type EnsembleParams = z.infer<typeof paramsSchema>;

function parseParams(raw: unknown, where: string): EnsembleParams {
  const p = paramsSchema.safeParse(raw);
  if (!p.success) {
    const issue = p.error.issues[0]!;
    throw new ForecastInputError(
      `${where}: ensemble ${issue.path.map(String).join('.') || 'params'}: ${issue.message}`,
    );
  }
  if (p.data.weights.members.includes(ENSEMBLE_KIND))
    throw new ForecastInputError(`${where}: an ensemble cannot be its own member`);
  return p.data;
}

async function factoryOf(kind: string): Promise<ForecasterFactory> {
  // Imported lazily: the registry imports this module.
  return (await import('../registry.js')).forecasterFactory(kind);
}

export class EnsembleForecaster implements Forecaster {
  readonly kind = ENSEMBLE_KIND;
  readonly params: Record<string, unknown>;
  private readonly p: EnsembleParams;
  private members = new Map<string, Forecaster>();

  constructor(params: Record<string, unknown>, members?: ReadonlyMap<string, Forecaster>) {
    this.p = parseParams(params, 'ensemble');
    this.params = { ...this.p };
    if (members) this.useMembers(members);
  }

  get weights(): EnsembleWeights {
    return this.p.weights;
  }

  /** Takes already-fitted member models (train fits each kind once and shares it). */
  useMembers(members: ReadonlyMap<string, Forecaster>): void {
    for (const kind of this.p.weights.members) {
      const m = members.get(kind);
      if (!m) throw new ForecastInputError(`ensemble: member "${kind}" was not given`);
      this.members.set(kind, m);
    }
  }

  async fit(series: readonly StoreSeries[], ctx: FitContext): Promise<FitReport> {
    const t0 = performance.now();
    const metrics: Record<string, number> = {};
    for (const kind of this.p.weights.members) {
      const model = (await factoryOf(kind)).create(this.p.memberParams[kind] ?? {});
      const r = await model.fit(series, ctx);
      for (const [k, v] of Object.entries(r.metrics)) metrics[`${kind}.${k}`] = v;
      this.members.set(kind, model);
    }
    return { seconds: (performance.now() - t0) / 1000, metrics };
  }

  async predict(series: readonly StoreSeries[], horizon: number): Promise<QuantileForecast[]> {
    const names = this.p.weights.members;
    const byMember: Map<string, QuantileForecast>[] = [];
    const seriesOf = new Map(series.map((s) => [s.storeId, s]));
    for (const kind of names) {
      const model = this.members.get(kind);
      if (!model) throw new ForecastInputError(`ensemble: member "${kind}" is not fitted or loaded`);
      const cal = this.p.memberCalibration[kind];
      const raw = await model.predict(series, horizon);
      const calibrate = (f: QuantileForecast) => calibrateStoreForecast(cal!, f, seriesOf.get(f.storeId)!);
      byMember.push(new Map(raw.map((f) => [f.storeId, cal ? calibrate(f) : f])));
    }
    return series.map((s) => {
      const w = weightsFor(this.p.weights, s.storeId, s.statics['format'] ?? '');
      const fs = byMember.map((m) => m.get(s.storeId));
      const first = fs.find((f) => f !== undefined);
      if (!first) throw new ForecastInputError(`ensemble: no member forecast store ${s.storeId}`);
      return {
        storeId: s.storeId,
        start: first.start,
        p10: mixForecasts(
          w,
          fs.map((f) => f?.p10),
          horizon,
        ),
        p50: mixForecasts(
          w,
          fs.map((f) => f?.p50),
          horizon,
        ),
        p90: mixForecasts(
          w,
          fs.map((f) => f?.p90),
          horizon,
        ),
      };
    });
  }

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const [kind, model] of this.members) await model.save(join(dir, 'members', kind));
    await writeFile(join(dir, 'ensemble.json'), `${JSON.stringify({ kind: ENSEMBLE_KIND, params: this.p })}\n`);
  }
}

export const ensembleFactory: ForecasterFactory = {
  kind: ENSEMBLE_KIND,
  create: (params) => new EnsembleForecaster(params),
  async load(dir) {
    const file = join(dir, 'ensemble.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as { kind?: unknown; params?: unknown };
    if (saved.kind !== ENSEMBLE_KIND) throw new ForecastInputError(`${file}: not a saved ensemble`);
    const p = parseParams(saved.params, file);
    const members = new Map<string, Forecaster>();
    for (const kind of p.weights.members)
      members.set(kind, await (await factoryOf(kind)).load(join(dir, 'members', kind)));
    return new EnsembleForecaster(p as unknown as Record<string, unknown>, members);
  },
};
