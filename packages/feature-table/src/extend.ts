// Appends the forecast window's known-future covariates to each series: the models read `future`
// up to T + horizon when predicting, and these values come from the same function ingest used.
import { FUTURE_COVARIATES, addDays, formatIsoDay, parseIsoDay, type StoreSeries } from '@cvc/core';
import { storeKnownFuture, type KnownFutureInputs } from './known-future-inputs.js';

/**
 * New series whose `future` arrays are extended by `horizon` days past the last day of `sales`
 * (sales and past arrays untouched). Arrays already longer than the history are cut back first, so
 * calling it twice does not stack windows.
 */
export function extendWithFuture(series: readonly StoreSeries[], horizon: number, inputs: KnownFutureInputs): StoreSeries[] {
  return series.map((s) => {
    const t = s.sales.length;
    const windowStart = formatIsoDay(addDays(parseIsoDay(s.start), t));
    const window = storeKnownFuture(inputs, s.storeId, windowStart, horizon);
    const future: Record<string, Float64Array> = { ...s.future };
    for (const c of FUTURE_COVARIATES) {
      const out = new Float64Array(t + horizon);
      const have = s.future[c];
      if (have) out.set(have.subarray(0, t));
      out.set(window[c], t);
      future[c] = out;
    }
    return { ...s, future };
  });
}
