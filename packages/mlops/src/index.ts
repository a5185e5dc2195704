// @cvc/mlops: experiment tracking (MLflow REST or local Delta tables), the bundle format behind the
// UnifiedForecaster, and the model registry (local directories or the MLflow Model Registry).
export * from './errors.js';
export * from './bundle/manifest.js';
export { configHash } from './bundle/config-hash.js';
export { cvcVersion } from './bundle/version.js';
export { writeBundle, type WriteBundleInput } from './bundle/write.js';
export { readBundle, readManifest, verifyBundle, type FactorySet, type VerifyOptions } from './bundle/read.js';
export {
  mlflowModelFiles,
  MLMODEL_FILE,
  MLMODEL_CVC_FLAVOR_VERSION,
  SIGNATURE_INPUTS,
  SIGNATURE_OUTPUTS,
} from './bundle/pyfunc.js';
export { checkSignature, signBundle, SIGNATURE_FILE } from './bundle/signature.js';
export { exportBundle, importBundle, type ImportOptions } from './bundle/archive.js';
export { UnifiedForecaster, type RoutedForecast, type UnifiedPredictInput } from './bundle/unified.js';
export { routeStore, routeCounts, historyDays, type Route, type RouteReason } from './bundle/routing.js';
export * from './tracking/tracker.js';
export { failAbandonedRuns, ownerTags } from './tracking/abandoned.js';
export {
  openTracker,
  mlflowTarget,
  mlflowClientFor,
  type TrackingSettings,
  type MlflowTarget,
} from './tracking/open.js';
export { createLocalTracker } from './tracking/local/tracker.js';
export { listRuns, showRun, type RunSummary, type RunDetail, type ListRunsOptions } from './tracking/local/query.js';
export { listMlflowRuns, showMlflowRun } from './tracking/mlflow/query.js';
export { createMlflowClient, type MlflowClient, type MlflowClientOptions } from './tracking/mlflow/client.js';
export { createMlflowTracker, ensureExperiment, foldMetricKey } from './tracking/mlflow/tracker.js';
export { splitBatches, BATCH_LIMITS, type LogBatch } from './tracking/mlflow/batch.js';
export {
  uploadArtifacts,
  downloadArtifacts,
  listArtifacts,
  artifactStore,
  type ArtifactStore,
} from './tracking/mlflow/artifacts.js';
export * from './registry/registry.js';
export { decidePromotion, isValidAlias, type PromoteRule, type PromotionDecision } from './registry/promotion.js';
export {
  localRegistry,
  registerVersion,
  listVersions,
  showVersion,
  setAlias,
  promote,
  rollback,
  resolveVersion,
  type LocalRegistryOptions,
} from './registry/local/registry.js';
export { withLock, type LockOptions } from './registry/local/lock.js';
export {
  remoteRegistry,
  readRemoteState,
  commitRemoteState,
  compactRemoteState,
  CLAIM_WINDOW_MS,
  type RemoteRegistryOptions,
} from './registry/remote/registry.js';
export { mlflowRegistry, type MlflowRegistryOptions } from './registry/mlflow/registry.js';
export { openRegistry, type RegistrySettings } from './registry/open.js';
export { trackingSettings, registrySettings } from './settings.js';
export { loadFromRegistry } from './registry/load.js';
export {
  importanceFromModelText,
  lgbmFeatureImportance,
  importanceSvg,
  type FeatureImportance,
} from './bundle/importance.js';
