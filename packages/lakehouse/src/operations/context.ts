// What every operation starts from: the latest snapshot, checked writable, and the options all
// commits share (caller lineage, table properties, retries).

import type { DuckDBConnection } from '@duckdb/node-api';
import type { Action, AddFile, Metadata } from '../log/actions.js';
import { loadSnapshotFrom, type Snapshot } from '../snapshot.js';
import { storageFor } from '../storage/local.js';
import type { Storage } from '../storage/storage.js';
import { checkpointInterval } from '../transaction/checkpoint-policy.js';
import type { CommitMetadata, CommitResult, PreparedCommit } from '../transaction/commit.js';
import { assertPropertiesSupported, assertWritable, protocolUpgrade } from '../transaction/protocol.js';
import { indexedColumnCount } from '../files/stats.js';
import { CLUSTERING_PROVIDER } from '../files/cluster-order.js';
import { writeStaged } from '../files/parquet.js';
import type { Staged } from '../files/stage-rows.js';

export interface CommitOptions {
  /** Caller lineage stored as commitInfo.userMetadata (JSON), returned by history(). */
  metadata?: CommitMetadata;
  /** Table properties merged into the configuration in the same commit. */
  properties?: Record<string, string>;
  /** Retries after non-conflicting concurrent commits (default 20). */
  maxRetries?: number;
  /**
   * Idempotent write (Delta app transaction): committed with a `txn` action; when the table already
   * holds this appId at this version or later, the operation does nothing and returns `skipped: true`.
   */
  txn?: AppTransaction;
  /** Runs once after planning, before the first commit attempt (tests put a concurrent writer's commit here). */
  beforeCommit?: () => Promise<void>;
}

export interface AppTransaction {
  appId: string;
  version: number;
}

export interface WriteOptions extends CommitOptions {
  /** Split large writes into files of at most this many rows (default 1,000,000). */
  maxRowsPerFile?: number;
}

export interface WriteContext {
  table: string;
  storage: Storage;
  snapshot: Snapshot;
  indexedColumns: number;
  checkpointInterval: number;
}

export async function openForWrite(table: string): Promise<WriteContext> {
  const storage = storageFor(table);
  const snapshot = await loadSnapshotFrom(storage, table);
  assertWritable(table, snapshot.version, snapshot.protocol, snapshot.metadata);
  return {
    table,
    storage,
    snapshot,
    indexedColumns: indexedColumnCount(snapshot.properties),
    checkpointInterval: checkpointInterval(snapshot.properties),
  };
}

/**
 * The metadata and protocol actions every commit starts with: a metaData action carrying the new
 * properties (none when they change nothing) and, when the table's metadata turns on a feature its
 * protocol does not list, a protocol action that adds it. So a table written before cvc listed
 * every feature (NOT NULL columns without `invariants`) is upgraded by its next commit, in place.
 */
export function propertyActions(snapshot: Snapshot, properties: Record<string, string> | undefined): Action[] {
  const current = snapshot.metadata.configuration ?? {};
  const changed = properties !== undefined && Object.entries(properties).some(([k, v]) => current[k] !== v);
  if (changed) assertPropertiesSupported(snapshot.table, snapshot.version, properties);
  const metaData: Metadata = changed
    ? { ...snapshot.metadata, configuration: { ...current, ...properties } }
    : snapshot.metadata;
  const protocol = protocolUpgrade(snapshot.protocol, metaData, Object.keys(snapshot.domains));
  return [...(protocol ? [{ protocol }] : []), ...(changed ? [{ metaData }] : [])];
}

/** The result to return when this app transaction was already committed, else undefined. */
export function alreadyApplied(
  ctx: WriteContext,
  operation: string,
  txn: AppTransaction | undefined,
): CommitResult | undefined {
  if (!txn) return undefined;
  const done = ctx.snapshot.appTransactions[txn.appId];
  if (done === undefined || done < txn.version) return undefined;
  return {
    table: ctx.table,
    version: ctx.snapshot.version,
    operation,
    metrics: {},
    checkpointWritten: false,
    skipped: true,
  };
}

export function txnActions(txn: AppTransaction | undefined): Action[] {
  return txn ? [{ txn: { appId: txn.appId, version: txn.version, lastUpdated: Date.now() } }] : [];
}

/**
 * Writes staged rows as new data files of the table and describes each as an add action with its stats.
 * New files of a clustered table are written in clustering order, so they count as clustered.
 */
export function writeNewFiles(
  conn: DuckDBConnection,
  ctx: WriteContext,
  staged: Staged,
  maxRowsPerFile: number | undefined,
): Promise<AddFile[]> {
  return writeStaged(conn, ctx.storage, ctx.table, ctx.snapshot.version, ctx.snapshot.schema, staged, {
    maxRowsPerFile,
    dataChange: true,
    indexedColumns: ctx.indexedColumns,
    clusteringProvider: ctx.snapshot.clusteringColumns.length > 0 ? CLUSTERING_PROVIDER : undefined,
  });
}

/**
 * The commit fields of an operation whose result depends on the whole table (not a blind append): its
 * conflict scope (the files it read and removes, its app transaction), the caller's lineage and the
 * checkpoint policy.
 */
export function readingCommit(
  ctx: WriteContext,
  opts: CommitOptions,
  read: Pick<PreparedCommit['scope'], 'readPaths' | 'removedPaths' | 'readPredicate'>,
): Pick<PreparedCommit, 'readVersion' | 'isBlindAppend' | 'scope' | 'userMetadata' | 'checkpointInterval'> {
  return {
    readVersion: ctx.snapshot.version,
    isBlindAppend: false,
    scope: { ...read, readsAllData: true, appIds: opts.txn ? [opts.txn.appId] : [], domains: [] },
    userMetadata: opts.metadata,
    checkpointInterval: ctx.checkpointInterval,
  };
}
