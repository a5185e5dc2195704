// The state of a table at one version, as operations and readers need it.

import { DeltaError } from './errors.js';
import type { DomainMetadata, Metadata, Protocol, RemoveFile } from './log/actions.js';
import { listLog } from './log/listing.js';
import { replay, type ActiveFile, type LogState } from './log/replay.js';
import { parseSchemaString, type SchemaField } from './schema.js';
import { storageFor } from './storage/local.js';
import type { Storage } from './storage/storage.js';
import { assertReadable, CLUSTERING_DOMAIN } from './transaction/protocol.js';

export type { ActiveFile } from './log/replay.js';

export interface Snapshot {
  table: string;
  version: number;
  /** Commit time of this version, ms since epoch. */
  timestamp: number;
  protocol: Protocol;
  metadata: Metadata;
  schema: SchemaField[];
  properties: Record<string, string>;
  clusteringColumns: string[];
  files: ActiveFile[];
  tombstones: RemoveFile[];
  appTransactions: Record<string, number>;
  domains: Record<string, DomainMetadata>;
}

export interface TimeTravel {
  version?: number;
  timestamp?: Date | string;
}

export { CLUSTERING_DOMAIN };

/** Clustering columns from the `delta.clustering` domain; Spark writes paths (`[["a"]]`), the spec shows names. */
export function parseClusteringColumns(table: string, version: number, domain: DomainMetadata | undefined): string[] {
  if (!domain) return [];
  try {
    const config = JSON.parse(domain.configuration) as { clusteringColumns?: unknown[] };
    return (config.clusteringColumns ?? []).map((c) => (Array.isArray(c) ? c.join('.') : String(c)));
  } catch (e) {
    throw new DeltaError('CORRUPT_LOG', table, version, 'the delta.clustering domain configuration is not valid JSON', {
      cause: e,
    });
  }
}

export function snapshotFromState(table: string, state: LogState): Snapshot {
  assertReadable(table, state.version, state.protocol, state.metadata);
  const domains = Object.fromEntries(state.domains);
  return {
    table,
    version: state.version,
    timestamp: state.timestamp,
    protocol: state.protocol,
    metadata: state.metadata,
    schema: parseSchemaString(table, state.version, state.metadata.schemaString),
    properties: { ...(state.metadata.configuration ?? {}) },
    clusteringColumns: parseClusteringColumns(table, state.version, state.domains.get(CLUSTERING_DOMAIN)),
    files: [...state.files.values()].sort((a, b) => a.path.localeCompare(b.path)),
    tombstones: [...state.tombstones.values()],
    appTransactions: Object.fromEntries(state.txns),
    domains,
  };
}

export async function loadSnapshotFrom(storage: Storage, table: string, at: TimeTravel = {}): Promise<Snapshot> {
  const state = await replay(storage, table, at);
  return snapshotFromState(table, state);
}

export async function loadSnapshot(table: string, at: TimeTravel = {}): Promise<Snapshot> {
  return loadSnapshotFrom(storageFor(table), table, at);
}

export async function tableExists(table: string): Promise<boolean> {
  return (await listLog(storageFor(table))).latestVersion !== undefined;
}
