// The LightGBM forecaster (kind "lgbm") and its factory.
export { LgbmForecaster, lgbmFactory, LGBM_KIND } from './forecaster.js';
export { DEFAULT_LGBM_PARAMS, resolveParams, type LgbmParams } from './params.js';
