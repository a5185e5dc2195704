// @cvc/mlops: experiment tracking (MLflow REST or local Delta tables), the bundle format behind the
// UnifiedForecaster, and the model registry (local directories or the MLflow Model Registry).
export * from './errors.js';
export * from './bundle/manifest.js';
export { configHash } from './bundle/config-hash.js';
export { cvcVersion } from './bundle/version.js';
export { writeBundle, type WriteBundleInput } from './bundle/write.js';
export { readBundle, readManifest, verifyBundle, type FactorySet } from './bundle/read.js';
export { exportBundle, importBundle, type ImportOptions } from './bundle/archive.js';
export { UnifiedForecaster, type RoutedForecast, type UnifiedPredictInput } from './bundle/unified.js';
export { routeStore, historyDays, type Route, type RouteReason } from './bundle/routing.js';
