// TFT hyperparameters with defaults. Darts' TFTModel is the reference (hidden 16, 4 heads, 1 LSTM
// layer, dropout 0.1); differences are noted next to each field.
import type { TrainConfig } from '../tf/train.js';
import { ForecastInputError } from '@cvc/core';

export interface TftParams extends TrainConfig {
  /** Width of every hidden state (Darts hidden_size: 16). Also the per-variable embedding width. */
  hiddenSize: number;
  /** Attention heads (Darts: 4); hiddenSize must divide by it. */
  numHeads: number;
  dropout: number;
  /**
   * 1 = a GRN on each variable's embedding inside the variable selection networks (the paper; one
   * GRN shared across variables here), 0 = select the raw embeddings. Off by default: it multiplies
   * the cost of the input layers by the number of variables (about 20) on a 2-core CPU.
   */
  perVariableGrn: number;
  /**
   * Days the encoder reads (0 = the whole context). The LSTM and attention run over encoder +
   * horizon days, so this sets most of the cost per window; six weeks hold the weekly pattern.
   */
  encoderDays: number;
  /** 1 = the network learns a correction to the 4-week weekday mean (added to every quantile); 0 = all of it. */
  baselineSkip: number;
  /** Days of history for the per-window level used to scale sales (and n_sales). */
  scaleLookback: number;
  /**
   * Closure-aware known-future inputs from is_open (days since the store last closed, days until its
   * next planned closure, closed days just before): off by default (see the models README).
   */
  closureFeatures: number;
  /** Shortest history a training window may have; shorter encoder inputs are padded and flagged. */
  minContext: number;
  fineTuneEpochs: number;
  fineTuneLearningRate: number;
}

export const TFT_DEFAULTS: TftParams = {
  hiddenSize: 16,
  numHeads: 4,
  dropout: 0.1,
  perVariableGrn: 0,
  encoderDays: 42,
  baselineSkip: 1,
  scaleLookback: 28,
  closureFeatures: 0,
  minContext: 35,
  // The training budget is in samples (epochs x windowsPerEpoch), so a fit is the same whatever the
  // machine's load; sized so the default demo (150 stores x 4 folds) fits in minutes on 2 cores.
  epochs: 12,
  windowsPerEpoch: 2048,
  batchSize: 128,
  learningRate: 3e-3,
  minLrFraction: 0.05,
  warmupSteps: 20,
  patience: 4,
  fineTuneEpochs: 4,
  fineTuneLearningRate: 1e-3,
};

export const TFT_QUANTILES = [0.1, 0.5, 0.9] as const;

export function resolveTftParams(params: Record<string, unknown>): TftParams {
  const out: Record<string, unknown> = { ...TFT_DEFAULTS };
  for (const [k, v] of Object.entries(params)) {
    if (!(k in TFT_DEFAULTS)) throw new ForecastInputError(`tft: unknown parameter "${k}"`);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ForecastInputError(`tft: parameter "${k}" must be a number, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  const p = out as unknown as TftParams;
  if (p.hiddenSize % p.numHeads !== 0)
    throw new ForecastInputError(`tft: hiddenSize ${p.hiddenSize} must be divisible by numHeads ${p.numHeads}`);
  return p;
}
