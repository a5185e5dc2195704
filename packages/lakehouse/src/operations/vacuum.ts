// VACUUM: delete data files no live version needs. A file is kept when the current version
// references it, when it was removed less than the retention period ago (time travel within the
// period still reads it), or when it is untracked but younger than the period (it may belong to a
// writer that has not committed yet). Deletion vector files count as referenced by the logical files
// (live or recently removed) whose descriptors name them; unreferenced ones go like orphan data files.

import { DeltaError } from '../errors.js';
import { LOG_DIR } from '../log/paths.js';
import { referencedDvFile } from '../deletion-vectors/descriptor.js';
import { decodePath } from '../log/replay.js';
import { loadSnapshotFrom } from '../snapshot.js';
import { storageFor } from '../storage/local.js';
import { parseInterval } from '../transaction/checkpoint-policy.js';
import { assertWritable } from '../transaction/protocol.js';

export interface VacuumOptions {
  /** Default: the table's delta.deletedFileRetentionDuration, else 168 hours. */
  retentionHours?: number;
  /** Refuse a retention below 168 hours unless false (as Delta's retentionDurationCheck). */
  enforceRetention?: boolean;
  dryRun?: boolean;
  now?: Date;
}

export interface VacuumResult {
  table: string;
  version: number;
  /** Paths relative to the table root. */
  deleted: string[];
}

const HOUR_MS = 3_600_000;
const TEMP_FILE = /^\..+\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;
const MIN_RETENTION_HOURS = 168;

function isHidden(relPath: string): boolean {
  // Delta ignores files and directories starting with '_' or '.' (the log, temp files, Spark markers).
  return relPath.split('/').some((part) => part.startsWith('_') || part.startsWith('.'));
}

export async function vacuum(table: string, opts: VacuumOptions = {}): Promise<VacuumResult> {
  const storage = storageFor(table);
  const snapshot = await loadSnapshotFrom(storage, table);
  assertWritable(table, snapshot.version, snapshot.protocol, snapshot.metadata);
  const defaultHours =
    parseInterval(snapshot.properties['delta.deletedFileRetentionDuration'], MIN_RETENTION_HOURS * HOUR_MS) / HOUR_MS;
  const hours = opts.retentionHours ?? defaultHours;
  if (!(hours >= 0))
    throw new DeltaError('INVALID_ARGUMENT', table, snapshot.version, `invalid retention ${hours} hours`);
  if ((opts.enforceRetention ?? true) && hours < MIN_RETENTION_HOURS) {
    throw new DeltaError(
      'INVALID_ARGUMENT',
      table,
      snapshot.version,
      `retention of ${hours} hours is below the safe minimum of ${MIN_RETENTION_HOURS}; pass enforceRetention: ` +
        'false if no reader or writer can still need those files',
    );
  }
  const cutoff = (opts.now ?? new Date()).getTime() - hours * HOUR_MS;
  const live = new Set(snapshot.files.map((f) => f.path));
  const recent = snapshot.tombstones.filter((r) => (r.deletionTimestamp ?? 0) > cutoff);
  const recentlyRemoved = new Set(recent.map((r) => decodePath(r.path)));
  for (const dv of [...snapshot.files.map((f) => f.dv), ...recent.map((r) => r.deletionVector ?? undefined)]) {
    const file = referencedDvFile(storage, dv);
    if (file !== undefined) live.add(file);
  }
  const deleted: string[] = [];
  for (const file of await storage.listRecursive('')) {
    if (isHidden(file.path) || live.has(file.path) || recentlyRemoved.has(file.path)) continue;
    if (file.modifiedMs > cutoff) continue;
    deleted.push(file.path);
  }
  // Temp files of commits or checkpoints whose writer died before the link/rename.
  for (const file of await storage.list(LOG_DIR)) {
    const name = file.path.slice(LOG_DIR.length + 1);
    if (TEMP_FILE.test(name) && file.modifiedMs <= cutoff) deleted.push(file.path);
  }
  deleted.sort();
  if (!opts.dryRun) for (const p of deleted) await storage.delete(p);
  return { table, version: snapshot.version, deleted };
}
