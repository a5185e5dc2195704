// UnifiedForecaster: a loaded bundle as one object. predict() sends each store to its model, one
// predict() call per model kind, and returns the forecasts in input order with the kind that made them.
import { calibrateStoreForecast, type Forecaster, type QuantileForecast, type StoreSeries } from '@cvc/core';
import { MlopsInputError } from '../errors.js';
import type { BundleManifest } from './manifest.js';
import { routeStore, type RouteReason } from './routing.js';

export interface RoutedForecast extends QuantileForecast {
  modelKind: string;
  route: RouteReason;
}

export interface UnifiedPredictInput {
  /** Store series whose `future` covariates extend at least `horizon` days past `sales`. */
  series: readonly StoreSeries[];
  /** Days ahead; defaults to the bundle's horizon and may not exceed it. */
  horizon?: number;
}

export class UnifiedForecaster {
  constructor(
    readonly manifest: BundleManifest,
    readonly models: ReadonlyMap<string, Forecaster>,
    /** Directory the bundle was read from. */
    readonly dir: string,
  ) {}

  get horizon(): number {
    return this.manifest.horizon;
  }

  get context(): number {
    return this.manifest.context;
  }

  /** The model kind each store would use, without predicting. */
  routes(
    series: readonly Pick<StoreSeries, 'storeId' | 'sales'>[],
  ): Map<string, { kind: string; reason: RouteReason }> {
    return new Map(series.map((s) => [s.storeId, routeStore(this.manifest.routing, this.manifest.context, s)]));
  }

  async predict(input: UnifiedPredictInput): Promise<RoutedForecast[]> {
    const horizon = input.horizon ?? this.manifest.horizon;
    if (!Number.isInteger(horizon) || horizon < 1 || horizon > this.manifest.horizon) {
      throw new MlopsInputError(`horizon ${horizon}: this bundle forecasts 1..${this.manifest.horizon} days`);
    }
    const groups = new Map<string, { idx: number[]; series: StoreSeries[]; reasons: RouteReason[] }>();
    input.series.forEach((s, i) => {
      const r = routeStore(this.manifest.routing, this.manifest.context, s);
      let g = groups.get(r.kind);
      if (!g) groups.set(r.kind, (g = { idx: [], series: [], reasons: [] }));
      g.idx.push(i);
      g.series.push(s);
      g.reasons.push(r.reason);
    });
    const out = new Array<RoutedForecast | undefined>(input.series.length);
    for (const [kind, g] of groups) {
      const model = this.models.get(kind);
      if (!model)
        throw new MlopsInputError(`${this.dir}: routing names model kind "${kind}" but the bundle did not load it`);
      const raw = await model.predict(g.series, horizon);
      // The backtest's conformal offsets for this kind turn its raw p10/p90 into calibrated ones.
      const cal = this.manifest.calibration?.[kind];
      // Offsets per day class read each forecast day's class from the store's known-future window.
      const seriesOf = new Map(g.series.map((s) => [s.storeId, s]));
      const calibrate = (f: QuantileForecast) => calibrateStoreForecast(cal!, f, seriesOf.get(f.storeId)!);
      const forecasts = cal ? raw.map(calibrate) : raw;
      // Models return one forecast per store; match by id, not position, in case a model reorders.
      const byStore = new Map(forecasts.map((f) => [f.storeId, f]));
      g.idx.forEach((at, j) => {
        const storeId = g.series[j]!.storeId;
        const f = byStore.get(storeId);
        if (!f) throw new MlopsInputError(`model "${kind}" returned no forecast for store ${storeId}`);
        out[at] = { ...f, modelKind: kind, route: g.reasons[j]! };
      });
    }
    return out as RoutedForecast[];
  }
}
