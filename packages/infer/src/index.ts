export { runInfer, type InferOptions, type InferResult, type SkippedStore } from './infer.js';
export { acquireLock, type Lock } from './lock.js';
export { writeForecastRows, FORECAST_COLUMNS } from './output.js';
