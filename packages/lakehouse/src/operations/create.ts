// CREATE TABLE: protocol, metaData (DuckDB types -> Delta schemaString) and, for clustered
// tables, the `delta.clustering` domain, all in version 0.

import { randomUUID } from 'node:crypto';
import { DeltaError, isDeltaError } from '../errors.js';
import type { Action, Metadata } from '../log/actions.js';
import { listLog } from '../log/listing.js';
import { loadSnapshotFrom, CLUSTERING_DOMAIN } from '../snapshot.js';
import { normaliseType, toSchemaString, type ColumnDef } from '../schema.js';
import { storageFor } from '../storage/local.js';
import { checkpointInterval } from '../transaction/checkpoint-policy.js';
import { commit, type CommitMetadata, type CommitResult } from '../transaction/commit.js';
import { assertPropertiesSupported, protocolForNewTable } from '../transaction/protocol.js';

export interface CreateTableOptions {
  columns: ColumnDef[];
  clusterBy?: string[];
  name?: string;
  description?: string;
  properties?: Record<string, string>;
  /** Return the existing table's latest version instead of failing when it exists. */
  ifNotExists?: boolean;
  metadata?: CommitMetadata;
}

export async function createTable(_conn: unknown, table: string, opts: CreateTableOptions): Promise<CommitResult> {
  const storage = storageFor(table);
  const listing = await listLog(storage);
  if (listing.latestVersion !== undefined) {
    if (opts.ifNotExists) {
      const snapshot = await loadSnapshotFrom(storage, table);
      return { table, version: snapshot.version, operation: 'CREATE TABLE', metrics: {}, checkpointWritten: false };
    }
    throw new DeltaError('TABLE_EXISTS', table, listing.latestVersion, 'the table already exists');
  }
  if (opts.columns.length === 0)
    throw new DeltaError('INVALID_ARGUMENT', table, undefined, 'a table needs at least one column');
  const schemaString = toSchemaString(table, opts.columns);
  const clusterBy = opts.clusterBy ?? [];
  for (const c of clusterBy) {
    const col = opts.columns.find((x) => x.name === c);
    if (!col)
      throw new DeltaError('INVALID_ARGUMENT', table, undefined, `clustering column ${c} is not a column of the table`);
    if (normaliseType(table, col.type) === 'BOOLEAN') {
      throw new DeltaError(
        'INVALID_ARGUMENT',
        table,
        undefined,
        `clustering column ${c} is BOOLEAN; cluster on a column with min/max stats`,
      );
    }
  }
  const configuration = { ...(opts.properties ?? {}) };
  assertPropertiesSupported(table, undefined, configuration);
  const metaData: Metadata = {
    id: randomUUID(),
    ...(opts.name === undefined ? {} : { name: opts.name }),
    ...(opts.description === undefined ? {} : { description: opts.description }),
    format: { provider: 'parquet', options: {} },
    schemaString,
    partitionColumns: [],
    configuration,
    createdTime: Date.now(),
  };
  // Every feature the metadata turns on is listed (NOT NULL columns are invariants): Spark refuses
  // a table whose protocol misses one, where delta-rs does not mind.
  const protocol = protocolForNewTable(metaData, clusterBy.length > 0 ? [CLUSTERING_DOMAIN] : []);
  const actions: Action[] = [{ protocol }, { metaData }];
  if (clusterBy.length > 0) {
    // Spark and Delta Kernel record each clustering column as a path (a list of name parts).
    const configuration = JSON.stringify({ clusteringColumns: clusterBy.map((c) => [c]) });
    actions.push({ domainMetadata: { domain: CLUSTERING_DOMAIN, configuration, removed: false } });
  }
  await storage.mkdirs('');
  const operationParameters: Record<string, unknown> = {
    mode: 'ErrorIfExists',
    location: storage.root,
    protocol: JSON.stringify(protocol),
    metadata: JSON.stringify({ configuration }),
  };
  if (clusterBy.length > 0) operationParameters['clusterBy'] = JSON.stringify(clusterBy);
  const prepared = {
    operation: 'CREATE TABLE',
    operationParameters,
    metrics: {},
    actions,
    readVersion: undefined,
    isBlindAppend: true,
    scope: { readPaths: [], removedPaths: [], readsAllData: false, appIds: [], domains: [] },
    userMetadata: opts.metadata,
    checkpointInterval: checkpointInterval(configuration),
  };
  try {
    return await commit(storage, table, prepared);
  } catch (e) {
    // Two processes creating the same table with ifNotExists: the loser just uses the winner's table.
    if (opts.ifNotExists && isDeltaError(e, 'TABLE_EXISTS')) {
      const snapshot = await loadSnapshotFrom(storage, table);
      return { table, version: snapshot.version, operation: 'CREATE TABLE', metrics: {}, checkpointWritten: false };
    }
    throw e;
  }
}
