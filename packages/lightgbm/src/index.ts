// @cvc/lightgbm: LightGBM 4.1 (C++) in Node through a Node-API addon. Knows nothing about forecasting.
export { Dataset, type DatasetOptions } from './dataset.js';
export { Booster, type EvalResult, type PredictKind, type PredictOptions } from './booster.js';
export { train, type TrainOptions, type TrainResult } from './train.js';
export { LightGBMError, ModelFileError } from './errors.js';
export { checkModelText, ModelTextError } from './model-text.js';
export { setLogger, type LightGBMLogger, type LogLevel } from './log.js';
export { formatParams, knownParams, type Params, type ParamValue } from './params.js';
export { liveHandles } from './handles.js';
