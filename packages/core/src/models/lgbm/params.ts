// Hyperparameters of the LightGBM forecaster as plain data, with their defaults in one place.
// They are logged by tracking and stored next to the model by save().
import { ForecastInputError } from '../../forecaster.js';

export interface LgbmParams {
  /**
   * Direct multi-horizon strategy: one model with the horizon step as a feature, or one model per
   * step. Both were measured (bench/lgbm-strategy.ts); horizon_feature is the default.
   */
  strategy: 'horizon_feature' | 'per_horizon';
  /** Weekly (originStep) forecast origins per store that training rows are cut from. */
  numOrigins: number;
  originStep: number;
  /** Most recent origins held out for early stopping and the conformal quantiles. */
  validationOrigins: number;
  /** Retrain on all origins with the early-stopped round count (the held-out model calibrates only). */
  refit: boolean;
  /** Days of recent history that define a store's level (target and lags are divided by it). */
  levelWindow: number;
  /** LightGBM objective on the level-scaled target. */
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
}

export const DEFAULT_LGBM_PARAMS: LgbmParams = {
  strategy: 'horizon_feature',
  numOrigins: 52,
  originStep: 7,
  validationOrigins: 4,
  refit: true,
  levelWindow: 28,
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
  if (!['l2', 'l1', 'huber'].includes(p.objective)) throw new ForecastInputError(`lgbm: unknown objective ${p.objective}`);
  if (p.numOrigins < 2 || p.validationOrigins < 1 || p.validationOrigins >= p.numOrigins) {
    throw new ForecastInputError('lgbm: need numOrigins >= 2 and 1 <= validationOrigins < numOrigins');
  }
  return p;
}
