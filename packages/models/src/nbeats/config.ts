// N-BEATS hyperparameters with defaults. Darts' NBEATSModel is the reference; sizes are smaller
// because training runs on a 2-core CPU (see the README section of the report for the reasons).
import type { TrainConfig } from '../tf/train.js';
import { ForecastInputError } from '@cvc/core';

export interface NBeatsParams extends TrainConfig {
  /** "generic" (learned bases) or "interpretable" (one trend stack + one seasonality stack). */
  architecture: 'generic' | 'interpretable';
  /** Generic stacks (Darts: 30). Interpretable always has 2 stacks. */
  numStacks: number;
  /** Blocks per stack (Darts: 1 generic; interpretable uses this for both stacks). */
  numBlocks: number;
  /** Fully connected layers per block (Darts: 4). */
  numLayers: number;
  /** Width of those layers (Darts: 256). */
  layerWidth: number;
  /** Size of the learned expansion coefficients in generic blocks (Darts: 5). */
  expansionCoefficientDim: number;
  /** Degree of the trend polynomial (Darts: 2). */
  trendPolynomialDegree: number;
  /**
   * true = N-BEATSx: known-future inputs (calendar, holidays, promotions, opening), past covariates
   * and store statics next to the sales; false = pure N-BEATS on sales only.
   */
  covariates: boolean;
  /** Width each day's known-future inputs are encoded to before they are flattened into a block's input. */
  covariateEncoderDim: number;
  /** The network learns a correction to the 4-week weekday mean (open days) instead of the whole forecast. */
  baselineSkip: boolean;
  /**
   * Known-future inputs also act multiplicatively (with `covariates`): a small network shared by all
   * days maps each day's inputs to a factor exp(g); the history is divided by it before the stacks
   * (and the weekday-mean skip) read it, and their forecast is multiplied by it. A promotion or a flag
   * that doubles a store's sales is a factor, whatever the store's level. false = the additive
   * exogenous block only (models saved before this switch load so).
   */
  multiplicativeCovariates: boolean;
  /** Hidden width of that per-day network. */
  dayEffectWidth: number;
  /** Width of the covariate encoding every block reads next to its residual sales. */
  covariateWidth: number;
  /** Days of history for the per-window level used to scale inputs and targets. */
  scaleLookback: number;
  /**
   * Closure-aware known-future inputs from is_open (days since the store last closed, days until its
   * next planned closure, closed days just before): off by default (see the models README).
   */
  closureFeatures: boolean;
  /** Shortest history (days) a training window may have; shorter contexts are padded. */
  minContext: number;
  /** Fine-tuning when warm-started: epochs and learning rate. */
  fineTuneEpochs: number;
  fineTuneLearningRate: number;
  /** Neighbouring horizon days pooled when estimating the conformal residual quantiles. */
  conformalPoolDays: number;
}

export const NBEATS_DEFAULTS: NBeatsParams = {
  architecture: 'generic',
  numStacks: 6,
  numBlocks: 1,
  numLayers: 4,
  layerWidth: 128,
  expansionCoefficientDim: 5,
  trendPolynomialDegree: 2,
  covariates: true,
  covariateEncoderDim: 4,
  covariateWidth: 64,
  baselineSkip: true,
  multiplicativeCovariates: true,
  dayEffectWidth: 16,
  scaleLookback: 28,
  closureFeatures: false,
  minContext: 35,
  // The training budget is in samples (epochs x windowsPerEpoch), so a fit is the same whatever the
  // machine's load; sized so the default demo (150 stores x 4 folds) fits in minutes on 2 cores.
  epochs: 16,
  windowsPerEpoch: 4096,
  batchSize: 256,
  learningRate: 2e-3,
  minLrFraction: 0.05,
  warmupSteps: 20,
  patience: 4,
  fineTuneEpochs: 5,
  fineTuneLearningRate: 5e-4,
  conformalPoolDays: 3,
};

export function resolveNBeatsParams(params: Record<string, unknown>): NBeatsParams {
  const out: Record<string, unknown> = { ...NBEATS_DEFAULTS };
  for (const [k, v] of Object.entries(params)) {
    if (!(k in NBEATS_DEFAULTS)) throw new ForecastInputError(`nbeats: unknown parameter "${k}"`);
    const def = (NBEATS_DEFAULTS as unknown as Record<string, unknown>)[k];
    if (typeof v !== typeof def)
      throw new ForecastInputError(`nbeats: parameter "${k}" must be a ${typeof def}, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  const p = out as unknown as NBeatsParams;
  if (p.architecture !== 'generic' && p.architecture !== 'interpretable') {
    throw new ForecastInputError(`nbeats: architecture must be "generic" or "interpretable", got "${p.architecture}"`);
  }
  return p;
}
