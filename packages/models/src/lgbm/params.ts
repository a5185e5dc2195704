// Hyperparameters of the LightGBM forecaster as plain data, with their defaults in one place.
// They are logged by tracking and stored next to the model by save().
import { ForecastInputError } from '@cvc/core';

export interface LgbmParams {
  /**
   * Direct multi-horizon strategy: one model with the horizon step as a feature, or one model per
   * step. Measured (bench/lgbm-strategy.ts, 30 synthetic stores, 3 folds): WAPE 0.0754 vs 0.0909
   * and 2-3x less fit time for horizon_feature, the default.
   */
  strategy: 'horizon_feature' | 'per_horizon';
  /** Weekly (originStep) forecast origins per store that training rows are cut from. */
  numOrigins: number;
  originStep: number;
  /** Most recent origins held out for early stopping and the conformal quantiles. */
  validationOrigins: number;
  /**
   * Retrain on all origins (held-out ones included) with the early-stopped round count, so the
   * model sees the latest weeks. Measured WAPE with/without: 0.080/0.091 (24 stores, 40 origins,
   * core test) and 0.0754/0.0757 (30 stores, 52 origins, bench); costs about twice the fit time.
   */
  refit: boolean;
  /** Days of recent history that define a store's level (target and lags are divided by it). */
  levelWindow: number;
  /**
   * Target the model learns: sales over the store's level ('ratio'), or log1p of that ratio
   * ('log1p_ratio', which damps outliers and promotion spikes).
   */
  target: 'ratio' | 'log1p_ratio';
  /** LightGBM objective on the (transformed) level-scaled target. */
  objective: 'l2' | 'l1' | 'huber';
  numLeaves: number;
  learningRate: number;
  numBoostRound: number;
  earlyStoppingRounds: number;
  minDataInLeaf: number;
  featureFraction: number;
  baggingFraction: number;
  lambdaL2: number;
  maxBin: number;
  numThreads: number;
  /** Horizon steps pooled either side of h when taking residual quantiles (more samples per h). */
  conformalPool: number;
  /**
   * Closure-aware columns: days since the store last closed, until it next closes (planned), closed
   * days just before the target day. Measured with bench/accuracy.ts (lgbm WAPE with/without): 40
   * stores x 3 folds 0.2006/0.2012, default demo (150 x 4) 0.1768/0.1747, so off by default.
   */
  closureFeatures: boolean;
}

export const DEFAULT_LGBM_PARAMS: LgbmParams = {
  strategy: 'horizon_feature',
  numOrigins: 52,
  originStep: 7,
  validationOrigins: 4,
  refit: true,
  levelWindow: 28,
  target: 'ratio',
  objective: 'l2',
  numLeaves: 63,
  learningRate: 0.1,
  numBoostRound: 500,
  earlyStoppingRounds: 30,
  minDataInLeaf: 40,
  featureFraction: 0.8,
  baggingFraction: 0.8,
  lambdaL2: 1,
  maxBin: 255,
  numThreads: 2,
  conformalPool: 2,
  closureFeatures: false,
};

/** Fills defaults and rejects unknown names or values of the wrong type. */
export function resolveParams(raw: Record<string, unknown>): LgbmParams {
  const out: Record<string, unknown> = { ...DEFAULT_LGBM_PARAMS };
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in DEFAULT_LGBM_PARAMS)) throw new ForecastInputError(`lgbm: unknown parameter "${key}"`);
    const expected = typeof DEFAULT_LGBM_PARAMS[key as keyof LgbmParams];
    if (typeof value !== expected) throw new ForecastInputError(`lgbm: parameter "${key}" must be a ${expected}`);
    out[key] = value;
  }
  const p = out as unknown as LgbmParams;
  if (p.strategy !== 'horizon_feature' && p.strategy !== 'per_horizon') {
    throw new ForecastInputError(`lgbm: strategy must be horizon_feature or per_horizon, got ${String(p.strategy)}`);
  }
  if (p.target !== 'ratio' && p.target !== 'log1p_ratio')
    throw new ForecastInputError(`lgbm: unknown target ${p.target}`);
  if (!['l2', 'l1', 'huber'].includes(p.objective))
    throw new ForecastInputError(`lgbm: unknown objective ${p.objective}`);
  if (p.numOrigins < 2 || p.validationOrigins < 1 || p.validationOrigins >= p.numOrigins) {
    throw new ForecastInputError('lgbm: need numOrigins >= 2 and 1 <= validationOrigins < numOrigins');
  }
  return p;
}
