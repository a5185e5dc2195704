// @cvc/monitor: forecast accuracy as actuals arrive (the forecast_accuracy table), rolling metrics held
// against the backtest's promise, and the alerts `cvc monitor` and `cvc daily` raise. See README.md.
export { runMonitor, type MonitorOptions, type MonitorResult } from './run.js';
export { updateAccuracy, type AccuracyUpdate } from './accuracy.js';
export {
  rollingMetrics,
  HORIZON_BUCKETS,
  type Accuracy,
  type RollingMetrics,
  type StoreBucketAccuracy,
  type DayAccuracy,
  type BucketName,
} from './metrics.js';
export {
  accuracyAlerts,
  binomialTail,
  lakeAlerts,
  promisedWape,
  type Alert,
  type AlertKind,
  type Baseline,
  type Thresholds,
  type LakeFacts,
  type Contributor,
} from './alerts.js';
export { ACCURACY_TABLE, ACCURACY_COLUMNS, ACCURACY_KEY, monitorTables, type MonitorTables } from './tables.js';
export { monitorSummary } from './summary.js';
export { postAlerts, redactUrl, type WebhookSettings, type WebhookOutcome, type AlertPayload } from './notify.js';
export { renderMonitorPage, writeMonitorPage, worstStores, type PageData, type StoreTrace } from './page.js';
