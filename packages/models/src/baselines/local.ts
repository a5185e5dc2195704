// The frame shared by per-store baselines: no global fit, one point forecast per store from its own
// history, closed days forced to zero, and a p10-p90 band from the method's own recent errors
// (re-forecasting from a few earlier origins of the same store), so every baseline gets quantiles the
// same honest way.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  addDays,
  formatIsoDay,
  parseIsoDay,
  ForecastInputError,
  type FitReport,
  type Forecaster,
  type ForecasterFactory,
  type QuantileForecast,
  type StoreSeries,
} from '@cvc/core';

/** Point forecast of `horizon` days after index `end` (exclusive) of `sales`, NaN-aware. */
export type PointMethod = (
  sales: Float64Array,
  end: number,
  horizon: number,
  params: Record<string, unknown>,
) => Float64Array;

export const ERROR_ORIGINS = 8; // earlier origins, a week apart, used to measure a store's own errors
export const LEVEL_DAYS = 28;

function recentLevel(sales: Float64Array, end: number): number {
  let sum = 0;
  let n = 0;
  for (let i = Math.max(0, end - LEVEL_DAYS); i < end; i++) {
    const v = sales[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? Math.max(sum / n, 1) : 1;
}

function quantileOf(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** 10% and 90% quantiles of level-scaled errors of the method over the store's recent past. */
function relativeErrorBand(
  sales: Float64Array,
  isOpen: Float64Array | undefined,
  horizon: number,
  method: PointMethod,
  params: Record<string, unknown>,
): [number, number] {
  const errors: number[] = [];
  for (let k = 1; k <= ERROR_ORIGINS; k++) {
    const origin = sales.length - horizon - 7 * (k - 1);
    if (origin < 14) break;
    const f = method(sales, origin, horizon, params);
    const level = recentLevel(sales, origin);
    for (let h = 0; h < horizon; h++) {
      const y = sales[origin + h]!;
      if (!Number.isFinite(y) || !Number.isFinite(f[h]!) || (isOpen && isOpen[origin + h]! <= 0)) continue;
      errors.push((y - f[h]!) / level);
    }
  }
  errors.sort((a, b) => a - b);
  return [quantileOf(errors, 0.1), quantileOf(errors, 0.9)];
}

export function predictLocal(
  s: StoreSeries,
  horizon: number,
  method: PointMethod,
  params: Record<string, unknown>,
): QuantileForecast {
  const T = s.sales.length;
  const isOpen = s.future['is_open'];
  if (isOpen && isOpen.length < T + horizon) {
    throw new ForecastInputError(
      `store ${s.storeId}: future covariates cover ${isOpen.length - T} days past the history, ${horizon} needed`,
    );
  }
  const p50 = method(s.sales, T, horizon, params);
  const [lo, hi] = relativeErrorBand(s.sales, isOpen, horizon, method, params);
  const level = recentLevel(s.sales, T);
  const p10 = new Float64Array(horizon);
  const p90 = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) {
    let m = Number.isFinite(p50[h]!) ? Math.max(0, p50[h]!) : 0;
    if (isOpen && isOpen[T + h]! <= 0) m = 0;
    p50[h] = m;
    p10[h] = m === 0 && isOpen && isOpen[T + h]! <= 0 ? 0 : Math.min(m, Math.max(0, m + lo * level));
    p90[h] = m === 0 && isOpen && isOpen[T + h]! <= 0 ? 0 : Math.max(m, m + hi * level);
  }
  return { storeId: s.storeId, start: formatIsoDay(addDays(parseIsoDay(s.start), T)), p10, p50, p90 };
}

export function localForecaster(kind: string, method: PointMethod, params: Record<string, unknown>): Forecaster {
  return {
    kind,
    params,
    async fit(): Promise<FitReport> {
      return { seconds: 0, metrics: {} };
    },
    async predict(series: readonly StoreSeries[], horizon: number): Promise<QuantileForecast[]> {
      return series.map((s) => predictLocal(s, horizon, method, params));
    },
    async save(dir: string): Promise<void> {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'params.json'), JSON.stringify({ kind, params }, null, 2));
    },
  };
}

export function localFactory(kind: string, method: PointMethod, defaults: Record<string, unknown>): ForecasterFactory {
  return {
    kind,
    create: (params) => localForecaster(kind, method, { ...defaults, ...params }),
    async load(dir) {
      const saved = JSON.parse(await readFile(join(dir, 'params.json'), 'utf8')) as {
        kind?: unknown;
        params?: unknown;
      };
      if (saved.kind !== kind || typeof saved.params !== 'object' || saved.params === null) {
        throw new ForecastInputError(`${join(dir, 'params.json')}: not a saved ${kind} model`);
      }
      return localForecaster(kind, method, saved.params as Record<string, unknown>);
    },
  };
}
