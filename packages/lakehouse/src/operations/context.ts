// What every operation starts from: the latest snapshot, checked writable, and the options all
// commits share (caller lineage, table properties, retries).

import type { Action, Metadata } from '../log/actions.js';
import { loadSnapshotFrom, type Snapshot } from '../snapshot.js';
import { storageFor } from '../storage/local.js';
import type { Storage } from '../storage/storage.js';
import { checkpointInterval } from '../transaction/checkpoint-policy.js';
import type { CommitMetadata, CommitResult } from '../transaction/commit.js';
import { assertPropertiesSupported, assertWritable, protocolUpgrade } from '../transaction/protocol.js';
import { indexedColumnCount } from '../files/stats.js';

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
