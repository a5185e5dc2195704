// @cvc/ingest: `cvc ingest` as a library. See README.md.
export { runIngest, type RunIngestOptions } from './run.js';
export type { IngestSummary, IngestProgress, IngestStage } from './summary.js';
export { SourceError, EmptySourceError, SourceUnavailableError, QuarantineError, IngestOptionError } from './errors.js';
export { SALES_REASONS, REFERENCE_REASONS, type QuarantineReason } from './quality/reasons.js';
export { openSource } from './sources/open.js';
export type { Source, SalesRange, StageResult } from './sources/source.js';
export {
  salesQuery,
  storesQuery,
  promotionsQuery,
  holidaysQuery,
  scheduleQuery,
  type BuiltQuery,
} from './sources/select.js';
export { quoteName } from './names.js';
export {
  MssqlSource,
  DuckDbBatchSink,
  connectMssql,
  type MssqlSourceOptions,
  type MssqlPoolLike,
  type MssqlConnect,
} from './sources/mssql/index.js';
export { mssqlConnectionConfig, SECRET_ENV } from './sources/mssql/connection.js';
export {
  withRetry,
  isTransientError,
  backoffDelay,
  RetriesExhausted,
  TRANSIENT_SQL_ERRORS,
  DEFAULT_RETRY,
  type RetryPolicy,
} from './sources/mssql/retry.js';
export { streamQuery, type StreamingRequest, type BatchSink } from './sources/mssql/stream.js';
export { stageKindOf, stageColumns, type StageKind } from './sources/mssql/types.js';
export { QUARANTINE_COLUMNS } from '@cvc/feature-table';
