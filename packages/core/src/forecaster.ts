// The one contract every model meets (baselines, LightGBM, N-BEATS, TFT): fit on many store series,
// predict p10/p50/p90 for a horizon from each store's context, save to and load from a directory.
// Walk-forward validation, training and inference are written once against it.
import { InputError } from './errors.js';

/**
 * One store's daily history, day 0 = `start`. Arrays are aligned by day index.
 * - `sales`: the target, length T; NaN where the value is unknown (missing day).
 * - `past`: covariates observed only up to the last day (e.g. number of sales), length T.
 * - `future`: covariates known in advance (calendar, holidays, promotions, is_open), length T when
 *   fitting (at least: a fold may pass its forecast window too, which a model must not treat as
 *   history) and at least T + horizon when predicting: the extra days are the forecast window.
 * - `statics`: categorical facts about the store (format, state, configured category statics).
 * - `numericStatics`: numeric facts about the store (configured number statics, e.g. size_m2).
 */
export interface StoreSeries {
  storeId: string;
  start: string; // ISO date (YYYY-MM-DD) of index 0
  sales: Float64Array;
  past: Record<string, Float64Array>;
  future: Record<string, Float64Array>;
  statics: Record<string, string>;
  numericStatics?: Record<string, number>;
}

/** A forecast for one store: horizon values per quantile, day 0 = the day after the last observed day. */
export interface QuantileForecast {
  storeId: string;
  start: string; // ISO date of the first forecast day
  p10: Float64Array;
  p50: Float64Array;
  p90: Float64Array;
}

export interface FitContext {
  horizon: number; // days ahead the model must be able to forecast
  contextLength: number; // days of history the model looks at
  seed: number;
  /** Optional model fitted earlier (same kind) to fine-tune from instead of starting from zero. */
  warmStart?: Forecaster;
  /** Wall-clock budget in seconds for iterative training; models stop early when it runs out. */
  timeBudgetSec?: number;
  signal?: AbortSignal;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Progress inside a long fit (epochs of a neural model, boosting rounds of LightGBM), for progress lines. */
  onProgress?: (p: FitProgress) => void;
}

export interface FitProgress {
  done: number;
  total: number;
  unit: 'epochs' | 'rounds';
}

export interface FitReport {
  seconds: number;
  /** Free-form numbers worth tracking (epochs, rounds, validation loss, samples/s). */
  metrics: Record<string, number>;
  /** Per-epoch figures (e.g. train_loss, val_loss), index = epoch - 1; tracked as metric history. */
  history?: Record<string, number[]>;
  /** Why training stopped: max_epochs, patience (early stopping), time_budget or abort. */
  stopReason?: string;
}

export interface Forecaster {
  /** Model kind, e.g. "seasonal_naive", "lgbm", "nbeats", "tft". */
  readonly kind: string;
  /** Hyperparameters as plain data, logged by tracking and stored in the bundle. */
  readonly params: Record<string, unknown>;
  fit(series: readonly StoreSeries[], ctx: FitContext): Promise<FitReport>;
  /**
   * Forecast `horizon` days after the last observed day of each series. Each series' `future`
   * arrays must extend at least `horizon` days past its `sales`.
   */
  predict(series: readonly StoreSeries[], horizon: number): Promise<QuantileForecast[]>;
  /** Writes everything needed to predict again into `dir` (created if absent). */
  save(dir: string): Promise<void>;
}

/** How a model kind is built from params and reloaded from a saved directory. */
export interface ForecasterFactory {
  readonly kind: string;
  create(params: Record<string, unknown>): Forecaster;
  load(dir: string): Promise<Forecaster>;
}

/**
 * Thrown for input a model cannot use (a parameter, a shape or feature mismatch, a saved model of another
 * kind): bad input, exit 2.
 */
export class ForecastInputError extends InputError {
  override readonly name = 'ForecastInputError';
}
