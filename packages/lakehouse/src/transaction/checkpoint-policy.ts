// When to checkpoint and what a checkpoint holds. A checkpoint is an optimisation: failing to write
// one never fails the commit that triggered it.

import type { Action } from '../log/actions.js';
import { writeCheckpointFile } from '../log/checkpoint.js';
import { replay, type LogState } from '../log/replay.js';
import type { Storage } from '../storage/storage.js';

export const DEFAULT_CHECKPOINT_INTERVAL = 10;
const WEEK_MS = 7 * 24 * 3600 * 1000;

const UNIT_MS: Record<string, number> = {
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: WEEK_MS,
};

/** Parses Delta interval properties such as `interval 7 days` (default when absent or unparsable). */
export function parseInterval(value: string | undefined, fallbackMs: number): number {
  if (!value) return fallbackMs;
  const m = /^\s*(?:interval\s+)?(\d+)\s+([a-z]+?)s?\s*$/i.exec(value);
  if (!m) return fallbackMs;
  const unit = UNIT_MS[m[2]!.toLowerCase()];
  return unit === undefined ? fallbackMs : Number(m[1]) * unit;
}

export function checkpointActions(state: LogState, nowMs: number): Action[] {
  const retention = parseInterval(state.metadata.configuration?.['delta.deletedFileRetentionDuration'], WEEK_MS);
  const actions: Action[] = [{ protocol: state.protocol }, { metaData: state.metadata }];
  for (const [appId, version] of state.txns) actions.push({ txn: { appId, version } });
  for (const d of state.domains.values()) actions.push({ domainMetadata: d });
  for (const f of state.files.values()) actions.push({ add: { ...f.add, dataChange: false } });
  for (const r of state.tombstones.values()) {
    // Expired tombstones are dropped; vacuum treats files they named as orphans (older than retention anyway).
    if ((r.deletionTimestamp ?? 0) < nowMs - retention) continue;
    const { stats: _stats, tags: _tags, ...tombstone } = r;
    actions.push({ remove: { ...tombstone, dataChange: false } });
  }
  return actions;
}

export async function writeCheckpoint(storage: Storage, table: string, version?: number): Promise<number> {
  const state = await replay(storage, table, version === undefined ? {} : { version });
  await writeCheckpointFile(storage, state.version, checkpointActions(state, Date.now()));
  return state.version;
}

export function checkpointInterval(configuration: Record<string, string> | undefined): number {
  const n = Number(configuration?.['delta.checkpointInterval'] ?? DEFAULT_CHECKPOINT_INTERVAL);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_CHECKPOINT_INTERVAL;
}

export async function maybeCheckpoint(
  storage: Storage,
  table: string,
  version: number,
  interval: number,
): Promise<boolean> {
  if (version === 0 || version % interval !== 0) return false;
  try {
    const state = await replay(storage, table, { version });
    await writeCheckpointFile(storage, version, checkpointActions(state, Date.now()));
    return true;
  } catch {
    // The commit is already durable; a later checkpoint (or an explicit checkpoint()) covers it.
    return false;
  }
}
