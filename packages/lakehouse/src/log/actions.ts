// The Delta log actions we read and write (PROTOCOL.md, "Actions"). Fields we do not use are kept
// loosely typed so that replaying another writer's log never drops them silently.

import type { DeletionVectorDescriptor } from '../deletion-vectors/descriptor.js';

export type { DeletionVectorDescriptor };

export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[] | null;
  writerFeatures?: string[] | null;
}

export interface Metadata {
  id: string;
  name?: string | null;
  description?: string | null;
  format: { provider: string; options?: Record<string, string> | null };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime?: number | null;
}

export interface AddFile {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
  clusteringProvider?: string | null;
}

export interface RemoveFile {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean | null;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
}

export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

export interface DomainMetadata {
  domain: string;
  configuration: string;
  removed: boolean;
}

export interface CommitInfo {
  timestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  readVersion?: number;
  isBlindAppend?: boolean;
  userMetadata?: string;
  engineInfo?: string;
  [key: string]: unknown;
}

export type Action =
  | { protocol: Protocol }
  | { metaData: Metadata }
  | { add: AddFile }
  | { remove: RemoveFile }
  | { txn: Txn }
  | { domainMetadata: DomainMetadata }
  | { commitInfo: CommitInfo };

/** Per-file statistics as Delta stores them (JSON in `add.stats`). */
export interface FileStats {
  numRecords: number;
  minValues: Record<string, unknown>;
  maxValues: Record<string, unknown>;
  nullCount: Record<string, number>;
  tightBounds?: boolean;
}

export function parseStats(stats: string | null | undefined): FileStats | undefined {
  if (!stats) return undefined;
  try {
    const s = JSON.parse(stats) as Partial<FileStats>;
    return {
      numRecords: Number(s.numRecords ?? NaN),
      minValues: s.minValues ?? {},
      maxValues: s.maxValues ?? {},
      nullCount: s.nullCount ?? {},
    };
  } catch {
    // Stats are an optimisation: a file with unreadable stats is simply never skipped.
    return undefined;
  }
}
