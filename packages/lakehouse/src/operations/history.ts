// HISTORY: commitInfo of each version, newest first, with the caller's lineage parsed back.

import type { CommitMetadata } from '../transaction/commit.js';
import { listLog } from '../log/listing.js';
import { commitInfoOf, commitTimestamp, readCommit } from '../log/replay.js';
import { DeltaError } from '../errors.js';
import { storageFor } from '../storage/local.js';

export interface HistoryEntry {
  version: number;
  timestamp: Date;
  operation: string;
  operationParameters: Record<string, unknown>;
  operationMetrics: Record<string, unknown>;
  readVersion?: number;
  isBlindAppend?: boolean;
  engineInfo?: string;
  /** The CommitMetadata passed by the caller (commitInfo.userMetadata parsed as JSON). */
  metadata?: CommitMetadata;
}

function parseUserMetadata(raw: unknown): CommitMetadata | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as CommitMetadata)
      : { value: parsed };
  } catch {
    return { value: raw };
  }
}

export async function history(table: string, opts: { limit?: number } = {}): Promise<HistoryEntry[]> {
  const storage = storageFor(table);
  const listing = await listLog(storage);
  if (listing.latestVersion === undefined)
    throw new DeltaError('TABLE_NOT_FOUND', table, undefined, 'no Delta log found (missing _delta_log/)');
  const versions = [...listing.commits.keys()].sort((a, b) => b - a).slice(0, opts.limit ?? Number.POSITIVE_INFINITY);
  const out: HistoryEntry[] = [];
  for (const version of versions) {
    const actions = await readCommit(storage, table, version);
    const info = commitInfoOf(actions) ?? {};
    const entry: HistoryEntry = {
      version,
      timestamp: new Date(await commitTimestamp(storage, version, actions)),
      operation: info.operation ?? 'UNKNOWN',
      operationParameters: info.operationParameters ?? {},
      operationMetrics: info.operationMetrics ?? {},
    };
    if (typeof info.readVersion === 'number') entry.readVersion = info.readVersion;
    if (typeof info.isBlindAppend === 'boolean') entry.isBlindAppend = info.isBlindAppend;
    if (typeof info.engineInfo === 'string') entry.engineInfo = info.engineInfo;
    const metadata = parseUserMetadata(info.userMetadata);
    if (metadata) entry.metadata = metadata;
    out.push(entry);
  }
  return out;
}
