// SET TBLPROPERTIES, UPGRADE PROTOCOL and an explicit checkpoint.

import { DeltaError } from '../errors.js';
import { storageFor } from '../storage/local.js';
import { writeCheckpoint } from '../transaction/checkpoint-policy.js';
import { commit, type CommitResult } from '../transaction/commit.js';
import { openForWrite, propertyActions, type CommitOptions } from './context.js';

export async function setProperties(
  table: string,
  properties: Record<string, string>,
  opts: CommitOptions = {},
): Promise<CommitResult> {
  const ctx = await openForWrite(table);
  for (const [k, v] of Object.entries(properties)) {
    if (typeof v !== 'string')
      throw new DeltaError('INVALID_ARGUMENT', table, ctx.snapshot.version, `property ${k} must be a string`);
  }
  const actions = propertyActions(ctx.snapshot, { ...properties, ...(opts.properties ?? {}) });
  return commit(
    ctx.storage,
    table,
    {
      operation: 'SET TBLPROPERTIES',
      operationParameters: { properties: JSON.stringify(properties) },
      metrics: {},
      actions,
      readVersion: ctx.snapshot.version,
      isBlindAppend: false,
      scope: { readPaths: [], removedPaths: [], readsAllData: false, appIds: [], domains: [] },
      userMetadata: opts.metadata,
      checkpointInterval: ctx.checkpointInterval,
    },
    opts,
  );
}

/**
 * Adds to the protocol every feature the table's metadata turns on, in one commit of its own (as
 * Spark's ALTER TABLE ... SET TBLPROPERTIES ('delta.feature.x' = 'supported') does). Every write
 * does the same in passing; this is for tables nobody writes to. Commits nothing (`skipped: true`)
 * when the protocol is already complete.
 */
export async function upgradeProtocol(table: string, opts: CommitOptions = {}): Promise<CommitResult> {
  const ctx = await openForWrite(table);
  const actions = propertyActions(ctx.snapshot, undefined);
  if (actions.length === 0) {
    const version = ctx.snapshot.version;
    return { table, version, operation: 'UPGRADE PROTOCOL', metrics: {}, checkpointWritten: false, skipped: true };
  }
  const protocol = actions.find((a) => 'protocol' in a);
  return commit(
    ctx.storage,
    table,
    {
      operation: 'UPGRADE PROTOCOL',
      operationParameters: { newProtocol: JSON.stringify(protocol && 'protocol' in protocol ? protocol.protocol : {}) },
      metrics: {},
      actions,
      readVersion: ctx.snapshot.version,
      isBlindAppend: false,
      scope: { readPaths: [], removedPaths: [], readsAllData: false, appIds: [], domains: [] },
      userMetadata: opts.metadata,
      checkpointInterval: ctx.checkpointInterval,
    },
    opts,
  );
}

/** Writes a checkpoint for `version` (default: latest) and points `_last_checkpoint` at it. */
export async function checkpoint(_conn: unknown, table: string, version?: number): Promise<number> {
  return writeCheckpoint(storageFor(table), table, version);
}
