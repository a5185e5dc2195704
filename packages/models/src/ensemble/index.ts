export { EnsembleForecaster, ensembleFactory, ENSEMBLE_KIND } from './forecaster.js';
export * from './weights.js';
