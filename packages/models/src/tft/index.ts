// Temporal Fusion Transformer forecaster on TensorFlow.js.
export { TftForecaster, tftFactory } from './forecaster.js';
export { TFT_DEFAULTS, TFT_QUANTILES, resolveTftParams, type TftParams } from './config.js';
