// Checks shared by the tf models before they touch tensors, so bad input fails with a message that
// names the store and the feature instead of a shape error deep inside TensorFlow.js.
import { ForecastInputError, type StoreSeries } from '@cvc/core';

export function checkHorizon(kind: string, horizon: number, trained: number): void {
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new ForecastInputError(`${kind}: horizon must be a positive integer, got ${horizon}`);
  }
  if (horizon > trained) {
    throw new ForecastInputError(`${kind}: asked for ${horizon} days but the model was trained for ${trained}`);
  }
}

/** Every series must have the named future covariates, each at least `sales.length + horizon` long. */
export function checkFuture(
  kind: string,
  series: readonly StoreSeries[],
  names: readonly string[],
  horizon: number,
): void {
  for (const s of series) {
    const T = s.sales.length;
    if (T === 0) throw new ForecastInputError(`${kind}: store ${s.storeId} has no sales history`);
    for (const name of names) {
      const arr = s.future[name];
      if (!arr) {
        throw new ForecastInputError(
          `${kind}: store ${s.storeId} lacks future covariate "${name}" the model was trained with`,
        );
      }
      if (arr.length < T + horizon) {
        throw new ForecastInputError(
          `${kind}: store ${s.storeId} future covariate "${name}" has ${arr.length} days; needs ${T + horizon} ` +
            `(history ${T} + horizon ${horizon})`,
        );
      }
    }
  }
}

export function checkPast(kind: string, series: readonly StoreSeries[], names: readonly string[]): void {
  for (const s of series) {
    for (const name of names) {
      const arr = s.past[name];
      if (!arr)
        throw new ForecastInputError(
          `${kind}: store ${s.storeId} lacks past covariate "${name}" the model was trained with`,
        );
      if (arr.length !== s.sales.length) {
        throw new ForecastInputError(
          `${kind}: store ${s.storeId} past covariate "${name}" has ${arr.length} days but sales has ${s.sales.length}`,
        );
      }
    }
  }
}

export function checkStatics(kind: string, series: readonly StoreSeries[], names: readonly string[]): void {
  for (const s of series) {
    for (const name of names) {
      if (typeof s.statics[name] !== 'string') {
        throw new ForecastInputError(
          `${kind}: store ${s.storeId} lacks static covariate "${name}" the model was trained with`,
        );
      }
    }
  }
}

/** Sorts each day's three quantiles so p10 <= p50 <= p90 and clamps them at zero. */
export function orderQuantiles(p10: Float64Array, p50: Float64Array, p90: Float64Array): void {
  for (let h = 0; h < p50.length; h++) {
    const a = Math.max(0, p10[h]!);
    const b = Math.max(0, p50[h]!);
    const c = Math.max(0, p90[h]!);
    p10[h] = Math.min(a, b, c);
    p90[h] = Math.max(a, b, c);
    p50[h] = a + b + c - p10[h]! - p90[h]!;
  }
}
