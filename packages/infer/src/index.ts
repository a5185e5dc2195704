export { runInfer, type InferOptions, type InferResult, type SkippedStore } from './infer.js';
export { acquireLock, inferLockPath } from './lock.js';
export { writeForecastRows, FORECAST_COLUMNS } from './output.js';
export { resolveBundle, sweepBundleTemps, type BundleRef } from './bundle-ref.js';
export { storeForecastView, textChart, svgChart, type StoreForecastView } from './show.js';
export { weeklyRatios, weeklyTotals, MIN_WEEKLY_SAMPLES, type WeekRow, type WeeklyRatio } from './weekly.js';
export { inferSeries } from './infer.js';
export {
  predictRows,
  parsePredictRequests,
  type PredictRequest,
  type PredictedRow,
  type PredictSkip,
} from './predict.js';
