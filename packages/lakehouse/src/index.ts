// @cvc/lakehouse: Delta Lake tables written through DuckDB. See README.md for the API.

export { DeltaError, StorageAuthError, isDeltaError, type DeltaErrorCode } from './errors.js';
export type { ColumnDef, DeltaColumnType, SchemaField } from './schema.js';
export type { AddFile, FileStats, Metadata, Protocol, RemoveFile, DomainMetadata, CommitInfo } from './log/actions.js';
export { loadSnapshot, tableExists, type Snapshot, type ActiveFile, type TimeTravel } from './snapshot.js';
export { liveRecords } from './log/replay.js';
export type { DeletionVectorDescriptor } from './deletion-vectors/descriptor.js';
export { scanSql, createView, type ReadOptions } from './read/scan.js';
export type { Filters, FilterValue, RangeFilter, Scalar } from './read/skipping.js';
export type { CommitMetadata, CommitResult } from './transaction/commit.js';
export type { CommitOptions, WriteOptions } from './operations/context.js';
export { createTable, type CreateTableOptions } from './operations/create.js';
export { append, overwrite, replaceWhere } from './operations/write.js';
export { merge, type MergeOptions } from './operations/merge.js';
export { deleteWhere } from './operations/delete.js';
export { optimize, rowsForSize, DEFAULT_TARGET_FILE_SIZE_MB, type OptimizeOptions } from './operations/optimize.js';
export { vacuum, type VacuumOptions, type VacuumResult } from './operations/vacuum.js';
export { history, type HistoryEntry } from './operations/history.js';
export { setProperties, upgradeProtocol, checkpoint } from './operations/properties.js';
export { LocalStorage, storageFor } from './storage/local.js';
export type { Storage, FileInfo } from './storage/storage.js';
export { stageColumns, type StagedColumn } from './typed-columns.js';
