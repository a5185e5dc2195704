// N-BEATS forecaster (generic and interpretable stacks) on TensorFlow.js.
export { NBeatsForecaster, nbeatsFactory } from './forecaster.js';
export { NBEATS_DEFAULTS, resolveNBeatsParams, type NBeatsParams } from './config.js';
