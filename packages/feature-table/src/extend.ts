// Appends the forecast window's known-future covariates to each series: the models read `future`
// up to T + horizon when predicting, and these values come from the same function ingest used.
// `futureWindow` is the one place a forecast window is built: infer extends its series with it and
// the backtest replaces each fold's window with it, so a fold sees exactly what infer will see.
import {
  FUTURE_COVARIATES,
  addDays,
  formatIsoDay,
  parseIsoDay,
  plannedOpen,
  type KnownFutureColumns,
  type StoreSeries,
} from '@cvc/core';
import { MissingFutureValueError } from './errors.js';
import { futureValueKey } from './future-values.js';
import { storeKnownFuture, type KnownFutureInputs } from './known-future-inputs.js';

/**
 * The known-future covariates of the `days` days after the last day of `s.sales`. is_open is planned,
 * not observed: the store's planned schedule where the source has one, else the holidays it closed on
 * last year and its weekly pattern over the last weeks of history (plannedOpen); the store master's
 * opening and closing dates still apply.
 */
export function futureWindow(inputs: KnownFutureInputs, s: StoreSeries, days: number): KnownFutureColumns {
  const t = s.sales.length;
  const windowStart = formatIsoDay(addDays(parseIsoDay(s.start), t));
  const history = s.future['is_open']?.subarray(0, t) ?? new Float64Array(0);
  const schedule = inputs.schedules?.get(s.storeId);
  const store = inputs.stores.get(s.storeId);
  const open = plannedOpen({
    start: s.start,
    history,
    from: windowStart,
    days,
    ...(schedule ? { schedule } : {}),
    ...(store ? { place: { state: store.state, city: store.city ?? null } } : {}),
    regional: inputs.regionalHolidays,
  });
  return storeKnownFuture(inputs, s.storeId, windowStart, days, open);
}

/**
 * The configured future columns (source.columns.future) over the `days` days after the last day of
 * `s.sales`, from `inputs.futureValues`. A missing value fails (exit 2) naming the column, store and
 * day: a forecast must not guess a covariate that is known ahead by definition.
 */
export function userFutureWindow(
  inputs: KnownFutureInputs,
  s: StoreSeries,
  days: number,
): Record<string, Float64Array> {
  const known = new Set<string>(FUTURE_COVARIATES);
  const columns = Object.keys(s.future).filter((c) => !known.has(c));
  const out: Record<string, Float64Array> = {};
  if (columns.length === 0) return out;
  const first = addDays(parseIsoDay(s.start), s.sales.length);
  const dates = Array.from({ length: days }, (_, i) => formatIsoDay(addDays(first, i)));
  for (const c of columns) {
    const w = new Float64Array(days);
    for (let i = 0; i < days; i++) {
      const v = inputs.futureValues?.values.get(futureValueKey(s.storeId, dates[i]!, c));
      if (v === undefined) throw new MissingFutureValueError(c, s.storeId, dates[i]!);
      w[i] = v;
    }
    out[c] = w;
  }
  return out;
}

/**
 * New series whose `future` arrays are extended by `horizon` days past the last day of `sales`
 * (sales and past arrays untouched). Arrays already longer than the history are cut back first, so
 * calling it twice does not stack windows. Configured future columns read `inputs.futureValues`.
 */
export function extendWithFuture(
  series: readonly StoreSeries[],
  horizon: number,
  inputs: KnownFutureInputs,
): StoreSeries[] {
  return series.map((s) => {
    const t = s.sales.length;
    const window: Record<string, Float64Array> = {
      ...futureWindow(inputs, s, horizon),
      ...userFutureWindow(inputs, s, horizon),
    };
    const future: Record<string, Float64Array> = { ...s.future };
    for (const c of Object.keys(window)) {
      const out = new Float64Array(t + horizon);
      const have = s.future[c];
      if (have) out.set(have.subarray(0, t));
      out.set(window[c]!, t);
      future[c] = out;
    }
    return { ...s, future };
  });
}
