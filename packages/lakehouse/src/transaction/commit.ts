// One atomic commit: write `<version>.json` only if absent; when another writer got there first,
// check its commit for a real conflict and retry at the next version with backoff.

import { setTimeout as sleep } from 'node:timers/promises';
import { DeltaError } from '../errors.js';
import type { Action, AddFile, CommitInfo, Protocol } from '../log/actions.js';
import { serialiseCommit } from '../log/commit-file.js';
import { commitPath, LOG_DIR } from '../log/paths.js';
import { readCommit } from '../log/replay.js';
import type { Storage } from '../storage/storage.js';
import { maybeCheckpoint } from './checkpoint-policy.js';
import { findConflict, suspectAdds, type ConflictScope } from './conflict.js';

export const ENGINE_INFO = 'cvc-lakehouse/0.1.0';

/** Caller lineage (source, watermark, row counts ...), stored as JSON in commitInfo.userMetadata. */
export type CommitMetadata = Record<string, unknown>;

export interface CommitResult {
  table: string;
  version: number;
  operation: string;
  metrics: Record<string, number>;
  checkpointWritten: boolean;
  /** True when an app transaction (`txn` option) had already been committed and nothing was done. */
  skipped?: boolean;
}

export interface PreparedCommit {
  operation: string;
  operationParameters: Record<string, unknown>;
  metrics: Record<string, number>;
  actions: Action[];
  /** Version the operation planned against; undefined only when creating a table (commits version 0). */
  readVersion: number | undefined;
  isBlindAppend: boolean;
  scope: ConflictScope;
  userMetadata?: CommitMetadata | undefined;
  /** From the table's `delta.checkpointInterval` (default 10): checkpoint when the version is a multiple. */
  checkpointInterval: number;
  /**
   * Exact check for a `readsAllData` operation with a SQL predicate: of the files a winner added that
   * stats cannot rule out, the paths that really hold a row the predicate selects. Without it every such
   * file conflicts (hash-sharded store ids interleave, so min/max stats of disjoint shards overlap).
   */
  rowsMatch?: ((adds: readonly AddFile[]) => Promise<ReadonlySet<string>>) | undefined;
}

export interface CommitSettings {
  maxRetries?: number | undefined;
  /** Runs once after planning, before the first commit attempt (tests put a concurrent writer's commit here). */
  beforeCommit?: (() => Promise<void>) | undefined;
}

function commitInfo(prepared: PreparedCommit): CommitInfo {
  const info: CommitInfo = {
    timestamp: Date.now(),
    operation: prepared.operation,
    operationParameters: prepared.operationParameters,
    isolationLevel: 'Serializable',
    isBlindAppend: prepared.isBlindAppend,
    operationMetrics: prepared.metrics,
    engineInfo: ENGINE_INFO,
    clientVersion: ENGINE_INFO,
  };
  if (prepared.readVersion !== undefined) info.readVersion = prepared.readVersion;
  if (prepared.userMetadata !== undefined) info.userMetadata = JSON.stringify(prepared.userMetadata);
  return info;
}

export async function commit(
  storage: Storage,
  table: string,
  prepared: PreparedCommit,
  settings: CommitSettings = {},
): Promise<CommitResult> {
  const maxRetries = settings.maxRetries ?? 20;
  await storage.mkdirs(LOG_DIR);
  await settings.beforeCommit?.();
  let version = prepared.readVersion === undefined ? 0 : prepared.readVersion + 1;
  for (let attempt = 0; ; attempt++) {
    // commitInfo goes first, as Spark writes it, so history() can stop at the first line.
    const body = serialiseCommit([{ commitInfo: commitInfo(prepared) }, ...prepared.actions]);
    if (await storage.putIfAbsent(commitPath(version), body)) {
      const checkpointWritten = await maybeCheckpoint(storage, table, version, prepared.checkpointInterval);
      return { table, version, operation: prepared.operation, metrics: prepared.metrics, checkpointWritten };
    }
    if (prepared.readVersion === undefined) {
      throw new DeltaError('TABLE_EXISTS', table, 0, 'another writer created the table first');
    }
    const winner = await readCommit(storage, table, version);
    const ours = prepared.actions.find((a): a is { protocol: Protocol } => 'protocol' in a);
    const suspects = prepared.rowsMatch ? suspectAdds(prepared.scope, winner) : [];
    const matching = suspects.length > 0 ? await prepared.rowsMatch!(suspects) : new Set<string>();
    const cleared = new Set(suspects.filter((a) => !matching.has(a.path)).map((a) => a.path));
    const reason = findConflict(prepared.scope, winner, ours?.protocol, cleared);
    if (reason !== undefined) {
      throw new DeltaError(
        'CONFLICT',
        table,
        version,
        `${prepared.operation} planned on version ${prepared.readVersion} conflicts with the commit at version ` +
          `${version}: ${reason}; re-run the operation`,
      );
    }
    if (attempt >= maxRetries) {
      throw new DeltaError(
        'CONFLICT',
        table,
        version,
        `${prepared.operation} gave up after ${attempt + 1} attempts: ` +
          'other writers kept committing first (raise maxRetries)',
      );
    }
    version++;
    // Full jitter, growing with attempts, so that racing writers spread out instead of colliding again.
    await sleep(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6)));
  }
}
