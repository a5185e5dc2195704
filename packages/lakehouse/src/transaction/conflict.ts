// Does a commit that won the race really conflict with ours? Mirrors delta-rs' conflict checker
// in spirit: blind appends never conflict; an operation that read or removed files conflicts when
// the winner removed those files, added data it would have read, or changed metadata/protocol.

import { parseStats, type Action, type AddFile, type Protocol } from '../log/actions.js';
import { sameProtocol } from './protocol.js';
import { decodePath } from '../log/replay.js';
import { fileMayMatch, type FilterValue } from '../read/skipping.js';
import type { SchemaField } from '../schema.js';

export interface ConflictScope {
  /** Files our operation read to decide what to write (their removal by another writer invalidates us). */
  readPaths: readonly string[];
  /** Files our operation removes. */
  removedPaths: readonly string[];
  /** True when new data added by another writer would have changed our result (overwrite, delete, merge ...). */
  readsAllData: boolean;
  /**
   * The read predicate of a `readsAllData` operation, as simple column filters (all must hold), when
   * it has one: a concurrently added file conflicts only when its partition values and stats could
   * hold a matching row, as in Delta's conflict checker. Without it every added file conflicts.
   */
  readPredicate?: ReadonlyArray<readonly [SchemaField, FilterValue]> | undefined;
  /** App transaction ids we set. */
  appIds: readonly string[];
  /** Metadata domains we set. */
  domains: readonly string[];
  /**
   * Set for blind appends that do not change metadata themselves: the schemaString they wrote
   * against. A winner that only changed table properties (same schema) does not invalidate them.
   */
  blindAppendSchema?: string | undefined;
}

/**
 * The data files the winner added that our read predicate may select by their partition values and
 * stats alone: the ones an exact row check (PreparedCommit.rowsMatch) can still clear.
 */
export function suspectAdds(ours: ConflictScope, winner: readonly Action[]): AddFile[] {
  if (!ours.readsAllData) return [];
  return winner.flatMap((a) => ('add' in a && a.add.dataChange && mayMatch(a.add, ours.readPredicate) ? [a.add] : []));
}

/**
 * A reason string when the winner conflicts with us, undefined when we can commit after it. `cleared`:
 * paths of added files an exact row check proved hold no row our predicate selects.
 */
export function findConflict(
  ours: ConflictScope,
  winner: readonly Action[],
  ourProtocol?: Protocol,
  cleared: ReadonlySet<string> = new Set(),
): string | undefined {
  const read = new Set(ours.readPaths.map(decodePath));
  const removed = new Set(ours.removedPaths.map(decodePath));
  for (const a of winner) {
    // Two writers upgrading an old table in passing write the same protocol: the loser's is a no-op.
    if ('protocol' in a) {
      if (ourProtocol !== undefined && sameProtocol(a.protocol, ourProtocol)) continue;
      return 'a concurrent commit changed the protocol';
    }
    if ('metaData' in a) {
      if (
        ours.blindAppendSchema !== undefined &&
        a.metaData.schemaString === ours.blindAppendSchema &&
        (a.metaData.partitionColumns ?? []).length === 0
      )
        continue;
      return 'a concurrent commit changed the table metadata (schema or properties)';
    }
    if ('remove' in a) {
      const p = decodePath(a.remove.path);
      if (removed.has(p)) return `a concurrent commit already removed file ${p}`;
      if (read.has(p)) return `a concurrent commit removed file ${p} that this operation read`;
    }
    if (
      'add' in a &&
      a.add.dataChange &&
      ours.readsAllData &&
      !cleared.has(a.add.path) &&
      mayMatch(a.add, ours.readPredicate)
    ) {
      return `a concurrent commit added data (${decodePath(a.add.path)}) that this operation would have read`;
    }
    if ('txn' in a && ours.appIds.includes(a.txn.appId))
      return `a concurrent commit used application transaction ${a.txn.appId}`;
    if ('domainMetadata' in a && ours.domains.includes(a.domainMetadata.domain)) {
      return `a concurrent commit changed metadata domain ${a.domainMetadata.domain}`;
    }
  }
  return undefined;
}

/**
 * Could a file another writer added hold rows our read predicate selects? Partition values are exact;
 * otherwise the file's min/max/nullCount stats decide, and a file without stats always may match.
 */
function mayMatch(add: AddFile, predicate: ConflictScope['readPredicate']): boolean {
  if (predicate === undefined) return true;
  const stats = parseStats(add.stats);
  return predicate.every(([field, value]) => {
    const parts = add.partitionValues ?? {};
    if (Object.hasOwn(parts, field.name)) {
      const v = parts[field.name] ?? null;
      const one = {
        numRecords: 1,
        minValues: v === null ? {} : { [field.name]: v },
        maxValues: v === null ? {} : { [field.name]: v },
        nullCount: { [field.name]: v === null ? 1 : 0 },
      };
      return fileMayMatch(one, field, value);
    }
    return fileMayMatch(stats, field, value);
  });
}
