// Every model kind behind core's Forecaster contract, and the registry that finds them by name.
export * from './baselines/index.js';
export * from './registry.js';
export { NBEATS_DEFAULTS, type NBeatsParams } from './nbeats/config.js';
export { TFT_DEFAULTS, type TftParams } from './tft/config.js';
export { LgbmForecaster, lgbmFactory, DEFAULT_LGBM_PARAMS, type LgbmParams } from './lgbm/index.js';
export {
  EnsembleForecaster,
  ensembleFactory,
  ENSEMBLE_KIND,
  fitMinimaxCells,
  learnEnsembleWeights,
  mixForecasts,
  weightsFor,
} from './ensemble/index.js';
export type { EnsembleSample, EnsembleWeightOptions } from './ensemble/index.js';
export type { HistoryContext, ModelEntry } from './entry.js';
export { cvcConfigSchema, loadCvcConfig, parseCvcConfig } from './config.js';
export { paramsSchemaFrom } from './params-schema.js';
export { fitModels, type FitJob, type FitPoolOptions } from './fit-pool.js';
export {
  modelWorkerEnv,
  postableError,
  revivedError,
  runAtMost,
  runInWorker,
  type PostedError,
  type WorkerEnd,
} from './worker-pool.js';
