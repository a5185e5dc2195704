// The interval rule the backtest validated, for the final model. A backtest's calibration offsets are
// measured in half-widths of its folds' raw intervals; the final fit derives its raw quantiles from the
// most recent validation origins, which for a bundle trained at the end of December hold Black Friday
// and Christmas (default demo: lgbm's raw p90 at horizon 1 is p50 + 0.99 x level against + 0.15 to 0.3 in
// the folds), so the same offsets on the wider raw interval widened it twice. Train measures the final
// model's raw widths on the backtest's own windows (its forecasts from the folds' cutoffs) and stores,
// per horizon day, the factor that brings them to the folds' pooled median widths, the reference the
// backtest learned the bundle's offsets at (backtest post.ts); infer applies it before the offsets.
import {
  ForecastInputError,
  rawHalfWidths,
  seriesAsOf,
  widthScaleFor,
  type Forecaster,
  type IntervalCalibration,
  type QuantileForecast,
  type StoreSeries,
} from '@cvc/core';
import { scanSql, tableExists } from '@cvc/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';

/** One model's out-of-fold raw forecasts of a backtest run, and the cutoffs (with the gap) they start after. */
export interface BacktestRawForecasts {
  forecasts: { storeId: string; cutoff: string; p10: Float64Array; p50: Float64Array; p90: Float64Array }[];
  /** Cutoff -> days between it and the first scored day (the backtest's gap). */
  gaps: Map<string, number>;
}

/** Per model, the raw (uncalibrated) forecasts the backtest run wrote; empty when it wrote none. */
export async function readBacktestRawForecasts(
  conn: DuckDBConnection,
  table: string,
  runId: string,
): Promise<Map<string, BacktestRawForecasts>> {
  const out = new Map<string, BacktestRawForecasts>();
  if (!(await tableExists(table))) return out;
  const scan = await scanSql(conn, table, { filters: { run_id: runId } });
  const rows = (
    await conn.runAndReadAll(
      `SELECT model, cutoff::VARCHAR AS cutoff, store_id,
         (min(forecast_date) - cutoff::DATE - 1)::INTEGER AS gap,
         list(p10 ORDER BY horizon_day) AS p10, list(p50 ORDER BY horizon_day) AS p50,
         list(p90 ORDER BY horizon_day) AS p90
       FROM ${scan} t WHERE run_id = $1 GROUP BY model, cutoff, store_id ORDER BY model, cutoff, store_id`,
      [runId],
    )
  ).getRowObjectsJS();
  const arr = (v: unknown) => Float64Array.from(v as (number | null)[], (x) => (x === null ? Number.NaN : x));
  for (const r of rows) {
    const model = String(r['model']);
    const m = out.get(model) ?? { forecasts: [], gaps: new Map<string, number>() };
    out.set(model, m);
    const cutoff = String(r['cutoff']);
    m.gaps.set(cutoff, Number(r['gap']));
    m.forecasts.push({
      storeId: String(r['store_id']),
      cutoff,
      p10: arr(r['p10']),
      p50: arr(r['p50']),
      p90: arr(r['p90']),
    });
  }
  return out;
}

/**
 * The final model's raw forecasts from each backtest cutoff, for the stores the backtest forecast there,
 * starting on the same day as the backtest's (after its gap). Null when the model cannot forecast from
 * some cutoff (a store with too little history then): the calibration is then stored unanchored.
 */
export async function finalRawForecasts(
  model: Forecaster,
  series: readonly StoreSeries[],
  horizon: number,
  backtest: BacktestRawForecasts,
): Promise<QuantileForecast[] | null> {
  const out: QuantileForecast[] = [];
  for (const [cutoff, gap] of backtest.gaps) {
    const stores = new Set(backtest.forecasts.filter((f) => f.cutoff === cutoff).map((f) => f.storeId));
    const cut = series
      .filter((s) => stores.has(s.storeId))
      .map((s) => seriesAsOf(s, cutoff, gap + horizon))
      .filter((s): s is StoreSeries => s !== null && s.sales.length > 0);
    if (cut.length === 0) continue;
    let raw: QuantileForecast[];
    try {
      raw = await model.predict(cut, gap + horizon);
    } catch (err) {
      if (err instanceof ForecastInputError) return null;
      throw err;
    }
    for (const f of raw) out.push({ ...f, p10: f.p10.slice(gap), p50: f.p50.slice(gap), p90: f.p90.slice(gap) });
  }
  return out.length > 0 ? out : null;
}

/** The calibration with the width rule that maps `served` raw widths onto the backtest's. */
export function anchoredCalibration(
  cal: IntervalCalibration,
  backtest: BacktestRawForecasts,
  served: readonly QuantileForecast[],
): IntervalCalibration {
  return { ...cal, widthScale: widthScaleFor(rawHalfWidths(backtest.forecasts), rawHalfWidths(served)) };
}
